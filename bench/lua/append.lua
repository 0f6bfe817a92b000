-- POST /v1/sessions/{id}/messages: append one chat message (~300 B) to a random session.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")
setup, done = c.setup, c.done

local bodies = {}

init = function(args)
  c.init(args)
  for i = 1, 16 do
    bodies[i] = '{"role":"user","content":"' .. c.b64chars(200) .. '","userId":"' .. (1000000000 + i)
        .. '@s.whatsapp.net","metadata":{"source":"bench","n":' .. i .. '}}'
  end
end

request = function()
  return wrk.format("POST", "/v1/sessions/" .. c.sid() .. "/messages", c.json, bodies[math.random(1, 16)])
end
