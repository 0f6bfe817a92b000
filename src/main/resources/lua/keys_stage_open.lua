-- keys_stage_open: the first command of a large key batch's MULTI ... EXEC (RedisSessionStore
-- writeKeysStaged): ARGV now, ifMatch, maxBytes, stagingId, setBytes (the bytes of the pairs set: ids and
-- values), typeCount, then typeCount groups of type, s (ids set), d (ids deleted); then, under a byte
-- limit only, each group's s + d ids (set ones first). No value reaches the script: the transaction's plain
-- HSET and HDEL commands that follow write them, so Redis never turns megabytes into Lua strings.
-- Checks the batch as keys_write.lua does. A batch that may be written: each named type's hash moves to
-- its staging name (RENAME, O(1)), where those commands apply the batch, and a marker keeps the session's
-- byte counts after it for keys_stage_commit.lua, which moves the hashes back and records the change.
-- A refused batch moves nothing and leaves no marker: the commands that follow write staging hashes of
-- their own, which keys_stage_commit.lua drops. The transaction runs as one, so no reader sees a step.
local now, ifMatch, maxBytes, stagingId = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4]
local setBytes, typeCount = tonumber(ARGV[5]), tonumber(ARGV[6])
local m, err = open(now, ifMatch)
if err then
  return err
end
local delta = 0
if maxBytes > 0 then
  countKeys(m, maxBytes)
  -- The new pairs' sizes less the old values' (HSTRLEN: the old values never become Lua strings).
  delta = setBytes
  local pos = 7 + 3 * typeCount
  for g = 0, typeCount - 1 do
    local key = keysKey(ARGV[7 + 3 * g])
    local last = pos + tonumber(ARGV[8 + 3 * g]) + tonumber(ARGV[9 + 3 * g]) - 1
    for i = pos, last do
      local old = redis.call('HSTRLEN', key, ARGV[i])
      if old > 0 then
        delta = delta - #ARGV[i] - old
      end
    end
    pos = last + 1
  end
  err = tooLarge(m.bytes + delta, m.bytes, maxBytes)
  if err then
    return err
  end
elseif m.kbytes >= 0 then
  m.bytes = m.bytes - m.kbytes
  m.kbytes = -1
end
if m.kbytes >= 0 then
  m.bytes = m.bytes + delta
  m.kbytes = m.kbytes + delta
end
for g = 0, typeCount - 1 do
  local t = ARGV[7 + 3 * g]
  if redis.call('EXISTS', keysKey(t)) == 1 then
    redis.call('RENAME', keysKey(t), stageKey(stagingId, t))
  end
end
redis.call('SET', stageMarker(stagingId), string.format('%d %d', m.bytes, m.kbytes), 'PX', STAGE_MS)
return { 'OK' }
