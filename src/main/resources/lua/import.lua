-- import: ARGV now, ifMatch, mustExist, maxBytes, state, data, creds ('' = none), ttl, createdAt,
-- exportVersion, lastSeq, keyCount, keepBlobs ('1': keep the session's blobs), then keyCount groups of
-- type, keyId, value, then the messages.
-- Replaces the whole session, blobs too unless keepBlobs (the caller trims the window and resolves createdAt).
local now, ifMatch, mustExist, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4])
local state, data, creds, ttl = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local createdAt, exportVersion, lastSeq, keyCount = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local keepBlobs = ARGV[13] == '1'
local m = loadMeta(now)
local err = check(m, ifMatch, true)
if err then
  return err
end
local created = m == nil
if created and mustExist then
  return { 'E', 'ABSENT' }
end
local oldVer = created and 0 or m.ver
local firstMsg = 14 + keyCount * 3
local kbytes = 0
for i = 14, firstMsg - 1, 3 do
  kbytes = kbytes + #ARGV[i + 1] + #ARGV[i + 2]
end
local bytes = #data + #creds + kbytes
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
local kept = keepBlobs and not created
wipe(kept)
for i = 14, firstMsg - 1, 3 do
  redis.call('HSET', keysKey(ARGV[i]), ARGV[i + 1], ARGV[i + 2])
  redis.call('SADD', TYPES, ARGV[i])
end
local msgs = {}
for i = firstMsg, #ARGV do
  msgs[#msgs + 1] = ARGV[i]
end
pushAll(MSGS, msgs, 1)
if creds ~= '' then
  redis.call('SET', CREDS, creds)
end
-- bump adds one: the version ends at max(export's, replaced + 1, 1), as in the memory store.
m = { ver = math.max(exportVersion, oldVer + 1, 1) - 1, ttl = ttl, bytes = bytes, kbytes = kbytes, state = state,
  created = createdAt, pexp = 0 }
redis.call('HSET', META, 'state', state, 'data', data, 'ttl', ttl, 'created', createdAt, 'seq', lastSeq)
if kept and ttl <= 0 then
  -- bump sets no expiry on a session without TTL: the kept blobs must not keep their old one.
  expireAll(0)
end
bump(m, now, false)
return { 'OK', created and 1 or 0, 1, sessionFields(), redis.call('GET', CREDS) }
