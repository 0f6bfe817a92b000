'use strict'
// useSessiondAuthState: a drop-in for Baileys' useMultiFileAuthState that keeps creds and keys in
// sessiond. Values are (de)serialized exactly as Baileys' BufferJSON does, so a folder imported with
// `java -jar sessiond.jar import-baileys` and this adapter see the same bytes.
const { SessiondClient } = require('./client.cjs')

/** Baileys' BufferJSON, reproduced so the package needs no runtime dependency. */
const BufferJSON = {
  replacer: (k, value) => {
    if (Buffer.isBuffer(value) || value instanceof Uint8Array || value?.type === 'Buffer') {
      return { type: 'Buffer', data: Buffer.from(value?.data || value).toString('base64') }
    }
    return value
  },
  reviver: (_, value) => {
    if (typeof value === 'object' && !!value && (value.buffer === true || value.type === 'Buffer')) {
      const val = value.data || value.value
      return typeof val === 'string' ? Buffer.from(val, 'base64') : Buffer.from(val || [])
    }
    return value
  }
}

const QUERY_BATCH = 1000

async function loadBaileys (given) {
  if (given) return given
  try {
    const m = await import('@whiskeysockets/baileys')
    // Baileys 6.7.10+ is an ES module with named exports; older ones are CommonJS (under default).
    return m.initAuthCreds ? m : m.default
  } catch {
    return null
  }
}

/**
 * @returns {Promise<{state: {creds, keys}, saveCreds: () => Promise<void>, clear: () => Promise<void>}>}
 */
async function useSessiondAuthState ({ url, apiKey, sessionId, client, baileys, ttlSeconds = 0, initAuthCreds, proto } = {}) {
  if (!sessionId) throw new TypeError('sessiond: sessionId is required')
  const c = client || new SessiondClient({ url, apiKey })
  const B = await loadBaileys(baileys)
  const init = initAuthCreds || B?.initAuthCreds
  const appStateSyncKey = proto || B?.proto
  if (!(await c.getSession(sessionId))) {
    // A bot's session must not expire by default: ttlSeconds 0.
    await c.putSession(sessionId, { data: {}, ttlSeconds })
  }
  const credsText = await c.getCredsText(sessionId)
  let creds
  if (credsText) {
    creds = JSON.parse(credsText, BufferJSON.reviver)
  } else if (init) {
    creds = init()
  } else {
    throw new Error('sessiond: no creds stored and Baileys is not importable; pass initAuthCreds')
  }

  let writes = Promise.resolve()
  // Baileys calls set() from many places at once; each call is one atomic batch, and they are sent
  // one after another in call order so a later set never lands before an earlier one.
  const serialized = (work) => {
    const next = writes.then(work, work)
    writes = next.catch(() => {})
    return next
  }

  const keys = {
    async get (type, ids) {
      const data = {}
      for (let i = 0; i < ids.length; i += QUERY_BATCH) {
        const found = JSON.parse(await c.queryKeysText(sessionId, type, ids.slice(i, i + QUERY_BATCH)), BufferJSON.reviver)
        for (const [id, raw] of Object.entries(found)) {
          let value = raw
          if (type === 'app-state-sync-key' && value && appStateSyncKey) {
            value = appStateSyncKey.Message.AppStateSyncKeyData.fromObject(value)
          }
          data[id] = value
        }
      }
      return data
    },
    async set (data) {
      const batch = {}
      for (const category in data) {
        for (const id in data[category]) {
          const value = data[category][id]
          ;(batch[category] ||= {})[id] = value || null
        }
      }
      if (Object.keys(batch).length === 0) return
      const text = JSON.stringify(batch, BufferJSON.replacer)
      await serialized(() => c.writeKeysText(sessionId, text))
    },
    async clear () {
      await serialized(() => c.clearKeys(sessionId))
    }
  }

  return {
    state: { creds, keys },
    saveCreds: () => serialized(() => c.putCredsText(sessionId, JSON.stringify(creds, BufferJSON.replacer))),
    /** Removes everything stored for this bot (creds, keys, data, blobs): a logout. */
    clear: () => serialized(() => c.deleteSession(sessionId))
  }
}

module.exports = { useSessiondAuthState, BufferJSON }
