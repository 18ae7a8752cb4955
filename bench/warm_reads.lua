-- wrk: GET /v1/jobs/{id} for every id in WESHOPD_BENCH_IDS in turn (the two
-- threads start half-way apart), so the warm-up reads each job at least once.
local ids = {}
for line in io.lines(os.getenv("WESHOPD_BENCH_IDS")) do
  ids[#ids + 1] = line
end
local next_index = 0

function setup(thread)
  thread:set("start", next_index)
  next_index = next_index + 1
end

function init(args)
  position = math.floor(start * #ids / 2)
end

function request()
  position = position % #ids + 1
  return wrk.format("GET", "/v1/jobs/" .. ids[position])
end
