// Drives Baileys' own code against sessiond: initAuthCreds, makeCacheableSignalKeyStore,
// addTransactionCapability and Baileys' libsignal repository (the layer its socket uses), with a
// real Signal session between two identities whose state is reloaded from sessiond before every
// message, so every ratchet step must have round-tripped through the daemon.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as baileys from '@whiskeysockets/baileys'
import { makeLibSignalRepository } from '@whiskeysockets/baileys/lib/Signal/libsignal.js'
import { Curve } from '@whiskeysockets/baileys/lib/Utils/crypto.js'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useSessiondAuthState, migrateMultiFileAuthState, BufferJSON, SessiondClient } from '../src/index.js'
import { startDaemon } from './support/daemon.js'

const { initAuthCreds, makeCacheableSignalKeyStore, addTransactionCapability, generateSignalPubKey, proto, useMultiFileAuthState } = baileys
const logger = { level: 'silent', trace () {}, debug () {}, info () {}, warn () {}, error () {}, fatal () {}, child () { return logger } }

let daemon
before(async () => { daemon = await startDaemon() })
after(() => daemon?.stop())

/** Loads a bot's state from sessiond and wraps its keys as Baileys' socket does. */
async function load (sessionId) {
  const { state, saveCreds, clear } = await useSessiondAuthState({ url: daemon.url, apiKey: daemon.apiKey, sessionId })
  const keys = addTransactionCapability(makeCacheableSignalKeyStore(state.keys, logger), logger,
    { maxCommitRetries: 3, delayBetweenTriesMs: 10 })
  const auth = { creds: state.creds, keys }
  return { state, auth, saveCreds, clear, repo: makeLibSignalRepository(auth) }
}

test('creds: initAuthCreds on first use, saved and reloaded byte for byte', async () => {
  const a = await load('bot-creds')
  assert.ok(Buffer.isBuffer(a.state.creds.noiseKey.private))
  await a.saveCreds()
  const b = await load('bot-creds')
  assert.equal(JSON.stringify(b.state.creds, BufferJSON.replacer), JSON.stringify(a.state.creds, BufferJSON.replacer))
  assert.deepEqual(b.state.creds.signedIdentityKey.private, a.state.creds.signedIdentityKey.private)
  // Stored exactly as Baileys' BufferJSON writes it.
  const text = await new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey }).getCredsText('bot-creds')
  assert.equal(text, JSON.stringify(a.state.creds, baileys.BufferJSON.replacer))
})

test('keys: get/set with null deletes, app-state-sync-key revived as proto, concurrent sets all land', async () => {
  const { state } = await useSessiondAuthState({ url: daemon.url, apiKey: daemon.apiKey, sessionId: 'bot-keys' })
  const pair = Curve.generateKeyPair()
  await state.keys.set({ 'pre-key': { 1: pair, 2: Curve.generateKeyPair() } })
  const got = await state.keys.get('pre-key', ['1', '2', '3'])
  assert.deepEqual(got['1'].public, pair.public)
  assert.ok(Buffer.isBuffer(got['1'].private))
  assert.equal(got['3'], undefined)
  await state.keys.set({ 'pre-key': { 2: null } })
  assert.deepEqual(Object.keys(await state.keys.get('pre-key', ['1', '2'])), ['1'])
  const keyData = { keyData: Buffer.from('secret-key-data'), fingerprint: { rawId: 7, currentIndex: 1, deviceIndexes: [0, 1] }, timestamp: 1700000000 }
  await state.keys.set({ 'app-state-sync-key': { AAAAAOdz: keyData } })
  const sync = (await state.keys.get('app-state-sync-key', ['AAAAAOdz'])).AAAAAOdz
  assert.ok(sync instanceof proto.Message.AppStateSyncKeyData)
  assert.deepEqual(Buffer.from(sync.keyData), keyData.keyData)
  await Promise.all(Array.from({ length: 50 }, (_, i) => state.keys.set({ session: { [`peer${i}.0`]: Buffer.from([i]) } })))
  const sessions = await state.keys.get('session', Array.from({ length: 50 }, (_, i) => `peer${i}.0`))
  assert.equal(Object.keys(sessions).length, 50)
  assert.deepEqual(sessions['peer49.0'], Buffer.from([49]))
})

