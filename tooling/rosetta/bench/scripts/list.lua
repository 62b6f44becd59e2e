-- list: GET /users?limit=20 at random offsets within the seeded rows.
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function bench.next_request()
    return wrk.format("GET", "/users?limit=20&offset=" .. math.random(0, bench.rows - 20))
end
