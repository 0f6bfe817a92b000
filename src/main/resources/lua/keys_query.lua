-- keys_query: ARGV now, type, ids... Replies OK and the values in the order asked (nil when absent).
local now, t = tonumber(ARGV[1]), ARGV[2]
local m = loadMeta(now)
if not m then
  return { 'E', 'NOT_FOUND' }
end
local key, values, chunk = keysKey(t), {}, {}
local function flush()
  local got = redis.call('HMGET', key, unpack(chunk))
  for i = 1, #chunk do
    values[#values + 1] = got[i]
  end
  chunk = {}
end
for i = 3, #ARGV do
  chunk[#chunk + 1] = ARGV[i]
  if #chunk == UNPACK_CHUNK then
    flush()
  end
end
if #chunk > 0 then
  flush()
end
return { 'OK', values }
