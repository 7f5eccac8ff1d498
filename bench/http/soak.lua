-- The soak's mix (bench/soak.sh): what the line does all day without
-- growing the store: checks of planned activities (POST /v1/check, the whole
-- check path), bounding-box lists, the caller's notices, the record's signed
-- head, and the health check. Counts every answer that is not 200.
local token = os.getenv("TOKEN")
math.randomseed(tonumber(os.getenv("SEED") or "1"))
local n = 0

request = function()
  n = n + 1
  local lon = 36 + 4.65 * math.random()
  local lat = 31 + 4.65 * math.random()
  local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  local k = n % 10
  if k < 4 then
    local body = string.format(
      '{"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},' ..
      '"properties":{"kind":"strike","radius_m":5000,"start":"2018-10-01T06:00:00Z","end":"2018-10-01T18:00:00Z"}}',
      lon, lat)
    return wrk.format("POST", "/v1/check", headers, body)
  elseif k < 8 then
    return wrk.format("GET", string.format("/v1/activities?bbox=%.4f,%.4f,%.4f,%.4f", lon, lat, lon + 0.35, lat + 0.35),
                      headers)
  elseif k == 8 then
    return wrk.format("GET", "/v1/notices?state=pending", headers)
  else
    return wrk.format("GET", "/v1/record/head", headers)
  end
end

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("answers not 200: %d (socket errors: %d)\n", errors + summary.errors.status,
                         summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
