-- keys_write: ARGV now, ifMatch, maxBytes, then one group per type: type, s (ids set), d (ids deleted),
-- the s + d ids (set ones first), then the s pairs keyId, value. Every call below takes a contiguous
-- run of ARGV (unpack(ARGV, from, to)), so the script copies no argument into a table of its own: with
-- 100 keys of ~130 bytes, building such tables cost more than the HSET itself.
-- Under a byte limit, sizes are checked before anything is written, so a refused batch changes
-- nothing; without one the keys are not counted at all (see countKeys). The change entry names every
-- (type, keyId) the batch wrote or deleted.
local now, ifMatch, maxBytes = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local m, err = open(now, ifMatch)
if err then
  return err
end

-- cmd key ARGV[from..to], in calls of at most UNPACK_CHUNK arguments (even, so pairs stay whole);
-- each(from, reply) sees every reply with the ARGV index of its first argument.
local function chunked(cmd, key, from, to, each)
  for a = from, to, UNPACK_CHUNK do
    local reply = redis.call(cmd, key, unpack(ARGV, a, math.min(a + UNPACK_CHUNK - 1, to)))
    if each then
      each(a, reply)
    end
  end
end

-- groups[g] = { type, first id, last id, first deleted id, first pair, last pair }
local groups, delta, pos = {}, 0, 4
while pos <= #ARGV do
  local s, d = tonumber(ARGV[pos + 1]), tonumber(ARGV[pos + 2])
  local ids = pos + 3
  local firstPair = ids + s + d
  local g = { ARGV[pos], ids, firstPair - 1, ids + s, firstPair, firstPair + 2 * s - 1 }
  groups[#groups + 1] = g
  pos = g[6] + 1
end

if maxBytes > 0 then
  countKeys(m, maxBytes)
  -- The new pairs' sizes less the old values' (one HMGET per chunk of ids: one call costs less inside
  -- the script than an HSTRLEN per id), then the size check, before anything is written.
  for _, g in ipairs(groups) do
    for i = g[5], g[6] do
      delta = delta + #ARGV[i]
    end
    chunked('HMGET', keysKey(g[1]), g[2], g[3], function(from, old)
      for j = 1, #old do
        if old[j] then
          delta = delta - #ARGV[from + j - 1] - #old[j]
        end
      end
    end)
  end
  err = tooLarge(m.bytes + delta, m.bytes, maxBytes)
  if err then
    return err
  end
elseif m.kbytes >= 0 then
  m.bytes = m.bytes - m.kbytes
  m.kbytes = -1
end
-- The types set changes only when a type may appear (a set) or disappear (a delete that empties it).
local named = {}
local fresh = { TYPES }
for _, g in ipairs(groups) do
  local t, key = g[1], keysKey(g[1])
  if g[6] >= g[5] then
    chunked('HSET', key, g[5], g[6], nil)
  end
  if g[3] >= g[4] then
    chunked('HDEL', key, g[4], g[3], nil)
  end
  if g[6] >= g[5] then
    redis.call('SADD', TYPES, t)
  elseif redis.call('HLEN', key) == 0 then
    redis.call('SREM', TYPES, t)
  end
  fresh[#fresh + 1] = key
  if SYNC then
    for i = g[2], g[3] do
      named[#named + 1] = t
      named[#named + 1] = ARGV[i]
    end
  end
end
if m.kbytes >= 0 then
  m.bytes = m.bytes + delta
  m.kbytes = m.kbytes + delta
end
-- The key ids are encoded for the change entry only when sync records changes.
bump(m, now, false, fresh, SYNC and { p = 'k', k = cjson.encode(named) } or nil)
return { 'OK', m.ver }
