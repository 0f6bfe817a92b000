-- once_forget: ARGV idempotency key, request digest. Drops the outcome an append or transition
-- recorded under the key (see once.lua) when it is the one of that request: its write was undone.
local v = redis.call('GET', B .. ':once:' .. ARGV[1])
if v and string.sub(v, 1, #ARGV[2] + 1) == ARGV[2] .. '\n' then
  redis.call('DEL', B .. ':once:' .. ARGV[1])
end
return { 'OK' }
