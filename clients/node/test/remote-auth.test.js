// whatsapp-web.js's own RemoteAuth (the installed 1.34.x, its archiver/unzipper/fs-extra) on
// SessiondRemoteAuthStore, with no option but url and apiKey. No browser is started: RemoteAuth's
// methods are called in the order its Client calls them (setup in the constructor,
// beforeBrowserInitialized on initialize, afterAuthReady when ready, which saves and then backs up
// every backupSyncIntervalMs, destroy, logout), and the profile folder is written by the test.
import { test, before, after, mock } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, dirname } from 'node:path'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isDeepStrictEqual } from 'node:util'
import wwebjs from 'whatsapp-web.js'
import { SessiondRemoteAuthStore, SessiondClient, remoteAuthSessionId } from '../src/index.js'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { newTenant, JAR } from './support/daemon.js'
import { httpFetch } from './support/http-fetch.js'

const { RemoteAuth } = wwebjs
let daemon, client
const startCwd = process.cwd()
before(async () => {
  daemon = await newTenant()
  client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey })
})
after(async () => {
  process.chdir(startCwd)
})

/** A machine: a fresh working directory (no .wwebjs_auth yet), made the process's. */
function machine () {
  const dir = mkdtempSync(join(tmpdir(), 'wwebjs-machine-'))
  process.chdir(dir)
  return dir
}

/**
 * A RemoteAuth as the README sets it up, attached to a stand-in for whatsapp-web.js's Client; with
 * `fetch` (httpFetch where the test mocks the timers), its store's client uses it.
 */
function remoteAuth (clientId, fetch) {
  const store = fetch
    ? new SessiondRemoteAuthStore({ client: new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey, fetch }) })
    : new SessiondRemoteAuthStore({ url: daemon.url, apiKey: daemon.apiKey })
  const auth = new RemoteAuth({ store, clientId, backupSyncIntervalMs: 60000 })
  const events = []
  const wa = { options: { puppeteer: {} }, emit: (e) => events.push(e) }
  auth.setup(wa)
  return { auth, wa, events }
}

/** A Chromium profile: the folders RemoteAuth keeps (binary, nested, empty files) and a cache it drops. */
function writeProfile (userDataDir, seed) {
  const files = {
    'Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.leveldb/000003.log': randomBytes(300 * 1024 + 7),
    'Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.leveldb/CURRENT': Buffer.from('MANIFEST-000001\n'),
    'Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.blob/1/00/a': randomBytes(4096),
    'Default/Local Storage/leveldb/000005.ldb': randomBytes(70000),
    'Default/Local Storage/leveldb/LOCK': Buffer.alloc(0),
    'Default/Default/Preferences': Buffer.from(JSON.stringify({ seed })),
    'Default/Default/deep/er/still/nested.bin': Buffer.from([0, 255, 1, 254, 0, 0, 10, 13])
  }
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(userDataDir, rel)), { recursive: true })
    writeFileSync(join(userDataDir, rel), bytes)
  }
  mkdirSync(join(userDataDir, 'Default/Cache/Cache_Data'), { recursive: true })
  writeFileSync(join(userDataDir, 'Default/Cache/Cache_Data/data_0'), randomBytes(1000))
  return files
}

/** Every file under dir: relative path → bytes. */
function tree (dir) {
  const out = {}
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out[relative(dir, p).split('\\').join('/')] = readFileSync(p)
    }
  }
  walk(dir)
  return out
}

// RemoteAuth resolves when unzipper's Extract emits 'finish', which comes before its last files
// are written (an empty file, e.g. a LevelDB LOCK, may appear a moment later): wait for the tree,
// then compare it.
async function assertRestored (dir, files) {
  await until(`the restored profile in ${dir}`, () => isDeepStrictEqual(tree(dir), files)).catch(() => {})
  assert.deepEqual(tree(dir), files)
}

