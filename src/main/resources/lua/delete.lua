-- delete: ARGV now, ifMatch. Removes every key of the session.
local now, ifMatch = tonumber(ARGV[1]), ARGV[2]
local m, err = open(now, ifMatch)
if err then
  return err
end
recordDelete()
recordEvent('deleted', m.ver, now)
wipe()
return { 'OK' }
