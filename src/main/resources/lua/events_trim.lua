-- events_trim: the change event log's age bound, kept by the sweeper every EXPIRY_SWEEP_INTERVAL_MS
-- (a write keeps only the length bound, recordEvent in common.lua). KEYS[1] the tenant's event stream;
-- ARGV[1] the oldest time to keep, in ms (now - EVENTS_MAX_AGE_SECONDS). Drops whole stream nodes of
-- older entries (XTRIM MINID ~, as the writes trimmed before) but never the newest entry: readers tell a
-- log that was reset by its last entry (events_read.lua). When it drops entries it writes the first id
-- left to <stream>:floor, as recordEvent does, so a reader resuming from before it gets events-lost.
-- Replies how many entries it dropped.
local stream = KEYS[1]
local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
if #newest == 0 then
  return 0
end
local cutoff = tonumber(ARGV[1])
local minid = cutoff .. '-0'
local newestMs = tonumber(string.match(newest[1][1], '^(%d+)-'))
if newestMs < cutoff then
  minid = newest[1][1]
end
local dropped = redis.call('XTRIM', stream, 'MINID', '~', minid)
if dropped > 0 then
  redis.call('SET', stream .. ':floor', redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1])
end
return dropped
