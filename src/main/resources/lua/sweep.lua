-- sweep: ARGV now. Deletes the session when it expired at now: replies 1 when this call deleted it,
-- 0 and its expiry when it is alive, -1 when it is already gone. Safe to run from many instances.
local now = tonumber(ARGV[1])
local m, _, expired = open(now, -1, true)
if expired then
  recordDelete()
  recordGone('expired', now)
  wipe()
  return { 1, 0 }
end
if m then
  return { 0, m.expires }
end
return { -1, 0 }
