-- creds_history: ARGV now. Replies OK, the session's version, the history entries newest first.
local m, err = open(tonumber(ARGV[1]), -1)
if err then
  return err
end
return { 'OK', m.ver, redis.call('LRANGE', CREDSH, 0, -1) }
