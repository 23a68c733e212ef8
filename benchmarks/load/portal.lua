-- wrk script for klik serve's load benchmark (benchmarks/serve_load, docs/benchmarks.md).
-- Arguments after "--": <mode> <file of task ids, one per line>
--   list   GET /api/tasks: a Plusbruger's list pages (three queries, 50 rows each)
--   task   GET /api/tasks/{id}: task pages
--   quick  GET /api/tasks/quick-status
--   change PATCH /api/tasks/{id}: status alternating started / not_started (real writes)
--   mix    60% list, 20% task, 10% quick, 10% change
-- The session cookie and CSRF token come as -H headers on wrk's command line.
local mode, ids, counter = "mix", {}, 0
local queries = {
  "/api/tasks?limit=50&q=" .. "status%20in%20(not_started%2C%20started)%20and%20responsible%20is%20empty%20order%20by%20end_date",
  "/api/tasks?limit=50&q=" .. "colour%20in%20(red%2C%20yellow)",
  "/api/tasks?limit=50",
}

function init(args)
  mode = args[1] or "mix"
  for line in io.lines(args[2]) do ids[#ids + 1] = line end
  -- Threads start at different points so they do not write the same tasks in step.
  counter = math.random(1, #ids)
end

local function list() return wrk.format("GET", queries[counter % #queries + 1]) end
local function task() return wrk.format("GET", "/api/tasks/" .. ids[counter % #ids + 1]) end
local function quick() return wrk.format("GET", "/api/tasks/quick-status?q=colour%20in%20(red%2C%20yellow)") end
local function change()
  local id = ids[counter % #ids + 1]
  local status = (math.floor(counter / #ids) % 2 == 0) and "started" or "not_started"
  -- wrk.format takes these headers instead of wrk.headers (the session), not beside them.
  local headers = {["Content-Type"] = "application/json", ["If-Match"] = "*"}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  return wrk.format("PATCH", "/api/tasks/" .. id, headers, '{"status":"' .. status .. '"}')
end

function request()
  counter = counter + 1
  if mode == "list" then return list() end
  if mode == "task" then return task() end
  if mode == "quick" then return quick() end
  if mode == "change" then return change() end
  local r = counter % 10
  if r < 6 then return list() elseif r < 8 then return task() elseif r < 9 then return quick() end
  return change()
end

function done(summary, latency, requests)
  -- (done runs in wrk's main state, where init never ran: the caller names the mode.)
  io.write(string.format("requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
