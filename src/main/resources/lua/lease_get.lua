-- lease_get: ARGV now. Replies OK, holder ('' when no lease is live), token, expires, granted.
local now = tonumber(ARGV[1])
local l = redis.call('HMGET', LEASE, 'holder', 'expires', 'token', 'granted')
if l[1] and tonumber(l[2]) > now then
  return { 'OK', l[1], tonumber(l[3]), tonumber(l[2]), tonumber(l[4]) or 0 }
end
return { 'OK', '', 0, 0, 0 }
