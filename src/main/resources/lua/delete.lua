-- delete: ARGV now, ifMatch. Removes every key of the session.
local now, ifMatch = tonumber(ARGV[1]), tonumber(ARGV[2])
local m = loadMeta(now)
local err = check(m, ifMatch, false)
if err then
  return err
end
recordDelete()
wipe()
return { 'OK' }
