#!/usr/bin/env bash
# weshopd --check-config, as an operator runs it: a valid file passes, a bad
# one fails naming the key, and nothing is opened or started either way.
set -u
weshopd=$1 source_dir=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

STATE_DIRECTORY=$tmp "$weshopd" --config "$source_dir/config/weshopd.conf" --check-config >"$tmp/out" 2>&1 \
  || fail "the documented example should pass: $(cat "$tmp/out")"
grep -q 'configuration is valid' "$tmp/out" || fail "no confirmation printed"

printf '[limits]\nmax_body = "lots"\n[stroe]\npath = "x"\n' >"$tmp/bad.conf"
STATE_DIRECTORY=$tmp "$weshopd" --config "$tmp/bad.conf" --check-config >"$tmp/out" 2>&1 && fail "a bad file passed"
grep -q 'limits.max_body' "$tmp/out" || fail "the bad key is not named: $(cat "$tmp/out")"
grep -q 'stroe.path' "$tmp/out" || fail "the unknown key is not named: $(cat "$tmp/out")"

STATE_DIRECTORY=$tmp WESHOPD_API_LISTEN=nowhere "$weshopd" --check-config >"$tmp/out" 2>&1 && fail "a bad env value passed"
grep -q 'api.listen' "$tmp/out" || fail "the env key is not named"
[[ -e $tmp/weshopd.db ]] && fail "--check-config created the database"
# A root the sandbox hides (here: one that does not exist under /home) fails
# naming the key and the unit setting; the daemon itself stops there too,
# before it opens its socket or its database.
hidden=/home/weshopd-check-absent-$$/images
STATE_DIRECTORY=$tmp WESHOPD_UPLOADS_ROOTS=$hidden "$weshopd" --check-config >"$tmp/out" 2>&1 && fail "a hidden root passed"
grep -q "uploads.roots: $hidden cannot be opened as a directory" "$tmp/out" || fail "the root is not named: $(cat "$tmp/out")"
grep -q 'ProtectHome=' "$tmp/out" || fail "the unit setting is not named: $(cat "$tmp/out")"
port=$((20000 + $$ % 20000))
STATE_DIRECTORY=$tmp WESHOP_API_KEY=k WESHOPD_API_LISTEN=127.0.0.1:$port WESHOPD_UPLOADS_ROOTS=$hidden \
  timeout 10 "$weshopd" >"$tmp/out" 2>&1
rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "weshopd started with a hidden root (exit $rc)"
grep -q 'ProtectHome=' "$tmp/out" || fail "weshopd did not say why: $(cat "$tmp/out")"
[[ -e $tmp/weshopd.db ]] && fail "weshopd opened the database before refusing the root"
# The sandbox itself, where a mount namespace may be made (root): /home
# read-only as ProtectHome=read-only leaves it, and inaccessible to a
# non-root user as ProtectHome=yes does.
if unshare -m true 2>/dev/null; then
  chmod 755 "$tmp"
  unshare -m sh -c "mount -t tmpfs -o ro tmpfs /home && STATE_DIRECTORY=$tmp WESHOPD_UPLOADS_DIR=/home/alice/uploads \
    '$weshopd' --check-config" >"$tmp/out" 2>&1 && fail "an uploads.dir on a read-only /home passed"
  grep -q 'uploads.dir: /home/alice/uploads cannot be created (Read-only file system).*ReadWritePaths=' "$tmp/out" \
    || fail "a read-only uploads.dir is not explained: $(cat "$tmp/out")"
  unshare -m sh -c "mount -t tmpfs -o ro,mode=000 tmpfs /home && setpriv --reuid=65534 --regid=65534 --clear-groups \
    env STATE_DIRECTORY=$tmp WESHOPD_UPLOADS_ROOTS=/home/alice/shop '$weshopd' --check-config" >"$tmp/out" 2>&1 \
    && fail "a root in an inaccessible /home passed"
  grep -q 'uploads.roots: /home/alice/shop cannot be opened as a directory (Permission denied).*ProtectHome=yes' \
    "$tmp/out" || fail "an inaccessible root is not explained: $(cat "$tmp/out")"
else
  echo "no mount namespace here: the read-only and inaccessible /home cases were not run"
fi
echo "1 passed, 0 failed"
