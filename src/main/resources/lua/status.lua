-- status: ARGV now. Read-only.
local m, expired = loadMeta(tonumber(ARGV[1]))
if not m then
  return { 'E', 'NOT_FOUND', expired and 1 or 0 }
end
return statusReply(m)
