import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { createServer as createTcpServer, connect } from 'node:net'
import { SessiondClient, SessiondError } from '../src/index.js'
import { newTenant } from './support/daemon.js'

let daemon, client
before(async () => {
  daemon = await newTenant()
  client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
})

test('errors carry the problem+json status, type and detail', async () => {
  await client.putSession('c1', { data: {} })
  const e = await client.request('POST', '/v1/sessions/c1/state', { json: { state: 'connected' } }).catch(e => e)
  assert.ok(e instanceof SessiondError)
  assert.equal(e.status, 409)
  assert.equal(e.type, 'urn:sessiond:problem:illegal-transition')
  assert.match(e.detail, /cannot move from 'unregistered' to 'connected'/)
  const unauthorized = await new SessiondClient({ url: daemon.url, apiKey: 'wrong' }).getSession('c1').catch(e => e)
  assert.equal(unauthorized.status, 401)
})

/**
 * A stand-in daemon for faults the real one cannot be made to produce on demand (502/504, a 503 on
 * a POST): answers `script[i]` to the i-th request, then 200 with `{"id":"x","data":{}}`.
 */
async function faulty (script) {
  const seen = []
  const server = createServer((req, res) => {
    seen.push({ method: req.method, at: Date.now(), key: req.headers['idempotency-key'] })
    const step = script[seen.length - 1]
    if (step === 'drop') return req.socket.destroy()
    if (step) {
      res.writeHead(step.status, { 'content-type': 'application/problem+json', ...(step.headers || {}) })
      return res.end(JSON.stringify({ status: step.status, detail: step.detail || 'fault' }))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"id":"x","data":{}}')
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => { server.closeAllConnections(); server.close() } }
}

test('idempotent calls are retried on 502, 503, 504 and dropped connections, then succeed', async () => {
  const f = await faulty([{ status: 502 }, { status: 503, detail: 'store down' }, { status: 504 }, 'drop'])
  try {
    const c = new SessiondClient({ url: f.url, apiKey: 'k', backoffMs: 5 })
    assert.deepEqual(await c.getSession('x'), { id: 'x', data: {} })
    assert.equal(f.seen.length, 5)
  } finally { f.close() }
  // Bounded: `retries` extra attempts, then the last answer is thrown.
  const g = await faulty(Array(10).fill({ status: 503, detail: 'store down' }))
  try {
    const c = new SessiondClient({ url: g.url, apiKey: 'k', backoffMs: 5, retries: 2 })
    const e = await c.putSession('x', { data: {} }).catch(e => e)
    assert.equal(e.status, 503)
    assert.equal(e.detail, 'store down')
    assert.equal(g.seen.length, 3)
  } finally { g.close() }
})

test('every POST the client makes carries an Idempotency-Key, the same on each attempt, and is retried on 502, 503, 504 and dropped connections', async () => {
  const calls = {
    writeKeys: c => c.writeKeysText('x', '{"pre-key":{"1":null}}'),
    queryKeys: c => c.queryKeysText('x', 'pre-key', ['1']),
    appendMessages: c => c.appendMessages('x', { role: 'user', content: 'hi' }),
    setState: c => c.setState('x', 'registering'),
    importSession: c => c.importSession({ format: 'sessiond.session.v1', id: 'x' }),
    importSessionIfMatch: c => c.importSession({ format: 'sessiond.session.v1', id: 'x' }, { ifMatch: 3 }),
    restoreSessions: c => c.restoreSessions(),
    touch: c => c.touch('x')
  }
  const keys = new Set()
  for (const [name, call] of Object.entries(calls)) {
    const f = await faulty([{ status: 503 }, { status: 502 }, 'drop', { status: 504 }])
    try {
      await call(new SessiondClient({ url: f.url, apiKey: 'k', backoffMs: 5 }))
      assert.equal(f.seen.length, 5, name)
      const sent = new Set(f.seen.map(s => s.key))
      assert.equal(sent.size, 1, `${name}: one key for all attempts: ${[...sent]}`)
      const [key] = sent
      assert.match(key ?? '', /^[0-9a-f-]{36}$/, `${name}: a random key`)
      assert.ok(!keys.has(key), `${name}: a fresh key for each call`)
      keys.add(key)
    } finally { f.close() }
  }
  // A key of the caller's own, e.g. one kept across a restart of the caller.
  const g = await faulty([{ status: 503 }])
  try {
    const c = new SessiondClient({ url: g.url, apiKey: 'k', backoffMs: 5 })
    await c.appendMessages('x', { role: 'user', content: 'hi' }, { idempotencyKey: 'msg-42' })
    assert.deepEqual(g.seen.map(s => s.key), ['msg-42', 'msg-42'])
  } finally { g.close() }
})

test('a POST without an Idempotency-Key is not retried on 5xx; a 409 request-in-progress is retried only with a key', async () => {
  const f = await faulty([{ status: 503 }])
  try {
    const c = new SessiondClient({ url: f.url, apiKey: 'k', backoffMs: 5 })
    const e = await c.request('POST', '/v1/sessions/x/messages', { json: { role: 'user', content: 'hi' } }).catch(e => e)
    assert.equal(e.status, 503)
    assert.equal(f.seen.length, 1)
    assert.equal(f.seen[0].key, undefined)
  } finally { f.close() }
  const inProgress = { status: 409, headers: { 'retry-after': '0' }, detail: 'request-in-progress' }
  const g = await faulty([inProgress, inProgress])
  try {
    const c = new SessiondClient({ url: g.url, apiKey: 'k', backoffMs: 5 })
    await c.importSession({ format: 'sessiond.session.v1', id: 'x' })
    assert.equal(g.seen.length, 3)
  } finally { g.close() }
  const h = await faulty([{ status: 409 }])
  try {
    const c = new SessiondClient({ url: h.url, apiKey: 'k', backoffMs: 5 })
    assert.equal((await c.setState('x', 'connected').catch(e => e)).status, 409, 'a 409 without Retry-After (illegal) is final')
    assert.equal(h.seen.length, 1)
  } finally { h.close() }
})

/**
 * A TCP proxy in front of the real daemon that loses the first `drops` answers: each such
 * connection's request reaches the daemon, which applies it, and the client's connection is closed
 * as the answer starts, so the client cannot know whether it took effect. `requests` counts the
 * connections the daemon got.
 */
async function lossy (target, drops) {
  const { port } = new URL(target)
  const proxy = { requests: 0 }
  const sockets = new Set()
  const server = createTcpServer(client => {
    const n = ++proxy.requests
    const upstream = connect(Number(port), '127.0.0.1')
    sockets.add(client).add(upstream)
    const end = () => { client.destroy(); upstream.destroy() }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream)
    if (n <= drops) upstream.once('data', end)
    else upstream.pipe(client)
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${server.address().port}`
  proxy.close = () => { for (const s of sockets) s.destroy(); server.close() }
  return proxy
}

test('the real daemon: an append and a transition whose answers are lost are retried and applied once', async () => {
  await client.putSession('lost1', { data: {} })
  const p = await lossy(daemon.url, 1)
  try {
    const c = new SessiondClient({ url: p.url, apiKey: daemon.apiKey, backoffMs: 5 })
    const r = await c.appendMessages('lost1', [{ role: 'user', content: 'once' }])
    assert.equal(p.requests, 2, 'the daemon got the append twice')
    assert.equal(r.messageCount, 1, 'the answer of the first attempt')
    assert.equal(r.firstSeq, r.lastSeq)
    assert.deepEqual((await client.getMessages('lost1')).messages.map(m => m.content), ['once'])
  } finally { p.close() }

  const before = (await client.getStatus('lost1')).version
  const q = await lossy(daemon.url, 1)
  try {
    const c = new SessiondClient({ url: q.url, apiKey: daemon.apiKey, backoffMs: 5 })
    assert.equal((await c.setState('lost1', 'registering')).state, 'registering')
    assert.equal(q.requests, 2, 'the daemon got the transition twice')
    assert.equal((await client.getStatus('lost1')).version, before + 1, 'one transition, not two')
  } finally { q.close() }

  // The control: the same lost answer, retried without a key, appends a second time.
  const u = await lossy(daemon.url, 1)
  try {
    const c = new SessiondClient({ url: u.url, apiKey: daemon.apiKey, backoffMs: 5 })
    await c.request('POST', '/v1/sessions/lost1/messages', { json: [{ role: 'user', content: 'twice' }], idempotent: true })
    assert.deepEqual((await client.getMessages('lost1')).messages.map(m => m.content), ['twice', 'twice', 'once'])
  } finally { u.close() }
})

test('Retry-After is honoured on 429 (any call) and 503; a longer one than maxRetryAfterMs is not waited for', async () => {
  const f = await faulty([{ status: 429, headers: { 'retry-after': '1' } }, { status: 503, headers: { 'retry-after': '1' } }])
  try {
    const c = new SessiondClient({ url: f.url, apiKey: 'k', backoffMs: 1 })
    await c.request('POST', '/v1/sessions/x/messages', { json: { role: 'user', content: 'hi' } }).catch(() => {})
    assert.equal(f.seen.length, 2, 'a 429 is retried even for a POST without a key; its 503 is not')
    assert.ok(f.seen[1].at - f.seen[0].at >= 950, `waited ${f.seen[1].at - f.seen[0].at} ms`)
  } finally { f.close() }
  const date = new Date(Date.now() + 60000).toUTCString()
  const g = await faulty([{ status: 429, headers: { 'retry-after': date } }, { status: 429 }])
  try {
    const c = new SessiondClient({ url: g.url, apiKey: 'k', backoffMs: 1, maxRetryAfterMs: 5000 })
    assert.equal((await c.getSession('x').catch(e => e)).status, 429)
    // A 429 without Retry-After (a session limit) is final.
    assert.equal((await c.getSession('x').catch(e => e)).status, 429)
    assert.equal(g.seen.length, 2)
  } finally { g.close() }
})

test('backoff is exponential with jitter, capped', async () => {
  const f = await faulty(Array(5).fill({ status: 503 }))
  try {
    const c = new SessiondClient({ url: f.url, apiKey: 'k', backoffMs: 40, maxBackoffMs: 160, retries: 4 })
    await c.getSession('x').catch(() => {})
    const gaps = f.seen.slice(1).map((s, i) => s.at - f.seen[i].at)
    const caps = [40, 80, 160, 160]
    gaps.forEach((g, i) => assert.ok(g >= caps[i] / 2 - 5 && g <= caps[i] + 150, `gap ${i}: ${g} ms, cap ${caps[i]}`))
  } finally { f.close() }
})

test('the real daemon\'s rate limit (429 with Retry-After) is ridden out', async () => {
  const limited = await newTenant({ limits: { requestsPerSecond: 3 } })
  const raw = new SessiondClient({ url: limited.url, apiKey: limited.apiKey, retries: 0 })
  const statuses = await Promise.all(Array.from({ length: 8 }, () => raw.getSession('nope').then(() => 200, e => e.status)))
  assert.ok(statuses.includes(429), String(statuses))
  const c = new SessiondClient({ url: limited.url, apiKey: limited.apiKey })
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => c.putSession('r' + i, { data: { i } })))
  assert.deepEqual(results.map(r => r.data.i), [0, 1, 2, 3, 4, 5, 6, 7])
})

test('connection errors are retried and then reported; timeouts are reported', async () => {
  const dead = new SessiondClient({ url: 'http://127.0.0.1:1', apiKey: 'k', retries: 2, backoffMs: 5 })
  const e = await dead.getSession('x').catch(e => e)
  assert.ok(e instanceof SessiondError)
  assert.match(e.message, /cannot reach sessiond/)
  const hung = createServer(() => {})
  await new Promise(resolve => hung.listen(0, '127.0.0.1', resolve))
  try {
    const slow = new SessiondClient({ url: `http://127.0.0.1:${hung.address().port}`, apiKey: 'k', timeoutMs: 200, retries: 0 })
    const t = await slow.getSession('x').catch(e => e)
    assert.match(t.message, /no answer within 200 ms/)
  } finally {
    hung.closeAllConnections()
    hung.close()
  }
})

