-- get: KEYS[1] the session's base key, ARGV now. The session document and its creds, or NOT_FOUND
-- (detail 1 when it expired). Self-contained, without common.lua, and one HMGET: GET is the hottest
-- path, and every line a script runs costs Redis time on every call.
local META, CREDS = KEYS[1] .. ':meta', KEYS[1] .. ':creds'
local f = redis.call('HMGET', META, 'ver', 'state', 'data', 'created', 'updated', 'activity', 'ttl', 'expires')
if not f[1] then
  return { 'E', 'NOT_FOUND', 0 }
end
local expires = tonumber(f[8])
if expires > 0 and expires <= tonumber(ARGV[1]) then
  return { 'E', 'NOT_FOUND', 1 }
end
return { 'OK', f, redis.call('GET', CREDS) }
