// Webhooks through the client: a real receiver (node:http) registered with createWebhook gets the
// daemon's signed deliveries, and verifyWebhookSignature accepts them over the raw bytes and refuses a
// tampered body, another secret, a stale timestamp and a malformed header. A receiver that always fails
// leaves its event in the dead letters. The run's daemon (test/run.js) delivers to private addresses
// (the receiver is on 127.0.0.1), polls every 50 ms and gives up after 2 attempts.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { SessiondClient, SessiondError, verifyWebhookSignature } from '../src/index.js'
import { newTenant } from './support/daemon.js'

let daemon, client, receiver
const deliveries = [] // {headers, raw}
let failing = false

before(async () => {
  daemon = await newTenant()
  client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
  receiver = createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      deliveries.push({ path: req.url, headers: req.headers, raw: Buffer.concat(chunks) })
      res.statusCode = failing && req.url === '/failing' ? 500 : 204
      res.end()
    })
  })
  await new Promise(resolve => receiver.listen(0, '127.0.0.1', resolve))
})
after(async () => {
  await new Promise(resolve => receiver ? receiver.close(resolve) : resolve())
})

async function until (what, condition, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(25)
  }
}

const hookUrl = path => `http://127.0.0.1:${receiver.address().port}${path}`

test('a signed delivery verifies over its raw body; tampering, another secret, a stale time or a bad header do not', async () => {
  const created = await client.createWebhook({ url: hookUrl('/ok'), types: ['creds-changed'] })
  assert.match(created.id, /\S/)
  assert.equal(created.url, hookUrl('/ok'))
  assert.deepEqual(created.types, ['creds-changed'])
  assert.ok(created.secret.length >= 16, 'a generated secret is shown once')

  await client.putSession('hooked', { data: { n: 1 } })
  await client.putCredsText('hooked', JSON.stringify({ me: 'x' }))
  const d = await until('the creds-changed event is delivered', () =>
    deliveries.find(x => x.path === '/ok' && x.headers['sessiond-event-type'] === 'creds-changed'))
  const event = JSON.parse(d.raw)
  assert.equal(event.type, 'creds-changed')
  assert.equal(event.sessionId, 'hooked')
  assert.equal(d.headers['sessiond-webhook-id'], created.id)

  const header = d.headers['sessiond-signature']
  assert.equal(verifyWebhookSignature(created.secret, header, d.raw), true)
  assert.equal(verifyWebhookSignature(created.secret, header, d.raw.toString('utf8')), true, 'a string body verifies too')
  const tampered = Buffer.from(d.raw.toString('utf8').replace('"hooked"', '"hacked"'))
  assert.notDeepEqual(tampered, d.raw)
  assert.equal(verifyWebhookSignature(created.secret, header, tampered), false)
  assert.equal(verifyWebhookSignature(created.secret + 'x', header, d.raw), false)
  const t = Number(/^t=(\d+),/.exec(header)[1])
  assert.equal(verifyWebhookSignature(created.secret, header, d.raw, { now: (t + 301) * 1000 }), false, 'older than the tolerance')
  assert.equal(verifyWebhookSignature(created.secret, header, d.raw, { now: (t + 301) * 1000, toleranceSeconds: 600 }), true)
  assert.equal(verifyWebhookSignature(created.secret, header.replace('v1=', 'v2='), d.raw), false)
  assert.equal(verifyWebhookSignature(created.secret, undefined, d.raw), false)
  assert.throws(() => verifyWebhookSignature('', header, d.raw), TypeError)

  const listed = await client.listWebhooks()
  const mine = listed.find(w => w.id === created.id)
  assert.deepEqual(mine, { id: created.id, url: created.url, types: created.types, createdAt: created.createdAt })
  assert.equal('secret' in mine, false, 'listed without its secret')
  assert.deepEqual(await client.getWebhook(created.id), mine)
  assert.equal(await client.deleteWebhook(created.id), true)
  assert.equal(await client.deleteWebhook(created.id), false)
  assert.equal(await client.getWebhook(created.id), null)
})

test('a receiver that always fails leaves the event in the dead letters', async () => {
  failing = true
  const created = await client.createWebhook({ url: hookUrl('/failing'), types: ['created'], secret: 'a-secret-of-our-own-1234' })
  assert.equal(created.secret, 'a-secret-of-our-own-1234')
  await client.putSession('doomed', { data: {} })
  const dead = await until('the event is dead-lettered', async () => {
    const letters = await client.listWebhookDeadLetters(created.id, { limit: 10 })
    return letters.length > 0 && letters
  })
  assert.equal(dead[0].event.type, 'created')
  assert.equal(dead[0].event.sessionId, 'doomed')
  assert.equal(dead[0].attempts, 2)
  const attempts = deliveries.filter(x => x.path === '/failing')
  assert.equal(attempts.length, 2)
  for (const a of attempts) assert.equal(verifyWebhookSignature(created.secret, a.headers['sessiond-signature'], a.raw), true)
  await client.deleteWebhook(created.id)
})

test('bad input is a SessiondError carrying the problem', async () => {
  const err = await client.createWebhook({ url: 'ftp://example.com/x' }).catch(e => e)
  assert.ok(err instanceof SessiondError)
  assert.equal(err.status, 400)
  assert.match(err.detail, /\S/)
  const missing = await client.listWebhookDeadLetters('wh_none').catch(e => e)
  assert.ok(missing instanceof SessiondError)
  assert.equal(missing.status, 404)
})
