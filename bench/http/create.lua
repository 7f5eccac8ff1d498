-- POST /v1/activities: 2 km movements at random over 5 x 5 degrees around At Tanf.
-- Each is checked, notified, committed durably and answered.
local token = os.getenv("TOKEN")
math.randomseed(tonumber(os.getenv("SEED") or "1"))
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"

request = function()
  local lon = 36 + 5 * math.random()
  local lat = 31 + 5 * math.random()
  local day = math.random(1, 28)
  local body = string.format(
    '{"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},' ..
    '"properties":{"kind":"movement","radius_m":2000,' ..
    '"start":"2018-09-%02dT06:00:00Z","end":"2018-09-%02dT18:00:00Z"}}', lon, lat, day, day)
  return wrk.format(nil, "/v1/activities", nil, body)
end

local errors = 0
response = function(status, headers, body)
  if status ~= 201 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end
