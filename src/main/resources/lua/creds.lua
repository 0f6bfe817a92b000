-- creds: ARGV now, ifMatch, creds JSON ('null' clears), maxBytes.
local now, ifMatch, creds, maxBytes = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local m, err = open(now, ifMatch)
if err then
  return err
end
countKeys(m, maxBytes)
local newLen = (creds == 'null') and 0 or #creds
local bytes = m.bytes - redis.call('STRLEN', CREDS) + newLen
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
m.bytes = bytes
if creds == 'null' then
  redis.call('DEL', CREDS)
else
  redis.call('SET', CREDS, creds)
end
bump(m, now, false, { CREDS }, DOC)
return { 'OK', m.ver }
