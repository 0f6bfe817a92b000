// The Baileys suite, run by baileys.test.js (@whiskeysockets/baileys), baileys-unscoped.test.js
// (baileys) and baileys-7.test.js (7.0.0-rc14, installed as baileys-7), each in its own process: two
// copies of Baileys 6.17.16 in one process share protobufjs's default root, the second replacing the
// first one's proto classes. It drives Baileys' own code against sessiond: initAuthCreds,
// makeCacheableSignalKeyStore, addTransactionCapability and Baileys' libsignal repository (the layer
// its socket uses), with a real Signal session between two identities whose state is reloaded from
// sessiond before every message, so every ratchet step must have round-tripped through the daemon;
// on 7.x also its LID mapping store, session migration to a LID, identity keys and tctokens.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useSessiondAuthState, migrateMultiFileAuthState, BufferJSON, SessiondClient } from '../../src/index.js'
import { newTenant } from './daemon.js'

const require = createRequire(import.meta.url)
const logger = { level: 'silent', trace () {}, debug () {}, info () {}, warn () {}, error () {}, fatal () {}, child () { return logger } }

/**
 * A Baileys install: its API as one object (6.17.16 is CommonJS, whose import() exposes part of it
 * only under default), its libsignal repository and Curve. `passed` is false for the install the
 * adapter must find by itself (`@whiskeysockets/baileys`).
 */
async function install (name, passed) {
  const ns = await import(name)
  const B = ns.default?.initAuthCreds ? ns.default : ns
  const signal = await import(`${name}/lib/Signal/libsignal.js`)
  const crypto = await import(`${name}/lib/Utils/crypto.js`)
  const { version } = require(`${name}/package.json`)
  return {
    name,
    version,
    B,
    makeLibSignalRepository: signal.makeLibSignalRepository ?? signal.default.makeLibSignalRepository,
    Curve: crypto.Curve ?? crypto.default.Curve,
    options: passed ? { baileys: ns } : {},
    lid: typeof B.jidNormalizedUser === 'function' && Number(version.split('.')[0]) >= 7
  }
}

