// Compiled by typings.test.js with tsc --strict: the types are precise (each @ts-expect-error must
// meet an error, so a type that widened to any fails the compile).
import { makeWASocket, type AuthenticationCreds, type KeyPair, type SignalKeyStore, useMultiFileAuthState } from '@whiskeysockets/baileys'
import session from 'express-session'
import { SessiondClient, SessiondStore, useSessiondAuthState, type Session, type SessionStatus, type StoredMessage } from '@sessiond/client'

const client = new SessiondClient({ url: 'http://localhost:8080', apiKey: 'k' })
const s: Session | null = await client.getSession('a')
if (s) {
  // @ts-expect-error version is a number
  const v: string = s.version
  // @ts-expect-error state is one of the lifecycle states
  s.state = 'flying'
}
const st: SessionStatus | null = await client.touch('a')
for await (const m of client.allMessages('a')) { const seq: number = m.seq; const msg: StoredMessage = m }
// @ts-expect-error a message needs a role
await client.appendMessages('a', { content: 'hi' })
const deleted: number = await client.deleteSessions({ prefix: 'x.' })

const { state, saveCreds, clear } = await useSessiondAuthState({ url: 'x', apiKey: 'k', sessionId: 'bot' })
const creds: AuthenticationCreds = state.creds
// @ts-expect-error creds are Baileys' AuthenticationCreds
const wrong: number = state.creds.noiseKey
const keys: SignalKeyStore = state.keys
const preKeys = await state.keys.get('pre-key', ['1'])
const pair: KeyPair = preKeys['1']
// @ts-expect-error a session record is a Uint8Array, not a KeyPair
const notPair: KeyPair = (await state.keys.get('session', ['1.0']))['1.0']
// @ts-expect-error only Baileys' key types
await state.keys.set({ 'no-such-type': { 1: null } })
await state.keys.set({ 'pre-key': { 1: null, 2: pair } })
// The same state Baileys' useMultiFileAuthState gives: interchangeable.
const files = await useMultiFileAuthState('auth_info')
let either = files.state
either = state
makeWASocket({ auth: state })

const store = new SessiondStore({ url: 'x', apiKey: 'k', ttl: (sess) => sess.cookie.maxAge ? 60 : 30 })
const asExpress: session.Store = store
const n: number = await store.length()
const ids: string[] = await store.ids()
const all = await store.all()
const id: string = all[0].id
store.get('sid', (err, sess) => { if (sess) { const c: session.Cookie = sess.cookie } })
// @ts-expect-error prefix is a string
new SessiondStore({ url: 'x', apiKey: 'k', prefix: 1 })
