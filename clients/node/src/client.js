// The HTTP client every adapter uses: fetch with a timeout per attempt, retries with exponential
// backoff (and jitter) on 503 and on connection errors, and errors carrying the problem+json detail.
import { setTimeout as sleep } from 'node:timers/promises'

/** An answer of sessiond that is not a success: status, and the problem document's type, title and detail. */
export class SessiondError extends Error {
  constructor ({ status, type, title, detail, instance, method, path, cause }) {
    super(`${method} ${path}: ${status ? status + ' ' : ''}${detail || title || 'request failed'}`, cause ? { cause } : undefined)
    this.name = 'SessiondError'
    this.status = status
    this.type = type
    this.title = title
    this.detail = detail
    this.instance = instance
  }
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE', 'HEAD'])
// Errors where the request certainly never reached the daemon, so even a POST may be retried.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET_BEFORE_SEND'])

export class SessiondClient {
  /**
   * @param {object} o
   * @param {string} o.url base URL, e.g. http://localhost:8080
   * @param {string} o.apiKey the tenant's API key
   * @param {number} [o.timeoutMs=10000] per attempt
   * @param {number} [o.retries=5] extra attempts on 503 / connection errors
   * @param {number} [o.backoffMs=100] first delay; doubles each attempt, capped at 5 s
   */
  constructor ({ url, apiKey, timeoutMs = 10000, retries = 5, backoffMs = 100, fetch = globalThis.fetch } = {}) {
    if (!url) throw new TypeError('sessiond: url is required')
    if (!apiKey) throw new TypeError('sessiond: apiKey is required')
    this.url = url.replace(/\/+$/, '')
    this.apiKey = apiKey
    this.timeoutMs = timeoutMs
    this.retries = retries
    this.backoffMs = backoffMs
    this.fetch = fetch
  }

  /**
   * One request. `json` is sent as application/json (a string is sent as it is: already JSON);
   * `body` is sent raw (Buffer, string, or a stream: then it is not retried). Resolves to the
   * Response for 2xx/304 and for statuses listed in `allow`; throws SessiondError otherwise.
   */
  async request (method, path, { json, body, headers = {}, allow = [], idempotent, contentType } = {}) {
    const h = { authorization: `Bearer ${this.apiKey}`, ...headers }
    let payload = body
    if (json !== undefined) {
      payload = typeof json === 'string' ? json : JSON.stringify(json)
      h['content-type'] = 'application/json'
    } else if (body !== undefined) {
      h['content-type'] = contentType || 'application/octet-stream'
    }
    const streaming = payload != null && typeof payload !== 'string' && !(payload instanceof Uint8Array)
    const mayRetry = !streaming && (idempotent ?? IDEMPOTENT.has(method))
    for (let attempt = 0; ; attempt++) {
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
        const retriable = attempt < this.retries && !streaming && (mayRetry || NOT_SENT.has(code))
        if (!retriable) {
          const timeout = e.name === 'TimeoutError'
          throw new SessiondError({ method, path, detail: timeout ? `no answer within ${this.timeoutMs} ms` : `cannot reach sessiond at ${this.url}: ${code || e.message}`, cause: e })
        }
        await this.#backoff(attempt)
        continue
      }
      if (res.status === 503 && attempt < this.retries && !streaming) {
        await res.body?.cancel()
        await this.#backoff(attempt, res.headers.get('retry-after'))
        continue
      }
      if (res.ok || res.status === 304 || allow.includes(res.status)) return res
      throw await problem(method, path, res)
    }
  }

