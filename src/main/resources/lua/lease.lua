-- lease: ARGV now, holder, ttlMs, fence ('' = none). Grants the session's lease to holder, or renews it
-- when holder already holds it (a renewal naming a fence must name the live lease's token: FENCED
-- otherwise). Replies OK, granted (1: a new token, 0: renewed), token, expires, and the holder whose
-- lease lapsed and was taken over by this grant ('' when none) with its token; LEASE_HELD, holder,
-- expires when another holder's lease is live.
local now, holder, ttl, fence = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4]
local l = redis.call('HMGET', LEASE, 'holder', 'expires', 'token')
local live = l[1] and tonumber(l[2]) > now
local expires = now + ttl
if live and l[1] ~= holder then
  return { 'E', 'LEASE_HELD', l[1], tonumber(l[2]) }
end
if fence ~= '' and not (live and tonumber(l[3]) == tonumber(fence)) then
  return { 'E', 'FENCED', fence, live and l[3] or 0, live and l[1] or '' }
end
if live then
  redis.call('HSET', LEASE, 'expires', expires)
  redis.call('PEXPIREAT', LEASE, expires + GRACE_MS)
  indexLease(expires)
  return { 'OK', 0, tonumber(l[3]), expires, '', 0 }
end
-- A new token: above the last one, and never below the clock, so tokens keep rising after the hash
-- itself is gone (expired, flushed, or the session moved to another Redis by export and import).
local token = math.max((tonumber(l[3]) or 0) + 1, now)
redis.call('HSET', LEASE, 'holder', holder, 'expires', expires, 'token', token, 'granted', now)
redis.call('PEXPIREAT', LEASE, expires + GRACE_MS)
indexLease(expires)
if l[1] then
  leaseEvent('lease-lost', l[1], tonumber(l[3]), now)
end
leaseEvent('lease-acquired', holder, token, now)
return { 'OK', 1, token, expires, l[1] or '', tonumber(l[3]) or 0 }
