-- patch: ARGV now, expected version, new data, maxBytes. Writes data merged by the caller from the
-- version it read; VERSION_MISMATCH tells the caller to read again.
local now, expected, data, maxBytes = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local m, err = open(now, expected)
if err then
  return err
end
countKeys(m, maxBytes)
local bytes = m.bytes - redis.call('HSTRLEN', META, 'data') + #data
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
m.bytes = bytes
redis.call('HSET', META, 'data', data)
bump(m, now, false, nil, DOC)
return { 'OK', 0, 0, sessionFields(), redis.call('GET', CREDS) }
