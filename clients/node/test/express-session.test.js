import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import express from 'express'
import session from 'express-session'
import { SessiondStore, sessiondStore, SessiondClient } from '../src/index.js'
import { startDaemon } from './support/daemon.js'

let daemon
before(async () => { daemon = await startDaemon() })
after(() => daemon?.stop())

/** A real express app with express-session on the given store; answers the visit count. */
async function app (store) {
  const a = express()
  a.use(session({ store, secret: 'test-secret', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } }))
  a.get('/visit', (req, res) => {
    req.session.visits = (req.session.visits || 0) + 1
    res.json({ visits: req.session.visits })
  })
  a.get('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })))
  return new Promise(resolve => {
    const server = a.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }))
  })
}

async function visit (url, cookie) {
  const res = await fetch(url + '/visit', { headers: cookie ? { cookie } : {} })
  const setCookie = res.headers.get('set-cookie')
  return { body: await res.json(), cookie: setCookie ? setCookie.split(';')[0] : cookie }
}

test('two app replicas share sessions through sessiond (cookie from one, visit on the other)', async () => {
  const options = { url: daemon.url, apiKey: daemon.apiKey, Store: session.Store }
  const one = await app(new SessiondStore(options))
  const two = await app(new (sessiondStore(session))({ url: daemon.url, apiKey: daemon.apiKey }))
  try {
    const first = await visit(one.url)
    assert.equal(first.body.visits, 1)
    assert.ok(first.cookie.startsWith('connect.sid='))
    const second = await visit(two.url, first.cookie)
    assert.equal(second.body.visits, 2)
    const third = await visit(one.url, first.cookie)
    assert.equal(third.body.visits, 3)
    // The TTL follows cookie.maxAge (60 s).
    const sid = decodeURIComponent(first.cookie.split('=')[1]).slice(2).split('.')[0]
    const stored = await new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey }).getSession('sess.' + sid)
    assert.equal(stored.ttlSeconds, 60)
    assert.equal(stored.data.visits, 3)
    await fetch(two.url + '/logout', { headers: { cookie: first.cookie } })
    const after = await visit(one.url, first.cookie)
    assert.equal(after.body.visits, 1)
  } finally {
    one.server.close()
    two.server.close()
  }
})

test('the Store methods: get, set, touch, all, length, destroy, clear', async () => {
  const store = new SessiondStore({ url: daemon.url, apiKey: daemon.apiKey, prefix: 'direct.', Store: session.Store })
  const call = (m, ...args) => new Promise((resolve, reject) => store[m](...args, (e, v) => e ? reject(e) : resolve(v)))
  assert.equal(await call('get', 'nope'), null)
  await call('set', 'a', { cookie: { maxAge: 5000 }, user: 'alice' })
  await call('set', 'b', { cookie: { maxAge: 5000 }, user: 'bob' })
  assert.equal((await call('get', 'a')).user, 'alice')
  await call('touch', 'a', { cookie: { maxAge: 120000 }, user: 'alice' })
  const client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
  assert.equal((await client.getSession('direct.a')).ttlSeconds, 120)
  assert.equal(await call('length'), 2)
  assert.deepEqual((await call('all')).map(s => s.id).sort(), ['a', 'b'])
  await call('destroy', 'a')
  assert.equal(await call('get', 'a'), null)
  await call('clear')
  assert.equal(await call('length'), 0)
  assert.equal(typeof store.regenerate, 'function')
})
