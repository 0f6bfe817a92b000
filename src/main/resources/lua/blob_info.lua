-- blob_info: ARGV now, name. Replies OK, session version, generation, size, chunks.
local m = loadMeta(tonumber(ARGV[1]))
if not m then
  return { 'E', 'NOT_FOUND' }
end
local b = redis.call('HMGET', blobKey(ARGV[2]), 'gen', 'size', 'chunks')
if not b[1] then
  return { 'E', 'BLOB_NOT_FOUND' }
end
return { 'OK', m.ver, b[1], tonumber(b[2]), tonumber(b[3]) }
