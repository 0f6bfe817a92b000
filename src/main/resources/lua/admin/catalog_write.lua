-- A catalog change, applied only if nothing changed since it was computed (compare-and-set).
-- KEYS[1] = <prefix>{admin}; ARGV[1] = the version the change was computed from; then pairs of
-- tenant id and its new document. Returns the new version, or -1 when the catalog moved on.
local base = KEYS[1]
local version = tonumber(redis.call('GET', base .. ':version') or '0')
if version ~= tonumber(ARGV[1]) then
  return -1
end
for i = 2, #ARGV, 2 do
  redis.call('HSET', base .. ':tenants', ARGV[i], ARGV[i + 1])
end
return redis.call('INCR', base .. ':version')
