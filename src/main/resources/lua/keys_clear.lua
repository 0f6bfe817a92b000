-- keys_clear: ARGV now, ifMatch. Deletes every key of every type.
local now, ifMatch = tonumber(ARGV[1]), ARGV[2]
local m, err = open(now, ifMatch)
if err then
  return err
end
for _, t in ipairs(types()) do
  redis.call('UNLINK', keysKey(t))
end
redis.call('DEL', TYPES)
if m.kbytes > 0 then
  m.bytes = m.bytes - m.kbytes -- (-1: the keys were not counted in bytes)
end
m.kbytes = 0
bump(m, now, false, nil, { p = 'K' })
return { 'OK', m.ver }
