-- creds: ARGV now, ifMatch, creds JSON ('null' clears), maxBytes, history kept (CREDS_HISTORY).
local now, ifMatch, creds, maxBytes, keep = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local m, err = open(now, ifMatch)
if err then
  return err
end
countKeys(m, maxBytes)
local newLen = (creds == 'null') and 0 or #creds
local hdelta = historyDelta(creds ~= 'null' and #creds or nil, keep)
local bytes = m.bytes - redis.call('STRLEN', CREDS) + newLen + hdelta
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
m.bytes = bytes
EVENT = 'creds-changed'
if creds == 'null' then
  redis.call('DEL', CREDS)
else
  redis.call('SET', CREDS, creds)
end
pushHistory(m.ver + 1, now, creds ~= 'null' and creds, keep)
bump(m, now, false, { CREDS, CREDSH }, HISTORY)
return { 'OK', m.ver }
