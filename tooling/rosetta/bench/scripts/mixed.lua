-- mixed: 80% get, 10% list, 10% create, drawn at random for each request.
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local headers = {["Content-Type"] = "application/json"}
local created = 0

function bench.next_request()
    local draw = math.random()
    if draw < 0.8 then
        return wrk.format("GET", "/users/" .. math.random(1, bench.rows))
    elseif draw < 0.9 then
        return wrk.format("GET", "/users?limit=20&offset=" .. math.random(0, bench.rows - 20))
    end
    created = created + 1
    local body = string.format(
        '{"email": "bench-%s-%d@example.com", "name": "Bench User"}', bench.run, created
    )
    return wrk.format("POST", "/users", headers, body)
end
