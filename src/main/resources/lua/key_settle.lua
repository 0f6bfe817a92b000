-- key_settle: KEYS[1] the claim (see key_claim.lua); ARGV digest, answer, ttlSeconds.
-- Records the answer of the request that holds the claim; a claim that lapsed or was taken by
-- another request is left alone.
local v = redis.call('HMGET', KEYS[1], 'd', 'a')
if v[1] == ARGV[1] and not v[2] then
  redis.call('HSET', KEYS[1], 'a', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
