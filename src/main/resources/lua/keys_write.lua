-- keys_write: ARGV now, ifMatch, maxBytes, then groups of four: op ('S' set, 'D' delete), type, keyId, value.
-- Sizes are checked before anything is written, so a refused batch changes nothing. Each type's keys
-- are read and written with a few multi-field calls (HMGET, HSET, HDEL in chunks). The change entry names every (type, keyId) the batch wrote or deleted.
local now, ifMatch, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local m = loadMeta(now)
local err = check(m, ifMatch, false)
if err then
  return err
end
local groups, order, delta = {}, {}, 0
for i = 4, #ARGV, 4 do
  local t, id = ARGV[i + 1], ARGV[i + 2]
  local g = groups[t]
  if not g then
    g = { ids = {}, sets = {}, dels = {} }
    groups[t] = g
    order[#order + 1] = t
  end
  g.ids[#g.ids + 1] = id
  if ARGV[i] == 'S' then
    g.sets[#g.sets + 1] = id
    g.sets[#g.sets + 1] = ARGV[i + 3]
    delta = delta + #id + #ARGV[i + 3]
  else
    g.dels[#g.dels + 1] = id
  end
end

-- Calls cmd on key with the items in chunks, so that unpack never exceeds Lua's stack.
local function chunked(cmd, key, items, step, each)
  for from = 1, #items, step do
    local part = {}
    for j = from, math.min(from + step - 1, #items) do
      part[#part + 1] = items[j]
    end
    local reply = redis.call(cmd, key, unpack(part))
    if each then
      each(part, reply)
    end
  end
end

-- The old values' sizes (one HMGET per chunk of ids: one call costs less inside the script than
-- an HSTRLEN per id), then the size check, before anything is written.
for _, t in ipairs(order) do
  chunked('HMGET', keysKey(t), groups[t].ids, UNPACK_CHUNK, function(ids, old)
    for j = 1, #ids do
      if old[j] then
        delta = delta - #ids[j] - #old[j]
      end
    end
  end)
end
err = tooLarge(m.bytes + delta, m.bytes, maxBytes)
if err then
  return err
end
-- The types set changes only when a type may appear (a set) or disappear (a delete that empties it).
local named = {}
for _, t in ipairs(order) do
  local g, key = groups[t], keysKey(t)
  if #g.sets > 0 then
    chunked('HSET', key, g.sets, UNPACK_CHUNK, nil)
  end
  if #g.dels > 0 then
    chunked('HDEL', key, g.dels, UNPACK_CHUNK, nil)
  end
  if #g.sets > 0 then
    redis.call('SADD', TYPES, t)
  elseif redis.call('HLEN', key) == 0 then
    redis.call('SREM', TYPES, t)
  end
  if SYNC then
    for _, id in ipairs(g.ids) do
      named[#named + 1] = t
      named[#named + 1] = id
    end
  end
end
m.bytes = m.bytes + delta
m.kbytes = m.kbytes + delta
local fresh = { TYPES }
for _, t in ipairs(order) do
  fresh[#fresh + 1] = keysKey(t)
end
-- The key ids are encoded for the change entry only when sync records changes.
bump(m, now, false, fresh, SYNC and { p = 'k', k = cjson.encode(named) } or nil)
return { 'OK', m.ver }
