// An express-session store on sessiond: the session object is a sessiond session's data, and its
// TTL follows the cookie's maxAge, so every replica behind a load balancer sees the same sessions.
import { EventEmitter } from 'node:events'
import { SessiondClient } from './client.js'

const DEFAULT_TTL_SECONDS = 86400

/**
 * Use `new SessiondStore({url, apiKey, Store: session.Store})` (recommended: it gains
 * express-session's Store methods such as regenerate/load/createSession), or
 * `sessiondStore(session)` for a class that truly extends session.Store.
 */
export class SessiondStore extends EventEmitter {
  constructor ({ url, apiKey, client, prefix = 'sess.', ttlSeconds = DEFAULT_TTL_SECONDS, Store } = {}) {
    super()
    this.client = client || new SessiondClient({ url, apiKey })
    this.prefix = prefix
    this.ttlSeconds = ttlSeconds
    if (Store) mixIn(this, Store)
  }

  #id (sid) {
    return this.prefix + sid
  }

  #ttl (sess) {
    const maxAge = sess?.cookie?.maxAge ?? sess?.cookie?.originalMaxAge
    return typeof maxAge === 'number' && maxAge > 0 ? Math.ceil(maxAge / 1000) : this.ttlSeconds
  }

  get (sid, cb = noop) {
    return settle(this.client.getSession(this.#id(sid)).then(s => s ? s.data : null), cb)
  }

  set (sid, sess, cb = noop) {
    const body = { data: JSON.parse(JSON.stringify(sess)), ttlSeconds: this.#ttl(sess) }
    return settle(this.client.putSession(this.#id(sid), body).then(() => undefined), cb)
  }

  destroy (sid, cb = noop) {
    return settle(this.client.deleteSession(this.#id(sid)).then(() => undefined), cb)
  }

  touch (sid, sess, cb = noop) {
    // The TTL may have changed with the cookie (rolling sessions): refresh it, else just touch.
    const id = this.#id(sid)
    return settle(this.client.getSession(id).then(s => {
      if (!s) return undefined
      if (s.ttlSeconds === this.#ttl(sess)) return this.client.touch(id).then(() => undefined)
      return this.client.putSession(id, { data: s.data, ttlSeconds: this.#ttl(sess) }, { ifMatch: s.version })
        .then(() => undefined, () => undefined)
    }), cb)
  }

  all (cb = noop) {
    return settle(this.#mine().then(list => list.map(s => ({ id: s.id.slice(this.prefix.length), ...s.data }))), cb)
  }

  length (cb = noop) {
    return settle(this.#mine().then(list => list.length), cb)
  }

  clear (cb = noop) {
    return settle(this.#mine().then(async list => {
      for (const s of list) await this.client.deleteSession(s.id)
    }), cb)
  }

  async #mine () {
    const list = []
    for await (const s of this.client.allSessions()) {
      if (s.id.startsWith(this.prefix)) list.push(s)
    }
    return list
  }
}

/** A class that extends express-session's Store: `const Store = sessiondStore(session)`. */
export function sessiondStore (session) {
  const Base = session.Store
  class Store extends Base {
    constructor (options = {}) {
      super()
      const impl = new SessiondStore(options)
      for (const k of ['get', 'set', 'destroy', 'touch', 'all', 'length', 'clear']) {
        this[k] = impl[k].bind(impl)
      }
    }
  }
  return Store
}

function mixIn (target, Store) {
  for (const k of Object.getOwnPropertyNames(Store.prototype)) {
    if (k !== 'constructor' && !(k in target)) target[k] = Store.prototype[k]
  }
}

function noop () {}

function settle (promise, cb) {
  promise.then(v => cb(null, v), e => cb(e))
  return promise.catch(() => {})
}
