-- transition: ARGV now, ifMatch, target state, legal source states (' a b ').
local now, ifMatch, to, sources = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local m, err = open(now, ifMatch)
if err then
  return err
end
if m.state == to then
  return statusReply(m) -- staying in place succeeds and changes nothing, not even the version
end
if not allowed(m.state, sources) then
  return { 'E', 'ILLEGAL_TRANSITION', m.state }
end
m.state = to
redis.call('HSET', META, 'state', to)
bump(m, now, false, nil, DOC)
return statusReply(m)
