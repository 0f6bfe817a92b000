'use strict'
// An express-session store on sessiond, with connect-redis's semantics: each express session is a
// sessiond session `<prefix><sid>` whose data is the session object and whose TTL follows the
// cookie (expires, else maxAge, else `ttl`); a cookie already expired destroys the session.
// all/ids/length/clear run on the server: the listing with a prefix filter and the bulk delete.
const { EventEmitter } = require('node:events')
const { SessiondClient } = require('./client.cjs')

const DEFAULT_TTL_SECONDS = 86400
const MAX_TTL_SECONDS = 315360000
const VALID_ID = /^[A-Za-z0-9._@:+-]{1,128}$/

// express-session is an optional peer dependency: when it is installed the store extends its Store
// (so regenerate, load and createSession are express-session's own); else an EventEmitter.
let ExpressStore = null
try {
  ExpressStore = require('express-session').Store
} catch {}

/**
 * A sid as the rest of a session id: the id's characters pass except `@`; every other byte of its
 * UTF-8 (so `_` of express-session's base64url sids, and `@`) is `@` and two hex digits.
 */
function encodeSid (sid) {
  let out = ''
  for (const ch of String(sid)) {
    if (/^[A-Za-z0-9.:+-]$/.test(ch)) out += ch
    else for (const b of Buffer.from(ch, 'utf8')) out += '@' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function decodeSid (encoded) {
  return encoded.replace(/(?:@[0-9A-F]{2})+/g, run => Buffer.from(run.replace(/@/g, ''), 'hex').toString('utf8'))
}

function makeStoreClass (Base) {
  return class SessiondStore extends Base {
    /**
     * @param {object} o url, apiKey (or client); prefix (default 'sess.'); ttl in seconds or
     *   (sess) => seconds (default 86400, used when the cookie has no expires/maxAge; a function
     *   always decides); disableTouch; disableTTL (sessions never expire).
     */
    constructor ({ url, apiKey, client, prefix = 'sess.', ttl, ttlSeconds, disableTouch = false, disableTTL = false } = {}) {
      super()
      this.client = client || new SessiondClient({ url, apiKey })
      if (typeof prefix !== 'string' || (prefix !== '' && !VALID_ID.test(prefix))) {
        throw new TypeError(`sessiond: prefix '${prefix}' must be characters of A-Za-z0-9._@:+-`)
      }
      this.prefix = prefix
      this.ttl = ttl ?? ttlSeconds ?? DEFAULT_TTL_SECONDS
      this.disableTouch = disableTouch
      this.disableTTL = disableTTL
    }

    /** The sessiond session id of an express-session sid. */
    sessionId (sid) {
      const id = this.prefix + encodeSid(sid)
      if (!VALID_ID.test(id)) throw new TypeError(`sessiond: session id for sid '${sid}' is longer than 128 characters`)
      return id
    }

    /** Seconds to keep the session: ttl(sess) when ttl is a function, else from cookie.expires, else cookie.maxAge, else ttl. */
    getTTL (sess) {
      if (typeof this.ttl === 'function') return this.ttl(sess)
      const cookie = sess?.cookie
      if (cookie?.expires) return Math.ceil((new Date(cookie.expires).getTime() - Date.now()) / 1000)
      if (typeof cookie?.maxAge === 'number') return Math.ceil(cookie.maxAge / 1000)
      return this.ttl
    }

    #ttlSeconds (sess) {
      return this.disableTTL ? 0 : Math.min(MAX_TTL_SECONDS, this.getTTL(sess))
    }

    get (sid, cb) {
      return settle(async () => {
        const s = await this.client.getSession(this.sessionId(sid))
        return s ? s.data : null
      }, cb)
    }

    set (sid, sess, cb) {
      return settle(async () => {
        const id = this.sessionId(sid)
        const ttlSeconds = this.#ttlSeconds(sess)
        if (!this.disableTTL && !(ttlSeconds > 0)) {
          await this.client.deleteSession(id)
          return
        }
        await this.client.putSession(id, { data: JSON.parse(JSON.stringify(sess)), ttlSeconds })
      }, cb)
    }

    destroy (sid, cb) {
      return settle(async () => { await this.client.deleteSession(this.sessionId(sid)) }, cb)
    }

    /** Refreshes the TTL (to the cookie's, as set does), keeping the stored data; a missing session is left missing. */
    touch (sid, sess, cb) {
      return settle(async () => {
        if (this.disableTouch || this.disableTTL) return
        const id = this.sessionId(sid)
        const ttlSeconds = this.#ttlSeconds(sess)
        if (!(ttlSeconds > 0)) {
          await this.client.deleteSession(id)
          return
        }
        for (let attempt = 0; ; attempt++) {
          const s = await this.client.getSession(id)
          if (!s) return
          // The same TTL (within the second that passed since the cookie was set): a touch.
          if (Math.abs(s.ttlSeconds - ttlSeconds) <= 1) {
            await this.client.touch(id)
            return
          }
          try {
            await this.client.putSession(id, { data: s.data, ttlSeconds }, { ifMatch: s.version })
            return
          } catch (e) {
            // Written meanwhile by another request: read it again and retry, a few times.
            if (e.status !== 412 || attempt >= 4) throw e
          }
        }
      }, cb)
    }

    /** Every session of this store: the session objects with their `id` (sid). */
    all (cb) {
      return settle(async () => {
        const list = []
        for await (const s of this.#mine()) list.push({ id: this.#sid(s.id), ...s.data })
        return list
      }, cb)
    }

    /** The sids of every session of this store. */
    ids (cb) {
      return settle(async () => {
        const list = []
        for await (const s of this.#mine()) list.push(this.#sid(s.id))
        return list
      }, cb)
    }

    length (cb) {
      return settle(async () => {
        let n = 0
        for await (const _ of this.#mine()) n++ // eslint-disable-line no-unused-vars
        return n
      }, cb)
    }

    /** Deletes every session of this store on the server (DELETE /v1/sessions?prefix=). */
    clear (cb) {
      return settle(async () => {
        if (!this.prefix) throw new Error('sessiond: clear() needs a prefix (it would delete every session of the tenant)')
        await this.client.deleteSessions({ prefix: this.prefix })
      }, cb)
    }

    #sid (id) {
      return decodeSid(id.slice(this.prefix.length))
    }

    async * #mine () {
      for await (const s of this.client.allSessions({ prefix: this.prefix || undefined })) {
        // The server filters by prefix; this only guards against a daemon that ignores it.
        if (s.id.startsWith(this.prefix)) yield s
      }
    }
  }
}

const SessiondStore = makeStoreClass(ExpressStore || EventEmitter)
const classes = new Map()

/** A SessiondStore class extending the given express-session's Store (for a copy of express-session the package cannot require). */
function sessiondStore (session) {
  const Base = session?.Store
  if (typeof Base !== 'function') throw new TypeError('sessiond: pass the express-session module')
  if (Base === ExpressStore) return SessiondStore
  if (!classes.has(Base)) classes.set(Base, makeStoreClass(Base))
  return classes.get(Base)
}

// connect-redis's callback convention: with a callback, errors and values go to it; without one,
// the promise resolves to the value or rejects with the error.
function settle (work, cb) {
  const p = Promise.resolve().then(work)
  if (typeof cb !== 'function') return p
  return p.then(v => cb(null, v), e => cb(e))
}

module.exports = { SessiondStore, sessiondStore, encodeSid, decodeSid }
