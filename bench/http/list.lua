-- GET /v1/activities?bbox=...: boxes of 0.35 x 0.35 degrees at random in the
-- 5 x 5 degree region that bench/http.sh fills, about 100 features each.
local token = os.getenv("TOKEN")
math.randomseed(tonumber(os.getenv("SEED") or "1"))
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
  local west = 36 + 4.65 * math.random()
  local south = 31 + 4.65 * math.random()
  return wrk.format("GET", string.format("/v1/activities?bbox=%.4f,%.4f,%.4f,%.4f", west, south, west + 0.35, south + 0.35))
end

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end
