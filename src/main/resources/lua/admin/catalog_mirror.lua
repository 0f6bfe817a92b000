-- Copies a change PostgreSQL committed into the Redis catalog. KEYS[1] = <prefix>{admin};
-- ARGV[1] = PostgreSQL's catalog version after the change, ARGV[2] = 'change' or 'all', then pairs of
-- tenant id and document. ':durable' is the PostgreSQL version Redis reflects in full.
-- 'change' applies when Redis holds the version just before (returns 1), is a no-op when Redis is
-- at or past it already (1), and refuses when a change in between is missing (-1: copy 'all').
-- 'all' replaces the whole catalog unless Redis already reflects a newer version (0).
local base = KEYS[1]
local durable = tonumber(redis.call('GET', base .. ':durable') or '0')
local v = tonumber(ARGV[1])
if ARGV[2] == 'all' then
  if durable > v then
    return 0
  end
  redis.call('DEL', base .. ':tenants')
else
  if durable >= v then
    return 1
  end
  if durable ~= v - 1 then
    return -1
  end
end
for i = 3, #ARGV, 2 do
  redis.call('HSET', base .. ':tenants', ARGV[i], ARGV[i + 1])
end
redis.call('SET', base .. ':durable', v)
redis.call('INCR', base .. ':version')
return 1
