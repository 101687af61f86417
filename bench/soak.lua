-- A mixed authenticated workload for bench/soak: @me, the session list, health, a public
-- profile and failed logins (unknown accounts, so no account gets locked), counting every
-- answer by status code so the script can prove there was no 5xx.
local token = os.getenv("SOAK_TOKEN")
local user_id = os.getenv("SOAK_USER_ID")
local counter = 0
statuses = {}  -- global: done() reads it from each thread with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  counter = counter + 1
  local r = math.random(1000)
  local auth = { ["Authorization"] = "Bearer " .. token }
  if r <= 600 then
    return wrk.format("GET", "/api/users/@me", auth)
  elseif r <= 800 then
    return wrk.format("GET", "/api/auth/sessions", auth)
  elseif r <= 900 then
    return wrk.format("GET", "/api/health")
  elseif r <= 995 then
    return wrk.format("GET", "/api/users/" .. user_id)
  else
    local body = string.format('{"login":"nobody%d@example.com","password":"wrong password %d"}', math.random(1e9), r)
    return wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" }, body)
  end
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %s %d\n", k, v)) end
end
