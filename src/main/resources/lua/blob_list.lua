-- blob_list: ARGV now. Replies OK, the session's version, and name, generation, size, chunks of every
-- committed blob (for the PostgreSQL sync, which copies a blob only when its generation changed).
local m = loadMeta(tonumber(ARGV[1]))
if not m then
  return { 'E', 'NOT_FOUND' }
end
return { 'OK', m.ver, blobList() }
