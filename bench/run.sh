#!/usr/bin/env bash
# weshopd's benchmarks, each against a reference measured in the same run on
# this machine (figures vary by machine; the ratios are what to read).
# Prints a table and writes bench/RESULTS.md. Installs what it needs.
#   bash bench/run.sh              (BENCH_JOBS=20000 BENCH_SECONDS=10 to change the sizes)
# Covered so far (issue #7): 1. status reads vs nginx serving a static file of
# the same size, with wrk at 64 and 256 connections.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WESHOPD_BUILD_DIR:-$root/build/default}
jobs=${BENCH_JOBS:-20000}
seconds=${BENCH_SECONDS:-10}

bash "$root/deploy/install-deps.sh" >/dev/null
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq wrk; }
if [[ ! -x $build/daemon/weshopd ]]; then
  (cd "$root" && cmake --preset default && cmake --build --preset default --target weshopd weshop-sim)
fi

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The simulator never finishes a run (a day per state): jobs stay `running`, nothing moves.
"$build/tests/weshop-sim" --pki-dir "$work/pki" --pending-ms 86400000 </dev/null >"$work/sim.json" 2>"$work/sim.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/sim.json ]] && break; sleep 0.05; done
sim_api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api"])' "$work/sim.json")
port=$(free_port)
api="http://127.0.0.1:$port"
WESHOP_API_KEY=sim-test-key WESHOPD_UPSTREAM_TEST_ORIGIN="$sim_api" WESHOPD_UPSTREAM_CA_FILE="$work/pki/ca.pem" \
WESHOPD_STORE_PATH="$work/weshopd.db" WESHOPD_API_LISTEN="127.0.0.1:$port" \
WESHOPD_ENGINE_MAX_WAITING_JOBS=1000000 WESHOPD_ENGINE_POLL_INITIAL_MS=3600000 WESHOPD_ENGINE_POLL_CAP_MS=3600000 \
  "$build/daemon/weshopd" </dev/null 2>"$work/weshopd.log" &
pids+=($!)
for _ in $(seq 200); do curl -fsS "$api/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
# (sim-test-key is the sim's default key.)

echo "bench: creating $jobs jobs ..." >&2
python3 - "$api" "$jobs" "$work/ids.txt" <<'PY'
import json, sys, urllib.request, concurrent.futures
api, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = json.dumps({"agent": {"name": "aipose", "version": "v1.0"},
                   "input": {"originalImage": "https://example.com/a.png"},
                   "params": {"textDescription": "sit", "batchCount": 1}}).encode()
def post(_):
    req = urllib.request.Request(api + "/v1/jobs", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["id"]
with concurrent.futures.ThreadPoolExecutor(32) as pool:
    ids = list(pool.map(post, range(n)))
open(out, "w").write("\n".join(ids) + "\n")
PY
sample=$(head -1 "$work/ids.txt")
curl -fsS "$api/v1/jobs/$sample" >"$work/job.json"

# nginx serving the same bytes as a static file, keep-alive, on loopback.
mkdir -p "$work/nginx/html"
cp "$work/job.json" "$work/nginx/html/job.json"
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nginx_port; root $work/nginx/html; default_type application/json; }
}
CONF
/usr/sbin/nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" -g "daemon off; master_process off;" &
pids+=($!)
sleep 0.5

# wrk's summary: requests/s and the p99 latency in ms.
measure() { # url connections [lua]
  local out
  out=$(WESHOPD_BENCH_IDS="$work/ids.txt" wrk -t2 -c"$2" -d"${seconds}s" --latency ${3:+-s "$3"} "$1")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

rows=()
for c in 64 256; do
  read -r w_rps w_p99 < <(measure "$api" "$c" "$root/bench/status_reads.lua")
  read -r n_rps n_p99 < <(measure "http://127.0.0.1:$nginx_port/job.json" "$c")
  rows+=("| status reads, $c connections | $w_rps req/s, p99 $w_p99 ms | nginx static file: $n_rps req/s, p99 $n_p99 ms | $(python3 -c "print(f'{$w_rps/$n_rps:.0%} of the throughput, p99 {$w_p99/$n_p99:.1f}x')") |")
done

{
  echo "# weshopd benchmarks"
  echo
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)."
  echo "Each line: weshopd's figure, the reference measured in the same run, and the ratio."
  echo "$jobs jobs in the database (all \`running\`); each read picks a random one; wrk -t2, ${seconds} s, keep-alive;"
  echo "the response is $(wc -c <"$work/job.json") bytes, and nginx serves exactly those bytes."
  echo
  echo "| what | weshopd | reference | ratio |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$root/bench/RESULTS.md"
