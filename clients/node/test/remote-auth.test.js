// whatsapp-web.js itself needs a Chromium download (puppeteer), which cannot happen here, so this
// drives the store exactly as RemoteAuth does: it zips to `${session}.zip` in the working directory
// and calls save({session}); on start-up sessionExists({session}) and extract({session, path}).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SessiondRemoteAuthStore } from '../src/index.js'
import { startDaemon } from './support/daemon.js'

let daemon
before(async () => { daemon = await startDaemon() })
after(() => daemon?.stop())

test('RemoteAuth contract: save from cwd, sessionExists, extract to a path, delete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wwebjs-'))
  const cwd = process.cwd()
  process.chdir(dir)
  try {
    const store = new SessiondRemoteAuthStore({ url: daemon.url, apiKey: daemon.apiKey })
    const session = 'RemoteAuth-bot1'
    assert.equal(await store.sessionExists({ session }), false)
    const zip = randomBytes(2 * 1024 * 1024 + 123)
    writeFileSync(`${session}.zip`, zip)
    await store.save({ session })
    assert.equal(await store.sessionExists({ session }), true)
    const out = join(dir, 'restored', `${session}.zip`)
    await import('node:fs/promises').then(fs => fs.mkdir(join(dir, 'restored')))
    await store.extract({ session, path: out })
    assert.deepEqual(readFileSync(out), zip)
    // A second save replaces the zip.
    const zip2 = randomBytes(1000)
    writeFileSync(`${session}.zip`, zip2)
    await store.save({ session })
    await store.extract({ session, path: out })
    assert.deepEqual(readFileSync(out), zip2)
    await store.delete({ session })
    assert.equal(await store.sessionExists({ session }), false)
    await assert.rejects(store.extract({ session, path: out }), /no RemoteAuth zip/)
  } finally {
    process.chdir(cwd)
    rmSync(dir, { recursive: true, force: true })
  }
})
