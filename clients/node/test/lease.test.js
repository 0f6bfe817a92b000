// Leases through Baileys' own code path: two processes (two useSessiondAuthState calls, each with its
// own client) for one account; the second waits while the first holds the lease, and once it has
// taken over, every write of the first (Baileys' key store, saveCreds) is refused by sessiond.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import * as baileys from '@whiskeysockets/baileys'
import { Curve } from '@whiskeysockets/baileys/lib/Utils/crypto.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { useSessiondAuthState, BufferJSON, SessiondClient, SessiondError } from '../src/index.js'
import { newTenant } from './support/daemon.js'

const { makeCacheableSignalKeyStore, addTransactionCapability } = baileys
const logger = { level: 'silent', trace () {}, debug () {}, info () {}, warn () {}, error () {}, fatal () {}, child () { return logger } }

let daemon
let client
before(async () => {
  daemon = await newTenant()
  client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
})

/** One bot process: its own client, Baileys' key store wrapped as its socket wraps it. */
async function start (sessionId, lease) {
  const own = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
  const auth = await useSessiondAuthState({ client: own, sessionId, lease })
  const keys = addTransactionCapability(makeCacheableSignalKeyStore(auth.state.keys, logger), logger,
    { maxCommitRetries: 1, delayBetweenTriesMs: 10 })
  return { ...auth, keys }
}

/** Polls `check` until it holds, failing after `ms`. */
async function until (check, ms, what) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(25)
  }
}

const isFenced = (e) => e instanceof SessiondError && e.fenced

test('a second process waits while the first holds the lease, takes over on release, and the first one\'s writes are refused', async () => {
  const id = 'leased-bot'
  const a = await start(id, { holder: 'proc-a', ttlSeconds: 30 })
  await a.saveCreds()
  await a.keys.transaction(() => a.keys.set({ 'pre-key': { 1: Curve.generateKeyPair() } }))

  let bStarted = false
  const waiting = start(id, { holder: 'proc-b', ttlSeconds: 30, pollMs: 20 }).then((b) => { bStarted = true; return b })
  // While B asks again and again, A goes on writing through Baileys' key store.
  for (let i = 2; i <= 5; i++) {
    await a.keys.transaction(() => a.keys.set({ 'pre-key': { [i]: Curve.generateKeyPair() } }))
  }
  const held = await client.getLease(id)
  assert.equal(held.holder, 'proc-a')
  assert.equal(held.token, a.lease.token)
  assert.equal(bStarted, false, 'B must not start while A holds the lease')

  assert.equal(await a.lease.release(), true)
  const b = await waiting
  assert.ok(b.lease.token > a.lease.token, `${b.lease.token} > ${a.lease.token}`)
  assert.equal(JSON.stringify(b.state.creds, BufferJSON.replacer), JSON.stringify(a.state.creds, BufferJSON.replacer))
  assert.deepEqual(Object.keys(await b.keys.get('pre-key', ['1', '2', '3', '4', '5'])).sort(), ['1', '2', '3', '4', '5'])

  // A wakes up as if from a long pause and writes: every write is refused and B's state stays.
  await assert.rejects(a.state.keys.set({ 'pre-key': { 1: null, 6: Curve.generateKeyPair() } }), isFenced)
  await assert.rejects(a.saveCreds(), isFenced)
  await assert.rejects(a.state.keys.clear(), isFenced)
  await assert.rejects(a.clear(), isFenced)
  assert.deepEqual(Object.keys(await b.keys.get('pre-key', ['1', '6'])), ['1'])
  assert.ok(await client.getSession(id))

  await b.keys.transaction(() => b.keys.set({ 'pre-key': { 7: Curve.generateKeyPair() } }))
  await b.saveCreds()
  assert.equal(await b.lease.release(), true)
})

test('the lease is renewed in the background; a holder that stops renewing loses it to the waiting process', async () => {
  const id = 'renewed-bot'
  let lostWith = null
  const a = await start(id, { holder: 'proc-a', ttlSeconds: 1, renewEveryMs: 200, onLost: (e) => { lostWith = e } })
  await a.saveCreds()
  const firstExpiry = Date.parse((await client.getLease(id)).expiresAt)
  await until(async () => Date.parse((await client.getLease(id)).expiresAt) > firstExpiry + 300, 5000, 'the lease is renewed')
  assert.equal(a.lease.token, (await client.getLease(id)).token, 'a renewal keeps the token')

  const waiting = start(id, { holder: 'proc-b', ttlSeconds: 30, pollMs: 50 })
  a.lease.stop() // a long GC pause: no more renewals
  const b = await waiting
  assert.ok(b.lease.token > a.lease.token)
  await assert.rejects(a.saveCreds(), isFenced)
  await b.saveCreds()
  assert.equal(lostWith, null, 'a stopped lease is not reported lost by a renewal')
  await b.lease.release()
})

test('a renewal refused (the lease lapsed and was taken) reports the loss once', async () => {
  const id = 'lost-bot'
  const lost = []
  const a = await start(id, { holder: 'proc-a', ttlSeconds: 1, renewEveryMs: 5000, onLost: (e) => lost.push(e) })
  // Another holder takes over once A's lease (not renewed in time) has run out.
  let b
  await until(async () => {
    try {
      b = await client.acquireLease(id, { holder: 'proc-b', ttlSeconds: 30 })
      return true
    } catch (e) {
      if (e.leaseHeld) return false
      throw e
    }
  }, 5000, 'proc-b gets the lease')
  await until(async () => lost.length > 0, 8000, 'A notices at its next renewal')
  assert.equal(lost.length, 1)
  assert.ok(lost[0] instanceof SessiondError && lost[0].status === 409, String(lost[0]))
  assert.equal(a.lease.lost, true)
  await assert.rejects(a.saveCreds(), isFenced)
  assert.equal(await client.releaseLease(id, b.token), true)
})

test('client: lease API, 409 lease-held, release by token, creds history and rollback byte for byte', async () => {
  const id = 'client-lease'
  const g = await client.acquireLease(id, { holder: 'h1', ttlSeconds: 30 })
  assert.equal(g.holder, 'h1')
  assert.equal(g.renewed, false)
  const renewed = await client.acquireLease(id, { holder: 'h1', ttlSeconds: 30, fence: g.token })
  assert.equal(renewed.token, g.token)
  assert.equal(renewed.renewed, true)
  await assert.rejects(client.acquireLease(id, { holder: 'h2', ttlSeconds: 30 }), (e) => e.leaseHeld && e.detail.includes('h1'))
  await client.putSession(id, { data: {} }, { fence: g.token })
  await client.putCredsText(id, '{"v":1,"b":{"type":"Buffer","data":"AQI="}}', { fence: g.token })
  await client.putCredsText(id, '{"v":2}', { fence: g.token })
  await assert.rejects(client.putCredsText(id, '{"v":3}', { fence: g.token + 1 }), isFenced)
  const history = await client.getCredsHistory(id)
  assert.deepEqual(history.history.map((h) => h.version), [3, 2])
  await client.rollbackCreds(id, 2, { fence: g.token })
  assert.equal(await client.getCredsText(id), '{"v":1,"b":{"type":"Buffer","data":"AQI="}}')
  assert.equal(await client.releaseLease(id, g.token), true)
  assert.equal(await client.releaseLease(id, g.token), false)
  assert.deepEqual(await client.getLease(id), { held: false })
})
