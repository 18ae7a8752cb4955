#!/usr/bin/env bash
# deploy/systemd/weshopd.service passes `systemd-analyze verify` and scores an
# exposure of at most 2.0 ("OK") in `systemd-analyze security`, offline (no
# running systemd needed); it has the limits and the client group of #18. Usage: systemd_unit_test.sh WESHOPD_BINARY SOURCE_DIR
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

# The limits and the socket group of issue #18, each on its own line.
for directive in LimitCORE=0 'MemoryMax=[0-9]+[KMGT]?' 'TasksMax=[0-9]+' Group=weshopd-clients \
                 ProtectHome=read-only RuntimeDirectoryMode=0750; do
  grep -Eq "^$directive\$" "$work/weshopd.service" || { echo "the unit lacks $directive"; exit 1; }
done
# systemctl reload sends SIGHUP (the daemon re-reads its config and token files).
grep -Fxq 'ExecReload=/bin/kill -HUP $MAINPID' "$work/weshopd.service" || { echo "the unit lacks ExecReload"; exit 1; }
# The group the unit names is the one the sysusers.d file creates, and that
# file is what systemd-sysusers accepts.
group=$(sed -n 's/^Group=//p' "$work/weshopd.service")
grep -Eq "^g[[:space:]]+$group[[:space:]]" "$src/deploy/systemd/weshopd.sysusers" || {
  echo "deploy/systemd/weshopd.sysusers does not create $group"; exit 1
}
mkdir -p "$work/root/etc"
systemd-sysusers --root="$work/root" "$src/deploy/systemd/weshopd.sysusers" >/dev/null 2>&1 || {
  echo "systemd-sysusers refuses deploy/systemd/weshopd.sysusers"; exit 1
}
grep -q "^$group:" "$work/root/etc/group" || { echo "systemd-sysusers did not create $group"; exit 1; }
# DynamicUser= refuses a static group named like its user (the unit's name).
[[ $group != weshopd ]] || { echo "Group= must not be the dynamic user's own name"; exit 1; }

report=$(systemd-analyze security --offline=true --threshold=20 "$work/weshopd.service" 2>&1) || {
  echo "$report" | grep -E '^✗|Overall'; echo "exposure above 2.0"; exit 1
}
echo "$report" | grep Overall
