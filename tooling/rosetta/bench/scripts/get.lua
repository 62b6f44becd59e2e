-- get: GET /users/{id} for random existing ids (the table holds ids 1..rows).
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function bench.next_request()
    return wrk.format("GET", "/users/" .. math.random(1, bench.rows))
end
