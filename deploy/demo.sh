#!/usr/bin/env bash
# The newcomer's demo: installs dependencies, builds, starts weshop-sim and
# weshopd (deploy/dev-up.sh), submits one job per agent with curl (aipose from
# a local image file, which weshopd uploads first), and follows each from
# queued to succeeded. The stack is stopped at the end unless KEEP_RUNNING=1.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 # a clone elsewhere reuses the cache (as deploy/test.sh)
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target weshopd weshop-sim

stack=$(bash deploy/dev-up.sh)
echo "stack: $stack"
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval("d"+sys.argv[2]))' "$1" "$2"; }
api=$(field "$stack" '["api"]')
state=$(field "$stack" '["state_dir"]')
[[ ${KEEP_RUNNING:-0} == 1 ]] || trap 'bash deploy/dev-down.sh' EXIT

# A small real PNG in the allowed uploads root.
python3 - "$state/images/shirt.png" <<'PY'
import struct, sys, zlib
w = h = 16
raw = b"".join(b"\x00" + b"\x30\x60\xc0\xff" * w for _ in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY

url=https://ai-image.weshop.ai/example.png
bodies=(
  '{"agent":{"name":"aimodel","version":"v1.0"},"input":{"originalImage":"'$url'"},"params":{"generatedContent":"freeCreation","maskType":"autoApparelSegment","textDescription":"street style fashion photo","batchCount":1}}'
  '{"agent":{"name":"aiproduct","version":"v1.0"},"input":{"originalImage":"'$url'"},"params":{"generatedContent":"referToOrigin","maskType":"autoSubjectSegment","locationId":1,"batchCount":1}}'
  '{"agent":{"name":"aipose","version":"v1.0"},"input":{"originalImage":"'$state'/images/shirt.png"},"params":{"textDescription":"hands on hips","batchCount":2}}'
  '{"agent":{"name":"expandimage","version":"v1.0"},"input":{"originalImage":"'$url'"},"params":{"targetWidth":2048,"targetHeight":2048,"batchCount":1}}'
  '{"agent":{"name":"removeBG","version":"v1.0"},"input":{"originalImage":"'$url'"},"params":{"maskType":"autoSubjectSegment","backgroundHex":"#ced2ce","batchCount":1}}'
  '{"agent":{"name":"virtualtryon","version":"v1.0"},"input":{"originalImage":"'$url'"},"params":{"generateVersion":"weshopFlash","descriptionType":"auto","batchCount":1}}'
)
ids=()
for body in "${bodies[@]}"; do
  job=$(curl -fsS -X POST -H 'Content-Type: application/json' --data "$body" "$api/v1/jobs")
  ids+=("$(field "$job" '["id"]')")
  echo "submitted $(field "$job" '["agent"]["name"]') -> $(field "$job" '["id"]') ($(field "$job" '["state"]'))"
done

status=0
for id in "${ids[@]}"; do
  for _ in $(seq 30); do
    job=$(curl -fsS "$api/v1/jobs/$id?wait=5")
    state_now=$(field "$job" '["state"]')
    [[ $state_now == succeeded || $state_now == failed || $state_now == canceled ]] && break
  done
  echo "$(field "$job" '["agent"]["name"]'): $state_now $(field "$job" '[ "results" ]' | python3 -c 'import ast,sys; print(" ".join(r["image"] for r in ast.literal_eval(sys.stdin.read())))')"
  [[ $state_now == succeeded ]] || status=1
done
((status == 0)) && echo "demo: all six jobs succeeded" || echo "demo: some jobs did not succeed (see $state/weshopd.log)"
if [[ ${KEEP_RUNNING:-0} == 1 ]]; then
  echo "dashboard: $api/ui/ (bash deploy/dev-down.sh stops the stack)"
else
  echo "dashboard: KEEP_RUNNING=1 bash deploy/demo.sh leaves the stack running; then open $api/ui/"
fi
exit $status
