-- restore_staged: several sessions of one tenant restored from PostgreSQL in one call, their values
-- already written by plain commands into staging keys beside each session (<base>:rs:<stagingId>:meta,
-- :keys:<type>, :msgs, :creds, :credsh), in the same MULTI ... EXEC as this call, which ends with an
-- UNLINK of every staging key: no reader sees them, and none outlives the transaction. The values never
-- become Lua strings: this script only checks the rules and RENAMEs what it restores into place.
-- KEYS[1] <prefix>{tenant} (the tenant's indexes), KEYS[2] the set of tenants, KEYS[2 + i] the i-th
-- session's base key (its staged meta: state, data, ttl, created, seq, ver, updated, activity, expires,
-- bytes, kbytes, pexp as a new session without a TTL would have them). ARGV now, maxSessions, tenant, stagingId, maxBytes, then per session: id, ttl,
-- createdAt, exportVersion, durableVersion (PostgreSQL's version), bytes, kbytes (the key bytes, counted
-- by the caller as #s would), parts ('c' creds, 'm' messages, 'h' creds history: the staging keys there
-- are), typeCount, then typeCount type names (each a staged keys hash).
-- The rules are restore.lua's: refused when Redis holds the session as new or newer (createdAt, version)
-- or a tombstone says it was deleted, LIMIT_REACHED when the tenant's maxSessions has no room (the caller
-- restores it alone), nothing recorded for sync when it ends at PostgreSQL's version, no event; the
-- index step in the same call. A refused session's staging keys are left to the transaction's UNLINK.
-- Replies one entry per session, in order: { 'OK', created, ver, updated, activity, expires } or an error.
local now, maxSessions, stagingId, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4], tonumber(ARGV[5])
local IDS, EXP = KEYS[1] .. ':ids', KEYS[1] .. ':expiry'
local RECORDING = SYNC
local replies = {}
redis.call('SADD', KEYS[2], ARGV[3])

local function restoreOne(p)
  local id, ttl, createdAt = ARGV[p], tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2])
  local exportVersion, durableVersion = tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4])
  local bytes, kbytes, parts, typeCount = tonumber(ARGV[p + 5]), tonumber(ARGV[p + 6]), ARGV[p + 7], tonumber(ARGV[p + 8])
  local S = B .. ':rs:' .. stagingId
  -- Mostly Redis holds nothing of the session (a refill): one EXISTS instead of open, the tombstone's GET
  -- and wipe's reads (with none of these keys there, wipe has nothing to remove either).
  local m, err, expired
  local absent = redis.call('EXISTS', META, B .. ':gone', TYPES, BLOBS, CREDS, MSGS, CREDSH) == 0
  if not absent then
    m, err, expired = open(now, -1, true)
    if err then
      return err
    end
  end
  local created = m == nil
  if m then
    countKeys(m, maxBytes)
  end
  if m and (m.created > createdAt or (m.created == createdAt and m.ver >= durableVersion)) then
    redis.call('ZADD', IDS, 'NX', 0, id)
    return { 'E', 'VERSION_MISMATCH', durableVersion, m.ver }
  end
  if not m and not absent then
    local deleted = deletedSince(createdAt, durableVersion)
    if deleted then
      return deleted
    end
  end
  if not m and maxSessions > 0 and not redis.call('ZSCORE', IDS, id) and redis.call('ZCARD', IDS) >= maxSessions then
    return { 'E', 'LIMIT_REACHED' }
  end
  err = tooLarge(bytes, created and 0 or m.bytes, maxBytes)
  if err then
    return err
  end
  local oldVer = created and 0 or m.ver
  if expired then
    recordGone('expired', now)
  end
  if not absent then
    wipe(false)
  end
  local types = {}
  for i = p + 9, p + 8 + typeCount do
    local t = ARGV[i]
    redis.call('RENAME', S .. ':keys:' .. t, keysKey(t))
    types[#types + 1] = t
  end
  for a = 1, #types, UNPACK_CHUNK do
    redis.call('SADD', TYPES, unpack(types, a, math.min(a + UNPACK_CHUNK - 1, #types)))
  end
  if string.find(parts, 'm', 1, true) then
    redis.call('RENAME', S .. ':msgs', MSGS)
  end
  if string.find(parts, 'c', 1, true) then
    redis.call('RENAME', S .. ':creds', CREDS)
  end
  if string.find(parts, 'h', 1, true) then
    redis.call('RENAME', S .. ':credsh', CREDSH)
  end
  -- The staged meta holds what bump would write for a session new here without a TTL (version
  -- max(export's, 1), updated and activity now, no expiry, the sizes); bump writes them over otherwise.
  redis.call('RENAME', S .. ':meta', META)
  m = { ver = math.max(exportVersion, oldVer + 1, 1) - 1, ttl = ttl, bytes = bytes, kbytes = kbytes,
    created = createdAt, pexp = 0 }
  SYNC = RECORDING
  if m.ver + 1 == exportVersion then
    SYNC = false
  end
  EVENT = false
  if created and ttl <= 0 and not SYNC then
    m.ver, m.updated, m.activity, m.expires = m.ver + 1, now, now, 0
  else
    bump(m, now, false)
  end
  redis.call('ZADD', IDS, 'NX', 0, id)
  if m.expires > 0 then
    redis.call('ZADD', EXP, 'LT', m.expires, id)
  end
  return { 'OK', created and 1 or 0, m.ver, m.updated, m.activity, m.expires }
end

local p = 6
for i = 3, #KEYS do
  keysOf(KEYS[i])
  replies[#replies + 1] = restoreOne(p)
  p = p + 9 + tonumber(ARGV[p + 8])
end
return replies
