-- Idempotency-Key records of the writes that are one script (append, transition), prepended to them
-- after common.lua: the script that makes the write records its reply under the key, so the write and
-- its record are one atomic step, and a repeat of the request (same key, same digest) gets the
-- recorded reply back, first element 'REPLAY', without writing anything. Only replies of writes that
-- succeeded are recorded. The record is <session base>:once:<key>, in the session's slot, holding the
-- request's digest (64 hex characters), a line feed, and the reply as JSON with every number as text.
-- (ONCE, ONCE_DIGEST: declared in common.lua, reset by bind().)

-- The recorded reply for key and digest, a KEY_REUSED error reply for another digest, or nil (no
-- record: the write may run). An empty key means the request carries none.
local function onceReplay(key, digest)
  if key == '' then
    return nil
  end
  ONCE, ONCE_DIGEST = B .. ':once:' .. key, digest
  local v = redis.call('GET', ONCE)
  if not v then
    return nil
  end
  if string.sub(v, 1, #digest + 1) ~= digest .. '\n' then
    return { 'E', 'KEY_REUSED' }
  end
  local reply = cjson.decode(string.sub(v, #digest + 2))
  reply[1] = 'REPLAY'
  return reply
end

local function onceTexts(t)
  local out = {}
  for i, v in ipairs(t) do
    if type(v) == 'number' then
      out[i] = string.format('%.0f', v)
    elseif type(v) == 'table' then
      out[i] = onceTexts(v)
    else
      out[i] = v
    end
  end
  return out
end

-- Records the reply of a write that succeeded (when the request carries a key) and returns it.
local function onceRecord(ttlSeconds, reply)
  if ONCE then
    redis.call('SET', ONCE, ONCE_DIGEST .. '\n' .. cjson.encode(onceTexts(reply)), 'EX', ttlSeconds)
  end
  return reply
end
