-- append: ARGV now, ifMatch, maxBytes, maxMessages, idempotency key ('' for none), request digest,
-- record TTL in seconds (see once.lua), then each message's JSON without its opening brace ('}' for an
-- empty object). Numbers the messages, appends and trims the window in one step.
local now, ifMatch, maxBytes, maxMessages = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local replay = onceReplay(ARGV[5], ARGV[6])
if replay then
  return replay
end
local m, err = open(now, ifMatch)
if err then
  return err
end
countKeys(m, maxBytes)
local seq, stored, added = m.seq, {}, 0
local first = seq + 1
for i = 8, #ARGV do
  seq = seq + 1
  local rest = ARGV[i]
  local json
  if rest == '}' then
    json = '{"seq":' .. seq .. '}'
  else
    json = '{"seq":' .. seq .. ',' .. rest
  end
  stored[#stored + 1] = json
  added = added + #json
end
local len = redis.call('LLEN', MSGS)
local drop = len + #stored - maxMessages
local removed, skipNew = 0, 0
if drop > 0 then
  local dropOld = math.min(drop, len)
  if dropOld > 0 then
    for _, old in ipairs(redis.call('LRANGE', MSGS, 0, dropOld - 1)) do
      removed = removed + #old
    end
  end
  skipNew = drop - dropOld
  for i = 1, skipNew do
    removed = removed + #stored[i]
  end
end
local bytes = m.bytes + added - removed
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
pushAll(MSGS, stored, skipNew + 1)
if drop > 0 then
  redis.call('LTRIM', MSGS, -maxMessages, -1)
end
m.bytes = bytes
redis.call('HSET', META, 'seq', seq)
bump(m, now, false, { MSGS }, { p = 'm', m = first })
return onceRecord(ARGV[7], { 'OK', m.ver, first, seq, redis.call('LLEN', MSGS) })
