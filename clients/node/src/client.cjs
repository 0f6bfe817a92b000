'use strict'
// The HTTP client every adapter uses: fetch with a timeout per attempt; bounded retries with
// jittered exponential backoff for idempotent calls on 502/503/504 and connection errors (a POST
// is made idempotent by an Idempotency-Key, the same one on each of its attempts); Retry-After
// honoured on 429 and 503; errors carrying the problem+json detail.
const { setTimeout: sleep } = require('node:timers/promises')
const { randomUUID } = require('node:crypto')

/** An answer of sessiond that is not a success: status, and the problem document's type, title and detail. */
class SessiondError extends Error {
  constructor ({ status, type, title, detail, instance, method, path, cause }) {
    super(`${method} ${path}: ${status ? status + ' ' : ''}${detail || title || 'request failed'}`, cause ? { cause } : undefined)
    this.name = 'SessiondError'
    this.status = status
    this.type = type
    this.title = title
    this.detail = detail
    this.instance = instance
  }

  /** A write refused because its fencing token is stale (the lease expired, was released or taken over). */
  get fenced () {
    return this.status === 409 && typeof this.type === 'string' && this.type.endsWith(':fenced')
  }

  /** A lease refused because another holder's lease is live. */
  get leaseHeld () {
    return this.status === 409 && typeof this.type === 'string' && this.type.endsWith(':lease-held')
  }
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE', 'HEAD'])
const RETRY_STATUS = new Set([502, 503, 504])
// Errors where the request certainly never reached the daemon, so even a POST may be retried.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

class SessiondClient {
  /**
   * @param {object} o
   * @param {string} o.url base URL, e.g. http://localhost:8080
   * @param {string} o.apiKey the tenant's API key
   * @param {number} [o.timeoutMs=10000] per attempt
   * @param {number} [o.retries=5] extra attempts
   * @param {number} [o.backoffMs=100] first delay; doubles each attempt, capped at maxBackoffMs
   * @param {number} [o.maxBackoffMs=5000]
   * @param {number} [o.maxRetryAfterMs=30000] a longer Retry-After is not waited for: the error is thrown
   */
  constructor ({ url, apiKey, timeoutMs = 10000, retries = 5, backoffMs = 100, maxBackoffMs = 5000, maxRetryAfterMs = 30000, fetch = globalThis.fetch } = {}) {
    if (!url) throw new TypeError('sessiond: url is required')
    if (!apiKey) throw new TypeError('sessiond: apiKey is required')
    this.url = url.replace(/\/+$/, '')
    this.apiKey = apiKey
    this.timeoutMs = timeoutMs
    this.retries = retries
    this.backoffMs = backoffMs
    this.maxBackoffMs = maxBackoffMs
    this.maxRetryAfterMs = maxRetryAfterMs
    this.fetch = fetch
  }