/** Registers the suite for the Baileys installed as `name`; `passed`: given to the adapter as its `baileys` option. */
export async function baileysSuite (name, passed) {
  let daemon
  before(async () => { daemon = await newTenant() })
    const I = await install(name, passed)
  const { initAuthCreds, makeCacheableSignalKeyStore, addTransactionCapability, generateSignalPubKey, proto, useMultiFileAuthState } = I.B
  const { Curve } = I
  const label = `${name}@${I.version}`

  /** Loads a bot's state from sessiond and wraps its keys as Baileys' socket does. */
  async function load (sessionId) {
    const { state, saveCreds, clear } = await useSessiondAuthState({ url: daemon.url, apiKey: daemon.apiKey, sessionId, ...I.options })
    const keys = addTransactionCapability(makeCacheableSignalKeyStore(state.keys, logger), logger,
      { maxCommitRetries: 3, delayBetweenTriesMs: 10 })
    const auth = { creds: state.creds, keys }
    return { state, auth, saveCreds, clear, repo: I.makeLibSignalRepository(auth, logger) }
  }

  /**
   * Stores a one-time pre-key `keyId` in `owner`'s keys (in a transaction given `txArgs`) and returns the
   * pre-key bundle another identity starts a Signal session from.
   */
  async function preKeyBundle (owner, keyId, ...txArgs) {
    const preKey = Curve.generateKeyPair()
    await owner.auth.keys.transaction(() => owner.auth.keys.set({ 'pre-key': { [keyId]: preKey } }), ...txArgs)
    const c = owner.state.creds
    return {
      registrationId: c.registrationId,
      identityKey: generateSignalPubKey(c.signedIdentityKey.public),
      signedPreKey: { keyId: c.signedPreKey.keyId, publicKey: generateSignalPubKey(c.signedPreKey.keyPair.public), signature: c.signedPreKey.signature },
      preKey: { keyId, publicKey: generateSignalPubKey(preKey.public) }
    }
  }

  test(`${label}: creds: initAuthCreds on first use, saved and reloaded byte for byte`, async () => {
    const a = await load('bot-creds')
    assert.ok(Buffer.isBuffer(a.state.creds.noiseKey.private))
    await a.saveCreds()
    const b = await load('bot-creds')
    assert.equal(JSON.stringify(b.state.creds, BufferJSON.replacer), JSON.stringify(a.state.creds, BufferJSON.replacer))
    assert.deepEqual(b.state.creds.signedIdentityKey.private, a.state.creds.signedIdentityKey.private)
    // Stored exactly as Baileys' BufferJSON writes it.
    const text = await new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey }).getCredsText('bot-creds')
    assert.equal(text, JSON.stringify(a.state.creds, I.B.BufferJSON.replacer))
  })

  test(`${label}: keys: get/set with null deletes, app-state-sync-key revived as proto, concurrent sets all land`, async () => {
    const { state } = await useSessiondAuthState({ url: daemon.url, apiKey: daemon.apiKey, sessionId: 'bot-keys', ...I.options })
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
    // Read back as this Baileys reads its own files: 7.x also revives bytes stored as {"0":…,"1":…}.
    const raw = '{"session":{"raw.0":{"0":1,"1":2}}}'
    await new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey }).writeKeysText('bot-keys', raw)
    const bytes = (await state.keys.get('session', ['raw.0']))['raw.0']
    assert.deepEqual(bytes, JSON.parse(raw, I.B.BufferJSON.reviver).session['raw.0'])
    if (I.lid) assert.deepEqual(bytes, Buffer.from([1, 2]))
  })

  test(`${label}: a real Signal session between two identities, state reloaded from sessiond before every message`, async () => {
    const aliceJid = '111@s.whatsapp.net'
    const bobJid = '222@s.whatsapp.net'
    // Bob publishes a pre-key bundle from his stored identity.
    let bob = await load('bob')
    await bob.saveCreds()
    const bundle = await preKeyBundle(bob, 5)
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

  if (I.lid) {
    test(`${label}: its own LID mapping store, session migration to a LID, identity keys and tctokens, reloaded from sessiond`, async () => {
      const { storeTcTokensFromIqResult, buildMergedTcTokenIndexWrite, readTcTokenIndex, buildTcTokenFromJid } = await import(`${name}/lib/Utils/tc-token-utils.js`)
      const aliceJid = '111@s.whatsapp.net'
      const bobPn = '222@s.whatsapp.net'
      const bobLid = '999000111@lid'
      const bob = await load('lid-bob')
      await bob.saveCreds()
      const bundle = await preKeyBundle(bob, 7, 'pre-key')
      let alice = await load('lid-alice')
      await alice.saveCreds()
      await alice.auth.keys.transaction(() => alice.repo.injectE2ESession({ jid: bobPn, session: bundle }), bobPn)
      // Bob's LID becomes known: Baileys' LID mapping store writes both directions.
      await alice.repo.lidMapping.storeLIDPNMappings([{ lid: bobLid, pn: bobPn }])
      assert.deepEqual(await alice.state.keys.get('lid-mapping', ['222', '999000111_reverse']), { 222: '999000111', '999000111_reverse': '222' })
      // Bob's devices, as the socket stores them after a device query; then Baileys moves the session to his LID.
      await alice.auth.keys.set({ 'device-list': { 222: ['0'] } })
      alice = await load('lid-alice')
      assert.equal(await alice.repo.lidMapping.getLIDForPN(bobPn), bobLid)
      assert.equal(await alice.repo.lidMapping.getPNForLID(bobLid), '222:0@s.whatsapp.net')
      const moved = await alice.repo.migrateSession(bobPn, bobLid)
      assert.equal(moved.migrated, 1)
      const sessions = await alice.state.keys.get('session', ['222.0', '999000111_1.0'])
      assert.deepEqual(Object.keys(sessions), ['999000111_1.0'])

      // A fresh process: the session under the LID, found through the stored mapping, still talks to Bob.
      alice = await load('lid-alice')
      const { type, ciphertext } = await alice.auth.keys.transaction(() => alice.repo.encryptMessage({ jid: bobLid, data: Buffer.from('via lid') }), bobLid)
      const bobAgain = await load('lid-bob')
      const plain = await bobAgain.auth.keys.transaction(() => bobAgain.repo.decryptMessage({ jid: aliceJid, type, ciphertext }), aliceJid)
      assert.equal(Buffer.from(plain).toString(), 'via lid')
      // Trust on first use: Bob's Baileys stored Alice's identity key under her Signal address.
      const identity = (await (await load('lid-bob')).state.keys.get('identity-key', ['111.0']))['111.0']
      assert.deepEqual(Buffer.from(identity), Buffer.from(generateSignalPubKey(alice.state.creds.signedIdentityKey.public)))

      // tctokens: Baileys stores the token an IQ result carries under the LID, and indexes it.
      const getLIDForPN = (pn) => alice.repo.lidMapping.getLIDForPN(pn)
      const t = String(Math.floor(Date.now() / 1000))
      const result = { tag: 'iq', attrs: {}, content: [{ tag: 'tokens', attrs: {}, content: [{ tag: 'token', attrs: { type: 'trusted_contact', jid: bobPn, t }, content: Buffer.from('token-bytes') }] }] }
      const stored = []
      await storeTcTokensFromIqResult({ result, keys: alice.auth.keys, getLIDForPN, onNewJidStored: (jid) => stored.push(jid) })
      assert.deepEqual(stored, [bobLid])
      await alice.auth.keys.set({ tctoken: await buildMergedTcTokenIndexWrite(alice.auth.keys, stored) })
      alice = await load('lid-alice')
      assert.deepEqual(await readTcTokenIndex(alice.auth.keys), [bobLid])
      const nodes = await buildTcTokenFromJid({ authState: alice.auth, jid: bobPn, getLIDForPN: (pn) => alice.repo.lidMapping.getLIDForPN(pn) })
      assert.equal(nodes.length, 1)
      assert.equal(nodes[0].attrs.t, t)
      assert.deepEqual(Buffer.from(nodes[0].content), Buffer.from('token-bytes'))
    })
  }

  test(`${label}: migration: a useMultiFileAuthState folder (written by Baileys) moves into sessiond once, keys under the ids Baileys asks for`, async () => {
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
      if (I.lid) {
        // 7.x's key types, in the shapes its socket writes them (tctoken's index under the id `__index`).
        Object.assign(written, {
          'lid-mapping': { 4917012345678: '99887766554433', '99887766554433_reverse': '4917012345678' },
          'device-list': { 4917012345678: ['0', '3'] },
          'identity-key': { '99887766554433_1.0': Curve.generateKeyPair().public },
          tctoken: { __index: { token: Buffer.from('["99887766554433@lid"]') }, '99887766554433@lid': { token: Buffer.from('tc'), timestamp: '1700000000' } }
        })
      }
      await files.state.keys.set(written)
      assert.ok(readdirSync(folder).includes('app-state-sync-key-AAAAAB__+cw==.json'))
      const count = Object.values(written).reduce((n, values) => n + Object.keys(values).length, 0)

      const options = { url: daemon.url, apiKey: daemon.apiKey, sessionId: 'migrated', folder, ...I.options }
      assert.deepEqual(await migrateMultiFileAuthState(options), { migrated: true, keys: count })
      // Once: a second start finds creds in sessiond and leaves them.
      assert.deepEqual(await migrateMultiFileAuthState(options), { migrated: false, keys: 0 })

      const { state } = await useSessiondAuthState({ url: daemon.url, apiKey: daemon.apiKey, sessionId: 'migrated', ...I.options })
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
}
