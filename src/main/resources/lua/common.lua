-- Shared by every session script (prepended by LuaScripts). KEYS[1] is the session's base key
-- <prefix>{tenant:id}; every key below shares its hash tag, so one script touches one cluster slot.
-- The session's key names are set by bind() at the start of every call, not here: in the Redis
-- function library (LuaLibrary) this prelude runs once, when the library is loaded, and each function
-- calls bind(); a script run by EVAL calls it right after the prelude.
local B, META, CREDS, MSGS, TYPES, BLOBS, LEASE, CREDSH
-- The PostgreSQL change stream's key; LuaScripts puts it here when sync is on (false: off).
local SYNC = false
-- What SYNC is set to for this store; a call may turn SYNC off for itself (import, restore), bind() turns it on again.
local SYNC_STREAM = SYNC
-- The change event log: the per-tenant stream keys' prefix ('<prefix>events:') and its bounds, put
-- here by ChangeRecording when events are on (false: off).
local EVENTS, EVENTS_MAX_LEN, EVENTS_MAX_AGE_MS = false, 0, 0
-- The event a successful write records (bump); a script sets it before bump, false for none.
local EVENT
-- Idempotency-Key record of the call (once.lua): its key and the request's digest, false for none.
local ONCE, ONCE_DIGEST

-- Binds a call to its session (KEYS[1]) and resets what a call may have changed (in the function library
-- these locals outlive the call: an import that turned SYNC off must not leave it off for the next one).
-- The session keys of the session whose base key is base (bind(), and calls that handle several sessions).
local function keysOf(base)
  B = base
  META, CREDS, MSGS, TYPES = B .. ':meta', B .. ':creds', B .. ':msgs', B .. ':types'
  BLOBS, LEASE, CREDSH = B .. ':blobs', B .. ':lease', B .. ':credsh'
end
local function bind()
  keysOf(KEYS[1])
  SYNC = SYNC_STREAM
  EVENT = 'updated'
  ONCE, ONCE_DIGEST = false, false
end
-- Keys outlive their logical expiry by a minute, so that clock skew between sessiond instances and
-- Redis never lets Redis drop a session that sessiond still considers alive.
local GRACE_MS = 60000
local UNPACK_CHUNK = 1000
-- A staged import (import_stage.lua) writes its keys beside the session under this name, invisible to
-- every reader, until import.lua renames them in; what an importer never commits expires after an hour.
local STAGE_MS = 3600000
local function stageKey(stagingId, t)
  return B .. ':stage:' .. stagingId .. ':keys:' .. t
end
-- A large key batch (keys_stage_open.lua, keys_stage_commit.lua) leaves here, for the length of its
-- transaction, that its checks passed and the session's byte counts after it.
local function stageMarker(stagingId)
  return B .. ':stage:' .. stagingId .. ':ok'
end

local function keysKey(t)
  return B .. ':keys:' .. t
end

-- Blobs: BLOBS is the set of blob names; each blob is a hash (gen, size, chunks) whose chunks are
-- strings named by the upload (generation) they came from, so an upload stages its chunks beside the
-- current blob and a commit only repoints the hash.
local function blobKey(name)
  return B .. ':blob:' .. name
end
local function chunkKey(gen, i)
  return B .. ':blobc:' .. gen .. ':' .. i
end
local function dropChunks(gen, n)
  for i = 0, n - 1 do
    redis.call('DEL', chunkKey(gen, i))
  end