  /**
   * One request. `json` is sent as application/json (a string is sent as it is: already JSON);
   * `body` is sent raw (Buffer, string, or a stream: then it is not retried). Resolves to the
   * Response for 2xx/304 and for statuses listed in `allow`; throws SessiondError otherwise.
   * `idempotent` overrides the method's default (GET, PUT, DELETE, HEAD are idempotent).
   * `idempotencyKey` is sent as the Idempotency-Key header, the same on every attempt: sessiond
   * applies the request once and answers its repeats with the first answer, so it is retried as an
   * idempotent call (`true`: a fresh random key).
   */
  async request (method, path, { json, body, headers = {}, allow = [], idempotent, contentType, idempotencyKey } = {}) {
    const h = { authorization: `Bearer ${this.apiKey}`, ...headers }
    if (idempotencyKey === true) idempotencyKey = randomUUID()
    if (idempotencyKey) {
      h['idempotency-key'] = idempotencyKey
      idempotent = idempotent ?? true
    } else {
      idempotencyKey = undefined
    }
    let payload = body
    if (json !== undefined) {
      payload = typeof json === 'string' ? json : JSON.stringify(json)
      h['content-type'] = 'application/json'
    } else if (body !== undefined) {
      h['content-type'] = contentType || 'application/octet-stream'
    }
    const streaming = payload != null && typeof payload !== 'string' && !(payload instanceof Uint8Array)
    const mayRepeat = !streaming && (idempotent ?? IDEMPOTENT.has(method))
    for (let attempt = 0; ; attempt++) {
      const left = attempt < this.retries && !streaming
      let res
      try {
        res = await this.fetch(this.url + path, {
          method,
          headers: h,
          body: payload,
          duplex: streaming ? 'half' : undefined,
          signal: AbortSignal.timeout(this.timeoutMs)
        })
      } catch (e) {
        const code = e.cause?.code || e.code
        if (!(left && (mayRepeat || NOT_SENT.has(code)))) {
          const timeout = e.name === 'TimeoutError'
          throw new SessiondError({ method, path, detail: timeout ? `no answer within ${this.timeoutMs} ms` : `cannot reach sessiond at ${this.url}: ${code || e.message}`, cause: e })
        }
        await this.#backoff(attempt)
        continue
      }
      if (res.ok || res.status === 304 || allow.includes(res.status)) return res
      if (left) {
        const retryAfter = retryAfterMs(res.headers.get('retry-after'))
        // 429 with Retry-After (a rate limit: the request was not processed) is retried for any call;
        // 502/503/504 only for idempotent ones; a 409 with Retry-After for a keyed one (its first
        // attempt is still running). A 429 without Retry-After (a session limit) is final.
        const again = (res.status === 429 && retryAfter != null) || (RETRY_STATUS.has(res.status) && mayRepeat) ||
          (res.status === 409 && retryAfter != null && idempotencyKey != null)
        if (again && (retryAfter == null || retryAfter <= this.maxRetryAfterMs)) {
          await res.body?.cancel()
          if (retryAfter != null) await sleep(retryAfter + Math.random() * Math.min(retryAfter, 1000) / 10)
          else await this.#backoff(attempt)
          continue
        }
      }
      throw await problem(method, path, res)
    }
  }

