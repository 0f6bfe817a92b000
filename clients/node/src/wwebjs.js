// A whatsapp-web.js RemoteAuth store on sessiond's blob endpoints. RemoteAuth zips its browser
// profile to `${session}.zip` in the working directory and calls save({session}); it calls
// extract({session, path}) to get the zip back, sessionExists({session}) and delete({session}).
import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SessiondClient } from './client.js'

export class SessiondRemoteAuthStore {
  /**
   * @param {object} o  url, apiKey (or client); blobName (default 'RemoteAuth.zip');
   *   ttlSeconds of a session the store creates (default 0: never expires); cwd where RemoteAuth
   *   writes the zip (default process.cwd()).
   */
  constructor ({ url, apiKey, client, blobName = 'RemoteAuth.zip', ttlSeconds = 0, cwd } = {}) {
    this.client = client || new SessiondClient({ url, apiKey })
    this.blobName = blobName
    this.ttlSeconds = ttlSeconds
    this.cwd = cwd
  }

  async sessionExists ({ session }) {
    const s = await this.client.getSession(session)
    if (!s) return false
    // The blob's ETag is the session's version: If-None-Match with it answers 304 without the bytes.
    const res = await this.client.getBlobResponse(session, this.blobName, { ifNoneMatch: s.version })
    if (!res) return false
    await res.body?.cancel()
    return true
  }

  async save ({ session }) {
    const file = join(this.cwd || process.cwd(), `${session}.zip`)
    const { size } = await stat(file)
    if (!(await this.client.getSession(session))) {
      await this.client.putSession(session, { data: { store: 'wwebjs-remote-auth' }, ttlSeconds: this.ttlSeconds })
    }
    await this.client.putBlob(session, this.blobName, createReadStream(file), { contentLength: size })
  }

  async extract ({ session, path }) {
    const res = await this.client.getBlobResponse(session, this.blobName)
    if (!res) throw new Error(`sessiond: session '${session}' has no RemoteAuth zip`)
    const expected = Number(res.headers.get('content-length'))
    let received = 0
    const body = Readable.fromWeb(res.body)
    body.on('data', (chunk) => { received += chunk.length })
    await pipeline(body, createWriteStream(path))
    if (received !== expected) throw new Error(`sessiond: the zip was cut short (${received} of ${expected} bytes)`)
  }

  async delete ({ session }) {
    await this.client.deleteBlob(session, this.blobName)
  }
}
