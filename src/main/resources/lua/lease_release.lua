-- lease_release: ARGV now, token. Ends the live lease with that token (the token is kept for the next
-- grant); FENCED when no live lease has it. Replies OK and the holder that released it.
local now, token = tonumber(ARGV[1]), ARGV[2]
local l = redis.call('HMGET', LEASE, 'holder', 'expires', 'token')
local live = l[1] and tonumber(l[2]) > now
if not (live and tonumber(l[3]) == tonumber(token)) then
  return { 'E', 'FENCED', token, live and l[3] or 0, live and l[1] or '' }
end
redis.call('HDEL', LEASE, 'holder', 'granted')
redis.call('HSET', LEASE, 'expires', 0)
redis.call('PEXPIREAT', LEASE, now + GRACE_MS)
indexLease(false)
leaseEvent('lease-lost', l[1], tonumber(l[3]), now)
return { 'OK', l[1] }
