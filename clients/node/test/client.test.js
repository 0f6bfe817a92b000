import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { SessiondClient, SessiondError } from '../src/index.js'
import { startDaemon } from './support/daemon.js'

let daemon, client
before(async () => {
  daemon = await startDaemon()
  client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
})
after(() => daemon?.stop())

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

test('503 answers are retried with backoff, then succeed', async () => {
  let calls = 0
  const flaky = createServer((req, res) => {
    calls++
    if (calls < 3) {
      res.writeHead(503, { 'content-type': 'application/problem+json' })
      return res.end(JSON.stringify({ status: 503, detail: 'store down' }))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"id":"x","data":{}}')
  })
  await new Promise(resolve => flaky.listen(0, '127.0.0.1', resolve))
  try {
    const c = new SessiondClient({ url: `http://127.0.0.1:${flaky.address().port}`, apiKey: 'k', backoffMs: 10 })
    assert.deepEqual(await c.getSession('x'), { id: 'x', data: {} })
    assert.equal(calls, 3)
    const none = new SessiondClient({ url: `http://127.0.0.1:${flaky.address().port}`, apiKey: 'k', backoffMs: 10, retries: 0 })
    calls = 0
    const e = await none.getSession('x').catch(e => e)
    assert.equal(e.status, 503)
    assert.equal(e.detail, 'store down')
  } finally {
    flaky.close()
  }
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
