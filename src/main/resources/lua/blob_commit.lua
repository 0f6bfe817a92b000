-- blob_commit: ARGV now, ifMatch, maxBytes, name, uploadId, chunks, size. Makes the staged upload the
-- blob, dropping the old generation's chunks; a write (version, expiry, byte limit) like any other.
-- Replies OK, version, created (1 when the blob is new).
local now, ifMatch, maxBytes = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local name, upload, chunks, size = ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local m, err = open(now, ifMatch)
if err then
  return err
end
countKeys(m, maxBytes)
for i = 0, chunks - 1 do
  if redis.call('EXISTS', chunkKey(upload, i)) == 0 then
    return { 'E', 'INVALID', 'chunk ' .. i .. ' of the upload is missing' }
  end
end
local old = redis.call('HMGET', blobKey(name), 'gen', 'size', 'chunks')
local bytes = m.bytes - (tonumber(old[2]) or 0) + size
err = tooLarge(bytes, m.bytes, maxBytes)
if err then
  return err
end
if old[1] and old[1] ~= upload then
  dropChunks(old[1], tonumber(old[3]))
end
local fresh = { blobKey(name), BLOBS }
for i = 0, chunks - 1 do
  local k = chunkKey(upload, i)
  redis.call('PERSIST', k)
  fresh[#fresh + 1] = k
end
redis.call('HSET', blobKey(name), 'gen', upload, 'size', size, 'chunks', chunks)
redis.call('SADD', BLOBS, name)
m.bytes = bytes
bump(m, now, false, fresh, { p = 'b' })
return { 'OK', m.ver, old[1] and 0 or 1 }
