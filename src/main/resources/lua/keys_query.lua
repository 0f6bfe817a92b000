-- keys_query: ARGV now, type, ids... Replies OK and the values in the order asked (nil when absent).
-- The ids go to HMGET straight from ARGV (unpack of a run of it), in calls of at most UNPACK_CHUNK.
local now, t = tonumber(ARGV[1]), ARGV[2]
local m, err = open(now, -1)
if err then
  return err
end
local key = keysKey(t)
if #ARGV - 2 <= UNPACK_CHUNK then
  return { 'OK', redis.call('HMGET', key, unpack(ARGV, 3, #ARGV)) }
end
local values = {}
for a = 3, #ARGV, UNPACK_CHUNK do
  local got = redis.call('HMGET', key, unpack(ARGV, a, math.min(a + UNPACK_CHUNK - 1, #ARGV)))
  for i = 1, #got do
    values[#values + 1] = got[i]
  end
end
return { 'OK', values }