end
-- Every key of every committed blob, BLOBS included.
local function blobKeys()
  local all = { BLOBS }
  for _, name in ipairs(redis.call('SMEMBERS', BLOBS)) do
    local b = redis.call('HMGET', blobKey(name), 'gen', 'chunks')
    all[#all + 1] = blobKey(name)
    if b[1] then
      for i = 0, tonumber(b[2]) - 1 do
        all[#all + 1] = chunkKey(b[1], i)
      end
    end
  end
  return all
end

-- The change event log: one entry per change in the tenant's stream (<prefix>events:<tenant>), atomic
-- with the change: t type, s session id, v version, at time; never a value. The stream keeps about
-- EVENTS_MAX_LEN entries, trimmed here, and none older than EVENTS_MAX_AGE_MS, trimmed by the sweeper
-- (events_trim.lua: one trim per tenant and sweep instead of one in every write); both trims are
-- approximate, so whole macro nodes go at once, rarely. When a trim drops entries, <stream>:floor takes
-- the first id left: a reader resuming from before it may have missed events (events_read.lua).
-- A lease event also names the lease's holder (h) and token (k).
local function recordEvent(type, ver, now, holder, token)
  if not EVENTS or not type then
    return
  end
  local tag = string.sub(B, string.find(B, '{', 1, true) + 1, -2)
  local colon = string.find(tag, ':', 1, true)
  local stream = EVENTS .. string.sub(tag, 1, colon - 1)
  if holder then
    redis.call('XADD', stream, '*', 't', type, 's', string.sub(tag, colon + 1), 'v', ver, 'at', now, 'h', holder,
      'k', token)
  else
    redis.call('XADD', stream, '*', 't', type, 's', string.sub(tag, colon + 1), 'v', ver, 'at', now)
  end
  local dropped = redis.call('XTRIM', stream, 'MAXLEN', '~', EVENTS_MAX_LEN)
  if dropped > 0 then
    redis.call('SET', stream .. ':floor', redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1])
  end
end

-- The event of a session that goes away (deleted, expired), with the last version it had.
local function recordGone(type, now)
  local v = redis.call('HGET', META, 'ver')
  if v then
    recordEvent(type, v, now)
  end
end

-- Ownership lease: a hash (holder, expires, token) beside the session, not part of it: a lease may be
-- taken on a session that does not exist yet, outlives the session's deletion, and is neither exported
-- nor synced. Once a lease ends the hash keeps its token until LEASE's own Redis expiry (expires +
-- GRACE_MS), so the next grant goes on counting from it; after that the next token is still higher
-- than any given before, because a token is never lower than the clock in ms at its grant (lease.lua).

-- Lease events: lease.lua and lease_release.lua call this on every grant ('lease-acquired') and on every
-- end they see ('lease-lost': a release, or a lapsed lease a new grant takes over), with the holder and
-- token concerned: an event in the change event log, at the session's version (0 when it does not exist).
local function leaseEvent(type, holder, token, now)
  recordEvent(type, redis.call('HGET', META, 'ver') or 0, now, holder, token)
end

-- With events on, every live lease is in its tenant's lease index (<prefix>events:<tenant>:leases, a zset:
-- session id → expiry), so the sweeper finds leases that lapse with nobody taking them over and records
-- their lease-lost (lease_expire.lua). score false removes the session's entry.
local function indexLease(score)
  if not EVENTS then
    return
  end
  local tag = string.sub(B, string.find(B, '{', 1, true) + 1, -2)
  local colon = string.find(tag, ':', 1, true)
  local index = EVENTS .. string.sub(tag, 1, colon - 1) .. ':leases'
  if score then
    redis.call('ZADD', index, score, string.sub(tag, colon + 1))
  else
    redis.call('ZREM', index, string.sub(tag, colon + 1))
  end
end

-- A write that names a fencing token succeeds only while the lease with that token is live: a token
-- of a lease that expired, was released or was taken over is stale.
local function fenced(now, fence)
  local l = redis.call('HMGET', LEASE, 'holder', 'expires', 'token')
  local live = l[1] and tonumber(l[2]) > now
  if live and tonumber(l[3]) == tonumber(fence) then
    return nil
  end
  return { 'E', 'FENCED', fence, live and l[3] or 0, live and l[1] or '' }
end

