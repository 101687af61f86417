-- A mixed authenticated workload for bench/soak: @me, the session list, health, a public
-- profile and failed logins (unknown accounts, so no account gets locked), counting every
-- answer by status code so the script can prove there was no 5xx.
dofile("bench/statuses.lua")
local token = os.getenv("SOAK_TOKEN")
local user_id = os.getenv("SOAK_USER_ID")
local counter = 0

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

done = function(summary, latency, requests)
  for k, v in pairs(merged_statuses()) do io.write(string.format("status %s %d\n", k, v)) end
end
