-- restore: several sessions of one tenant restored from PostgreSQL in one call (one Redis, not a cluster:
-- the sessions are in different slots). KEYS[1] <prefix>{tenant} (the tenant's indexes), KEYS[2] the set
-- of tenants, KEYS[2 + i] the i-th session's base key. ARGV now, maxSessions, tenant, then per session: its id,
-- n, then n arguments laid out as import.lua's ARGV (restore: durableVersion > 0, no If-Match, no staged
-- keys, blobs not kept). Each session is restored exactly as import.lua restores one, with the same
-- functions of common.lua (their key names are re-pointed at each session in turn), and its index step
-- is taken here too, in the same atomic call: the id added to the tenant's indexes when the session is
-- there afterwards. A session the tenant's maxSessions has no room for is refused with LIMIT_REACHED
-- and nothing done (the caller restores it alone, which sweeps the tenant first).
-- Replies one entry per session, in order: { 'OK', created, ver, updated, activity, expires } or the
-- error import.lua would reply ({ 'E', code, ... }).
local now, maxSessions = tonumber(ARGV[1]), tonumber(ARGV[2])
local IDS, EXP = KEYS[1] .. ':ids', KEYS[1] .. ':expiry'
local RECORDING = SYNC
local replies = {}
redis.call('SADD', KEYS[2], ARGV[3])

-- The import of the session whose arguments start at ARGV[o + 1] (import.lua's ARGV[1]).
local function restoreOne(o, id)
  local function arg(i)
    return ARGV[o + i]
  end
  local maxBytes = tonumber(arg(4))
  local state, data, creds, ttl = arg(5), arg(6), arg(7), tonumber(arg(8))
  local createdAt, exportVersion, lastSeq, typeCount = tonumber(arg(9)), tonumber(arg(10)), tonumber(arg(11)), tonumber(arg(12))
  local durableVersion = tonumber(arg(14))
  local m, err, expired = open(now, -1, true)
  if err then
    return err
  end
  local created = m == nil
  if m then
    countKeys(m, maxBytes)
  end
  if m and (m.created > createdAt or (m.created == createdAt and m.ver >= durableVersion)) then
    redis.call('ZADD', IDS, 'NX', 0, id)
    return { 'E', 'VERSION_MISMATCH', durableVersion, m.ver }
  end
  if not m then
    local deleted = deletedSince(createdAt, durableVersion)
    if deleted then
      return deleted
    end
    if maxSessions > 0 and not redis.call('ZSCORE', IDS, id) and redis.call('ZCARD', IDS) >= maxSessions then
      return { 'E', 'LIMIT_REACHED' }
    end
  end
  local oldVer = created and 0 or m.ver
  local historyAt = o + 18
  local historyCount = tonumber(ARGV[historyAt])
  local groups, pos, kbytes = {}, historyAt + 1 + historyCount, 0
  for g = 1, typeCount do
    local last = pos + 1 + 2 * tonumber(ARGV[pos + 1])
    groups[g] = { ARGV[pos], pos + 2, last }
    for i = pos + 2, last do
      kbytes = kbytes + #ARGV[i]
    end
    pos = last + 1
  end
  local firstMsg, lastMsg = pos, o + tonumber(ARGV[o])
  local bytes = #data + #creds + kbytes
  for i = historyAt + 1, historyAt + historyCount do
    bytes = bytes + historyEntryBytes(ARGV[i])
  end
  for i = firstMsg, lastMsg do
    bytes = bytes + #ARGV[i]
  end
  err = tooLarge(bytes, created and 0 or m.bytes, maxBytes)
  if err then
    return err
  end

  local function chunked(cmd, key, from, to, step)
    for a = from, to, step do
      redis.call(cmd, key, unpack(ARGV, a, math.min(a + step - 1, to)))
    end
  end

  if expired then
    recordGone('expired', now)
  end
  wipe(false)
  local types = {}
  for g = 1, typeCount do
    local t, from, to = groups[g][1], groups[g][2], groups[g][3]
    if to >= from then
      chunked('HSET', keysKey(t), from, to, UNPACK_CHUNK)
      types[#types + 1] = t
    end
  end
  for a = 1, #types, UNPACK_CHUNK do
    redis.call('SADD', TYPES, unpack(types, a, math.min(a + UNPACK_CHUNK - 1, #types)))
  end
  if firstMsg <= lastMsg then
    chunked('RPUSH', MSGS, firstMsg, lastMsg, UNPACK_CHUNK)
  end
  if creds ~= '' then
    redis.call('SET', CREDS, creds)
  end
  if historyCount > 0 then
    redis.call('RPUSH', CREDSH, unpack(ARGV, historyAt + 1, historyAt + historyCount))
  end
  m = { ver = math.max(exportVersion, oldVer + 1, 1) - 1, ttl = ttl, bytes = bytes, kbytes = kbytes, state = state,
    created = createdAt, pexp = 0 }
  redis.call('HSET', META, 'state', state, 'data', data, 'ttl', ttl, 'created', createdAt, 'seq', lastSeq)
  SYNC = RECORDING
  if m.ver + 1 == exportVersion then
    SYNC = false
  end
  EVENT = false
  bump(m, now, false)
  redis.call('ZADD', IDS, 'NX', 0, id)
  if m.expires > 0 then
    redis.call('ZADD', EXP, 'LT', m.expires, id)
  end
  return { 'OK', created and 1 or 0, m.ver, m.updated, m.activity, m.expires }
end

local p = 4
for i = 3, #KEYS do
  keysOf(KEYS[i])
  replies[#replies + 1] = restoreOne(p + 1, ARGV[p])
  p = p + 2 + tonumber(ARGV[p + 1])
end
return replies
