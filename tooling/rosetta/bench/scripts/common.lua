-- What every scenario shares: the measured window, status counting, the drain, the report.
--
-- wrk runs `scenario.lua <url> -- <measure_s> <seed> <run> <rows> <marker>`. Requests are
-- issued until `measure_s` has passed; after that no new request leaves (delay() holds
-- every connection) and each thread, once every request it issued is answered, creates
-- `<marker>.<thread>` so that the caller can end wrk early (SIGINT). So every request of
-- the window is answered and counted, including the POSTs of `create`, whose 201s must
-- equal the rows added. done() prints one line, `ROSETTA-RESULT {json}`.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } rosetta_timespec;
int clock_gettime(int clock_id, rosetta_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("rosetta_timespec")

local function now()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
    return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local bench = {}
local threads = {}

-- Per-thread state (each wrk thread has a Lua state of its own).
statuses = {}
issued = 0
answered = 0
in_window = 0
local deadline = math.huge
local marker = nil
local drained = false

function setup(thread)
    thread:set("thread_id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    local measure = tonumber(args[1])
    math.randomseed(tonumber(args[2]) * 1000 + thread_id)
    bench.run = args[3] .. "-" .. thread_id
    bench.rows = tonumber(args[4])
    marker = args[5] .. "." .. thread_id
    deadline = now() + measure
end

-- wrk asks delay() before each request and calls request() once more on its own (to check
-- the script), so requests are counted here.
function delay()
    if now() >= deadline then
        return 3600000 -- the window is over: send nothing more
    end
    issued = issued + 1
    return 0
end

function request()
    return bench.next_request()
end

function response(status)
    answered = answered + 1
    statuses[status] = (statuses[status] or 0) + 1
    if now() < deadline then
        in_window = in_window + 1
    elseif answered == issued and not drained then
        drained = true
        local file = io.open(marker, "w")
        if file then
            file:close()
        end
    end
end

local function json_object(values)
    local parts = {}
    for key, value in pairs(values) do
        if type(value) == "number" then
            value = value == value and string.format("%.17g", value) or "null" -- NaN: no samples
        end
        parts[#parts + 1] = string.format('"%s": %s', tostring(key), value)
    end
    return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
    local counts = {issued = 0, answered = 0, in_window = 0}
    local by_status = {}
    for _, thread in ipairs(threads) do
        for name in pairs(counts) do
            counts[name] = counts[name] + thread:get(name)
        end
        for status, count in pairs(thread:get("statuses")) do
            by_status[status] = (by_status[status] or 0) + count
        end
    end
    local errors = summary.errors
    local result = json_object({
        requests = summary.requests,
        duration_us = summary.duration,
        issued = counts.issued,
        answered = counts.answered,
        in_window = counts.in_window,
        statuses = json_object(by_status),
        errors = json_object({
            connect = errors.connect,
            read = errors.read,
            write = errors.write,
            timeout = errors.timeout,
        }),
        latency_us = json_object({
            p50 = latency:percentile(50),
            p90 = latency:percentile(90),
            p99 = latency:percentile(99),
            mean = latency.mean,
            max = latency.max,
        }),
    })
    io.write("ROSETTA-RESULT ", result, "\n")
end

return bench
