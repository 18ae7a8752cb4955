#!/usr/bin/env bash
# Runs one fuzz target: over its seed corpus, then for WESHOPD_FUZZ_SECONDS
# (default 10; CI-long mode: 60 or more) of new inputs. Any crash, leak,
# sanitizer report or timeout fails; the input that did it is kept in
# build/fuzz/findings/ to become a regression seed.
# Usage: run.sh FUZZ_BINARY CORPUS_DIR
set -euo pipefail
binary=$1
corpus=$2
findings=$(dirname "$binary")/findings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$findings"
cp -r "$corpus"/. "$work"/ 2>/dev/null || true
"$binary" -max_total_time="${WESHOPD_FUZZ_SECONDS:-10}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$findings/$(basename "$binary")-" -print_final_stats=1 "$work" 2>&1 | tail -15
