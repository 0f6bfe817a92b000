-- blob_list: ARGV now. Replies OK, the session's version, and name, generation, size, chunks of every
-- committed blob (for the PostgreSQL sync, which copies a blob only when its generation changed).
local m, err = open(tonumber(ARGV[1]), -1)
if err then
  return err
end
return { 'OK', m.ver, blobList() }
