import type { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'

export interface ClientOptions {
  /** Base URL of sessiond, e.g. http://localhost:8080 */
  url: string
  /** The tenant's API key */
  apiKey: string
  /** Timeout of one attempt in milliseconds (default 10000) */
  timeoutMs?: number
  /** Extra attempts on 503 and connection errors (default 5) */
  retries?: number
  /** First backoff delay in milliseconds, doubled each attempt up to 5 s (default 100) */
  backoffMs?: number
  fetch?: typeof fetch
}

/** A failed call: the HTTP status and the problem+json document's type, title and detail. */
export class SessiondError extends Error {
  status?: number
  type?: string
  title?: string
  detail?: string
  instance?: string
}

export interface Session {
  id: string
  state: string
  data: Record<string, unknown>
  hasCreds: boolean
  version: number
  ttlSeconds: number
  [field: string]: unknown
}

export class SessiondClient {
  constructor (options: ClientOptions)
  request (method: string, path: string, options?: {
    json?: unknown, body?: unknown, headers?: Record<string, string>, allow?: number[], idempotent?: boolean, contentType?: string
  }): Promise<Response>
  getSession (id: string): Promise<Session | null>
  putSession (id: string, body: { data?: object, creds?: object | null, state?: string, ttlSeconds?: number }, options?: { ifMatch?: number }): Promise<Session>
  deleteSession (id: string): Promise<boolean>
  touch (id: string): Promise<boolean>
  listSessions (options?: { cursor?: string, limit?: number, state?: string }): Promise<{ sessions: Session[], nextCursor?: string }>
  allSessions (options?: { limit?: number, state?: string }): AsyncGenerator<Session>
  getCredsText (id: string): Promise<string | null>
  putCredsText (id: string, json: string): Promise<void>
  queryKeysText (id: string, type: string, ids: string[]): Promise<string>
  writeKeysText (id: string, batchJson: string): Promise<void>
  clearKeys (id: string): Promise<void>
  putBlob (id: string, name: string, body: Buffer | string | Readable | AsyncIterable<Uint8Array>, options?: { ifMatch?: number, contentLength?: number }): Promise<{ created: boolean, version?: number }>
  getBlobResponse (id: string, name: string, options?: { ifNoneMatch?: number }): Promise<Response | null>
  getBlob (id: string, name: string): Promise<Buffer | null>
  deleteBlob (id: string, name: string): Promise<boolean>
}

/** Baileys' BufferJSON replacer and reviver ({type: 'Buffer', data: base64}). */
export const BufferJSON: {
  replacer: (key: string, value: any) => any
  reviver: (key: string, value: any) => any
}

/** The shape of Baileys' SignalKeyStore (get/set), plus clear(). */
export interface SessiondKeyStore {
  get (type: string, ids: string[]): Promise<{ [id: string]: any }>
  set (data: { [type: string]: { [id: string]: any } }): Promise<void>
  clear (): Promise<void>
}

export interface SessiondAuthStateOptions {
  url?: string
  apiKey?: string
  sessionId: string
  client?: SessiondClient
  /** The Baileys module; imported dynamically when omitted */
  baileys?: any
  /** TTL of the session when this call creates it (default 0: never expires) */
  ttlSeconds?: number
  initAuthCreds?: () => any
  proto?: any
}

/** Drop-in for Baileys' useMultiFileAuthState. */
export function useSessiondAuthState (options: SessiondAuthStateOptions): Promise<{
  state: { creds: any, keys: SessiondKeyStore }
  saveCreds: () => Promise<void>
  /** Deletes the whole session (creds, keys, data, blobs): a logout */
  clear: () => Promise<void>
}>

/** A whatsapp-web.js RemoteAuth store on sessiond blobs. */
export class SessiondRemoteAuthStore {
  constructor (options: { url?: string, apiKey?: string, client?: SessiondClient, blobName?: string, ttlSeconds?: number, cwd?: string })
  sessionExists (options: { session: string }): Promise<boolean>
  save (options: { session: string }): Promise<void>
  extract (options: { session: string, path: string }): Promise<void>
  delete (options: { session: string }): Promise<void>
}

type Callback<T = void> = (err: any, value?: T) => void

export interface SessiondStoreOptions {
  url?: string
  apiKey?: string
  client?: SessiondClient
  /** Prefix of sessiond session ids (default 'sess.') */
  prefix?: string
  /** TTL when the cookie has no maxAge (default 86400) */
  ttlSeconds?: number
  /** express-session's Store class: its methods (regenerate, load, createSession) are mixed in */
  Store?: any
}

/** An express-session store. */
export class SessiondStore extends EventEmitter {
  constructor (options: SessiondStoreOptions)
  get (sid: string, cb?: Callback<any>): Promise<void>
  set (sid: string, session: any, cb?: Callback): Promise<void>
  destroy (sid: string, cb?: Callback): Promise<void>
  touch (sid: string, session: any, cb?: Callback): Promise<void>
  all (cb?: Callback<any[]>): Promise<void>
  length (cb?: Callback<number>): Promise<void>
  clear (cb?: Callback): Promise<void>
}

/** A class extending express-session's Store: `const Store = sessiondStore(session); new Store({url, apiKey})`. */
export function sessiondStore (session: { Store: any }): new (options: SessiondStoreOptions) => SessiondStore
