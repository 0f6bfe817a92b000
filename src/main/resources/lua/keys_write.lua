-- keys_write: ARGV now, ifMatch, maxBytes, then groups of four: op ('S' set, 'D' delete), type, keyId, value.
-- Sizes are checked before anything is written, so a refused batch changes nothing.
local now, ifMatch, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local m = loadMeta(now)
local err = check(m, ifMatch, false)
if err then
  return err
end
local delta, touched = 0, {}
for i = 4, #ARGV, 4 do
  local op, t, id, v = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local old = redis.call('HSTRLEN', keysKey(t), id)
  if old > 0 then
    delta = delta - #id - old
  end
  if op == 'S' then
    delta = delta + #id + #v
  end
  touched[t] = true
end
err = tooLarge(m.bytes + delta, m.bytes, maxBytes)
if err then
  return err
end
for i = 4, #ARGV, 4 do
  if ARGV[i] == 'S' then
    redis.call('HSET', keysKey(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3])
  else
    redis.call('HDEL', keysKey(ARGV[i + 1]), ARGV[i + 2])
  end
end
for t in pairs(touched) do
  if redis.call('EXISTS', keysKey(t)) == 1 then
    redis.call('SADD', TYPES, t)
  else
    redis.call('SREM', TYPES, t)
  end
end
m.bytes = m.bytes + delta
m.kbytes = m.kbytes + delta
bump(m, now, false)
return { 'OK', m.ver }
