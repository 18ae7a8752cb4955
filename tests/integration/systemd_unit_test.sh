#!/usr/bin/env bash
# deploy/systemd/weshopd.service passes `systemd-analyze verify` and scores an
# exposure of at most 2.0 ("OK") in `systemd-analyze security`, offline (no
# running systemd needed). Usage: systemd_unit_test.sh WESHOPD_BINARY SOURCE_DIR
set -euo pipefail
binary=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# verify wants the ExecStart binary to exist: point it at the one just built.
sed "s|/usr/local/bin/weshopd|$binary|" "$src/deploy/systemd/weshopd.service" >"$work/weshopd.service"
out=$(systemd-analyze verify "$work/weshopd.service" 2>&1) || { echo "$out"; exit 1; }
if [[ -n $out ]]; then
  echo "systemd-analyze verify is not clean:"; echo "$out"; exit 1
fi

report=$(systemd-analyze security --offline=true --threshold=20 "$work/weshopd.service" 2>&1) || {
  echo "$report" | grep -E '^✗|Overall'; echo "exposure above 2.0"; exit 1
}
echo "$report" | grep Overall
