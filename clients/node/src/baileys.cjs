'use strict'
// useSessiondAuthState: a drop-in for Baileys' useMultiFileAuthState that keeps creds and keys in
// sessiond. Values are (de)serialized exactly as Baileys' BufferJSON does, so a folder imported with
// `java -jar sessiond.jar import-baileys` and this adapter see the same bytes.
const { SessiondClient } = require('./client.cjs')
const { SessiondLease } = require('./lease.cjs')

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

/**
 * The Baileys module as one object: the one given, else `@whiskeysockets/baileys`, else `baileys` (the
 * same library under its unscoped name), whichever is installed. Baileys 6.7.x and 7.x are ES modules;
 * 6.17.16 (npm's latest tag since it was published) is CommonJS, whose import() exposes some exports
 * only under default (`proto` among them), so module.exports is taken whenever it is the whole API.
 */
async function loadBaileys (given) {
  if (given) return whole(given)
  for (const name of BAILEYS_NAMES) {
    try {
      return whole(await import(name))
    } catch (e) {
      if (!notInstalled(e, name)) throw e
    }
  }
  return null
}

const BAILEYS_NAMES = ['@whiskeysockets/baileys', 'baileys']

function whole (m) {
  return m?.default?.initAuthCreds ? m.default : m
}

/** Whether an import failed because the package itself is missing (not because it failed to load). */
function notInstalled (e, name) {
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(`'${name}'`)
}

/**
 * With `lease` ({holder?, ttlSeconds?, pollMs?, signal?, onLost?}, or true for the defaults), the
 * account is owned by one process at a time: this call waits while another process holds the
 * session's lease, then renews it in the background and fences every write with its token, so a
 * process that lost the lease (paused past its expiry) cannot overwrite its successor's keys.
 * @returns {Promise<{state: {creds, keys}, saveCreds: () => Promise<void>, clear: () => Promise<void>, lease?: SessiondLease}>}
 */
async function useSessiondAuthState ({ url, apiKey, sessionId, client, baileys, ttlSeconds = 0, initAuthCreds, proto, lease } = {}) {
  if (!sessionId) throw new TypeError('sessiond: sessionId is required')
  const c = client || new SessiondClient({ url, apiKey })
  const owner = lease ? await new SessiondLease(c, sessionId, lease === true ? {} : lease).acquire() : null
  const fenced = () => owner ? { fence: owner.token } : {}
  const B = await loadBaileys(baileys)
  const init = initAuthCreds || B?.initAuthCreds
  const appStateSyncKey = proto || B?.proto
  // Values are read back as the installed Baileys' useMultiFileAuthState reads its files.
  const reviver = B?.BufferJSON?.reviver || BufferJSON.reviver
  if (!(await c.getSession(sessionId))) {
    // A bot's session must not expire by default: ttlSeconds 0.
    await c.putSession(sessionId, { data: {}, ttlSeconds }, fenced())
  }
  const credsText = await c.getCredsText(sessionId)
  let creds
  if (credsText) {
    creds = JSON.parse(credsText, reviver)
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
        const found = JSON.parse(await c.queryKeysText(sessionId, type, ids.slice(i, i + QUERY_BATCH)), reviver)
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
      await serialized(() => c.writeKeysText(sessionId, text, fenced()))
    },
    async clear () {
      await serialized(() => c.clearKeys(sessionId, fenced()))
    }
  }

  const auth = {
    state: { creds, keys },
    saveCreds: () => serialized(() => c.putCredsText(sessionId, JSON.stringify(creds, BufferJSON.replacer), fenced())),
    /** Removes everything stored for this bot (creds, keys, data, blobs): a logout. */
    clear: () => serialized(() => c.deleteSession(sessionId, fenced()))
  }
  if (owner) auth.lease = owner
  return auth
}

