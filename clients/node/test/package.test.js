// The package as npm publishes it: `npm pack` holds only the intended files, and a project that
// installs the tarball can both require() and import it (one copy of every class) and talk to the daemon.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { newTenant } from './support/daemon.js'

const root = fileURLToPath(new URL('..', import.meta.url))
let daemon, dir

function run (cmd, args, options = {}) {
  return new Promise((resolve, reject) => execFile(cmd, args, { maxBuffer: 16 << 20, ...options }, (err, stdout, stderr) =>
    err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout)))
}

before(async () => {
  daemon = await newTenant()
  dir = mkdtempSync(join(tmpdir(), 'sessiond-consumer-'))
})
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('npm pack holds exactly the intended files', async () => {
  const [pack] = JSON.parse(await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root }))
  assert.deepEqual(pack.files.map(f => f.path).sort(), [
    'CHANGELOG.md', 'LICENSE', 'README.md', 'index.d.cts', 'index.d.ts', 'package.json',
    'src/baileys.cjs', 'src/client.cjs', 'src/express-session.cjs', 'src/index.cjs', 'src/index.js', 'src/lease.cjs',
    'src/webhook.cjs', 'src/wwebjs.cjs'
  ])
})

test('a project installing the tarball can require() and import it, sharing one copy', async () => {
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  const tarball = (await run('ls', [dir])).split('\n').find(f => f.endsWith('.tgz'))
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tarball)], { cwd: dir })
  writeFileSync(join(dir, 'cjs.cjs'), `
    const { SessiondClient, SessiondStore, useSessiondAuthState, SessiondRemoteAuthStore } = require('@sessiond/client')
    const c = new SessiondClient({ url: process.argv[2], apiKey: process.argv[3] })
    c.putSession('from-cjs', { data: { via: 'require' } }).then(s => console.log(JSON.stringify({ id: s.id,
      kinds: [typeof SessiondStore, typeof useSessiondAuthState, typeof SessiondRemoteAuthStore] })))
  `)
  writeFileSync(join(dir, 'esm.mjs'), `
    import { createRequire } from 'node:module'
    import { SessiondClient, SessiondError } from '@sessiond/client'
    const cjs = createRequire(import.meta.url)('@sessiond/client')
    const c = new SessiondClient({ url: process.argv[2], apiKey: process.argv[3] })
    const s = await c.getSession('from-cjs')
    const e = await c.setState('from-cjs', 'connected').catch(e => e)
    console.log(JSON.stringify({ via: s.data.via, same: cjs.SessiondError === SessiondError && cjs.SessiondClient === SessiondClient, status: e.status, isError: e instanceof cjs.SessiondError }))
  `)
  const fromCjs = JSON.parse(await run(process.execPath, ['cjs.cjs', daemon.url, daemon.apiKey], { cwd: dir }))
  assert.deepEqual(fromCjs, { id: 'from-cjs', kinds: ['function', 'function', 'function'] })
  const fromEsm = JSON.parse(await run(process.execPath, ['esm.mjs', daemon.url, daemon.apiKey], { cwd: dir }))
  assert.deepEqual(fromEsm, { via: 'require', same: true, status: 409, isError: true })
})

test('its types compile in that project, which has neither Baileys nor express-session (skipLibCheck off)', async () => {
  writeFileSync(join(dir, 'check.mts'), `
    import { SessiondClient, SessiondStore, useSessiondAuthState, type Session } from '@sessiond/client'
    const c = new SessiondClient({ url: 'http://localhost:8080', apiKey: 'k' })
    const s: Session | null = await c.getSession('a')
    // @ts-expect-error the client's own types stay precise
    const v: string = s!.version
    const store = new SessiondStore({ url: 'x', apiKey: 'k' })
    const n: number = await store.length()
    const { state } = await useSessiondAuthState({ url: 'x', apiKey: 'k', sessionId: 'bot' })
    export {}
  `)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
    files: ['check.mts']
  }))
  await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir })
})

test('in that project with Baileys installed only as `baileys` (its unscoped name), useSessiondAuthState finds it by itself', async () => {
  // This package's own Baileys 6.17.16 under the unscoped name, linked in (no download): the adapter
  // must make the creds with its initAuthCreds and revive app-state-sync-key values as its proto.
  symlinkSync(join(root, 'node_modules', 'baileys'), join(dir, 'node_modules', 'baileys'), 'dir')
  writeFileSync(join(dir, 'unscoped.mjs'), `
    import { createRequire } from 'node:module'
    import { useSessiondAuthState } from '@sessiond/client'
    const require = createRequire(import.meta.url)
    const baileys = require('baileys')
    let scoped = true
    try { require.resolve('@whiskeysockets/baileys') } catch { scoped = false }
    const options = { url: process.argv[2], apiKey: process.argv[3], sessionId: 'unscoped-bot' }
    const first = await useSessiondAuthState(options)
    await first.saveCreds()
    await first.state.keys.set({ 'app-state-sync-key': { AAAAAOdz: { keyData: Buffer.from('k'), timestamp: 1 } } })
    const { state } = await useSessiondAuthState(options)
    const sync = (await state.keys.get('app-state-sync-key', ['AAAAAOdz'])).AAAAAOdz
    console.log(JSON.stringify({ scoped, registrationId: typeof state.creds.registrationId, noiseKey: Buffer.isBuffer(state.creds.noiseKey.private),
      proto: sync instanceof baileys.proto.Message.AppStateSyncKeyData, keyData: Buffer.from(sync.keyData).toString() }))
  `)
  const result = JSON.parse(await run(process.execPath, ['unscoped.mjs', daemon.url, daemon.apiKey], { cwd: dir }))
  assert.deepEqual(result, { scoped: false, registrationId: 'number', noiseKey: true, proto: true, keyData: 'k' })
})
