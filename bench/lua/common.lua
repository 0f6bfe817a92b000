-- Shared by every scenario script. Settings come from the environment (bench/run.sh sets them):
--   BENCH_KEY       tenant API key (sent as Authorization: Bearer <key>)
--   BENCH_SESSIONS  number of seeded sessions, named bench-0 .. bench-(N-1) (default 10000)
-- Requests pick a random session; each wrk thread has its own random seed.
local M = {}

M.key = os.getenv("BENCH_KEY") or "bench"
M.sessions = tonumber(os.getenv("BENCH_SESSIONS") or "10000")
M.auth = { ["Authorization"] = "Bearer " .. M.key }
M.json = { ["Authorization"] = "Bearer " .. M.key, ["Content-Type"] = "application/json" }

local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function M.init(args)
  math.randomseed((tid or 1) * 7919 + os.time())
end

function M.sid()
  return "bench-" .. math.random(0, M.sessions - 1)
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- n pseudo-random base64 characters
function M.b64chars(n)
  local t = {}
  for i = 1, n do
    local r = math.random(1, 64)
    t[i] = alphabet:sub(r, r)
  end
  return table.concat(t)
end

-- A Baileys BufferJSON pre-key pair: 32-byte public and private keys.
function M.prekey()
  return '{"public":{"type":"Buffer","data":"' .. M.b64chars(43) .. '="},'
      .. '"private":{"type":"Buffer","data":"' .. M.b64chars(43) .. '="}}'
end

-- One machine-readable line that bench/run.sh parses. wrk counts any status >= 400 in
-- summary.errors.status (its "Non-2xx or 3xx responses" line); none of these scenarios expects 3xx.
function M.done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d p95_ms=%.2f p98_ms=%.2f p999_ms=%.2f\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(95) / 1000, latency:percentile(98) / 1000, latency:percentile(99.9) / 1000))
end

return M
