#!/usr/bin/env bash
# The newcomer's demo: installs dependencies, builds weshopd, and starts it.
# Until the service lands (issue #4) weshopd only creates and migrates its
# job store and says so; then this script will start weshop-sim + weshopd and
# follow one job from queued to succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target weshopd

state_dir=$(mktemp -d /tmp/weshopd-demo.XXXXXX)
STATE_DIRECTORY="$state_dir" ./build/default/daemon/weshopd
echo "demo: state in $state_dir"
