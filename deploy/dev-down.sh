#!/usr/bin/env bash
# Stops what deploy/dev-up.sh started (gracefully: SIGTERM, then waits).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dev=${WESHOPD_DEV_DIR:-$root/.dev}
[[ -f $dev/pids ]] || { echo "dev-down: nothing to stop" >&2; exit 0; }
read -r weshopd_pid sim_pid state <"$dev/pids"
for pid in $weshopd_pid $sim_pid; do
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
done
rm -f "$dev/pids"
echo "dev-down: stopped (state kept in $state)" >&2
