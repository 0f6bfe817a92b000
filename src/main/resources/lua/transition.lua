-- transition: ARGV now, ifMatch, target state, legal source states (' a b '), idempotency key ('' for
-- none), request digest, record TTL in seconds (see once.lua).
local now, ifMatch, to, sources = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local replay = onceReplay(ARGV[5], ARGV[6])
if replay then
  return replay
end
local m, err = open(now, ifMatch)
if err then
  return err
end
if m.state == to then
  return onceRecord(ARGV[7], statusReply(m)) -- staying in place succeeds and changes nothing, not even the version
end
if not allowed(m.state, sources) then
  return { 'E', 'ILLEGAL_TRANSITION', m.state }
end
m.state = to
redis.call('HSET', META, 'state', to)
EVENT = 'state-changed'
bump(m, now, false, nil, DOC)
return onceRecord(ARGV[7], statusReply(m))
