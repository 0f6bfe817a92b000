// SessiondStore with the real express-session and express. all/ids/length/clear use the server's
// prefix listing (GET /v1/sessions?prefix=) and bulk delete (DELETE /v1/sessions?prefix=): the
// tests marked [prefix listing] and [bulk delete] need a daemon that has them.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import express from 'express'
import session from 'express-session'
import { SessiondStore, sessiondStore, SessiondClient } from '../src/index.js'
import { newTenant } from './support/daemon.js'

let daemon, client
before(async () => {
  daemon = await newTenant()
  client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
})

/** A real express app with express-session on the given store; answers the visit count. */
async function app (store, { cookie = { maxAge: 60000 }, genid } = {}) {
  const a = express()
  a.use(session({ store, secret: 'test-secret', resave: false, saveUninitialized: false, cookie, ...(genid ? { genid } : {}) }))
  a.get('/visit', (req, res) => {
    req.session.visits = (req.session.visits || 0) + 1
    res.json({ visits: req.session.visits })
  })
  a.get('/peek', (req, res) => res.json({ visits: req.session.visits ?? null }))
  a.get('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })))
  a.use((err, req, res, next) => res.status(500).json({ error: err.message }))
  return new Promise(resolve => {
    const server = a.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }))
  })
}

async function visit (url, cookie, path = '/visit') {
  const res = await fetch(url + path, { headers: cookie ? { cookie } : {} })
  const setCookie = res.headers.get('set-cookie')
  assert.equal(res.status, 200, await res.clone().text())
  return { body: await res.json(), cookie: setCookie ? setCookie.split(';')[0] : cookie }
}

const sidOf = (cookie) => decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]

/** The Store method as a promise through its callback (as express-session calls it). */
const call = (store, m, ...args) => new Promise((resolve, reject) => store[m](...args, (e, v) => e ? reject(e) : resolve(v)))

test('out of the box it is an express-session Store; sessiondStore(session) gives the same class', () => {
  const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey })
  assert.ok(store instanceof session.Store)
  assert.equal(store.createSession, session.Store.prototype.createSession)
  assert.equal(sessiondStore(session), SessiondStore)
})

test('two express apps share sessions through one daemon (cookie from one, visits on the other), with no Store option', async () => {
  const one = await app(new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey }))
  const two = await app(new (sessiondStore(session))({ url: daemon.url, apiKey: daemon.apiKey }))
  try {
    const first = await visit(one.url)
    assert.equal(first.body.visits, 1)
    assert.ok(first.cookie.startsWith('connect.sid='))
    // A returning visitor: express-session's load → createSession.
    const second = await visit(two.url, first.cookie)
    assert.equal(second.body.visits, 2)
    const third = await visit(one.url, first.cookie)
    assert.equal(third.body.visits, 3)
    assert.equal((await visit(two.url, first.cookie, '/peek')).body.visits, 3)
    // The TTL follows the cookie (60 s).
    const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey })
    const stored = await client.getSession(store.sessionId(sidOf(first.cookie)))
    assert.ok(stored.ttlSeconds >= 59 && stored.ttlSeconds <= 60, String(stored.ttlSeconds))
    assert.equal(stored.data.visits, 3)
    await fetch(two.url + '/logout', { headers: { cookie: first.cookie } })
    assert.equal(await client.getSession(store.sessionId(sidOf(first.cookie))), null)
    const after = await visit(one.url, first.cookie)
    assert.equal(after.body.visits, 1)
  } finally {
    one.server.close()
    two.server.close()
  }
  // express-session's sids are base64url, so many hold '_' (not a session id character): a genid
  // that always does.
  const three = await app(new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey }), { genid: () => 'a_b_' + randomUUID() })
  const four = await app(new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey }))
  try {
    const v = await visit(three.url)
    assert.match(sidOf(v.cookie), /^a_b_/)
    assert.equal((await visit(four.url, v.cookie)).body.visits, 2)
    assert.equal((await visit(three.url, v.cookie)).body.visits, 3)
  } finally {
    three.server.close()
    four.server.close()
  }
})

