-- touch: ARGV now, ifMatch. Refreshes activity and expiry; replies with the status.
local now, ifMatch = tonumber(ARGV[1]), ARGV[2]
local m, err = open(now, ifMatch)
if err then
  return err
end
bump(m, now, true, nil, DOC)
return statusReply(m)