-- Every session script's opener: loads the session's bookkeeping fields (one HMGET) and applies the
-- existence, expiry and If-Match rules. Returns m, or nil and the error reply the script returns as is:
--   local m, err = open(now, ifMatch)
--   if err then
--     return err
--   end
-- ifMatch: the version the caller expects, -1 for any (reads pass -1); writes pass their ARGV as is,
-- '<version>' or '<version>:<fencing token>', so the fence is checked in the script that writes
-- (FENCED, before anything else). A session that expired at now
-- counts as missing. A missing session is NOT_FOUND, unless missingOk (put and import, which create it;
-- status and sweep, which reply themselves): then it is version 0 (If-Match > 0 is VERSION_MISMATCH),
-- m and err are nil, and the third value tells an expired session (true) from an absent one.
local function open(now, ifMatch, missingOk)
  if type(ifMatch) == 'string' then
    local expected, fence = string.match(ifMatch, '^(-?%d+):(%d+)$')
    if fence then
      local err = fenced(now, fence)
      if err then
        return nil, err
      end
      ifMatch = tonumber(expected)
    else
      ifMatch = tonumber(ifMatch)
    end
  end
  local v = redis.call('HMGET', META, 'ver', 'expires', 'ttl', 'bytes', 'state', 'created', 'updated', 'activity',
    'seq', 'kbytes', 'pexp')
  local expired = false
  if v[1] then
    local expires = tonumber(v[2])
    if expires <= 0 or expires > now then
      local ver = tonumber(v[1])
      if ifMatch >= 0 and ifMatch ~= ver then
        return nil, { 'E', 'VERSION_MISMATCH', ifMatch, ver }
      end
      return { ver = ver, expires = expires, ttl = tonumber(v[3]), bytes = tonumber(v[4]), state = v[5],
        created = tonumber(v[6]), updated = tonumber(v[7]), activity = tonumber(v[8]), seq = tonumber(v[9]),
        kbytes = tonumber(v[10]), pexp = tonumber(v[11]) or 0 }, nil
    end
    expired = true
  end
  if not missingOk then
    return nil, { 'E', 'NOT_FOUND' }
  end
  if ifMatch > 0 then
    return nil, { 'E', 'VERSION_MISMATCH', ifMatch, 0 }
  end
  return nil, nil, expired
end

-- Key bytes (kbytes, included in bytes) are counted only while the tenant has a byte limit: reading a
-- key batch's old values to size them costs Redis more than writing the batch, and without a limit
-- nothing needs the count. kbytes -1 means "not counted" (bytes then leaves the keys out); the first
-- write under a limit counts them again, once. Only the key bytes: the other parts are cheap to size.
local function countKeys(m, maxBytes)
  if maxBytes > 0 and m.kbytes < 0 then
    local k = 0
    for _, t in ipairs(redis.call('SMEMBERS', TYPES)) do
      for _, s in ipairs(redis.call('HGETALL', keysKey(t))) do
        k = k + #s
      end
    end
    m.kbytes = k
    m.bytes = m.bytes + k
  end
end

-- A write may not leave the session over the byte limit unless it shrinks it, so that a session
-- already over a lowered limit can still be cleaned up.
local function tooLarge(bytes, before, maxBytes)
  if maxBytes > 0 and bytes > maxBytes and bytes > before then
    return { 'E', 'TOO_LARGE', bytes, maxBytes }
  end
  return nil
end

local function types()
  return redis.call('SMEMBERS', TYPES)
end

-- Creds history: a list of the last kept creds documents, newest first, each '<version> <at> <creds>'
-- (the session version that wrote it, its time, the text as written). The creds text of every entry
-- counts towards the session's bytes.

local function historyEntryBytes(e)
  local a = string.find(e, ' ', 1, true)
  local b = string.find(e, ' ', a + 1, true)
  return #e - b
end

-- The change in bytes of writing creds of newLen bytes (nil: a write that keeps none, a clear) and
-- keeping `keep` entries: the new entry in, the entries past the kept ones out.
local function historyDelta(newLen, keep)
  local delta, kept = 0, keep
  if newLen and keep > 0 then
    delta, kept = newLen, keep - 1
  end
  for _, e in ipairs(redis.call('LRANGE', CREDSH, kept, -1)) do
    delta = delta - historyEntryBytes(e)
  end
  return delta
end

