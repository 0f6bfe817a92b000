-- key_release: KEYS[1] the claim (see key_claim.lua); ARGV digest.
-- Drops the claim of a request that failed without changing anything, unless it was settled.
local v = redis.call('HMGET', KEYS[1], 'd', 'a')
if v[1] == ARGV[1] and not v[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