// Baileys' key types, longest first so sender-key-memory is not read as sender-key (as the CLI's
// import-baileys reads them).
const KNOWN_TYPES = ['app-state-sync-version', 'app-state-sync-key', 'sender-key-memory', 'identity-key',
  'device-list', 'lid-mapping', 'sender-key', 'pre-key', 'session', 'tctoken']

/**
 * The key a useMultiFileAuthState file holds, or null. Baileys names a key `<type>-<id>.json`
 * through fixFileName (`/` → `__`, `:` → `-`), which cannot be undone in general: `__` is put back
 * as `/` only where an id can hold a `/` (app-state-sync-key ids are base64, and a type this code
 * does not know), since the other types' ids (numbers, JIDs, Signal addresses) never do and one may
 * hold `__` itself (7.x's tctoken index, `__index`); `--` is put back as `::` in sender-key ids.
 */
function parseKeyFileName (file) {
  if (!file.endsWith('.json') || file === 'creds.json') return null
  let type = KNOWN_TYPES.find(t => file.startsWith(t + '-') && file.length > t.length + 6)
  let raw
  if (type) {
    raw = file.slice(type.length + 1, -5)
  } else {
    const m = /^([a-z0-9]+(?:-[a-z0-9]+)*?)-(.+)\.json$/.exec(file)
    if (!m || m[1].length > 64) return null
    type = m[1]
    raw = m[2]
  }
  const id = type === 'app-state-sync-key' || !KNOWN_TYPES.includes(type) ? raw.replace(/__/g, '/') : raw
  return { type, id: type === 'sender-key' ? id.replace(/--/g, '::') : id }
}

/**
 * Moves a Baileys useMultiFileAuthState folder into a sessiond session, read with Baileys' own
 * useMultiFileAuthState: every key, in atomic batches, then the creds. It does nothing when the
 * session already has creds (so a bot may call it on every start), and a run cut short is redone
 * whole by the next one (the creds are written last). The folder is left as it is.
 * @returns {Promise<{migrated: boolean, keys: number}>}
 */
async function migrateMultiFileAuthState ({ folder, url, apiKey, sessionId, client, baileys, ttlSeconds = 0, batchSize = 500 } = {}) {
  if (!folder) throw new TypeError('sessiond: folder is required')
  if (!sessionId) throw new TypeError('sessiond: sessionId is required')
  const c = client || new SessiondClient({ url, apiKey })
  if (await c.getCredsText(sessionId)) return { migrated: false, keys: 0 }
  const { readdir, access } = require('node:fs/promises')
  try {
    await access(require('node:path').join(folder, 'creds.json'))
  } catch {
    return { migrated: false, keys: 0 }
  }
  const B = await loadBaileys(baileys)
  if (!B?.useMultiFileAuthState) throw new Error('sessiond: Baileys is not importable; pass baileys')
  const { state } = await B.useMultiFileAuthState(folder)
  if (!(await c.getSession(sessionId))) await c.putSession(sessionId, { data: {}, ttlSeconds })
  const byType = new Map()
  for (const file of (await readdir(folder)).sort()) {
    const key = parseKeyFileName(file)
    if (key) byType.set(key.type, [...(byType.get(key.type) || []), key.id])
  }
  let keys = 0
  let batch = {}
  let inBatch = 0
  const flush = async () => {
    if (inBatch === 0) return
    await c.writeKeysText(sessionId, JSON.stringify(batch, BufferJSON.replacer))
    batch = {}
    inBatch = 0
  }
  for (const [type, ids] of byType) {
    const values = await state.keys.get(type, ids)
    for (const id of ids) {
      if (values[id] == null) continue
      ;(batch[type] ||= {})[id] = values[id]
      keys++
      if (++inBatch >= batchSize) await flush()
    }
  }
  await flush()
  await c.putCredsText(sessionId, JSON.stringify(state.creds, BufferJSON.replacer))
  return { migrated: true, keys }
}

module.exports = { useSessiondAuthState, migrateMultiFileAuthState, BufferJSON }
