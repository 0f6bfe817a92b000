// The daemon the tests talk to. test/run.js (npm test) starts one real sessiond (the jar Maven built)
// for the whole run, on a free port with an administration key, and every test file takes a tenant of
// its own on it (newTenant: a random id, a key issued over /v1/admin), so files share the daemon but
// no data. The store is the memory store, or Redis when SESSIOND_TEST_REDIS_URL is set (e.g.
// redis://localhost:6379): `SESSIOND_TEST_REDIS_URL=redis://localhost:6379 npm test` runs every test on
// the Redis store; random tenants keep runs sharing one Redis apart.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { get } from 'node:http'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { httpFetch } from './http-fetch.js'

export const JAR = fileURLToPath(new URL('../../../../target/sessiond.jar', import.meta.url))

function freePort () {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/**
 * The readiness probe's status (0 while nothing answers), over node:http with no keep-alive: fetch's
 * pooled connections to a process still starting up can leave a parser timer behind that throws in
 * Node 20's bundled undici ("Cannot destructure property 'socket' of 'parser.deref(...)'") after the
 * hook that made them has ended.
 */
function readyStatus (port) {
  return new Promise(resolve => {
    const req = get({ host: '127.0.0.1', port, path: '/health/ready', agent: false, timeout: 2000 }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
      res.on('error', () => resolve(0))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(0))
  })
}

/**
 * Starts a daemon with one random tenant and key (test/run.js starts the run's daemon with it); `env`
 * adds to or overrides its environment. Ready once /health/ready answers 200 and it logged the store
 * asked for.
 */
export async function startDaemon (env = {}) {
  if (!existsSync(JAR)) throw new Error(`${JAR} is missing: run mvn package first`)
  const port = await freePort()
  const apiKey = 'k-' + randomBytes(16).toString('hex')
  const tenant = 't-' + randomBytes(6).toString('hex')
  const redis = process.env.SESSIOND_TEST_REDIS_URL
  const store = redis ? { SESSION_STORE: 'redis', REDIS_URL: redis } : { SESSION_STORE: 'memory' }
  const child = spawn('java', ['-jar', JAR], {
    env: { ...process.env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', TENANTS: `${tenant}=${apiKey}`, HTTP_INSTANCES: '1', ...store, ...env },
    cwd: mkdtempSync(join(tmpdir(), 'sessiond-node-test-')),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  child.stdout.on('data', d => { log += d })
  child.stderr.on('data', d => { log += d })
  const url = `http://127.0.0.1:${port}`
  const kind = env.SESSION_STORE ?? store.SESSION_STORE
  const deadline = Date.now() + 60000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sessiond exited with ${child.exitCode}:\n${log}`)
    // Ready, and on the store asked for (so a run meant for Redis can never pass on memory).
    if (await readyStatus(port) === 200 && log.includes(`with the ${kind} store`)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`sessiond did not become ready on the ${kind} store within 60 s:\n${log}`)
    }
    await sleep(100)
  }
  return {
    url,
    tenant,
    store: store.SESSION_STORE,
    apiKey,
    log: () => log,
    stop: () => new Promise(resolve => {
      if (child.exitCode !== null) return resolve()
      // Graceful shutdown waits for idle keep-alive connections up to its grace period; tests do
      // not need to wait that long.
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
      child.once('exit', () => { clearTimeout(kill); resolve() })
      child.kill('SIGTERM')
    })
  }
}

/**
 * A tenant of its own on the run's daemon (started by test/run.js, which passes its address and
 * administration key as SESSIOND_TEST_DAEMON_URL and SESSIOND_TEST_ADMIN_KEY): a random id created
 * with `limits` (as POST /v1/admin/tenants takes them; those not given take the daemon's defaults) and
 * a key issued for it. Every file calls it in its before hook; its data is the tenant's alone.
 */
export async function newTenant ({ limits } = {}) {
  const url = process.env.SESSIOND_TEST_DAEMON_URL
  const adminKey = process.env.SESSIOND_TEST_ADMIN_KEY
  if (!url || !adminKey) {
    throw new Error('no test daemon: run the tests with npm test (node test/run.js [test files]), which starts the daemon they share')
  }
  const tenant = 't-' + randomBytes(6).toString('hex')
  await admin(url, adminKey, 'POST', '/v1/admin/tenants', { id: tenant, ...(limits ? { limits } : {}) })
  const { key } = await admin(url, adminKey, 'POST', `/v1/admin/tenants/${tenant}/keys`)
  return { url, tenant, apiKey: key, store: process.env.SESSIOND_TEST_DAEMON_STORE }
}

async function admin (url, adminKey, method, path, body) {
  const res = await httpFetch(url + path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return JSON.parse(text)
}
