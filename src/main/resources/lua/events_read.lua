-- events_read: KEYS[1] the tenant's event stream; ARGV afterId ('' = none), max. Replies the stream's
-- last id ('0-0' when it holds nothing), lost (1 when events after afterId may be gone), and up to max
-- entries after afterId (from the stream's start when lost). Lost: afterId is newer than the last
-- entry (the stream was reset: Redis lost it), or older than the floor a trim left (recordEvent).
local stream, after, max = KEYS[1], ARGV[1], tonumber(ARGV[2])

local function parts(id)
  local ms, n = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(n)
end

local function before(a, b)
  local am, an = parts(a)
  local bm, bn = parts(b)
  return am < bm or (am == bm and an < bn)
end

local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
local last = '0-0'
if #newest > 0 then
  last = newest[1][1]
end
if after == '' then
  return { last, 0, {} }
end
local floor = redis.call('GET', stream .. ':floor')
local lost = before(last, after) or (floor ~= false and before(after, floor))
if lost then
  return { last, 1, redis.call('XRANGE', stream, '-', '+', 'COUNT', max) }
end
return { last, 0, redis.call('XRANGE', stream, '(' .. after, '+', 'COUNT', max) }
