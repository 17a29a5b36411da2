-- wrk script: every request from one of N tenants, round-robin (each thread starts at its own offset).
-- Arguments after "--": tenant count (default 1000), tenant header (default X-Tenant-Id).
local threads = 0

function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

function init(args)
  count = tonumber(args[1] or "1000")
  header = args[2] or "X-Tenant-Id"
  i = offset or 0
  headers = {}
end

function request()
  i = i + 1
  headers[header] = "tenant-" .. (i % count)
  return wrk.format(nil, nil, headers)
end
