// The ES module entry: the CommonJS implementation re-exported, so `import` and `require` share one
// copy of every class (instanceof SessiondError holds across both).
import cjs from './index.cjs'

export const {
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
} = cjs
