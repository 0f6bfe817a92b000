-- get: ARGV now. The session document and its creds, or NOT_FOUND (detail 1 when it expired).
-- One HMGET instead of loadMeta + sessionFields: GET is the hottest path.
local now = tonumber(ARGV[1])
local f = redis.call('HMGET', META, 'ver', 'state', 'data', 'created', 'updated', 'activity', 'ttl', 'expires')
if not f[1] then
  return { 'E', 'NOT_FOUND', 0 }
end
local expires = tonumber(f[8])
if expires > 0 and expires <= now then
  return { 'E', 'NOT_FOUND', 1 }
end
return { 'OK', f, redis.call('GET', CREDS) }
