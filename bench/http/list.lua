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

-- No response callback: wrk then counts answers that are not 2xx itself ("Non-2xx or 3xx
-- responses" in its summary) without handing each 40 KB body to Lua, which cost the load
-- generator, on the same two cores, about 10 us a request.