test('blobs stream up and down, and replace atomically', async () => {
  await client.putSession('blobby', { data: {} })
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7)
  const w = await client.putBlob('blobby', 'a.bin', big)
  assert.equal(w.created, true)
  assert.deepEqual(await client.getBlob('blobby', 'a.bin'), big)
  async function * parts () { yield Buffer.from('hello '); yield Buffer.from('world') }
  const r = await client.putBlob('blobby', 'a.bin', parts())
  assert.equal(r.created, false)
  assert.equal((await client.getBlob('blobby', 'a.bin')).toString(), 'hello world')
  assert.equal(await client.deleteBlob('blobby', 'a.bin'), true)
  assert.equal(await client.getBlob('blobby', 'a.bin'), null)
})

test('the whole API: sessions, patch, status, state, creds, keys, messages with paging, export/import, restore jobs', async () => {
  const s = await client.putSession('api1', { data: { a: 1 }, ttlSeconds: 3600 })
  assert.equal(s.version, 1)
  const patched = await client.patchSession('api1', { b: 2, a: null }, { ifMatch: 1 })
  assert.deepEqual(patched.data, { b: 2 })
  assert.equal((await client.patchSession('api1', { c: 3 }, { ifMatch: 1 }).catch(e => e)).status, 412)
  const touched = await client.touch('api1')
  assert.equal(touched.id, 'api1')
  assert.equal(await client.touch('none'), null)

  const st = await client.setState('api1', 'registering')
  assert.equal(st.state, 'registering')
  assert.equal((await client.getStatus('api1')).state, 'registering')
  assert.equal(await client.getStatus('none'), null)
  assert.ok((await client.listStatuses({ limit: 1000 })).sessions.some(x => x.id === 'api1'))
  let statuses = 0
  for await (const x of client.allStatuses({ state: 'registering' })) { assert.equal(x.state, 'registering'); statuses++ }
  assert.ok(statuses >= 1)

  await client.putCreds('api1', { me: { id: '1@s.whatsapp.net' }, key: Buffer.from([1, 2]) }, { replacer: (k, v) => v?.type === 'Buffer' ? { type: 'Buffer', data: Buffer.from(v.data).toString('base64') } : v })
  assert.deepEqual(await client.getCreds('api1'), { me: { id: '1@s.whatsapp.net' }, key: { type: 'Buffer', data: 'AQI=' } })
  assert.equal(await client.getCreds('none'), null)
  await client.writeKeys('api1', { 'pre-key': { 1: { n: 1 }, 2: { n: 2 } } })
  assert.deepEqual(await client.queryKeys('api1', 'pre-key', ['1', '2', '3']), { 1: { n: 1 }, 2: { n: 2 } })
  assert.deepEqual((await client.getStatus('api1')).keyCounts, { 'pre-key': 2 })

  const r = await client.appendMessages('api1', Array.from({ length: 25 }, (_, i) => ({ role: 'user', content: `m${i}` })))
  assert.equal(r.lastSeq - r.firstSeq, 24)
  const page = await client.getMessages('api1', { limit: 10 })
  assert.equal(page.messages.length, 10)
  assert.equal(page.messages[0].content, 'm24')
  const asc = await client.getMessages('api1', { limit: 3, order: 'asc' })
  // asc: the same page (the newest), oldest of it first.
  assert.deepEqual(asc.messages.map(m => m.content), ['m22', 'm23', 'm24'])
  const all = []
  for await (const m of client.allMessages('api1', { limit: 7 })) all.push(m.content)
  assert.equal(all.length, 25)
  assert.equal(all[0], 'm24')
  assert.equal(all[24], 'm0')

  const doc = await client.exportSession('api1')
  assert.equal(doc.format, 'sessiond.session.v1')
  assert.equal(await client.exportSession('none'), null)
  const copy = await client.importSession({ ...doc, id: 'api1-copy' })
  assert.equal(copy.id, 'api1-copy')
  assert.deepEqual(await client.queryKeys('api1-copy', 'pre-key', ['1']), { 1: { n: 1 } })
  assert.equal((await client.getStatus('api1-copy')).messageCount, 25)

  await client.clearKeys('api1')
  assert.deepEqual((await client.getStatus('api1')).keyCounts, {})
  // Restore jobs need PostgreSQL, which the test daemon does not have: it says so (503), for the job too.
  const once = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey, retries: 0 })
  const e = await once.restoreSessions().catch(e => e)
  assert.equal(e.status, 503)
  assert.match(e.detail, /PostgreSQL/)
  assert.equal((await once.getJob('no-such-job').catch(e => e)).status, 503)
  assert.equal(await client.deleteSession('api1', { ifMatch: 1 }).catch(e => e.status), 412)
  assert.equal(await client.deleteSession('api1'), true)
  assert.equal(await client.deleteSession('api1'), false)
})

