-- PUT /v1/sessions/{id}: replace a random seeded session's data with ~1 KiB of JSON.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")
setup, done = c.setup, c.done

local bodies = {}

init = function(args)
  c.init(args)
  for i = 1, 16 do
    bodies[i] = '{"data":{"owner":"bench","n":' .. i .. ',"jid":"' .. (1000000000 + i)
        .. '@s.whatsapp.net","blob":"' .. c.b64chars(960) .. '"}}'
  end
end

request = function()
  return wrk.format("PUT", "/v1/sessions/" .. c.sid(), c.json, bodies[math.random(1, 16)])
end
