-- blob_read: ARGV now, name, generation, index. Replies OK and the chunk's bytes, or BLOB_REPLACED
-- when the blob no longer is that generation (replaced or deleted while a reader streamed it).
local m, err = open(tonumber(ARGV[1]), -1)
if err then
  return err
end
if redis.call('HGET', blobKey(ARGV[2]), 'gen') ~= ARGV[3] then
  return { 'E', 'BLOB_REPLACED' }
end
local data = redis.call('GET', chunkKey(ARGV[3], ARGV[4]))
if not data then
  return { 'E', 'BLOB_REPLACED' }
end
return { 'OK', data }
