-- POST /v1/sessions/{id}/keys: an atomic batch of 100 Baileys pre-keys (BufferJSON values, ~13 KiB).
-- Key ids are a window of 100 starting anywhere in 1..101, so a session holds at most 200 pre-keys.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")
setup, done = c.setup, c.done

local bodies = {}

init = function(args)
  c.init(args)
  for v = 1, 8 do
    local first = math.random(1, 101)
    local parts = {}
    for k = 0, 99 do
      parts[#parts + 1] = '"' .. (first + k) .. '":' .. c.prekey()
    end
    bodies[v] = '{"pre-key":{' .. table.concat(parts, ",") .. '}}'
  end
end

request = function()
  return wrk.format("POST", "/v1/sessions/" .. c.sid() .. "/keys", c.json, bodies[math.random(1, 8)])
end
