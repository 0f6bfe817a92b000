export { SessiondClient, SessiondError } from './client.js'
export { useSessiondAuthState, BufferJSON } from './baileys.js'
export { SessiondRemoteAuthStore } from './wwebjs.js'
export { SessiondStore, sessiondStore } from './express-session.js'
