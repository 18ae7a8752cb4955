#!/usr/bin/env bash
# Starts weshop-sim and weshopd on loopback (test mode, config/demo.conf, a
# fresh state dir under ${WESHOPD_DEV_DIR:-.dev}), waits for /healthz, and
# prints one JSON line:
#   {"api": "http://127.0.0.1:P", "sim_admin": "http://127.0.0.1:P", "state_dir": "...",
#    "pids": {"weshopd": N, "sim": N}, "callbacks": "http://127.0.0.1:P"}
# Callbacks are on: each run's callbackUrl points at weshopd's callback
# listener, which the sim calls when the run ends (in production nginx sits
# in front of it; see deploy/nginx/). WESHOPD_DEV_CALLBACKS=off turns them off.
# deploy/dev-down.sh stops both. Builds first when the binaries are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dev=${WESHOPD_DEV_DIR:-$root/.dev}
build=${WESHOPD_BUILD_DIR:-$root/build/default}
mkdir -p "$dev"
dev=$(cd "$dev" && pwd)

if [[ ! -x $build/daemon/weshopd || ! -x $build/tests/weshop-sim ]]; then
  (cd "$root" && cmake --preset default >&2 && cmake --build --preset default --target weshopd weshop-sim >&2)
fi

state=$(mktemp -d "$dev/state.XXXXXX")
mkdir -p "$state/images"

"$build/tests/weshop-sim" --pki-dir "$dev/pki" --pending-ms "${SIM_PENDING_MS:-700}" \
  --segmenting-ms "${SIM_SEGMENTING_MS:-700}" --running-ms "${SIM_RUNNING_MS:-1000}" \
  </dev/null >"$state/sim.json" 2>"$state/sim.log" &
sim_pid=$!
for _ in $(seq 100); do [[ -s $state/sim.json ]] && break; sleep 0.05; done
[[ -s $state/sim.json ]] || { echo "dev-up: weshop-sim did not start (see $state/sim.log)" >&2; kill $sim_pid; exit 1; }
read -r sim_api sim_admin < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["api"], d["admin"])' "$state/sim.json")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
callbacks=""
callback_env=()
if [[ ${WESHOPD_DEV_CALLBACKS:-on} != off ]]; then
  callbacks="http://127.0.0.1:$(free_port)"
  callback_env=(WESHOPD_CALLBACKS_LISTEN="${callbacks#http://}" WESHOPD_CALLBACKS_PUBLIC_BASE_URL="$callbacks")
fi
env "${callback_env[@]}" \
WESHOP_API_KEY=sim-test-key \
WESHOPD_UPSTREAM_TEST_ORIGIN="$sim_api" \
WESHOPD_UPSTREAM_CA_FILE="$dev/pki/ca.pem" \
WESHOPD_STORE_PATH="$state/weshopd.db" \
WESHOPD_API_LISTEN="127.0.0.1:$port" \
WESHOPD_UPLOADS_ROOTS="$state/images${WESHOPD_EXTRA_UPLOAD_ROOTS:+:$WESHOPD_EXTRA_UPLOAD_ROOTS}" \
  "$build/daemon/weshopd" --config "$root/config/demo.conf" </dev/null >>"$state/weshopd.log" 2>&1 &
weshopd_pid=$!

api="http://127.0.0.1:$port"
for _ in $(seq 200); do
  curl -fsS "$api/healthz" >/dev/null 2>&1 && break
  kill -0 $weshopd_pid 2>/dev/null || break
  sleep 0.05
done
if ! curl -fsS "$api/healthz" >/dev/null 2>&1; then
  echo "dev-up: weshopd did not become ready (see $state/weshopd.log)" >&2
  kill $weshopd_pid $sim_pid 2>/dev/null || true
  exit 1
fi

echo "$weshopd_pid $sim_pid $state" >"$dev/pids"
printf '{"api": "%s", "sim_admin": "%s", "state_dir": "%s", "pids": {"weshopd": %d, "sim": %d}, "callbacks": %s}\n' \
  "$api" "$sim_admin" "$state" "$weshopd_pid" "$sim_pid" "$([[ -n $callbacks ]] && echo "\"$callbacks\"" || echo null)"
