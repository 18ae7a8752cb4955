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
echo "1 passed, 0 failed"
