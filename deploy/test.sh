#!/usr/bin/env bash
# The whole test suite: installs dependencies, then configures, builds and runs
# ctest for both presets (default: RelWithDebInfo with -Werror; asan: Address +
# UndefinedBehavior sanitizers). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh

# ccache: let clones in other folders (CI's fresh clone) hit the same cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
jobs=$(nproc)
for preset in default asan; do
  echo "=== preset $preset ==="
  cmake --preset "$preset"
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" --output-on-failure -j "$jobs"
done
command -v ccache >/dev/null && ccache --show-stats | grep -Ei 'hit|miss' || true