test('[prefix listing] listSessions and allSessions filter by prefix on the server, with cursor paging', async () => {
  for (let i = 0; i < 5; i++) await client.putSession(`pfx.${i}`, { data: { i } })
  await client.putSession('pfx', { data: {} })
  await client.putSession('pfy.0', { data: {} })
  const first = await client.listSessions({ prefix: 'pfx.', limit: 2 })
  assert.deepEqual(first.sessions.map(s => s.id), ['pfx.0', 'pfx.1'])
  assert.ok(first.nextCursor)
  const second = await client.listSessions({ prefix: 'pfx.', limit: 2, cursor: first.nextCursor })
  assert.deepEqual(second.sessions.map(s => s.id), ['pfx.2', 'pfx.3'])
  const ids = []
  for await (const s of client.allSessions({ prefix: 'pfx.', limit: 2 })) ids.push(s.id)
  assert.deepEqual(ids, ['pfx.0', 'pfx.1', 'pfx.2', 'pfx.3', 'pfx.4'])
})

test('[bulk delete] deleteSessions({prefix}) deletes on the server and answers the count', async () => {
  for (let i = 0; i < 4; i++) await client.putSession(`bulk.${i}`, { data: {} })
  await client.putSession('bulky', { data: {} })
  assert.equal(await client.deleteSessions({ prefix: 'bulk.' }), 4)
  assert.equal(await client.getSession('bulk.0'), null)
  assert.ok(await client.getSession('bulky'))
  assert.equal(await client.deleteSessions({ prefix: 'bulk.' }), 0)
  await assert.rejects(client.deleteSessions({ prefix: '' }), /non-empty prefix/)
})