test('a real Signal session between two identities, state reloaded from sessiond before every message', async () => {
  const aliceJid = '111@s.whatsapp.net'
  const bobJid = '222@s.whatsapp.net'
  // Bob publishes a pre-key bundle from his stored identity.
  let bob = await load('bob')
  await bob.saveCreds()
  const preKey = Curve.generateKeyPair()
  await bob.auth.keys.transaction(() => bob.auth.keys.set({ 'pre-key': { 5: preKey } }))
  const c = bob.state.creds
  const bundle = {
    registrationId: c.registrationId,
    identityKey: generateSignalPubKey(c.signedIdentityKey.public),
    signedPreKey: { keyId: c.signedPreKey.keyId, publicKey: generateSignalPubKey(c.signedPreKey.keyPair.public), signature: c.signedPreKey.signature },
    preKey: { keyId: 5, publicKey: generateSignalPubKey(preKey.public) }
  }
  let alice = await load('alice')
  await alice.saveCreds()
  await alice.auth.keys.transaction(() => alice.repo.injectE2ESession({ jid: bobJid, session: bundle }))

  const send = async (fromId, fromJid, toId, text) => {
    const from = await load(fromId)
    const { type, ciphertext } = await from.auth.keys.transaction(() =>
      from.repo.encryptMessage({ jid: fromId === 'alice' ? bobJid : aliceJid, data: Buffer.from(text) }))
    const to = await load(toId)
    const plain = await to.auth.keys.transaction(() => to.repo.decryptMessage({ jid: fromJid, type, ciphertext }))
    assert.equal(Buffer.from(plain).toString(), text)
    return type
  }
  assert.equal(await send('alice', aliceJid, 'bob', 'hello bob'), 'pkmsg')
  // Bob's one-time pre-key was consumed and deleted through a null in a key batch.
  bob = await load('bob')
  assert.equal((await bob.state.keys.get('pre-key', ['5']))['5'], undefined)
  assert.equal(await send('bob', bobJid, 'alice', 'hi alice'), 'msg')
  for (let i = 0; i < 5; i++) {
    await send('alice', aliceJid, 'bob', `ping ${i}`)
    await send('bob', bobJid, 'alice', `pong ${i}`)
  }
  alice = await load('alice')
  assert.ok(Object.keys(await alice.state.keys.get('session', ['222.0'])).length === 1)
  await alice.clear()
  assert.equal(await new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey }).getSession('alice'), null)
})

test('migration: a useMultiFileAuthState folder (written by Baileys) moves into sessiond once, keys under the ids Baileys asks for', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'auth_info-'))
  try {
    // A bot that ran on files: Baileys writes creds.json and one file per key.
    const files = await useMultiFileAuthState(folder)
    await files.saveCreds()
    const keyData = { keyData: Buffer.from('app-state-key'), fingerprint: { rawId: 1, currentIndex: 2, deviceIndexes: [0] }, timestamp: 1700000000 }
    const written = {
      'pre-key': { 1: Curve.generateKeyPair(), 2: Curve.generateKeyPair() },
      session: { '4917012345678.0': Buffer.from('session-record'), '4917012345678.3': Buffer.from('device 3') },
      'sender-key': { '120363000000000000@g.us::4917012345678::0': Buffer.from('sender') },
      'sender-key-memory': { '120363000000000000@g.us': { '4917012345678:3@s.whatsapp.net': true } },
      'app-state-sync-key': { 'AAAAAB/+cw==': proto.Message.AppStateSyncKeyData.fromObject(keyData) },
      'app-state-sync-version': { regular: { version: 3, hash: Buffer.alloc(128, 1), indexValueMap: {} } }
    }
    await files.state.keys.set(written)
    assert.ok(readdirSync(folder).includes('app-state-sync-key-AAAAAB__+cw==.json'))

    const options = { url: daemon.url, apiKey: daemon.apiKey, sessionId: 'migrated', folder }
    assert.deepEqual(await migrateMultiFileAuthState(options), { migrated: true, keys: 8 })
    // Once: a second start finds creds in sessiond and leaves them.
    assert.deepEqual(await migrateMultiFileAuthState(options), { migrated: false, keys: 0 })

    const { state } = await useSessiondAuthState({ url: daemon.url, apiKey: daemon.apiKey, sessionId: 'migrated' })
    assert.equal(JSON.stringify(state.creds, BufferJSON.replacer), JSON.stringify(files.state.creds, BufferJSON.replacer))
    for (const [type, values] of Object.entries(written)) {
      const ids = Object.keys(values)
      const fromFiles = await files.state.keys.get(type, ids)
      const fromSessiond = await state.keys.get(type, ids)
      assert.deepEqual(Object.keys(fromSessiond).sort(), ids.slice().sort(), type)
      // Key order is not part of the contract: Baileys' file store fills its answer as its file reads finish.
      const byId = (values) => JSON.stringify(Object.keys(values).sort().map((id) => [id, values[id]]), BufferJSON.replacer)
      assert.equal(byId(fromSessiond), byId(fromFiles), type)
    }
    const sync = (await state.keys.get('app-state-sync-key', ['AAAAAB/+cw==']))['AAAAAB/+cw==']
    assert.ok(sync instanceof proto.Message.AppStateSyncKeyData)
    assert.deepEqual(Buffer.from(sync.keyData), keyData.keyData)
    // No folder (a fresh deployment): nothing to do.
    assert.deepEqual(await migrateMultiFileAuthState({ ...options, sessionId: 'fresh', folder: join(folder, 'none') }), { migrated: false, keys: 0 })
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
})
