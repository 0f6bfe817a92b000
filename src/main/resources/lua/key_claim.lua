-- key_claim: KEYS[1] the claim <prefix>{tenant}:once:<key>; ARGV digest, pendingMs.
-- A hash: d = the digest of the request that claimed the key, a = its answer once settled.
-- Free: claims it for pendingMs. Same digest: IN_FLIGHT (with the claim's remaining ms) or DONE (with
-- the answer). Another digest: CONFLICT.
local v = redis.call('HMGET', KEYS[1], 'd', 'a')
if not v[1] then
  redis.call('HSET', KEYS[1], 'd', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 'CLAIMED' }
end
if v[1] ~= ARGV[1] then
  return { 'CONFLICT' }
end
if not v[2] then
  return { 'IN_FLIGHT', redis.call('PTTL', KEYS[1]) }
end
return { 'DONE', v[2] }
