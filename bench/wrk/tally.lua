-- wrk script of the Tessera benchmarks: sends the requests described by a spec file and counts every
-- response status, so a run with any non-2xx answer can be refused.
--
-- Usage: wrk ... -s tally.lua <url> -- <spec-file>
-- Spec file, one directive per line:
--   method POST
--   path /token
--   header Name: value          (repeatable)
--   body <form body>            (may contain @VALUE@)
--   expect <text>               (answers whose body lacks it are counted as status 599, so they fail the run:
--                                the device-poll row's 400s must be authorization_pending, not slow_down)
--   values <file>               (one value per line; each request takes the next one, never reused;
--                                a line `a<TAB>b` fills @VALUE@ with a and @VALUE2@ with b: a code and its DPoP proof)
-- Without `values` the same request is sent every time. When values run out, the thread stops and the
-- run is reported as exhausted.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads - 1)
end

local function read_spec(file)
  local spec = { method = "GET", path = "/", headers = {}, body = nil, values = nil }
  for line in io.lines(file) do
    local key, rest = line:match("^(%S+) ?(.*)$")
    if key == "method" then spec.method = rest
    elseif key == "path" then spec.path = rest
    elseif key == "header" then
      local name, value = rest:match("^([^:]+):%s*(.*)$")
      spec.headers[name] = value
    elseif key == "body" then spec.body = rest
    elseif key == "values" then spec.values = rest
    elseif key == "expect" then spec.expect = rest
    end
  end
  return spec
end

function init(args)
  statuses = {}
  exhausted = 0
  local spec = read_spec(args[1])
  expect = spec.expect
  local thread_count = tonumber(os.getenv("WRK_THREADS") or "1")
  if spec.values then
    -- Requests are built once, here: building them in request() would slow wrk down.
    prepared = {}
    local index = 0
    for value in io.lines(spec.values) do
      if value ~= "" then
        if index % thread_count == thread_index then
          local first, second = value:match("^([^\t]*)\t(.*)$")
          first = first or value
          local function fill(text)
            local filled = text:gsub("@VALUE2@", function() return second or "" end)
            return (filled:gsub("@VALUE@", function() return first end))
          end
          local body = spec.body and fill(spec.body)
          local path = fill(spec.path)
          local headers = {}
          for name, header in pairs(spec.headers) do
            headers[name] = fill(header)
          end
          prepared[#prepared + 1] = wrk.format(spec.method, path, headers, body)
        end
        index = index + 1
      end
    end
    next_index = 1
    fallback = wrk.format(spec.method, spec.path, spec.headers, spec.body)
  else
    single = wrk.format(spec.method, spec.path, spec.headers, spec.body)
  end
end

function request()
  if single then return single end
  local req = prepared[next_index]
  if req == nil then
    -- Out of prepared values: stop rather than reuse one (a reused code or token is a different test).
    exhausted = exhausted + 1
    wrk.thread:stop()
    return fallback
  end
  next_index = next_index + 1
  return req
end

function response(status, headers, body)
  if expect and not (body and body:find(expect, 1, true)) then status = 599 end
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  local exhausted_total = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
    exhausted_total = exhausted_total + (thread:get("exhausted") or 0)
  end
  local parts = {}
  for status, count in pairs(total) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,"statuses":{%s},"exhausted":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.duration, summary.requests, summary.bytes, table.concat(parts, ","), exhausted_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
