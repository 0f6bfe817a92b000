-- export: ARGV now. Replies OK, session fields, creds, {type, {keyId, value, ...}, ...}, messages,
-- creds history entries (newest first).
local m, err = open(tonumber(ARGV[1]), -1)
if err then
  return err
end
local keys = {}
for _, t in ipairs(types()) do
  keys[#keys + 1] = t
  keys[#keys + 1] = redis.call('HGETALL', keysKey(t))
end
return { 'OK', sessionFields(), redis.call('GET', CREDS), keys, redis.call('LRANGE', MSGS, 0, -1),
  redis.call('LRANGE', CREDSH, 0, -1) }
