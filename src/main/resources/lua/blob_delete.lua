-- blob_delete: ARGV now, ifMatch, name. Replies OK and the new version.
local now, ifMatch, name = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local m, err = open(now, ifMatch)
if err then
  return err
end
local b = redis.call('HMGET', blobKey(name), 'gen', 'size', 'chunks')
if not b[1] then
  return { 'E', 'BLOB_NOT_FOUND' }
end
dropChunks(b[1], tonumber(b[3]))
redis.call('DEL', blobKey(name))
redis.call('SREM', BLOBS, name)
m.bytes = m.bytes - tonumber(b[2])
bump(m, now, false, nil, { p = 'b' })
return { 'OK', m.ver }
