#!/usr/bin/env bash
# docs/configuration.md is what `weshopd --print-config-reference` prints from
# the settings table: a setting changed in the code and not in the docs (or the
# other way round) fails here, with the command that brings them together.
set -u
weshopd=$1 source_dir=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$weshopd" --print-config-reference >"$tmp/printed.md" || { echo "FAIL: weshopd --print-config-reference failed"; exit 1; }
if ! diff -u "$source_dir/docs/configuration.md" "$tmp/printed.md" >"$tmp/diff"; then
  head -80 "$tmp/diff"
  echo "FAIL: docs/configuration.md differs from what the built weshopd prints (diff above: - committed, + printed)."
  echo "Regenerate it from the source tree after building:"
  echo "  build/default/daemon/weshopd --print-config-reference > docs/configuration.md"
  exit 1
fi
# The reference does not depend on the environment or a config file.
WESHOPD_API_LISTEN=0.0.0.0:1 "$weshopd" --config /nonexistent --print-config-reference | cmp -s - "$tmp/printed.md" \
  || { echo "FAIL: the printed reference changed with the environment"; exit 1; }
echo "1 passed, 0 failed"
