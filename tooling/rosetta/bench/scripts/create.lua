-- create: POST /users with an email no other request of the run uses.
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local headers = {["Content-Type"] = "application/json"}
local created = 0

function bench.next_request()
    created = created + 1
    local body = string.format(
        '{"email": "bench-%s-%d@example.com", "name": "Bench User"}', bench.run, created
    )
    return wrk.format("POST", "/users", headers, body)
end
