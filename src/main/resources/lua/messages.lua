-- messages: ARGV now, beforeSeq (0 = none), limit. Replies OK, the newest matching messages oldest
-- first, and the seq to page on (0 when nothing older remains).
local now, before, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local m, err = open(now, -1)
if err then
  return err
end
local len = redis.call('LLEN', MSGS)
if len == 0 then
  return { 'OK', {}, 0 }
end
local firstSeq = seqOf(redis.call('LINDEX', MSGS, 0))
local lastSeq = seqOf(redis.call('LINDEX', MSGS, -1))
if lastSeq - firstSeq == len - 1 then
  -- Appended windows are numbered without gaps: index = seq - firstSeq.
  local hi = len - 1
  if before > 0 then
    hi = math.min(hi, before - 1 - firstSeq)
  end
  if hi < 0 then
    return { 'OK', {}, 0 }
  end
  local lo = math.max(0, hi - limit + 1)
  local nextBefore = 0
  if lo > 0 then
    nextBefore = firstSeq + lo
  end
  return { 'OK', redis.call('LRANGE', MSGS, lo, hi), nextBefore }
end
-- An imported window may have gaps: filter it whole.
local all, picked = redis.call('LRANGE', MSGS, 0, -1), {}
local hi = 0
for i = 1, #all do
  if before == 0 or seqOf(all[i]) < before then
    hi = i
  end
end
local lo = math.max(1, hi - limit + 1)
for i = lo, hi do
  picked[#picked + 1] = all[i]
end
local nextBefore = 0
if lo > 1 and hi > 0 then
  nextBefore = seqOf(all[lo])
end
return { 'OK', picked, nextBefore }
