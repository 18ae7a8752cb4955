#!/usr/bin/env bash
# Every route in openapi/weshopd.yaml and every configuration key weshopd knows
# (weshopd --print-config-reference) is named somewhere in the docs a person
# reads: README.md, docs/configuration.md or the man pages (docs/man/*.scd).
# Usage: readme_routes_test.sh WESHOPD SOURCE_DIR
set -uo pipefail
weshopd=$1 source_dir=$2
docs=("$source_dir/README.md" "$source_dir/docs/configuration.md" "$source_dir"/docs/man/*.scd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat "${docs[@]}" >"$tmp/docs"
failed=0 checked=0

routes=$(grep -E '^  /[^:]*:\s*$' "$source_dir/openapi/weshopd.yaml" | sed -E 's/^  (.*):\s*$/\1/')
[[ -n $routes ]] || { echo "FAIL: no paths found in openapi/weshopd.yaml"; exit 1; }
while IFS= read -r route; do
  checked=$((checked + 1))
  grep -qF -- "$route" "$tmp/docs" || { echo "FAIL: route $route (openapi/weshopd.yaml) is in no doc"; failed=$((failed + 1)); }
done <<<"$routes"

"$weshopd" --print-config-reference >"$tmp/reference" || { echo "FAIL: weshopd --print-config-reference failed"; exit 1; }
keys=$(sed -nE 's/^### `([a-z_]+\.[a-z_.]+)`$/\1/p' "$tmp/reference")
[[ $(wc -l <<<"$keys") -ge 20 ]] || { echo "FAIL: fewer than 20 keys read from the printed reference"; exit 1; }
while IFS= read -r key; do
  checked=$((checked + 1))
  grep -qF -- "$key" "$tmp/docs" || { echo "FAIL: config key $key is in no doc"; failed=$((failed + 1)); }
done <<<"$keys"

echo "$((checked - failed)) passed, $failed failed"
((failed == 0))
