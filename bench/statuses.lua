-- Shared by the wrk scripts (dofile("bench/statuses.lua"), run from the repository root):
-- counts every answer by status in each thread and merges the counts at the end, so a
-- script can prove what it got (no 5xx, no 503 during a restart).
statuses = {}  -- global: merged_statuses() reads it from each thread with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

-- {status = count} over every thread.
function merged_statuses()
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses") or {}) do total[status] = (total[status] or 0) + n end
  end
  return total
end
