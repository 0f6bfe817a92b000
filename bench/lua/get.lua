-- GET /v1/sessions/{id}: a random seeded session (~1 KiB of data).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")
setup, init, done = c.setup, c.init, c.done

request = function()
  return wrk.format("GET", "/v1/sessions/" .. c.sid(), c.auth)
end
