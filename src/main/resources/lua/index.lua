-- index: the per-tenant indexes, one call per step; KEYS[1] is <prefix>{tenant}, a different slot from
-- the session's keys, which is why it is a second step (see docs/decisions.md). ARGV op, id, expires,
-- maxSessions. Ops: 'reserve' (add unless the tenant is full: replies 0), 'add', 'del'. Idempotent.
local IDS, EXP = KEYS[1] .. ':ids', KEYS[1] .. ':expiry'
local op, id, expires, maxSessions = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if op == 'del' then
  redis.call('ZREM', IDS, id)
  redis.call('ZREM', EXP, id)
  return 1
end
if op == 'reserve' and maxSessions > 0 and not redis.call('ZSCORE', IDS, id) then
  if redis.call('ZCARD', IDS) >= maxSessions then
    return 0
  end
end
redis.call('ZADD', IDS, 'NX', 0, id)
if expires > 0 then
  redis.call('ZADD', EXP, 'LT', expires, id)
end
return 1
