-- put: ARGV now, ifMatch, mustExist, data, credsGiven, creds, state ('' = keep), ttl ('' = keep),
-- defaultTtl, maxBytes, legal source states for the state ('*' = any), creds history kept.
-- Replies OK, created, expiryMovedEarlier, session fields without data (nil in its place: the caller
-- has it, it is what it sent), creds unless given (nil then: the caller has them too); or ABSENT when
-- mustExist and there is no session (the caller then reserves a place in the tenant's index and calls
-- again). Nothing is read back: every field of the reply is in m.
local now, ifMatch, mustExist = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
local data, credsGiven, creds, state, ttl = ARGV[4], ARGV[5] == '1', ARGV[6], ARGV[7], ARGV[8]
local defaultTtl, maxBytes, sources, keep = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11], tonumber(ARGV[12])
local m, err, expired = open(now, ifMatch, true)
if err then
  return err
end
local created = m == nil
if created and mustExist then
  return { 'E', 'ABSENT' }
end
local oldExpires, oldData, oldCreds = 0, 0, 0
if created then
  m = { ver = 0, ttl = defaultTtl, bytes = 0, kbytes = 0, state = 'unregistered', created = now, seq = 0, pexp = 0 }
else
  countKeys(m, maxBytes)
  oldExpires = m.expires
  oldData = redis.call('HSTRLEN', META, 'data')
  oldCreds = redis.call('STRLEN', CREDS)
  if state ~= '' and not allowed(m.state, sources) then
    return { 'E', 'ILLEGAL_TRANSITION', m.state }
  end
end
local newCreds, hdelta = oldCreds, 0
local kept = credsGiven and creds ~= 'null' and creds
if credsGiven then
  newCreds = (creds == 'null') and 0 or #creds
  if created then
    -- a new session starts a history of its own (wipe drops what an expired one left)
    hdelta = (kept and keep > 0) and #creds or 0
  else
    hdelta = historyDelta(kept and #creds or nil, keep)
  end
end
local bytes = m.bytes - oldData - oldCreds + #data + newCreds + hdelta
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
if created then
  if expired then
    recordGone('expired', now)
  end
  wipe()
  redis.call('HSET', META, 'created', now, 'seq', 0)
  EVENT = 'created'
end
if state ~= '' then
  m.state = state
end
if ttl ~= '' then
  m.ttl = tonumber(ttl)
end
m.bytes = bytes
redis.call('HSET', META, 'state', m.state, 'data', data, 'ttl', m.ttl)
if credsGiven then
  if creds == 'null' then
    redis.call('DEL', CREDS)
  else
    redis.call('SET', CREDS, creds)
  end
  pushHistory(m.ver + 1, now, kept, keep)
end
-- Only keys a write SET or created lack the Redis expiry the session's other keys already have: the
-- creds and their history when given.
bump(m, now, false, credsGiven and { CREDS, CREDSH } or {}, credsGiven and HISTORY or DOC)
local earlier = (m.expires > 0 and (oldExpires == 0 or m.expires < oldExpires)) and 1 or 0
return { 'OK', created and 1 or 0, earlier, { m.ver, m.state, false, m.created, m.updated, m.activity, m.ttl, m.expires },
  (not credsGiven) and redis.call('GET', CREDS) or false }
