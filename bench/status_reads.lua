-- wrk: GET /v1/jobs/{id} on random existing jobs (ids from bench/ids.txt, one per line).
local ids = {}
for line in io.lines(os.getenv("WESHOPD_BENCH_IDS")) do
  ids[#ids + 1] = line
end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/v1/jobs/" .. ids[math.random(#ids)])
end
