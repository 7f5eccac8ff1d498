-- POST /v1/activities, each signed by its party (RFC 9421): the requests were
-- signed before the run by bench/signed_requests.cpp (REQUESTS names the
-- file, requests separated by NUL), so wrk spends nothing on signing. Each is
-- sent once: a nonce may not be replayed.
local requests = {}
local f = assert(io.open(os.getenv("REQUESTS"), "rb"))
local all = f:read("*a")
f:close()
local at = 1
while true do
  local stop = all:find("\0", at, true)
  if not stop then break end
  requests[#requests + 1] = all:sub(at, stop - 1)
  at = stop + 1
end
all = nil
local next_one = 0

request = function()
  next_one = next_one + 1
  if next_one > #requests then
    io.stderr:write("out of signed requests: give the run more\n")
    next_one = 1
  end
  return requests[next_one]
end

local errors = 0
response = function(status, headers, body)
  if status ~= 201 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end
