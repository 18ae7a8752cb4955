#!/usr/bin/env bash
# The whole test suite: installs dependencies, then configures, builds and runs
# ctest for each preset (default: RelWithDebInfo with -Werror; asan: Address +
# UndefinedBehavior sanitizers; tsan: the unit tests under ThreadSanitizer;
# fuzz: every libFuzzer target over its corpus
# and 10 s of new inputs). Exits non-zero on the first failure.
# WESHOPD_LONG_TESTS=1: the long variants (chaos with 2,000 jobs and 10 kills,
# a 10-minute outage, 60 s per fuzz target).
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh

# ccache: let clones in other folders (CI's fresh clone) hit the same cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
jobs=$(nproc)
if [[ ${WESHOPD_LONG_TESTS:-0} == 1 ]]; then
  export WESHOPD_FUZZ_SECONDS=${WESHOPD_FUZZ_SECONDS:-60}
fi
for preset in default asan tsan fuzz; do
  echo "=== preset $preset ==="
  cmake --preset "$preset"
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" --output-on-failure -j "$jobs"
done
command -v ccache >/dev/null && ccache --show-stats | grep -Ei 'hit|miss' || true
