-- wrk script: a tenant never seen before on every request.
-- Arguments after "--": tenant header (default X-Tenant-Id), a run id to keep tenants unique across runs.
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  header = args[1] or "X-Tenant-Id"
  run = args[2] or "0"
  i = 0
  headers = {}
end

function request()
  i = i + 1
  headers[header] = "new-" .. run .. "-" .. id .. "-" .. i
  return wrk.format(nil, nil, headers)
end
