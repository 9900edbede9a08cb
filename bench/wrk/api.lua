-- wrk script for bench/run_api_bench.py.
--   wrk ... -s bench/wrk/api.lua <url> -- <mode> <token> <subscribers> <service_providers>
-- mode: ceiling | get_one | list_sp | list_all | list_all_deep | put
-- Subscriber i lives under sp%03d (i % service_providers) and is named sub%07d (i).
-- done() prints one line "BENCH_JSON {...}" that the runner parses.

local mode, token, n_subs, n_sps
local headers = {}
local threads = {}
local counter = 0
local FRAGMENTS = {"ann", "jo", "mar", "li", "el", "ch", "ra", "da"}
local SORTS = {"name%20DESC", "last_name%20ASC", "modified:desc", "first_name%20ASC"}
local FIRST = {"Alice", "Brian", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro"}

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

function init(args)
   mode = args[1] or "ceiling"
   token = args[2] or ""
   n_subs = tonumber(args[3] or "1000000")
   n_sps = tonumber(args[4] or "100")
   math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
   headers["Authorization"] = "Basic " .. token
   if mode == "put" then
      headers["Content-Type"] = "application/json"
   end
end

local function subscriber_path()
   local i = math.random(0, n_subs - 1)
   return string.format("/ecf/api/subscriber/sp%03d/sub%07d", i % n_sps, i)
end

function request()
   if mode == "ceiling" then
      return wrk.format("GET", "/ping", headers)
   elseif mode == "get_one" then
      return wrk.format("GET", subscriber_path(), headers)
   elseif mode == "list_sp" then
      local path = string.format(
         "/ecf/api/subscriber/sp%03d?sort=%s&icontains=first_name:%s&limit=10",
         math.random(0, n_sps - 1), SORTS[math.random(#SORTS)],
         FRAGMENTS[math.random(#FRAGMENTS)])
      return wrk.format("GET", path, headers)
   elseif mode == "list_all" then
      -- A user paging through the first 100 pages of the whole application.
      local offset = 10 * math.random(0, 99)
      return wrk.format("GET", "/ecf/api/subscriber?limit=10&offset=" .. offset, headers)
   elseif mode == "list_all_deep" then
      -- Any page of the 1M (OFFSET pagination cost grows with the offset).
      local offset = 10 * math.random(0, math.floor(n_subs / 10) - 1)
      return wrk.format("GET", "/ecf/api/subscriber?limit=10&offset=" .. offset, headers)
   elseif mode == "put" then
      local body = string.format('{"first_name": "%s%d"}',
         FIRST[math.random(#FIRST)], math.random(0, 999))
      return wrk.format("PUT", subscriber_path(), headers, body)
   end
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, ' ..
      '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      e.connect, e.read, e.write, e.status, e.timeout))
end
