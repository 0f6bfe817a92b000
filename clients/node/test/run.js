// npm test: starts one sessiond for the whole run (support/daemon.js; memory, or Redis with
// SESSIOND_TEST_REDIS_URL), then runs the test files with node --test, one file at a time, each in its
// own process (two copies of Baileys 6 in one process share protobufjs's root), every file on a tenant
// of its own on that daemon (newTenant). Starting a daemon per file cost a JVM start and a cold JIT
// each time. The files: those named (`npm test -- test/lease.test.js`), or every test/*.test.js;
// arguments starting with -- go to node --test (`npm test -- --test-reporter=spec`). The
// daemon has the webhook settings webhooks.test.js needs (deliveries to its receiver on 127.0.0.1,
// quick polls and retries); no other file registers a webhook. Exits with node --test's code; when
// it fails, the daemon's log is printed (what it logged about a failing request).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { startDaemon } from './support/daemon.js'

const dir = fileURLToPath(new URL('.', import.meta.url))
const args = process.argv.slice(2)
const options = args.filter(a => a.startsWith('--'))
const named = args.filter(a => !a.startsWith('--'))
const files = named.length ? named : readdirSync(dir).filter(f => f.endsWith('.test.js')).sort().map(f => join(dir, f))

const adminKey = 'admin-' + randomBytes(16).toString('hex')
const daemon = await startDaemon({
  ADMIN_API_KEY: adminKey,
  WEBHOOKS_ALLOW_PRIVATE: 'true',
  WEBHOOKS_POLL_MS: '50',
  WEBHOOKS_BACKOFF_MS: '50',
  WEBHOOKS_MAX_ATTEMPTS: '2'
})
const stopped = () => daemon.stop()
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stopped().then(() => process.exit(1)))

const code = await new Promise(resolve => {
  const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...options, ...files], {
    stdio: 'inherit',
    env: {
      ...process.env,
      SESSIOND_TEST_DAEMON_URL: daemon.url,
      SESSIOND_TEST_ADMIN_KEY: adminKey,
      SESSIOND_TEST_DAEMON_STORE: daemon.store
    }
  })
  tests.once('error', e => { console.error(`node --test: ${e.message}`); resolve(1) })
  tests.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
})
await stopped()
if (code !== 0) {
  const lines = daemon.log().trimEnd().split('\n')
  const last = lines.length > 500 ? ' (its last 500 lines)' : ''
  console.error(`\nThe ${daemon.store} store's daemon (${daemon.url}) logged${last}:\n${lines.slice(-500).join('\n')}`)
}
process.exit(code)
