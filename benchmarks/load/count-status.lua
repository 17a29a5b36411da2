-- wrk script: one tenant (the header given with -H), and a count of responses by status, printed
-- at the end as "status <code> <count>" lines (wrk itself only counts non-2xx/3xx).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    print("status " .. status .. " " .. n)
  end
end
