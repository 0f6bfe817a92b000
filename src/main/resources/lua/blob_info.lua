-- blob_info: ARGV now, name. Replies OK, session version, generation, size, chunks.
local m, err = open(tonumber(ARGV[1]), -1)
if err then
  return err
end
local b = redis.call('HMGET', blobKey(ARGV[2]), 'gen', 'size', 'chunks')
if not b[1] then
  return { 'E', 'BLOB_NOT_FOUND' }
end
return { 'OK', m.ver, b[1], tonumber(b[2]), tonumber(b[3]) }
