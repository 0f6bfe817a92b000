-- POST /v1/sessions/{id}/keys/query: 20 consecutive pre-key ids out of the 100 seeded (1..100).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")
setup, init, done = c.setup, c.init, c.done

local bodies = {}
for first = 1, 81 do
  local ids = {}
  for k = 0, 19 do
    ids[#ids + 1] = '"' .. (first + k) .. '"'
  end
  bodies[first] = '{"type":"pre-key","ids":[' .. table.concat(ids, ",") .. ']}'
end

request = function()
  return wrk.format("POST", "/v1/sessions/" .. c.sid() .. "/keys/query", c.json, bodies[math.random(1, 81)])
end
