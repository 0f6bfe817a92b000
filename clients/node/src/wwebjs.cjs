'use strict'
// A whatsapp-web.js RemoteAuth store on sessiond's blob endpoints. RemoteAuth (1.34) zips the
// browser profile to `<dataPath>/<session>.zip` (dataPath default `./.wwebjs_auth/`) and calls
// save({session}); on start-up it calls sessionExists({session}) and extract({session, path}) with
// path `<dataPath>/<session>.zip`; on logout sessionExists and delete({session}).
const { createHash } = require('node:crypto')
const { createReadStream, createWriteStream } = require('node:fs')
const { stat, mkdir, rename, rm } = require('node:fs/promises')
const path = require('node:path')
const { Readable } = require('node:stream')
const { pipeline } = require('node:stream/promises')
const { setTimeout: sleep } = require('node:timers/promises')
const { SessiondClient } = require('./client.cjs')

const VALID_ID = /^[A-Za-z0-9._@:+-]{1,128}$/

/**
 * The sessiond session id of a RemoteAuth session name (`RemoteAuth` or `RemoteAuth-<clientId>`).
 * A name that is a valid id is used as it is; any other (a clientId longer than 117
 * characters) becomes its valid characters (`_` as `-`), cut to 95, then `.` and 32 hex digits of
 * the name's SHA-256. RemoteAuth names never contain `.`, so a mapped id never equals a kept one.
 */
function remoteAuthSessionId (name) {
  if (typeof name !== 'string' || name === '') throw new TypeError('sessiond: RemoteAuth session name is required')
  if (VALID_ID.test(name)) return name
  const readable = name.replace(/[^A-Za-z0-9@:+-]/g, '-').slice(0, 95)
  return `${readable}.${createHash('sha256').update(name).digest('hex').slice(0, 32)}`
}

class SessiondRemoteAuthStore {
  /**
   * @param {object} o  url, apiKey (or client); dataPath: RemoteAuth's dataPath when it is not the
   *   default './.wwebjs_auth/'; blobName (default 'RemoteAuth.zip'); ttlSeconds of a session the
   *   store creates (default 0: never expires).
   */
  constructor ({ url, apiKey, client, dataPath, blobName = 'RemoteAuth.zip', ttlSeconds = 0 } = {}) {
    this.client = client || new SessiondClient({ url, apiKey })
    this.dataPath = dataPath
    this.blobName = blobName
    this.ttlSeconds = ttlSeconds
  }

  /** Where RemoteAuth wrote `<session>.zip`: the path it passes, else its dataPath, else the working directory (where older RemoteAuth versions wrote it). */
  async #zipToSave (session, given) {
    const candidates = given
      ? [path.resolve(given)]
      : [path.resolve(this.dataPath || './.wwebjs_auth/', `${session}.zip`), path.resolve(`${session}.zip`)]
    for (const file of candidates) {
      try {
        const s = await stat(file)
        if (s.isFile()) return { file, size: s.size }
      } catch (e) {
        if (e.code !== 'ENOENT') throw e
      }
    }
    throw new Error(`sessiond: RemoteAuth's zip of '${session}' is not at ${candidates.join(' nor ')}; pass the dataPath given to RemoteAuth to SessiondRemoteAuthStore`)
  }

  async sessionExists ({ session }) {
    const id = remoteAuthSessionId(session)
    const s = await this.client.getSession(id)
    if (!s) return false
    // The blob's ETag is the session's version: If-None-Match with it answers 304 without the bytes.
    const res = await this.client.getBlobResponse(id, this.blobName, { ifNoneMatch: s.version })
    if (!res) return false
    await res.body?.cancel()
    return true
  }

  async save ({ session, path: given }) {
    const id = remoteAuthSessionId(session)
    const { file, size } = await this.#zipToSave(session, given)
    if (!(await this.client.getSession(id))) {
      await this.client.putSession(id, { data: { store: 'wwebjs-remote-auth', session }, ttlSeconds: this.ttlSeconds })
    }
    // A streamed upload is not retried by the client; RemoteAuth does not await its periodic backups
    // (a failure is an unhandled rejection), so a transient failure is retried here, from the file.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.putBlob(id, this.blobName, createReadStream(file), { contentLength: size })
        return
      } catch (e) {
        const transient = e.status == null || [429, 502, 503, 504].includes(e.status)
        if (!transient || attempt >= this.client.retries) throw e
        const cap = Math.min(this.client.maxBackoffMs ?? 5000, (this.client.backoffMs ?? 100) * 2 ** attempt)
        await sleep(cap / 2 + Math.random() * cap / 2)
      }
    }
  }

  async extract ({ session, path: to }) {
    const id = remoteAuthSessionId(session)
    const target = path.resolve(to || path.join(this.dataPath || './.wwebjs_auth/', `${session}.zip`))
    const res = await this.client.getBlobResponse(id, this.blobName)
    if (!res) throw new Error(`sessiond: session '${id}' has no RemoteAuth zip`)
    const expected = Number(res.headers.get('content-length'))
    // A fresh machine has no dataPath yet.
    await mkdir(path.dirname(target), { recursive: true })
    const partial = `${target}.${process.pid}.part`
    let received = 0
    const body = Readable.fromWeb(res.body)
    body.on('data', (chunk) => { received += chunk.length })
    try {
      await pipeline(body, createWriteStream(partial))
      if (received !== expected) throw new Error(`sessiond: the zip was cut short (${received} of ${expected} bytes)`)
      await rename(partial, target)
    } catch (e) {
      await rm(partial, { force: true })
      throw e
    }
  }

  /** Deletes the whole sessiond session (RemoteAuth calls it on logout). */
  async delete ({ session }) {
    await this.client.deleteSession(remoteAuthSessionId(session))
  }
}

module.exports = { SessiondRemoteAuthStore, remoteAuthSessionId }
