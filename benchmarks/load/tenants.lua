-- wrk script: every request from one of N tenants, round-robin (each thread starts at its own offset).
-- Arguments after "--": tenant count (default 1000), tenant header (default X-Tenant-Id).
-- Each tenant's request is formatted once per thread in init: wrk runs on the same 2-core machine,
-- and formatting one per request cost it about as much CPU as the app's kit (issue 31).
local threads = 0

function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

function init(args)
  count = tonumber(args[1] or "1000")
  header = args[2] or "X-Tenant-Id"
  i = offset or 0
  requests = {}
  for t = 0, count - 1 do
    requests[t] = wrk.format(nil, nil, { [header] = "tenant-" .. t })
  end
end

function request()
  i = i + 1
  return requests[i % count]
end
