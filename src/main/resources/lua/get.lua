-- get: ARGV now. The session document and its creds, or NOT_FOUND.
local now = tonumber(ARGV[1])
local m, expired = loadMeta(now)
if not m then
  return { 'E', 'NOT_FOUND', expired and 1 or 0 }
end
return { 'OK', sessionFields(), redis.call('GET', CREDS) }
