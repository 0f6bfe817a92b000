-- blob_list: ARGV now. Replies OK, the session's version, and name, generation, size, chunks of every
-- committed blob (for the PostgreSQL sync, which copies a blob only when its generation changed).
local m = loadMeta(tonumber(ARGV[1]))
if not m then
  return { 'E', 'NOT_FOUND' }
end
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', BLOBS)) do
  local b = redis.call('HMGET', blobKey(name), 'gen', 'size', 'chunks')
  if b[1] then
    out[#out + 1] = name
    out[#out + 1] = b[1]
    out[#out + 1] = tonumber(b[2])
    out[#out + 1] = tonumber(b[3])
  end
end
return { 'OK', m.ver, out }
