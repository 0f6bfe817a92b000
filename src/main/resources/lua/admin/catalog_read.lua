-- The tenant catalog at one version. KEYS[1] = <prefix>{admin}.
-- Returns { version, { id, document, ... } }.
local base = KEYS[1]
return { tonumber(redis.call('GET', base .. ':version') or '0'), redis.call('HGETALL', base .. ':tenants') }
