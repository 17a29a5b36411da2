-- wrk script: every request from one of N tenants drawn from a Zipf distribution (tenant k with
-- probability proportional to 1 / k^s): a few tenants call often, a long tail now and then.
-- Arguments after "--": tenant count (default 100000), exponent s (default 1.1), tenant header
-- (default X-Tenant-Id). The cumulative weights and every tenant's formatted request are built once
-- per thread; a draw is a binary search (wrk shares the 2-core machine with the app: formatting a
-- request per draw cost it about as much CPU as the kit).
local threads = 0

function setup(thread)
  thread:set("seed", 7919 * (threads + 1))
  threads = threads + 1
end

function init(args)
  count = tonumber(args[1] or "100000")
  exponent = tonumber(args[2] or "1.1")
  header = args[3] or "X-Tenant-Id"
  math.randomseed(seed or 1)
  cumulative = {}
  local total = 0
  for k = 1, count do
    total = total + 1 / (k ^ exponent)
    cumulative[k] = total
  end
  sum = total
  requests = {}
  for k = 1, count do
    requests[k] = wrk.format(nil, nil, { [header] = "tenant-" .. k })
  end
end

local function draw()
  local u = math.random() * sum
  local low, high = 1, count
  while low < high do
    local mid = math.floor((low + high) / 2)
    if cumulative[mid] < u then low = mid + 1 else high = mid end
  end
  return low
end

function request()
  return requests[draw()]
end