async function until (what, check, ms = 15000) {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

test('RemoteAuth: first save, backup interval, folder wiped, restore on a machine without dataPath, logout', async (t) => {
  // The timers are mocked below: every request of this test goes over node:http (see httpFetch).
  const client = new SessiondClient({ url: daemon.url, apiKey: daemon.apiKey, fetch: httpFetch })
  const machineA = machine()
  const a = remoteAuth('bot1', httpFetch)
  await a.auth.beforeBrowserInitialized()
  const userDataDir = join(machineA, '.wwebjs_auth', 'RemoteAuth-bot1')
  assert.equal(a.wa.options.puppeteer.userDataDir, userDataDir)
  assert.ok(statSync(userDataDir).isDirectory())
  assert.equal(await a.auth.store.sessionExists({ session: 'RemoteAuth-bot1' }), false)

  let files = writeProfile(userDataDir, 1)
  // The client is ready: afterAuthReady finds no session, waits its one minute (mocked: ticked
  // through once its timer is set), saves, and starts the periodic backup. Waiting uses setImmediate:
  // the mocked timers include timers/promises.
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
  t.after(() => mock.timers.reset())
  const turn = () => new Promise(resolve => setImmediate(resolve))
  const ready = a.auth.afterAuthReady()
  let settled = false
  ready.finally(() => { settled = true })
  for (const deadline = Date.now() + 15000; !settled; await turn()) {
    if (Date.now() > deadline) throw new Error('afterAuthReady did not finish')
    if (a.events.length === 0) mock.timers.tick(60000)
  }
  await ready
  assert.deepEqual(a.events, ['remote_session_saved'])
  assert.equal(existsSync(join(machineA, '.wwebjs_auth', 'RemoteAuth-bot1.zip')), false, 'RemoteAuth removes its zip')
  const saved = await client.getSession('RemoteAuth-bot1')
  assert.equal(saved.ttlSeconds, 0)

  // The backup interval (backupSyncIntervalMs: one minute) uploads the profile as it is now.
  files = { ...files, ...writeProfile(userDataDir, 2) }
  mock.timers.tick(60000)
  // (archiver and fs-extra set short timers of their own: the mocked clock moves on 10 ms a turn.)
  for (const deadline = Date.now() + 15000; (await client.getSession('RemoteAuth-bot1')).version <= saved.version; await turn()) {
    if (Date.now() > deadline) throw new Error('no backup after the interval')
    mock.timers.tick(10)
  }
  await a.auth.destroy()
  mock.timers.reset()

  rmSync(machineA, { recursive: true, force: true })
  const machineB = machine()
  const b = remoteAuth('bot1')
  await b.auth.beforeBrowserInitialized()
  const restoredDir = join(machineB, '.wwebjs_auth', 'RemoteAuth-bot1')
  await assertRestored(restoredDir, files)
  assert.equal(existsSync(join(machineB, '.wwebjs_auth', 'RemoteAuth-bot1.zip')), false)

  await b.auth.logout()
  assert.equal(await client.getSession('RemoteAuth-bot1'), null, 'logout deletes the whole session')
  assert.equal(existsSync(restoredDir), false)
  const c = remoteAuth('bot1')
  await c.auth.beforeBrowserInitialized()
  assert.deepEqual(tree(join(machineB, '.wwebjs_auth', 'RemoteAuth-bot1')), {}, 'after logout a start is a fresh one')
  process.chdir(startCwd)
  rmSync(machineB, { recursive: true, force: true })
})

test('RemoteAuth: two clientIds are isolated, and any clientId RemoteAuth accepts works (underscores, 200 characters)', async () => {
  const long = 'my_bot_' + 'x'.repeat(193)
  const ids = ['alpha', long, 'no_clientId']
  const profiles = {}
  const machineA = machine()
  for (const id of ids) {
    const { auth } = remoteAuth(id === 'no_clientId' ? undefined : id)
    await auth.beforeBrowserInitialized()
    profiles[id] = writeProfile(auth.userDataDir, id)
    await auth.storeRemoteSession()
  }
  const sessionId = remoteAuthSessionId(`RemoteAuth-${long}`)
  assert.match(sessionId, /^[A-Za-z0-9._@:+-]{1,128}$/)
  assert.equal(sessionId, remoteAuthSessionId(`RemoteAuth-${long}`))
  assert.notEqual(remoteAuthSessionId(`RemoteAuth-${long}`), remoteAuthSessionId(`RemoteAuth-${long}y`))
  assert.ok(await client.getSession(sessionId))
  assert.ok(await client.getSession('RemoteAuth'), 'RemoteAuth without clientId uses the session RemoteAuth')
  rmSync(machineA, { recursive: true, force: true })

  const machineB = machine()
  for (const id of ids) {
    const { auth } = remoteAuth(id === 'no_clientId' ? undefined : id)
    await auth.beforeBrowserInitialized()
    await assertRestored(auth.userDataDir, profiles[id])
  }
  // Logging one out leaves the others.
  const { auth } = remoteAuth('alpha')
  auth.userDataDir = join(machineB, '.wwebjs_auth', 'RemoteAuth-alpha')
  auth.sessionName = 'RemoteAuth-alpha'
  await auth.logout()
  assert.equal(await client.getSession('RemoteAuth-alpha'), null)
  assert.ok(await client.getSession(sessionId))
  assert.equal(await new SessiondRemoteAuthStore({ url: daemon.url, apiKey: daemon.apiKey }).sessionExists({ session: 'RemoteAuth' }), true)
  process.chdir(startCwd)
  rmSync(machineB, { recursive: true, force: true })
})

test('the store alone: a custom dataPath, the path RemoteAuth passes, and clear errors', async () => {
  const dir = machine()
  const dataPath = join(dir, 'profiles')
  const store = new SessiondRemoteAuthStore({ url: daemon.url, apiKey: daemon.apiKey, dataPath })
  const zip = randomBytes(2 * 1024 * 1024 + 123)
  await assert.rejects(store.save({ session: 'RemoteAuth-custom' }), /pass the dataPath/)
  mkdirSync(dataPath)
  writeFileSync(join(dataPath, 'RemoteAuth-custom.zip'), zip)
  await store.save({ session: 'RemoteAuth-custom' })
  const out = join(dir, 'fresh', 'nested', 'RemoteAuth-custom.zip')
  await store.extract({ session: 'RemoteAuth-custom', path: out })
  assert.deepEqual(readFileSync(out), zip)
  // A path given by RemoteAuth wins over dataPath.
  const other = join(dir, 'elsewhere.zip')
  writeFileSync(other, Buffer.from('second'))
  await store.save({ session: 'RemoteAuth-custom', path: other })
  await store.extract({ session: 'RemoteAuth-custom', path: out })
  assert.equal(readFileSync(out, 'utf8'), 'second')
  await store.delete({ session: 'RemoteAuth-custom' })
  assert.equal(await client.getSession('RemoteAuth-custom'), null)
  await assert.rejects(store.extract({ session: 'RemoteAuth-custom', path: out }), /has no RemoteAuth zip/)
  process.chdir(startCwd)
  rmSync(dir, { recursive: true, force: true })
})

test('save retries a transient failure of its streamed upload, from the file', async () => {
  // A stand-in for a daemon that restarts: the first two uploads answer 503 and 502.
  const { createServer } = await import('node:http')
  const uploads = []
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'PUT' && req.url.includes('/blobs/')) {
        uploads.push(Buffer.concat(chunks))
        if (uploads.length <= 2) {
          res.writeHead(uploads.length === 1 ? 503 : 502, { 'content-type': 'application/problem+json' })
          return res.end('{"status":503,"detail":"restarting"}')
        }
        res.writeHead(201, { etag: '"2"' })
        return res.end()
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"id":"RemoteAuth-r","version":1,"data":{}}')
    })
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const dir = machine()
  try {
    const store = new SessiondRemoteAuthStore({ client: new SessiondClient({ url: `http://127.0.0.1:${server.address().port}`, apiKey: 'k', backoffMs: 5 }) })
    const zip = randomBytes(100000)
    mkdirSync(join(dir, '.wwebjs_auth'))
    writeFileSync(join(dir, '.wwebjs_auth', 'RemoteAuth-r.zip'), zip)
    await store.save({ session: 'RemoteAuth-r' })
    assert.equal(uploads.length, 3)
    for (const u of uploads) assert.deepEqual(u, zip)
  } finally {
    server.closeAllConnections()
    server.close()
    process.chdir(startCwd)
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a LocalAuth profile imported by the Java CLI (import-wwebjs) is found by the store, even under a clientId too long for an id', async () => {
  const clientId = 'cli_bot_' + 'y'.repeat(120)
  const dir = mkdtempSync(join(tmpdir(), 'wwebjs-cli-'))
  try {
    mkdirSync(join(dir, `session-${clientId}`, 'Default'), { recursive: true })
    writeFileSync(join(dir, `session-${clientId}`, 'Default', 'Preferences'), '{"from":"cli"}')
    await promisify(execFile)('java', ['-jar', JAR, 'import-wwebjs', '--url', daemon.url, '--dir', dir, '--session-id', clientId],
      { env: { ...process.env, SESSIOND_API_KEY: daemon.apiKey } })
    const store = new SessiondRemoteAuthStore({ url: daemon.url, apiKey: daemon.apiKey })
    const session = `RemoteAuth-${clientId}`
    assert.equal(await store.sessionExists({ session }), true)
    assert.equal((await client.getSession(remoteAuthSessionId(session))).data.session, session)
    const zip = join(dir, 'restored.zip')
    await store.extract({ session, path: zip })
    assert.equal(readFileSync(zip).subarray(0, 2).toString(), 'PK')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