test('express-session 1.19\'s cookie option as a function of the request: each session\'s TTL follows its own cookie', async () => {
  const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey })
  const web = await app(store, { cookie: (req) => ({ maxAge: req.headers['x-remember-me'] ? 3600000 : 30000 }) })
  try {
    const ttlAfter = async (headers) => {
      const res = await fetch(web.url + '/visit', { headers })
      assert.equal(res.status, 200, await res.clone().text())
      const stored = await client.getSession(store.sessionId(sidOf(res.headers.get('set-cookie').split(';')[0])))
      return stored.ttlSeconds
    }
    const short = await ttlAfter({})
    assert.ok(short >= 29 && short <= 30, String(short))
    const long = await ttlAfter({ 'x-remember-me': '1' })
    assert.ok(long >= 3599 && long <= 3600, String(long))
  } finally {
    web.server.close()
  }
})

test('sids with any characters map to valid session ids and back', async () => {
  const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'odd.' })
  for (const sid of ['a_b', 'a@5Fb', 'x/y z', 'ünï', '-_-']) {
    await call(store, 'set', sid, { cookie: { maxAge: 60000 }, sid })
    assert.equal((await call(store, 'get', sid)).sid, sid)
    assert.match(store.sessionId(sid), /^[A-Za-z0-9._@:+-]{1,128}$/)
  }
  assert.notEqual(store.sessionId('a_b'), store.sessionId('a@5Fb'))
})

test('[prefix listing] [bulk delete] connect-redis lifecycle checks (set/get/touch/destroy/ids/all/length/clear with TTLs)', async () => {
  // connect-redis's own lifecycleTest (index_test.ts), with sessiond's ttlSeconds in place of Redis's TTL.
  const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'cr:' })
  assert.equal(store.prefix, 'cr:')
  assert.equal(store.ttl, 86400)
  assert.equal(store.disableTouch, false)
  const ttlOf = async (sid) => (await client.getSession(store.sessionId(sid)))?.ttlSeconds
  await store.clear()

  const sess = { foo: 'bar', cookie: { originalMaxAge: null } }
  await store.set('123', sess)
  assert.deepEqual(await store.get('123'), sess)
  assert.ok(await ttlOf('123') >= 86399)

  let ttl = 60
  const expires = new Date(Date.now() + ttl * 1000)
  await store.set('456', { cookie: { originalMaxAge: null, expires } })
  assert.ok(await ttlOf('456') <= 60)

  ttl = 90
  const expires2 = new Date(Date.now() + ttl * 1000)
  await store.touch('456', { cookie: { originalMaxAge: null, expires: expires2 } })
  assert.ok(await ttlOf('456') > 60)

  assert.equal(await store.length(), 2)
  assert.deepEqual((await store.ids()).sort(), ['123', '456'])
  const all = (await store.all()).sort((a, b) => (a.id > b.id ? 1 : -1))
  assert.deepEqual(all, [
    { id: '123', foo: 'bar', cookie: { originalMaxAge: null } },
    { id: '456', cookie: { originalMaxAge: null, expires: expires.toISOString() } }
  ])

  await store.destroy('456')
  assert.equal(await store.length(), 1)
  await store.clear()
  assert.equal(await store.length(), 0)

  // connect-redis loads 1000 sessions expiring in 1 s; here they live a minute (1000 HTTP writes take
  // longer than a second on a shared machine), and 1234 of them make the listing take two pages.
  const count = 1234
  const cookie = new session.Cookie()
  cookie.expires = new Date(Date.now() + 60000)
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => store.set('s' + (i + j), { cookie })))
  }
  assert.equal(await store.length(), count)
  assert.equal((await store.ids()).length, count)
  await store.clear()
  assert.equal(await store.length(), 0)

  await store.set('789', { cookie: { originalMaxAge: null, expires: new Date(Date.now() + ttl * 1000) } })
  assert.equal(await store.length(), 1)
  // A cookie that expired destroys the session.
  await store.set('789', { cookie: { originalMaxAge: null, expires: new Date(Date.now() - ttl * 1000) } })
  assert.equal(await store.length(), 0)
  assert.equal(await client.getSession(store.sessionId('789')), null)
})