  async #backoff (attempt, retryAfter) {
    const fromHeader = Number(retryAfter) * 1000
    const delay = fromHeader > 0 ? fromHeader : Math.min(5000, this.backoffMs * 2 ** attempt)
    await sleep(delay / 2 + Math.random() * delay / 2)
  }

  // ---- sessions -------------------------------------------------------------------------------

  /** The session, or null when there is none. */
  async getSession (id) {
    const res = await this.request('GET', sessionPath(id), { allow: [404] })
    return res.status === 404 ? null : res.json()
  }

  /** Create or replace; body {data?, creds?, state?, ttlSeconds?}. */
  async putSession (id, body, { ifMatch } = {}) {
    const res = await this.request('PUT', sessionPath(id), { json: body, headers: ifMatchHeader(ifMatch) })
    return res.json()
  }

  /** Deletes the session with everything in it; false when there was none. */
  async deleteSession (id) {
    const res = await this.request('DELETE', sessionPath(id), { allow: [404] })
    return res.status !== 404
  }

  /** Refreshes TTL and activity; false when there is no session. */
  async touch (id) {
    const res = await this.request('POST', sessionPath(id) + '/touch', { allow: [404], idempotent: true })
    await res.body?.cancel()
    return res.status !== 404
  }

  /** One page of sessions: {sessions, nextCursor}. */
  async listSessions ({ cursor, limit = 1000, state } = {}) {
    const q = new URLSearchParams({ limit: String(limit) })
    if (cursor) q.set('cursor', cursor)
    if (state) q.set('state', state)
    return (await this.request('GET', `/v1/sessions?${q}`)).json()
  }

  /** Every session of the tenant, page by page. */
  async * allSessions (options = {}) {
    let cursor
    do {
      const page = await this.listSessions({ ...options, cursor })
      yield * page.sessions
      cursor = page.nextCursor
    } while (cursor)
  }

  // ---- creds and keys (texts are JSON, so callers choose their reviver) -------------------------

  /** The creds document as JSON text, or null when the session or its creds are absent. */
  async getCredsText (id) {
    const res = await this.request('GET', sessionPath(id) + '/creds', { allow: [404] })
    return res.status === 404 ? null : res.text()
  }

  async putCredsText (id, json) {
    await this.request('PUT', sessionPath(id) + '/creds', { json })
  }

  /** Keys of one type as the response's JSON text ({id: value}; missing ids absent). */
  async queryKeysText (id, type, ids) {
    const res = await this.request('POST', sessionPath(id) + '/keys/query', { json: { type, ids }, idempotent: true })
    return res.text()
  }

  /** An atomic batch {type: {keyId: value|null}} given as JSON text; null deletes. */
  async writeKeysText (id, batchJson) {
    await this.request('POST', sessionPath(id) + '/keys', { json: batchJson, idempotent: true })
  }

  async clearKeys (id) {
    await this.request('DELETE', sessionPath(id) + '/keys')
  }

  // ---- blobs ------------------------------------------------------------------------------------

  /** Uploads a blob: a Buffer/string (retried) or a stream/async iterable (not retried). */
  async putBlob (id, name, body, { ifMatch, contentLength } = {}) {
    const headers = ifMatchHeader(ifMatch)
    if (contentLength != null) headers['content-length'] = String(contentLength)
    const res = await this.request('PUT', blobPath(id, name), { body, headers })
    return { created: res.status === 201, version: etagVersion(res) }
  }

  /** The blob as a fetch Response (body a web stream), or null when it is absent. */
  async getBlobResponse (id, name, { ifNoneMatch } = {}) {
    const headers = ifNoneMatch == null ? {} : { 'if-none-match': `"${ifNoneMatch}"` }
    const res = await this.request('GET', blobPath(id, name), { allow: [404], headers })
    return res.status === 404 ? null : res
  }

  async getBlob (id, name) {
    const res = await this.getBlobResponse(id, name)
    return res && Buffer.from(await res.arrayBuffer())
  }

  /** false when there was no such blob. */
  async deleteBlob (id, name) {
    const res = await this.request('DELETE', blobPath(id, name), { allow: [404] })
    return res.status !== 404
  }
}

export function sessionPath (id) {
  return `/v1/sessions/${encodeURIComponent(id)}`
}

function blobPath (id, name) {
  return `${sessionPath(id)}/blobs/${encodeURIComponent(name)}`
}

function ifMatchHeader (v) {
  return v == null ? {} : { 'if-match': `"${v}"` }
}

function etagVersion (res) {
  const m = /"(\d+)"/.exec(res.headers.get('etag') || '')
  return m ? Number(m[1]) : undefined
}

async function problem (method, path, res) {
  let doc = {}
  try {
    doc = JSON.parse(await res.text())
  } catch {}
  return new SessiondError({ method, path, status: res.status, type: doc.type, title: doc.title, detail: doc.detail, instance: doc.instance })
}
