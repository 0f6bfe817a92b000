-- keys_stage_commit: the last command of a large key batch's MULTI ... EXEC (see keys_stage_open.lua):
-- ARGV now, stagingId, named (the change entry's JSON array of type, keyId, ... as keys_write.lua records
-- it; read only with sync on), typeCount, then typeCount pairs of type, '1' when the batch sets keys of
-- it ('0': deletes only). When keys_stage_open.lua let the batch through, moves the staged hashes back
-- (RENAME, O(1)), keeps the types set, and bumps the session as keys_write.lua does (version, byte
-- counts, expiry, change entry, event). Otherwise drops what the transaction staged and changes nothing.
local now, stagingId, named, typeCount = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local marker = redis.call('GET', stageMarker(stagingId))
if not marker then
  for g = 0, typeCount - 1 do
    redis.call('UNLINK', stageKey(stagingId, ARGV[5 + 2 * g]))
  end
  return { 'E', 'INVALID', 'the key batch was refused' }
end
redis.call('DEL', stageMarker(stagingId))
-- The session is there: keys_stage_open.lua found it earlier in this transaction.
local m = open(now, '-1')
local bytes, kbytes = string.match(marker, '^(-?%d+) (-?%d+)$')
m.bytes, m.kbytes = tonumber(bytes), tonumber(kbytes)
local fresh = { TYPES }
for g = 0, typeCount - 1 do
  local t, sets = ARGV[5 + 2 * g], ARGV[6 + 2 * g] == '1'
  local staged, key = stageKey(stagingId, t), keysKey(t)
  if redis.call('EXISTS', staged) == 1 then
    redis.call('RENAME', staged, key)
    -- The staging hash's own expiry goes; bump gives the session's (fresh).
    redis.call('PERSIST', key)
  end
  if sets then
    redis.call('SADD', TYPES, t)
  elseif redis.call('HLEN', key) == 0 then
    redis.call('SREM', TYPES, t)
  end
  fresh[#fresh + 1] = key
end
bump(m, now, false, fresh, SYNC and { p = 'k', k = named } or nil)
return { 'OK', m.ver }
