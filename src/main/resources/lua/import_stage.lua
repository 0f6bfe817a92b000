-- import_stage: ARGV stagingId, type, then keyId, value pairs (a bounded batch: the caller splits a
-- large import into many calls, so no single call holds Redis for long). Writes them into the staging
-- hash of that type, which no reader sees, until import.lua renames it in (or import_unstage.lua drops
-- it). Replies OK, the bytes of the pairs, and how many ids were new in the staging hash (fewer than
-- the pairs: the import named a key twice).
local key = stageKey(ARGV[1], ARGV[2])
local bytes, added = 0, 0
for i = 3, #ARGV do
  bytes = bytes + #ARGV[i]
end
for a = 3, #ARGV, UNPACK_CHUNK do
  added = added + redis.call('HSET', key, unpack(ARGV, a, math.min(a + UNPACK_CHUNK - 1, #ARGV)))
end
redis.call('PEXPIRE', key, STAGE_MS)
return { 'OK', bytes, added }
