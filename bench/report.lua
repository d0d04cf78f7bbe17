-- wrk script for `make bench`: counts responses that are not 2xx and prints one
-- machine-readable summary (requests/s, p50 and p99 in microseconds, errors: all, then by
-- kind; a connection reset by the server is a read or write error).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d seconds=%f p50=%d p99=%d non2xx=%d errors=%d "
    .. "connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(99), bad,
    errors.connect + errors.read + errors.write + errors.timeout,
    errors.connect, errors.read, errors.write, errors.timeout))
end
