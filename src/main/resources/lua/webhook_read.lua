-- webhook_read: KEYS[1] the tenant's event stream; ARGV group, consumer, count. Replies
-- { lostAfter ('' when none), XREADGROUP's reply }. lostAfter is the group's last delivered id when a trim
-- left a floor (events:<tenant>:floor, the first id it kept) after it: events the group never read were
-- dropped. Checked and read in one step, so no trim comes between.
local stream, group = KEYS[1], ARGV[1]

local function parts(id)
  local ms, n = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(n)
end

local function before(a, b)
  local am, an = parts(a)
  local bm, bn = parts(b)
  return am < bm or (am == bm and an < bn)
end

local lost = ''
local floor = redis.call('GET', stream .. ':floor')
if floor then
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local name, last
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'last-delivered-id' then last = g[i + 1] end
    end
    if name == group and last and before(last, floor) then
      lost = last
    end
  end
end
local read = redis.call('XREADGROUP', 'GROUP', group, ARGV[2], 'COUNT', ARGV[3], 'STREAMS', stream, '>')
return { lost, read }
