-- creds_rollback: ARGV now, ifMatch, version, maxBytes, history kept. Makes the creds kept in the history
-- at that version the current creds again, byte for byte: a creds write like any other (version + 1,
-- a new history entry). NO_SUCH_CREDS and the versions kept when the history has no such version.
local now, ifMatch, wanted, maxBytes, keep = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local m, err = open(now, ifMatch)
if err then
  return err
end
local creds
local versions = {}
for _, e in ipairs(redis.call('LRANGE', CREDSH, 0, -1)) do
  local v = string.sub(e, 1, string.find(e, ' ', 1, true) - 1)
  versions[#versions + 1] = v
  if v == wanted and not creds then
    creds = string.sub(e, string.find(e, ' ', #v + 2, true) + 1)
  end
end
if not creds then
  return { 'E', 'NO_SUCH_CREDS', wanted, table.concat(versions, ',') }
end
countKeys(m, maxBytes)
local bytes = m.bytes - redis.call('STRLEN', CREDS) + #creds + historyDelta(#creds, keep)
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
m.bytes = bytes
redis.call('SET', CREDS, creds)
pushHistory(m.ver + 1, now, creds, keep)
EVENT = 'creds-changed'
bump(m, now, false, { CREDS, CREDSH }, HISTORY)
return { 'OK', m.ver }
