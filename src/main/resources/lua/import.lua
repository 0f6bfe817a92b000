-- import: ARGV now, ifMatch, mustExist, maxBytes, state, data, creds ('' = none), ttl, createdAt,
-- exportVersion, lastSeq, typeCount, keepBlobs ('1': keep the session's blobs), durableVersion,
-- stagingId ('' = none), stagedBytes, stagedTypeCount, then stagedTypeCount type names, then
-- historyCount, then historyCount creds history entries ('<version> <at> <creds>', newest first, as
-- many as are kept), then typeCount groups of type, n, then n pairs of keyId, value; then the messages.
-- A large import stages its keys first (import_stage.lua, bounded calls); this script then swaps the
-- staged hashes in with RENAME (O(1) each) after UNLINKing the old ones, so a reader sees the old
-- session or the whole new one, never a part. A refused import leaves the staging to the caller
-- (import_unstage.lua).
-- Replaces the whole session, blobs too unless keepBlobs (the caller trims the window and resolves createdAt).
-- durableVersion > 0 makes it a restore of the session PostgreSQL holds at that version: refused when
-- the session here is as new or newer (createdAt, version), and not recorded for sync when the session
-- ends at the export's version (PostgreSQL holds exactly that already).
local now, ifMatch, mustExist, maxBytes = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1', tonumber(ARGV[4])
local state, data, creds, ttl = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local createdAt, exportVersion, lastSeq, typeCount = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local keepBlobs, durableVersion = ARGV[13] == '1', tonumber(ARGV[14])
local stagingId, stagedBytes, stagedTypeCount = ARGV[15], tonumber(ARGV[16]), tonumber(ARGV[17])
local m, err, expired = open(now, ifMatch, true)
if err then
  return err
end
local created = m == nil
if m then
  countKeys(m, maxBytes)
end
if created and mustExist then
  return { 'E', 'ABSENT' }
end
if durableVersion > 0 and m and (m.created > createdAt or (m.created == createdAt and m.ver >= durableVersion)) then
  return { 'E', 'VERSION_MISMATCH', durableVersion, m.ver }
end
if durableVersion > 0 and not m then
  local deleted = deletedSince(createdAt, durableVersion)
  if deleted then
    return deleted
  end
end
local oldVer = created and 0 or m.ver
-- groups[g] = { type, first ARGV index of its pairs, last one }
local historyAt = 18 + stagedTypeCount
local historyCount = tonumber(ARGV[historyAt])
local groups, pos, kbytes = {}, historyAt + 1 + historyCount, stagedBytes
for g = 1, typeCount do
  local last = pos + 1 + 2 * tonumber(ARGV[pos + 1])
  groups[g] = { ARGV[pos], pos + 2, last }
  for i = pos + 2, last do
    kbytes = kbytes + #ARGV[i]
  end
  pos = last + 1
end
local firstMsg = pos
local bytes = #data + #creds + kbytes
for i = historyAt + 1, historyAt + historyCount do
  bytes = bytes + historyEntryBytes(ARGV[i])
end
for i = firstMsg, #ARGV do
  bytes = bytes + #ARGV[i]
end
if keepBlobs and not created then
  for _, name in ipairs(redis.call('SMEMBERS', BLOBS)) do
    bytes = bytes + (tonumber(redis.call('HGET', blobKey(name), 'size')) or 0)
  end
end
err = tooLarge(bytes, created and 0 or m.bytes, maxBytes)
if err then
  return err
end

for i = 18, 17 + stagedTypeCount do
  if redis.call('EXISTS', stageKey(stagingId, ARGV[i])) == 0 then
    return { 'E', 'INVALID', 'the keys this import staged are gone (it took longer than an hour); nothing was changed' }
  end
end

-- cmd key ARGV[from..to], in calls of at most UNPACK_CHUNK arguments (step keeps field/value pairs whole).
local function chunked(cmd, key, from, to, step)
  for a = from, to, step do
    redis.call(cmd, key, unpack(ARGV, a, math.min(a + step - 1, to)))
  end
end

local kept = keepBlobs and not created
if expired then
  recordGone('expired', now)
end
wipe(kept)
local types = {}
for g = 1, typeCount do
  local t, from, to = groups[g][1], groups[g][2], groups[g][3]
  if to >= from then
    chunked('HSET', keysKey(t), from, to, UNPACK_CHUNK)
    types[#types + 1] = t
  end
end
for i = 18, 17 + stagedTypeCount do
  local t = ARGV[i]
  redis.call('RENAME', stageKey(stagingId, t), keysKey(t))
  redis.call('PERSIST', keysKey(t))
  types[#types + 1] = t
end
for a = 1, #types, UNPACK_CHUNK do
  redis.call('SADD', TYPES, unpack(types, a, math.min(a + UNPACK_CHUNK - 1, #types)))
end
if firstMsg <= #ARGV then
  chunked('RPUSH', MSGS, firstMsg, #ARGV, UNPACK_CHUNK)
end
if creds ~= '' then
  redis.call('SET', CREDS, creds)
end
if historyCount > 0 then
  redis.call('RPUSH', CREDSH, unpack(ARGV, historyAt + 1, historyAt + historyCount))
end
-- bump adds one: the version ends at max(export's, replaced + 1, 1), as in the memory store.
m = { ver = math.max(exportVersion, oldVer + 1, 1) - 1, ttl = ttl, bytes = bytes, kbytes = kbytes, state = state,
  created = createdAt, pexp = 0 }
redis.call('HSET', META, 'state', state, 'data', data, 'ttl', ttl, 'created', createdAt, 'seq', lastSeq)
if kept and ttl <= 0 then
  -- bump sets no expiry on a session without TTL: the kept blobs must not keep their old one.
  expireAll(0)
end
if durableVersion > 0 and m.ver + 1 == exportVersion then
  SYNC = false
end
-- A restore brings back a state that existed already: no event (a reader learns of a lost log by the
-- events-lost marker). An import through the API is a change like a PUT.
if durableVersion > 0 then
  EVENT = false
elseif created then
  EVENT = 'created'
end
bump(m, now, false)
return { 'OK', created and 1 or 0, 1, sessionFields(), redis.call('GET', CREDS) }
