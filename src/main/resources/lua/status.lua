-- status: ARGV now. Read-only.
local m, _, expired = open(tonumber(ARGV[1]), -1, true)
if not m then
  return { 'E', 'NOT_FOUND', expired and 1 or 0 }
end
return statusReply(m)
