-- bench/cluster's load: GET /api/users/@me with one session token, each request from a
-- random public client address (X-Forwarded-For, believed from HAProxy), so per-address
-- limits never refuse the load itself; counts every answer by status.
dofile("bench/statuses.lua")
local token = os.getenv("CLUSTER_TOKEN")

request = function()
  local ip = math.random(11, 99) .. "." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("GET", "/api/users/@me", {["Authorization"] = "Bearer " .. token, ["X-Forwarded-For"] = ip})
end

done = function(summary, latency, requests)
  local parts = {}
  for status, n in pairs(merged_statuses()) do table.insert(parts, status .. "=" .. n) end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format("CLUSTER requests=%d statuses=%s connect_errors=%d read_errors=%d write_errors=%d timeouts=%d p99_ms=%.1f\n",
    summary.requests, table.concat(parts, ","), e.connect, e.read, e.write, e.timeout, latency:percentile(99) / 1000))
end
