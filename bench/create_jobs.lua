-- wrk (-t2): POSTs the job in WESHOPD_BENCH_BODY until WESHOPD_BENCH_COUNT are
-- created (each thread makes its half), then asks /healthz until wrk's time is
-- up (wrk cannot end early). Prints "created N" at the end.
local body = os.getenv("WESHOPD_BENCH_BODY")
local total = tonumber(os.getenv("WESHOPD_BENCH_COUNT"))
local next_index = 0

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("index", next_index)
  next_index = next_index + 1
end

function init(args)
  share = math.floor(total / 2) + (index == 0 and total % 2 or 0)
  -- wrk calls request() once on the first thread to check the script, and
  -- never sends what that call returns.
  sent, created = index == 0 and -1 or 0, 0
  post = wrk.format("POST", "/v1/jobs", {["Content-Type"] = "application/json"}, body)
  health = wrk.format("GET", "/healthz")
end

function request()
  sent = sent + 1
  if sent <= share then
    return post
  end
  return health
end

function response(status)
  if status == 201 then
    created = created + 1
  end
end

function done()
  local total_created = 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
  end
  io.write(string.format("created %d\n", total_created))
end