test('[prefix listing] [bulk delete] prefixes keep stores apart: clear and all see only their own', async () => {
  const a = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'app-a.' })
  const b = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'app-b.' })
  await client.putSession('app-a', { data: {} }) // not under the prefix 'app-a.'
  await call(a, 'set', 'x', { cookie: { maxAge: 60000 }, who: 'a' })
  await call(a, 'set', 'a_y', { cookie: { maxAge: 60000 }, who: 'a' })
  await call(b, 'set', 'x', { cookie: { maxAge: 60000 }, who: 'b' })
  assert.deepEqual((await call(a, 'ids')).sort(), ['a_y', 'x'])
  assert.deepEqual((await call(a, 'all')).map(s => s.who), ['a', 'a'])
  assert.equal(await call(b, 'length'), 1)
  await call(a, 'clear')
  assert.equal(await call(a, 'length'), 0)
  assert.equal((await call(b, 'get', 'x')).who, 'b')
  assert.ok(await client.getSession('app-a'))
})

test('TTL: cookie maxAge, the ttl option as a number and as a function, disableTouch', async () => {
  const ttlOf = async (store, sid) => (await client.getSession(store.sessionId(sid))).ttlSeconds
  const s1 = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'ttl1.', ttl: 300 })
  await call(s1, 'set', 'm', { cookie: { maxAge: 5000 } })
  assert.equal(await ttlOf(s1, 'm'), 5)
  await call(s1, 'set', 'n', { cookie: {} })
  assert.equal(await ttlOf(s1, 'n'), 300)
  // Rolling: touch with a longer cookie lifts the TTL and keeps the data.
  await call(s1, 'set', 'r', { cookie: { maxAge: 5000 }, keep: 'me' })
  await call(s1, 'touch', 'r', { cookie: { maxAge: 120000 }, keep: 'other' })
  assert.equal(await ttlOf(s1, 'r'), 120)
  assert.equal((await call(s1, 'get', 'r')).keep, 'me')
  // touch of a missing session leaves it missing (as EXPIRE of a missing key).
  await call(s1, 'touch', 'missing', { cookie: { maxAge: 120000 } })
  assert.equal(await client.getSession(s1.sessionId('missing')), null)

  const s2 = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'ttl2.', ttl: (sess) => sess.long ? 7200 : 30 })
  await call(s2, 'set', 'a', { cookie: { maxAge: 5000 }, long: true })
  await call(s2, 'set', 'b', { cookie: { maxAge: 5000 } })
  assert.equal(await ttlOf(s2, 'a'), 7200)
  assert.equal(await ttlOf(s2, 'b'), 30)

  const s3 = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'ttl3.', disableTouch: true })
  await call(s3, 'set', 'a', { cookie: { maxAge: 5000 } })
  const before = await client.getSession(s3.sessionId('a'))
  await call(s3, 'touch', 'a', { cookie: { maxAge: 120000 } })
  const after = await client.getSession(s3.sessionId('a'))
  assert.equal(after.ttlSeconds, 5)
  assert.equal(after.version, before.version)
})

test('errors reach the callback in every method, touch included; without a callback the promise rejects', async () => {
  const dead = new SessiondStore({ client: new SessiondClient({ url: 'http://127.0.0.1:1', apiKey: 'k', retries: 0 }) })
  const sess = { cookie: { maxAge: 5000 } }
  for (const [m, args] of [['get', ['a']], ['set', ['a', sess]], ['destroy', ['a']], ['touch', ['a', sess]], ['all', []], ['ids', []], ['length', []], ['clear', []]]) {
    const err = await new Promise(resolve => dead[m](...args, (e) => resolve(e)))
    assert.ok(err instanceof Error, m)
    assert.match(err.message, /cannot reach sessiond/, m)
    await assert.rejects(dead[m](...args), /cannot reach sessiond/, m)
  }
  // touch whose PUT the daemon refuses (a TTL that is not a whole number of seconds: 400).
  const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'err.', ttl: (sess) => sess.bad ? 1.5 : 60 })
  await call(store, 'set', 'a', { cookie: {} })
  const err = await new Promise(resolve => store.touch('a', { cookie: {}, bad: true }, resolve))
  assert.ok(err, 'touch reports the failed PUT')
  assert.equal(err.status, 400)
})
