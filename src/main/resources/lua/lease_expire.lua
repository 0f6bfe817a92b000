-- lease_expire: ARGV now. The sweeper's step for a session in its tenant's lease index: a lease that lapsed
-- with nobody taking it over ends here, recording its lease-lost (the token is kept for the next grant,
-- as a release keeps it); replies 1. A live lease is indexed again at its expiry (0); no lease, -1.
local now = tonumber(ARGV[1])
local l = redis.call('HMGET', LEASE, 'holder', 'expires', 'token')
if not l[1] then
  indexLease(false)
  return -1
end
if tonumber(l[2]) > now then
  indexLease(tonumber(l[2]))
  return 0
end
redis.call('HDEL', LEASE, 'holder', 'granted')
indexLease(false)
leaseEvent('lease-lost', l[1], tonumber(l[3]), now)
return 1
