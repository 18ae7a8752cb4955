#!/usr/bin/env bash
# weshopd's benchmarks (issue #7): installs what they need (wrk, nginx), builds,
# then runs bench/run.py, which prints a table and writes bench/RESULTS.md.
#   bash bench/run.sh            the full run (about half an hour on 2 cores; --only NAME runs one)
#   bash bench/run.sh --quick    every benchmark at a small size (a smoke test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/deploy/install-deps.sh" >/dev/null
(cd "$root" && cmake --preset default >/dev/null && cmake --build --preset default --target weshopd weshop-sim weshopd-bench-tool)
exec python3 "$root/bench/run.py" "$@"
