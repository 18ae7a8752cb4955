#!/usr/bin/env bash
# The README's "Your first job in one minute" block runs as written: the fenced
# block after <!-- first-job --> is taken from README.md, `build/default/` in it
# is pointed at the build under test, and it runs with bash (set -euo pipefail)
# against the dev stack it starts itself (deploy/dev-up.sh, with this build's
# binaries and a throwaway WESHOPD_DEV_DIR; deploy/dev-down.sh in a trap). Then
# the job it submitted with curl must end succeeded, its result copied locally
# and served by weshopd (the dashboard's picture).
# Usage: readme_first_job_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
source_dir=$1 build_dir=$2
tmp=$(mktemp -d)
export WESHOPD_DEV_DIR=$tmp/dev WESHOPD_BUILD_DIR=$build_dir
export SIM_PENDING_MS=200 SIM_SEGMENTING_MS=200 SIM_RUNNING_MS=300
cleanup() { (cd "$source_dir" && bash deploy/dev-down.sh >/dev/null 2>&1); rm -rf "$tmp"; }
trap cleanup EXIT

block=$(awk '/<!-- first-job -->/ {armed=1; next}
             armed && /^```/ { if (inside) exit; inside=1; next }
             inside { print }' "$source_dir/README.md")
[[ -n $block ]] || { echo "FAIL: no fenced block after <!-- first-job --> in README.md"; exit 1; }
grep -q 'deploy/dev-up.sh' <<<"$block" || { echo "FAIL: the first-job block does not start the dev stack"; exit 1; }

{
  echo 'set -euo pipefail'
  # The block's build/default/ is the README reader's build; here, the one under test.
  sed "s#build/default/#$build_dir/#g" <<<"$block"
  cat <<'CHECK'
# The curl job must end succeeded.
for _ in $(seq 60); do
  final=$(curl -fsS "$api/v1/jobs/$id?wait=5")
  state=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["state"])' "$final")
  case $state in succeeded|failed|canceled) break ;; esac
done
echo "first job: $id $state"
[[ $state == succeeded ]] || { echo "FAIL: the README's first job ended $state: $final"; exit 1; }
# Pictures by default: its result is copied to this machine (localUrl), shortly after.
for _ in $(seq 50); do
  final=$(curl -fsS "$api/v1/jobs/$id")
  python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["results"][0].get("localUrl") else 1)' "$final" && break
  sleep 0.2
done
python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["results"][0].get("localUrl") else 1)' "$final" \
  || { echo "FAIL: the README's first job has no local copy of its result: $final"; exit 1; }
curl -fsS -o /dev/null "$api$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["results"][0]["localUrl"])' "$final")"
echo "its result is served by weshopd"
CHECK
} >"$tmp/first_job.sh"

start=$(date +%s)
if ! (cd "$source_dir" && timeout 120 bash "$tmp/first_job.sh") >"$tmp/out" 2>&1; then
  cat "$tmp/out"
  echo "--- the block as run:"; cat "$tmp/first_job.sh"
  for log in "$tmp"/dev/state.*/weshopd.log; do [[ -f $log ]] && { echo "--- $log"; tail -30 "$log"; }; done
  echo "FAIL: the README's first-job block did not run to a succeeded job"
  exit 1
fi
tail -3 "$tmp/out"
echo "took $(( $(date +%s) - start )) s"
echo "1 passed, 0 failed"
