'use strict'
const { SessiondClient, SessiondError } = require('./client.cjs')
const { useSessiondAuthState, migrateMultiFileAuthState, BufferJSON } = require('./baileys.cjs')
const { SessiondLease } = require('./lease.cjs')
const { SessiondRemoteAuthStore, remoteAuthSessionId } = require('./wwebjs.cjs')
const { SessiondStore, sessiondStore } = require('./express-session.cjs')
const { verifyWebhookSignature } = require('./webhook.cjs')

module.exports = {
  SessiondClient,
  SessiondError,
  SessiondLease,
  useSessiondAuthState,
  migrateMultiFileAuthState,
  BufferJSON,
  SessiondRemoteAuthStore,
  remoteAuthSessionId,
  SessiondStore,
  sessiondStore,
  verifyWebhookSignature
}
