// Types of @sessiond/client. Baileys' and express-session's types are used when those packages are
// installed (@whiskeysockets/baileys, @types/express-session); without them the adapters' types
// degrade to `any` instead of failing the build (hence the @ts-ignore on those two imports only).
import type { Readable } from 'node:stream'
// @ts-ignore -- optional peer dependency
import type { AuthenticationCreds, AuthenticationState, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys'
// @ts-ignore -- optional peer dependency
import type * as Baileys from '@whiskeysockets/baileys'
// @ts-ignore -- optional peer dependency
import { Store, SessionData } from 'express-session'

// ---- the client ---------------------------------------------------------------------------------

export interface ClientOptions {
  /** Base URL of sessiond, e.g. http://localhost:8080 */
  url: string
  /** The tenant's API key */
  apiKey: string
  /** Timeout of one attempt in milliseconds (default 10000) */
  timeoutMs?: number
  /** Extra attempts (default 5): idempotent and keyed calls (every POST the client makes) on 502/503/504 and connection errors, keyed ones on 409 with Retry-After, any call on 429 with Retry-After */
  retries?: number
  /** First backoff delay in milliseconds, doubled each attempt, jittered (default 100) */
  backoffMs?: number
  /** Cap of one backoff delay in milliseconds (default 5000) */
  maxBackoffMs?: number
  /** A Retry-After longer than this is not waited for: the error is thrown (default 30000) */
  maxRetryAfterMs?: number
  fetch?: typeof fetch
}

/** A failed call: the HTTP status and the problem+json document's type, title and detail. */
export class SessiondError extends Error {
  name: 'SessiondError'
  /** Absent when the daemon could not be reached or did not answer in time */
  status?: number
  /** e.g. urn:sessiond:problem:illegal-transition */
  type?: string
  title?: string
  detail?: string
  instance?: string
  /** A write refused because its fencing token is stale (409 urn:sessiond:problem:fenced) */
  readonly fenced: boolean
  /** A lease refused because another holder's lease is live (409 urn:sessiond:problem:lease-held) */
  readonly leaseHeld: boolean
}

/** Preconditions of a write: If-Match (the version expected) and Fence (a lease's token). */
export interface Preconditions {
  ifMatch?: number
  /** The token of the lease this process holds: the write is refused (fenced) unless that lease is live */
  fence?: number
}

export interface LeaseGrant {
  held: true
  holder: string
  /** The fencing token: rises with every new grant of the session's lease */
  token: number
  ttlSeconds: number
  expiresAt: string
  /** true when the call renewed a live lease (same token) */
  renewed: boolean
}

export type LeaseInfo = { held: false } | { held: true, holder: string, token: number, grantedAt: string, expiresAt: string }

export interface CredsVersion {
  version: number
  writtenAt: string
  creds: JsonObject
}

export interface CredsHistory {
  id: string
  version: number
  keep: number
  history: CredsVersion[]
}

export type WebhookEventType = 'created' | 'updated' | 'state-changed' | 'creds-changed' | 'expired' | 'deleted'
  | 'lease-acquired' | 'lease-lost'

export interface Webhook {
  id: string
  url: string
  types: WebhookEventType[]
  createdAt: string
}

export interface WebhookCreated extends Webhook {
  /** The signing key: shown in this answer only */
  secret: string
}

/** A change event as delivered (never values) */
export interface ChangeEvent {
  id: string
  type: WebhookEventType | 'events-lost'
  sessionId?: string
  version?: number
  time: string
  [field: string]: unknown
}

export interface WebhookDeadLetter {
  event: ChangeEvent
  attempts: number
  lastError: string
  failedAt: string
}

export interface LeaseOptions {
  /** Unique per process (default host:pid:random) */
  holder?: string
  /** How long the lease lasts unless renewed (default 30) */
  ttlSeconds?: number
  /** Default a third of the TTL */
  renewEveryMs?: number
  /** How often a waiting process asks again (default a third of the TTL, at most 5 s) */
  pollMs?: number
  /** Stops waiting and renewing */
  signal?: AbortSignal
  /** Called once when a renewal is refused: the lease is gone and every later write is refused */
  onLost?: (error: Error) => void
}

/** One process's exclusive, renewed ownership of a session. */
export class SessiondLease {
  constructor (client: SessiondClient, sessionId: string, options?: LeaseOptions)
  readonly holder: string
  /** The token of the lease held; send it as `fence` */
  readonly token: number | undefined
  /** Epoch ms the lease runs until, as last granted or renewed */
  readonly expiresAt: number
  /** true once the lease was released or lost */
  readonly lost: boolean
  /** Waits until the lease is granted (asking again while another holder's lease is live) */
  acquire (): Promise<this>
  /** Stops renewing and releases the lease; false when it was no longer live */
  release (): Promise<boolean>
  /** Stops renewing without releasing */
  stop (): void
}

export type SessionState = 'unregistered' | 'registering' | 'registered' | 'connected' | 'disconnected' | 'expired' | 'logged-out'

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export interface Session {
  /** 1-128 characters of A-Za-z0-9._@:+- */
  id: string
  state: SessionState
  data: JsonObject
  hasCreds: boolean
  version: number
  /** 0: never expires */
  ttlSeconds: number
  createdAt: string
  updatedAt: string
  lastActivityAt: string
  /** null when ttlSeconds is 0 */
  expiresAt: string | null
}

export interface SessionPut {
  data?: object
  /** Absent keeps the creds; null clears them */
  creds?: object | null
  state?: SessionState
  ttlSeconds?: number
}

export interface SessionStatus {
  id: string
  state: SessionState
  version: number
  ttlSeconds: number
  createdAt: string
  updatedAt: string
  lastActivityAt: string
  expiresAt: string | null
  hasCreds: boolean
  /** key type → number of keys */
  keyCounts: { [type: string]: number }
  messageCount: number
  allowedTransitions: SessionState[]
}

export interface Page<T> {
  sessions: T[]
  /** Pass as `cursor` for the next page; null on the last one */
  nextCursor: string | null
}

export interface Message {
  /** Default a random UUID */
  id?: string
  role: string
  /** Any JSON value except null */
  content: JsonValue
  userId?: string
  metadata?: JsonObject
  /** ISO-8601 or epoch milliseconds; default now */
  timestamp?: string | number
}

export interface StoredMessage {
  seq: number
  id: string
  role: string
  content: JsonValue
  userId?: string
  metadata?: JsonObject
  timestamp: string
}

export interface AppendResult {
  version: number
  firstSeq: number
  lastSeq: number
  /** Messages in the window after the append */
  messageCount: number
}

export interface MessagePage {
  messages: StoredMessage[]
  /** Pass as `before` for the next (older) page; null when there is none */
  nextBefore: number | null
}

export interface ExportDocument {
  format: 'sessiond.session.v1'
  id: string
  state: SessionState
  data: JsonObject
  creds: JsonObject | null
  ttlSeconds: number
  version: number
  createdAt: string
  updatedAt: string
  /** key type → keyId → value */
  keys: { [type: string]: { [keyId: string]: JsonValue } }
  messages: StoredMessage[]
}

/** An export document; every field but `id` is optional. */
export type ImportDocument = Partial<Omit<ExportDocument, 'messages'>> & {
  id: string
  messages?: Array<Omit<StoredMessage, 'seq' | 'id' | 'timestamp'> & { seq?: number, id?: string, timestamp?: string | number }>
}

export interface Job {
  id: string
  type: 'restore'
  state: 'running' | 'succeeded' | 'failed'
  total: number
  restored: number
  skipped: number
  failed: number
  startedAt: string
  finishedAt?: string
  error?: string
}

export interface BlobInfo {
  name: string
  size: number
  generation: string
  etag: string
}

export interface BlobList {
  blobs: BlobInfo[]
  nextCursor?: string | null
}

export type BlobBody = Buffer | Uint8Array | string | Readable | AsyncIterable<Uint8Array>

export interface RequestOptions {
  /** Sent as application/json; a string is sent as it is (already JSON) */
  json?: unknown
  /** Sent raw (application/octet-stream unless contentType); a stream is never retried */
  body?: BlobBody
  headers?: Record<string, string>
  /** Statuses answered as a Response instead of thrown */
  allow?: number[]
  /** Whether the call may be repeated (default: GET, PUT, DELETE, HEAD, and any call with an idempotencyKey) */
  idempotent?: boolean
  /** Sent as Idempotency-Key, the same on every attempt (true: a fresh random key); makes the call retryable */
  idempotencyKey?: string | boolean
  contentType?: string
}

type JsonReplacer = (this: any, key: string, value: any) => any
type JsonReviver = (this: any, key: string, value: any) => any

export class SessiondClient {
  constructor (options: ClientOptions)
  readonly url: string
  request (method: string, path: string, options?: RequestOptions): Promise<Response>

  getSession (id: string): Promise<Session | null>
  putSession (id: string, body: SessionPut, options?: Preconditions): Promise<Session>
  /** JSON merge patch (RFC 7396) of the session's data */
  patchSession (id: string, patch: JsonObject, options?: Preconditions): Promise<Session>
  /** false when there was no such session */
  deleteSession (id: string, options?: Preconditions): Promise<boolean>
  /** The status after the touch; null when there is no session */
  touch (id: string, options?: { fence?: number, idempotencyKey?: string }): Promise<SessionStatus | null>
  listSessions (options?: { cursor?: string, limit?: number, state?: SessionState, prefix?: string }): Promise<Page<Session>>
  allSessions (options?: { limit?: number, state?: SessionState, prefix?: string }): AsyncGenerator<Session, void, undefined>
  /** DELETE /v1/sessions?prefix=, called again while the server answers more: deletes every session whose id starts with prefix; the number deleted */
  deleteSessions (options: { prefix: string }): Promise<number>

  getStatus (id: string): Promise<SessionStatus | null>
  listStatuses (options?: { cursor?: string, limit?: number, state?: SessionState, prefix?: string }): Promise<Page<SessionStatus>>
  allStatuses (options?: { limit?: number, state?: SessionState, prefix?: string }): AsyncGenerator<SessionStatus, void, undefined>
  /** A lifecycle transition; SessiondError 409 when it is illegal */
  setState (id: string, state: SessionState, options?: Preconditions & { idempotencyKey?: string }): Promise<SessionStatus>

  getCredsText (id: string): Promise<string | null>
  getCreds<T = JsonObject> (id: string, reviver?: JsonReviver): Promise<T | null>
  putCredsText (id: string, json: string, options?: Preconditions): Promise<void>
  putCreds (id: string, creds: object, options?: Preconditions & { replacer?: JsonReplacer }): Promise<void>
  queryKeysText (id: string, type: string, ids: string[]): Promise<string>
  queryKeys<T = JsonValue> (id: string, type: string, ids: string[], reviver?: JsonReviver): Promise<{ [keyId: string]: T }>
  writeKeysText (id: string, batchJson: string, options?: Preconditions): Promise<void>
  /** One atomic batch: type → keyId → value; null deletes */
  writeKeys (id: string, batch: { [type: string]: { [keyId: string]: unknown } }, options?: Preconditions & { replacer?: JsonReplacer }): Promise<void>
  clearKeys (id: string, options?: Preconditions): Promise<void>

  /** One message or an array of 1-1000; sent with an Idempotency-Key and retried, stored once */
  appendMessages (id: string, messages: Message | Message[], options?: Preconditions & { idempotencyKey?: string }): Promise<AppendResult>
  /** A page of the window, newest first; order 'asc' gives the same page oldest first */
  getMessages (id: string, options?: { limit?: number, before?: number, order?: 'asc' | 'desc' }): Promise<MessagePage>
  /** Every message of the window, newest first */
  allMessages (id: string, options?: { limit?: number }): AsyncGenerator<StoredMessage, void, undefined>

  exportSession (id: string): Promise<ExportDocument | null>
  importSession (doc: ImportDocument, options?: Preconditions & { idempotencyKey?: string }): Promise<Session>
  /** POST /v1/sessions/restore (needs PostgreSQL) */
  restoreSessions (options?: { idempotencyKey?: string }): Promise<Job>
  getJob (jobId: string): Promise<Job | null>
  waitForJob (jobId: string, options?: { intervalMs?: number, timeoutMs?: number }): Promise<Job>

  putBlob (id: string, name: string, body: BlobBody, options?: Preconditions & { contentLength?: number }): Promise<{ created: boolean, version?: number }>
  getBlobResponse (id: string, name: string, options?: { ifNoneMatch?: number }): Promise<Response | null>
  getBlob (id: string, name: string): Promise<Buffer | null>
  deleteBlob (id: string, name: string, options?: Preconditions): Promise<boolean>
  /** GET /v1/sessions/{id}/blobs; null when there is no session */
  listBlobs (id: string, options?: { cursor?: string, limit?: number }): Promise<BlobList | null>
  /** The kept creds versions, newest first, or null when there is no session */
  getCredsHistory (id: string): Promise<CredsHistory | null>
  /** Makes the creds kept at `version` current again, byte for byte */
  rollbackCreds (id: string, version: number, options?: Preconditions): Promise<void>
  /** Takes or renews the session's lease; throws SessiondError (leaseHeld) while another holder's is live */
  acquireLease (id: string, options: { holder: string, ttlSeconds: number, fence?: number }): Promise<LeaseGrant>
  getLease (id: string): Promise<LeaseInfo>
  /** false when the lease with that token was no longer live */
  releaseLease (id: string, token: number): Promise<boolean>
  /** Registers a webhook; the answer is the only one that shows its secret. Not retried. */
  createWebhook (options: { url: string, types?: WebhookEventType[], secret?: string }): Promise<WebhookCreated>
  /** The tenant's webhooks, oldest first, without secrets */
  listWebhooks (): Promise<Webhook[]>
  /** null when there is no such webhook */
  getWebhook (webhookId: string): Promise<Webhook | null>
  /** false when there was no such webhook */
  deleteWebhook (webhookId: string): Promise<boolean>
  /** The events the webhook gave up on, newest first */
  listWebhookDeadLetters (webhookId: string, options?: { limit?: number }): Promise<WebhookDeadLetter[]>
}

/**
 * True when the Sessiond-Signature header signs the raw body (as received, before JSON parsing) with
 * the webhook's secret and its timestamp is within toleranceSeconds (default 300) of now; constant time.
 */
export function verifyWebhookSignature (secret: string, header: string | null | undefined,
  rawBody: Buffer | Uint8Array | string, options?: { toleranceSeconds?: number, now?: number }): boolean

// ---- Baileys ------------------------------------------------------------------------------------

/** Baileys' BufferJSON replacer and reviver ({type: 'Buffer', data: base64}). */
export const BufferJSON: {
  replacer: JsonReplacer
  reviver: JsonReviver
}

/** Baileys' SignalKeyStore on sessiond, plus clear(). */
export interface SessiondKeyStore extends SignalKeyStore {
  get<T extends keyof SignalDataTypeMap> (type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }>
  set (data: SignalDataSet): Promise<void>
  clear (): Promise<void>
}

export interface SessiondAuthStateOptions {
  url?: string
  apiKey?: string
  /** The sessiond session of this bot */
  sessionId: string
  /** Instead of url and apiKey */
  client?: SessiondClient
  /** The Baileys module; imported when omitted */
  baileys?: typeof Baileys
  /** TTL of the session when this call creates it (default 0: never expires) */
  ttlSeconds?: number
  initAuthCreds?: () => AuthenticationCreds
  /** Baileys' proto, to revive app-state-sync-key values */
  proto?: typeof Baileys.proto
  /**
   * Own the account through a lease (true: the defaults): wait while another process holds it, renew
   * it in the background, fence every write with its token
   */
  lease?: boolean | LeaseOptions
}

/** Drop-in for Baileys' useMultiFileAuthState. */
export function useSessiondAuthState (options: SessiondAuthStateOptions): Promise<{
  state: AuthenticationState & { creds: AuthenticationCreds, keys: SessiondKeyStore }
  saveCreds: () => Promise<void>
  /** Deletes the whole session (creds, keys, data, blobs): a logout */
  clear: () => Promise<void>
  /** The lease held, with the `lease` option */
  lease?: SessiondLease
}>

export interface MigrateMultiFileAuthStateOptions {
  /** The useMultiFileAuthState folder, e.g. 'auth_info' */
  folder: string
  sessionId: string
  url?: string
  apiKey?: string
  client?: SessiondClient
  baileys?: typeof Baileys
  /** TTL of the session when this call creates it (default 0: never expires) */
  ttlSeconds?: number
  /** Keys per atomic batch (default 500) */
  batchSize?: number
}

/**
 * Copies a useMultiFileAuthState folder (creds and every key) into the sessiond session, unless it
 * already has creds; returns whether it did and how many keys it copied. The folder is left as it is.
 */
export function migrateMultiFileAuthState (options: MigrateMultiFileAuthStateOptions): Promise<{ migrated: boolean, keys: number }>

// ---- whatsapp-web.js ----------------------------------------------------------------------------

export interface SessiondRemoteAuthStoreOptions {
  url?: string
  apiKey?: string
  client?: SessiondClient
  /** RemoteAuth's dataPath when it is not the default './.wwebjs_auth/' */
  dataPath?: string
  /** Blob holding the zip (default 'RemoteAuth.zip') */
  blobName?: string
  /** TTL of a session the store creates (default 0: never expires) */
  ttlSeconds?: number
}

/** A whatsapp-web.js RemoteAuth store on sessiond blobs. */
export class SessiondRemoteAuthStore {
  constructor (options: SessiondRemoteAuthStoreOptions)
  sessionExists (options: { session: string }): Promise<boolean>
  save (options: { session: string, path?: string }): Promise<void>
  extract (options: { session: string, path?: string }): Promise<void>
  /** Deletes the whole sessiond session */
  delete (options: { session: string }): Promise<void>
}

/** The sessiond session id of a RemoteAuth session name (`RemoteAuth-<clientId>`). */
export function remoteAuthSessionId (session: string): string

// ---- express-session ----------------------------------------------------------------------------

export interface SessiondStoreOptions {
  url?: string
  apiKey?: string
  client?: SessiondClient
  /** Prefix of sessiond session ids (default 'sess.'); characters of A-Za-z0-9._@:+- */
  prefix?: string
  /** Seconds to keep a session whose cookie has no expires/maxAge (default 86400); a function always decides */
  ttl?: number | ((sess: SessionData) => number)
  /** Do not refresh the TTL on touch */
  disableTouch?: boolean
  /** Sessions never expire */
  disableTTL?: boolean
}

type Callback<T> = (err: any, value?: T) => void

/** An express-session store (it extends express-session's Store), with connect-redis's semantics. */
export class SessiondStore extends Store {
  constructor (options: SessiondStoreOptions)
  readonly client: SessiondClient
  readonly prefix: string
  ttl: number | ((sess: SessionData) => number)
  disableTouch: boolean
  disableTTL: boolean
  /** The sessiond session id of an express-session sid */
  sessionId (sid: string): string
  getTTL (sess: SessionData): number

  get (sid: string): Promise<SessionData | null>
  get (sid: string, callback: Callback<SessionData | null>): Promise<void>
  set (sid: string, session: SessionData): Promise<void>
  set (sid: string, session: SessionData, callback: (err?: any) => void): Promise<void>
  destroy (sid: string): Promise<void>
  destroy (sid: string, callback: (err?: any) => void): Promise<void>
  touch (sid: string, session: SessionData): Promise<void>
  touch (sid: string, session: SessionData, callback: (err?: any) => void): Promise<void>
  all (): Promise<Array<SessionData & { id: string }>>
  all (callback: Callback<Array<SessionData & { id: string }>>): Promise<void>
  ids (): Promise<string[]>
  ids (callback: Callback<string[]>): Promise<void>
  length (): Promise<number>
  length (callback: Callback<number>): Promise<void>
  clear (): Promise<void>
  clear (callback: (err?: any) => void): Promise<void>
}

/** SessiondStore for a given express-session module (the same class when it is the one the package finds). */
export function sessiondStore (session: { Store: typeof Store }): typeof SessiondStore
