#!/usr/bin/env bash
# config/weshopd.conf, the documented example, names every setting weshopd
# knows (set, or commented out as "# key = value" in its [section]) and no
# setting it does not know. The known keys are the reference's (### `key`).
# The check is also shown to refuse a copy with a key too many and one too few.
set -u
weshopd=$1 source_dir=$2
conf=$source_dir/config/weshopd.conf
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$weshopd" --print-config-reference | sed -n 's/^### `\([a-z_]*\.[a-z_]*\)`$/\1/p' | sort >"$tmp/known"
[[ -s $tmp/known ]] || { echo "FAIL: no keys in weshopd --print-config-reference"; exit 1; }

# Prints what is wrong with FILE's keys; fails when anything is.
check() {
  # "[section]" starts a section; "key = ..." or "# key = ..." names section.key.
  awk '/^\[[a-z_]+\][[:space:]]*(#.*)?$/ { section = substr($1, 2, length($1) - 2); next }
       match($0, /^(#[[:space:]]*)?[a-z_]+[[:space:]]*=/) {
         line = substr($0, 1, RLENGTH - 1); sub(/^#[[:space:]]*/, "", line); sub(/[[:space:]]+$/, "", line)
         print section "." line
       }' "$1" | sort -u >"$tmp/named"
  local unknown missing
  unknown=$(comm -13 "$tmp/known" "$tmp/named")
  missing=$(comm -23 "$tmp/known" "$tmp/named")
  [[ -z $unknown ]] || { echo "keys weshopd does not know:"; echo "$unknown" | sed 's/^/  /'; }
  [[ -z $missing ]] || { echo "keys not named (add them, set or as '# key = value' in their section):"
                         echo "$missing" | sed 's/^/  /'; }
  [[ -z $unknown && -z $missing ]]
}

check "$conf" >"$tmp/report" || { echo "FAIL: config/weshopd.conf:"; cat "$tmp/report"; exit 1; }
named=$(wc -l <"$tmp/named")

# The check itself: a made-up key and a dropped one are both named.
sed -e 's/^\[api\]$/[api]\n# listen_twice = "x"/' -e '/^heartbeat_seconds = /d' "$conf" >"$tmp/broken.conf"
check "$tmp/broken.conf" >"$tmp/report" && { echo "FAIL: the check passed a broken copy"; exit 1; }
grep -q 'api.listen_twice' "$tmp/report" && grep -q 'api.heartbeat_seconds' "$tmp/report" \
  || { echo "FAIL: the check did not name both faults:"; cat "$tmp/report"; exit 1; }
echo "$named keys named, all known; 1 passed, 0 failed"
