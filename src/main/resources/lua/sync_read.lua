-- sync_read: what the PostgreSQL sync writes for one session, read in one step (so every part is of one
-- version). ARGV now, pgCreated (the created_at PostgreSQL holds; '' when it has no row), full ('1'),
-- allKeys ('1'), fromSeq (the lowest message seq to copy; 0 = none), blobs ('1'), history ('1'), then type,
-- keyId pairs.
-- Replies E NOT_FOUND when the session is gone; else OK, mode, session fields, creds, keys, messages,
-- lowest seq of the window (0 when empty), blobs:
--   mode 'F' (full: asked for, or PostgreSQL has no row or another incarnation): keys {type, {keyId,
--   value, ...}, ...} of every type, every message, the blobs;
--   mode 'I': keys as above when allKeys, else {type, keyId, value or false, ...} for the named pairs;
--   messages from fromSeq on (none when 0); blobs when asked, else false.
-- blobs: {name, generation, size, chunks, ...}; then the creds history entries when full or asked, else false.
local now, pgCreated = tonumber(ARGV[1]), ARGV[2]
local full, allKeys, fromSeq, wantBlobs = ARGV[3] == '1', ARGV[4] == '1', tonumber(ARGV[5]), ARGV[6] == '1'
local wantHistory = ARGV[7] == '1'
local m, err = open(now, -1)
if err then
  return err
end
if pgCreated == '' or tonumber(pgCreated) ~= m.created then
  full = true
end
local function allKeyValues()
  local out = {}
  for _, t in ipairs(types()) do
    out[#out + 1] = t
    out[#out + 1] = redis.call('HGETALL', keysKey(t))
  end
  return out
end
local first = redis.call('LINDEX', MSGS, 0)
local lowest = first and seqOf(first) or 0
if full then
  return { 'OK', 'F', sessionFields(), redis.call('GET', CREDS), allKeyValues(), redis.call('LRANGE', MSGS, 0, -1),
    lowest, blobList(), redis.call('LRANGE', CREDSH, 0, -1) }
end
local keys
if allKeys then
  keys = allKeyValues()
else
  keys = {}
  for i = 8, #ARGV, 2 do
    keys[#keys + 1] = ARGV[i]
    keys[#keys + 1] = ARGV[i + 1]
    keys[#keys + 1] = redis.call('HGET', keysKey(ARGV[i]), ARGV[i + 1])
  end
end
local msgs = {}
if fromSeq > 0 and lowest > 0 then
  local len = redis.call('LLEN', MSGS)
  if seqOf(redis.call('LINDEX', MSGS, -1)) - lowest + 1 == len then
    -- appends number consecutively: fromSeq's index is known without a search
    msgs = redis.call('LRANGE', MSGS, math.max(fromSeq - lowest, 0), -1)
  else
    for _, json in ipairs(redis.call('LRANGE', MSGS, 0, -1)) do
      if seqOf(json) >= fromSeq then
        msgs[#msgs + 1] = json
      end
    end
  end
end
return { 'OK', 'I', sessionFields(), redis.call('GET', CREDS), keys, msgs, lowest, wantBlobs and blobList() or false,
  wantHistory and redis.call('LRANGE', CREDSH, 0, -1) or false }