  // Full jitter: a random delay up to backoffMs * 2^attempt, capped.
  async #backoff (attempt) {
    const cap = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt)
    await sleep(cap / 2 + Math.random() * cap / 2)
  }

  async #json (method, path, options) {
    return (await this.request(method, path, options)).json()
  }

  // ---- sessions -------------------------------------------------------------------------------

  /** The session, or null when there is none. */
  async getSession (id) {
    const res = await this.request('GET', sessionPath(id), { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** Create or replace; body {data?, creds?, state?, ttlSeconds?}. */
  putSession (id, body, { ifMatch, fence } = {}) {
    return this.#json('PUT', sessionPath(id), { json: body, headers: preconditions(ifMatch, fence) })
  }

  /** JSON merge patch (RFC 7396) of the session's data; the patched session. */
  patchSession (id, patch, { ifMatch, fence } = {}) {
    return this.#json('PATCH', sessionPath(id), { json: patch, headers: preconditions(ifMatch, fence) })
  }

  /** Deletes the session with everything in it; false when there was none. */
  async deleteSession (id, { ifMatch, fence } = {}) {
    const res = await this.request('DELETE', sessionPath(id), { allow: [404], headers: preconditions(ifMatch, fence) })
    await res.body?.cancel()
    return res.status !== 404
  }

  /** Refreshes TTL and activity: the session's status, or null when there is no session. Keyed and retried. */
  async touch (id, { fence, idempotencyKey = true } = {}) {
    const res = await this.request('POST', sessionPath(id) + '/touch', { allow: [404], headers: preconditions(null, fence), idempotencyKey })
    if (res.status === 404) { await res.body?.cancel(); return null }
    return res.json()
  }

  /** One page of sessions: {sessions, nextCursor}. `prefix` keeps the ids that start with it. */
  listSessions ({ cursor, limit = 1000, state, prefix } = {}) {
    return this.#json('GET', `/v1/sessions?${query({ limit, cursor, state, prefix })}`)
  }

  /** Every session of the tenant (or with `prefix`/`state`), page by page. */
  async * allSessions (options = {}) {
    let cursor
    do {
      const page = await this.listSessions({ ...options, cursor })
      yield * page.sessions
      cursor = page.nextCursor
    } while (cursor)
  }

  /**
   * Deletes every session whose id starts with `prefix`, on the server; the number deleted. The
   * server deletes at most 1000 per call and answers whether more may remain: this calls again
   * while `more` is true.
   */
  async deleteSessions ({ prefix }) {
    if (!prefix) throw new TypeError('sessiond: deleteSessions needs a non-empty prefix')
    let deleted = 0
    for (;;) {
      const doc = await this.#json('DELETE', `/v1/sessions?${query({ prefix })}`)
      deleted += doc.deleted
      if (!doc.more) return deleted
    }
  }

  // ---- status and lifecycle -------------------------------------------------------------------

  /** The session's status (state, activity, expiry, key counts, message count), or null. */
  async getStatus (id) {
    const res = await this.request('GET', sessionPath(id) + '/status', { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** One page of statuses: {sessions, nextCursor}. `prefix` keeps the ids that start with it. */
  listStatuses ({ cursor, limit = 1000, state, prefix } = {}) {
    return this.#json('GET', `/v1/sessions/status?${query({ limit, cursor, state, prefix })}`)
  }

  async * allStatuses (options = {}) {
    let cursor
    do {
      const page = await this.listStatuses({ ...options, cursor })
      yield * page.sessions
      cursor = page.nextCursor
    } while (cursor)
  }

  /**
   * A lifecycle transition; the status after it (SessiondError 409 when illegal). Sent with an
   * Idempotency-Key (a fresh one unless given) and retried: a retry never makes a second transition.
   */
  setState (id, state, { ifMatch, fence, idempotencyKey = true } = {}) {
    return this.#json('POST', sessionPath(id) + '/state', { json: { state }, headers: preconditions(ifMatch, fence), idempotencyKey })
  }

  // ---- creds and keys -------------------------------------------------------------------------

  /** The creds document as JSON text, or null when the session or its creds are absent. */
  async getCredsText (id) {
    const res = await this.request('GET', sessionPath(id) + '/creds', { allow: [404] })
    return res.status === 404 ? null : res.text()
  }

  /** The creds parsed (with an optional JSON reviver), or null. */
  async getCreds (id, reviver) {
    const text = await this.getCredsText(id)
    return text == null ? null : JSON.parse(text, reviver)
  }

  async putCredsText (id, json, { ifMatch, fence } = {}) {
    const res = await this.request('PUT', sessionPath(id) + '/creds', { json, headers: preconditions(ifMatch, fence) })
    await res.body?.cancel()
  }

  /** Stores the creds document (an object, serialized with an optional JSON replacer). */
  putCreds (id, creds, { replacer, ifMatch, fence } = {}) {
    return this.putCredsText(id, JSON.stringify(creds, replacer), { ifMatch, fence })
  }

  /** Keys of one type as the response's JSON text ({id: value}; missing ids absent). */
  async queryKeysText (id, type, ids) {
    // A read; the key lets a load balancer retry it on another replica.
    const res = await this.request('POST', sessionPath(id) + '/keys/query', { json: { type, ids }, idempotencyKey: true })
    return res.text()
  }

  /** Keys of one type parsed (with an optional reviver): {id: value}; missing ids absent. */
  async queryKeys (id, type, ids, reviver) {
    return JSON.parse(await this.queryKeysText(id, type, ids), reviver)
  }

  /** An atomic batch {type: {keyId: value|null}} given as JSON text; null deletes. */
  async writeKeysText (id, batchJson, { ifMatch, fence } = {}) {
    // Idempotent already; the key lets a load balancer retry it on another replica too.
    const res = await this.request('POST', sessionPath(id) + '/keys', { json: batchJson, idempotencyKey: true, headers: preconditions(ifMatch, fence) })
    await res.body?.cancel()
  }

  /** An atomic batch {type: {keyId: value|null}}; null deletes. */
  writeKeys (id, batch, { replacer, ifMatch, fence } = {}) {
    return this.writeKeysText(id, JSON.stringify(batch, replacer), { ifMatch, fence })
  }

  async clearKeys (id, { ifMatch, fence } = {}) {
    const res = await this.request('DELETE', sessionPath(id) + '/keys', { headers: preconditions(ifMatch, fence) })
    await res.body?.cancel()
  }

  // ---- messages -------------------------------------------------------------------------------

  /**
   * Appends one message or an array of 1-1000: {version, firstSeq, lastSeq, messageCount}. Sent with
   * an Idempotency-Key (a fresh one unless given) and retried: a retry whose first attempt was applied
   * gets that attempt's answer, and the messages are stored once.
   */
  appendMessages (id, messages, { ifMatch, fence, idempotencyKey = true } = {}) {
    return this.#json('POST', sessionPath(id) + '/messages', { json: messages, headers: preconditions(ifMatch, fence), idempotencyKey })
  }

  /** One page of messages, newest first (order 'asc' for oldest first): {messages, nextBefore}. */
  getMessages (id, { limit, before, order } = {}) {
    return this.#json('GET', `${sessionPath(id)}/messages?${query({ limit, before, order })}`)
  }

  /** Every message of the window, newest first, page by page (following nextBefore). */
  async * allMessages (id, { limit = 1000 } = {}) {
    let before
    do {
      const page = await this.getMessages(id, { limit, before })
      yield * page.messages
      before = page.nextBefore
    } while (before != null)
  }

  // ---- export, import, restore ----------------------------------------------------------------

  /** The session's export document, or null when there is none. */
  async exportSession (id) {
    const res = await this.request('GET', sessionPath(id) + '/export', { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** Creates or replaces a whole session from an export document; the session. Keyed and retried. */
  importSession (doc, { ifMatch, fence, idempotencyKey = true } = {}) {
    return this.#json('POST', '/v1/sessions/import', { json: doc, headers: preconditions(ifMatch, fence), idempotencyKey })
  }

  /** Starts restoring the tenant's sessions from PostgreSQL: the job. Keyed and retried (one job). */
  restoreSessions ({ idempotencyKey = true } = {}) {
    return this.#json('POST', '/v1/sessions/restore', { idempotencyKey })
  }

  /** A restore job's progress, or null when it is unknown. */
  async getJob (jobId) {
    const res = await this.request('GET', `/v1/jobs/${encodeURIComponent(jobId)}`, { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** Polls a job until it is no longer running (or timeoutMs passes: then throws). */
  async waitForJob (jobId, { intervalMs = 500, timeoutMs = 600000 } = {}) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const job = await this.getJob(jobId)
      if (!job) throw new SessiondError({ method: 'GET', path: `/v1/jobs/${jobId}`, status: 404, detail: 'no such job' })
      if (job.state !== 'running') return job
      if (Date.now() > deadline) throw new Error(`sessiond: job ${jobId} still running after ${timeoutMs} ms`)
      await sleep(intervalMs)
    }
  }

  // ---- creds history --------------------------------------------------------------------------

  /** The kept creds versions, newest first: {id, version, keep, history: [{version, writtenAt, creds}]}, or null. */
  async getCredsHistory (id) {
    const res = await this.request('GET', sessionPath(id) + '/creds/history', { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** Makes the creds kept at `version` current again, byte for byte (a creds write). */
  async rollbackCreds (id, version, { ifMatch, fence } = {}) {
    const res = await this.request('POST', sessionPath(id) + '/creds/rollback', { json: { version }, headers: preconditions(ifMatch, fence) })
    await res.body?.cancel()
  }

  // ---- leases ---------------------------------------------------------------------------------

  /**
   * Takes the session's lease for `holder` (or renews it when `holder` holds it): {held, holder, token,
   * ttlSeconds, expiresAt, renewed}. With `fence`, only renews the live lease with that token. Throws
   * a SessiondError 409 whose `leaseHeld` is true while another holder's lease is live (`fenced` for a
   * stale fence). Send `token` as `fence` on writes.
   */
  acquireLease (id, { holder, ttlSeconds, fence } = {}) {
    // A repeated grant for the same holder is a renewal: safe to retry.
    return this.#json('POST', sessionPath(id) + '/lease', { json: { holder, ttlSeconds }, headers: preconditions(null, fence), idempotent: true })
  }

  /** Who holds the session's lease: {held: true, holder, token, grantedAt, expiresAt} or {held: false}. */
  getLease (id) {
    return this.#json('GET', sessionPath(id) + '/lease')
  }

  /** Releases the live lease with `token`; false when that lease was no longer live. */
  async releaseLease (id, token) {
    const res = await this.request('DELETE', sessionPath(id) + '/lease', { allow: [409], headers: preconditions(null, token) })
    await res.body?.cancel()
    return res.status !== 409
  }

  // ---- webhooks -------------------------------------------------------------------------------

  /**
   * Registers a webhook for the tenant's change events: {id, url, types, createdAt, secret}. The
   * secret (generated when none is given) is shown in this answer only: keep it to verify deliveries
   * with verifyWebhookSignature. Not retried (a retry would register a second webhook).
   */
  createWebhook ({ url, types, secret } = {}) {
    return this.#json('POST', '/v1/webhooks', { json: { url, types, secret } })
  }

  /** The tenant's webhooks, oldest first, without their secrets. */
  async listWebhooks () {
    return (await this.#json('GET', '/v1/webhooks')).webhooks
  }

  /** One webhook without its secret, or null when there is none. */
  async getWebhook (webhookId) {
    const res = await this.request('GET', webhookPath(webhookId), { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** Removes the webhook, its undelivered events and its dead letters; false when there was none. */
  async deleteWebhook (webhookId) {
    const res = await this.request('DELETE', webhookPath(webhookId), { allow: [404] })
    await res.body?.cancel()
    return res.status !== 404
  }

  /** The events the webhook gave up on, newest first: [{event, attempts, lastError, failedAt}]. */
  async listWebhookDeadLetters (webhookId, { limit } = {}) {
    const q = query({ limit })
    return (await this.#json('GET', `${webhookPath(webhookId)}/dead-letters${q ? '?' + q : ''}`)).deadLetters
  }

  // ---- blobs ----------------------------------------------------------------------------------

  /** Uploads a blob: a Buffer/string (retried) or a stream/async iterable (not retried). */
  async putBlob (id, name, body, { ifMatch, fence, contentLength } = {}) {
    const headers = preconditions(ifMatch, fence)
    if (contentLength != null) headers['content-length'] = String(contentLength)
    const res = await this.request('PUT', blobPath(id, name), { body, headers })
    await res.body?.cancel()
    return { created: res.status === 201, version: etagVersion(res) }
  }

  /** The blob as a fetch Response (body a web stream), or null when it is absent. */
  async getBlobResponse (id, name, { ifNoneMatch } = {}) {
    const headers = ifNoneMatch == null ? {} : { 'if-none-match': `"${ifNoneMatch}"` }
    const res = await this.request('GET', blobPath(id, name), { allow: [404], headers })
    if (res.status === 404) { await res.body?.cancel(); return null }
    return res
  }

  async getBlob (id, name) {
    const res = await this.getBlobResponse(id, name)
    return res && Buffer.from(await res.arrayBuffer())
  }

  /** false when there was no such blob. */
  async deleteBlob (id, name, { ifMatch, fence } = {}) {
    const res = await this.request('DELETE', blobPath(id, name), { allow: [404], headers: preconditions(ifMatch, fence) })
    await res.body?.cancel()
    return res.status !== 404
  }

  /** The session's blobs: {blobs: [{name, size, generation, etag}], ...}, or null when there is no session. */
  async listBlobs (id, { cursor, limit } = {}) {
    const q = query({ cursor, limit })
    const res = await this.request('GET', `${sessionPath(id)}/blobs${q ? '?' + q : ''}`, { allow: [404] })
    return res.status === 404 ? null : res.json()
  }
}

function sessionPath (id) {
  return `/v1/sessions/${encodeURIComponent(id)}`
}

function blobPath (id, name) {
  return `${sessionPath(id)}/blobs/${encodeURIComponent(name)}`
}

function webhookPath (webhookId) {
  return `/v1/webhooks/${encodeURIComponent(webhookId)}`
}

function query (params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v))
  return q.toString()
}

/** If-Match and Fence headers (a lease's fencing token: the write applies only while that lease is live). */
function preconditions (ifMatch, fence) {
  const h = {}
  if (ifMatch != null) h['if-match'] = `"${ifMatch}"`
  if (fence != null) h.fence = String(fence)
  return h
}

function etagVersion (res) {
  const m = /"(\d+)"/.exec(res.headers.get('etag') || '')
  return m ? Number(m[1]) : undefined
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
function retryAfterMs (value) {
  if (value == null || value === '') return null
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

async function problem (method, path, res) {
  let doc = {}
  try {
    doc = JSON.parse(await res.text())
  } catch {}
  return new SessiondError({ method, path, status: res.status, type: doc.type, title: doc.title, detail: doc.detail, instance: doc.instance })
}

module.exports = { SessiondClient, SessiondError, sessionPath }