-- Records creds written at version ver (false: none, a clear) and trims the history to `keep`.
local function pushHistory(ver, now, creds, keep)
  if keep <= 0 then
    redis.call('DEL', CREDSH)
    return
  end
  if creds then
    redis.call('LPUSH', CREDSH, ver .. ' ' .. now .. ' ' .. creds)
  end
  redis.call('LTRIM', CREDSH, 0, keep - 1)
end

-- keepBlobs: leave the session's committed blobs in place (an import that keeps them). UNLINK, not
-- DEL: a session of a million keys is freed by Redis's background thread, not inside this script.
local function wipe(keepBlobs)
  for _, t in ipairs(types()) do
    redis.call('UNLINK', keysKey(t))
  end
  if not keepBlobs then
    for _, k in ipairs(blobKeys()) do
      redis.call('UNLINK', k)
    end
  end
  redis.call('UNLINK', META, CREDS, MSGS, TYPES, CREDSH)
end

-- The safety net behind the sweeper: every key of the session expires in Redis too.
local function expireAll(expires)
  local all = { META, CREDS, MSGS, TYPES, CREDSH }
  for _, t in ipairs(types()) do
    all[#all + 1] = keysKey(t)
  end
  for _, k in ipairs(blobKeys()) do
    all[#all + 1] = k
  end
  for _, k in ipairs(all) do
    if expires > 0 then
      redis.call('PEXPIREAT', k, expires + GRACE_MS)
    else
      redis.call('PERSIST', k)
    end
  end
end

-- Keeps the Redis expiry of the session's keys between expires + GRACE and expires + 2 GRACE
-- (pexp in meta), so that a busy session re-expires all its keys about once a minute rather than on
-- every write; keys this write created or SET (fresh, which have no TTL yet) get pexp at once.
local function refreshExpiry(m, fresh)
  local target = 0
  if m.expires > 0 then
    target = m.expires + GRACE_MS
  end
  if target == 0 then
    if m.pexp ~= 0 then
      expireAll(0)
      m.pexp = 0
    end
    return
  end
  if m.pexp == 0 or target > m.pexp or target < m.pexp - 2 * GRACE_MS then
    m.pexp = target + GRACE_MS
    expireAll(m.pexp - GRACE_MS)
    return
  end
  for _, k in ipairs(fresh) do
    redis.call('PEXPIREAT', k, m.pexp)
  end
end

-- PostgreSQL sync: the script that makes a change records it in the change stream, atomically with
-- it. The entry names the session (hash tag), the op ('w' written, 'd' deleted), the version and
-- creation time, and for a write what changed (parts, see below); the sync worker reads the current
-- state of those parts itself. An entry without 'p' means the whole session (an import, or an entry
-- written before parts existed).
-- parts: { p = flags } where flags holds 'd' (the session row: data, creds, state, times), 'k' (the
-- keys named in k: a JSON array type, keyId, type, keyId, ...), 'K' (every key, rewritten), 'm' (the
-- messages from seq m on, and the window's trim), 'b' (the blobs). The session row is always written.
local function recordChange(op, ver, created, parts)
  if SYNC then
    local tag = string.sub(B, string.find(B, '{', 1, true) + 1, -2)
    if not parts then
      redis.call('XADD', SYNC, '*', 's', tag, 'o', op, 'v', ver, 'c', created)
    elseif parts.k then
      redis.call('XADD', SYNC, '*', 's', tag, 'o', op, 'v', ver, 'c', created, 'p', parts.p, 'k', parts.k)
    elseif parts.m then
      redis.call('XADD', SYNC, '*', 's', tag, 'o', op, 'v', ver, 'c', created, 'p', parts.p, 'm', parts.m)
    else
      redis.call('XADD', SYNC, '*', 's', tag, 'o', op, 'v', ver, 'c', created, 'p', parts.p)
    end
  end
end

-- A deletion (DELETE or expiry), recorded with the version and creation time of what goes away.
-- A deletion recorded for sync leaves a tombstone (createdAt:version of what was deleted) for a day:
-- a restore from PostgreSQL must not bring the session back before the deletion reaches PostgreSQL
-- (import.lua). A day outlasts any sync backlog a restore could race with (restores read PostgreSQL,
-- so they run only while it is up, when the backlog drains in seconds to minutes).
local GONE_MS = 86400000
local function recordDelete()
  if SYNC then
    local v = redis.call('HMGET', META, 'ver', 'created')
    if v[1] then
      recordChange('d', v[1], v[2])
      redis.call('SET', B .. ':gone', (v[2] or '0') .. ':' .. v[1], 'PX', GONE_MS)
    end
  end
end

-- Every successful write: version + 1, activity (and updatedAt unless a touch), expiry refreshed.
-- fresh: the keys this write may have created or SET (see refreshExpiry); parts: what it changed, for
-- the sync (see recordChange; nil: the whole session).
local function bump(m, now, isTouch, fresh, parts)
  m.ver = m.ver + 1
  if not isTouch then
    m.updated = now
  end
  m.activity = now
  if m.ttl > 0 then
    m.expires = now + m.ttl * 1000
  else
    m.expires = 0
  end
  refreshExpiry(m, fresh or {})
  redis.call('HSET', META, 'ver', m.ver, 'updated', m.updated, 'activity', now, 'expires', m.expires,
    'bytes', m.bytes, 'kbytes', m.kbytes, 'pexp', m.pexp)
  recordChange('w', m.ver, m.created, parts)
  recordEvent(EVENT, m.ver, now)
end

-- The parts of a change to the session row only.
local DOC = { p = 'd' }
-- A change to the session row and the creds history.
local HISTORY = { p = 'dh' }

local function sessionFields()
  return redis.call('HMGET', META, 'ver', 'state', 'data', 'created', 'updated', 'activity', 'ttl', 'expires')
end

local function statusReply(m)
  local counts = {}
  for _, t in ipairs(types()) do
    counts[#counts + 1] = t
    counts[#counts + 1] = redis.call('HLEN', keysKey(t))
  end
  return { 'OK', m.ver, m.state, m.created, m.updated, m.activity, m.ttl, m.expires,
    redis.call('EXISTS', CREDS), redis.call('LLEN', MSGS), counts, m.bytes }
end

-- Whether a state may move to the target: ARGV carries the legal source states as ' a b c '.
local function allowed(from, sources)
  return sources == '*' or string.find(sources, ' ' .. from .. ' ', 1, true) ~= nil
end

local function seqOf(json)
  local s = string.match(json, '^{"seq":(%d+)')
  if s then
    return tonumber(s)
  end
  return tonumber(cjson.decode(json).seq)
end

local function pushAll(key, items, from)
  local chunk = {}
  for i = from, #items do
    chunk[#chunk + 1] = items[i]
    if #chunk == UNPACK_CHUNK then
      redis.call('RPUSH', key, unpack(chunk))
      chunk = {}
    end
  end
  if #chunk > 0 then
    redis.call('RPUSH', key, unpack(chunk))
  end
end

-- Name, generation, size and chunks of every committed blob of the session, flat.
local function blobList()
  local out = {}
  for _, name in ipairs(redis.call('SMEMBERS', BLOBS)) do
    local b = redis.call('HMGET', blobKey(name), 'gen', 'size', 'chunks')
    if b[1] then
      out[#out + 1] = name
      out[#out + 1] = b[1]
      out[#out + 1] = tonumber(b[2])
      out[#out + 1] = tonumber(b[3])
    end
  end
  return out
end

-- Deleted here, the deletion perhaps not yet in PostgreSQL: a durable copy (its life's creation time and
-- version) must never be restored over what was deleted, nor be older than it. The error to answer, or nil.
local function deletedSince(createdAt, durableVersion)
  local gone = redis.call('GET', B .. ':gone')
  local goneCreated, goneVer = string.match(gone or '', '^(%d+):(%d+)$')
  goneCreated, goneVer = tonumber(goneCreated), tonumber(goneVer)
  if goneCreated and (goneCreated > createdAt or (goneCreated == createdAt and goneVer >= durableVersion)) then
    return { 'E', 'VERSION_MISMATCH', durableVersion, goneVer }
  end
  return nil
end