test('[bulk delete] deleteSessions calls again while the server answers more (it deletes at most 1000 per call)', async () => {
  const ids = Array.from({ length: 1003 }, (_, i) => `many.${i}`)
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map(id => client.putSession(id, { data: {} })))
  }
  await client.putSession('manx.0', { data: {} })
  const deletes = []
  const counting = new SessiondClient({
    url: daemon.url,
    apiKey: daemon.apiKey,
    fetch: async (url, init) => {
      const res = await fetch(url, init)
      if (init.method === 'DELETE') deletes.push(await res.clone().json())
      return res
    }
  })
  assert.equal(await counting.deleteSessions({ prefix: 'many.' }), 1003)
  assert.deepEqual(deletes, [{ deleted: 1000, more: true }, { deleted: 3, more: false }])
  assert.deepEqual((await client.listSessions({ prefix: 'many.' })).sessions, [])
  assert.deepEqual((await client.listStatuses({ prefix: 'man' })).sessions.map(s => s.id), ['manx.0'])
})

test('[blob listing] listBlobs answers each blob\'s name, size, generation and etag', async () => {
  await client.putSession('blobs2', { data: {} })
  await client.putBlob('blobs2', 'a.zip', Buffer.alloc(1000, 1))
  await client.putBlob('blobs2', 'b.bin', Buffer.alloc(10, 2))
  const list = await client.listBlobs('blobs2')
  const byName = Object.fromEntries(list.blobs.map(b => [b.name, b]))
  assert.deepEqual(Object.keys(byName).sort(), ['a.zip', 'b.bin'])
  assert.equal(byName['a.zip'].size, 1000)
  assert.equal(byName['b.bin'].size, 10)
  for (const b of list.blobs) {
    assert.equal(typeof b.generation, 'string')
    assert.equal(typeof b.etag, 'string')
  }
  assert.equal(await client.listBlobs('no-such-session'), null)
})
