-- export: ARGV now. Replies OK, session fields, creds, {type, {keyId, value, ...}, ...}, messages.
local m = loadMeta(tonumber(ARGV[1]))
if not m then
  return { 'E', 'NOT_FOUND' }
end
local keys = {}
for _, t in ipairs(types()) do
  keys[#keys + 1] = t
  keys[#keys + 1] = redis.call('HGETALL', keysKey(t))
end
return { 'OK', sessionFields(), redis.call('GET', CREDS), keys, redis.call('LRANGE', MSGS, 0, -1) }
