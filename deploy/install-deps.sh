#!/usr/bin/env bash
# Installs every build and test dependency of weshopd from Debian 12's archive.
# Idempotent: re-running it only checks that everything is present.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (Boost 1.81, not Debian's default 1.74)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev libsystemd-dev libcli11-dev libtomlplusplus-dev
  # a batch's ZIP archive (lib/mirror/batch_archive)
  libzip-dev
  # tests (nginx: the callback proxy test runs a real one, started by the test)
  libgtest-dev libgmock-dev googletest nginx-light
  # the PostgreSQL backend's tests start their own server (initdb/pg_ctl in a temp dir);
  # the client tools hold pg_dump/pg_restore (the backup recipe's test)
  postgresql-15 postgresql-client-15
  # promtool checks the /metrics text (the Prometheus server itself is never started)
  prometheus
  # systemd-analyze checks the unit (offline; no running systemd needed)
  systemd
  # fuzzing: clang with libFuzzer
  clang libclang-rt-14-dev
  # the Debian package (deploy/package.sh) is checked by lintian
  lintian
  # tools the scripts use
  curl python3 procps
  # the man pages are built from scdoc sources (docs/man/); man-db renders them in their test
  scdoc man-db
  # weshopctl watch is tested in a real terminal
  tmux
  # the dashboard is tested in a real browser (driven by puppeteer-core from npm)
  chromium
  # benchmarks (bench/run.sh; the suite runs its --quick smoke test)
  wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Install, but start no service (nginx would take port 80): tests run their own.
  blocker=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    blocker=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$blocker" && chmod +x "$blocker"
  fi
  trap '[[ -z $blocker ]] || rm -f "$blocker"' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi

# Node.js tools from the npm registry: the OpenAPI linter (@redocly/cli) and the
# response checker's JSON Schema validator (openapi/), and puppeteer-core for
# the dashboard's browser test (tests/ui/).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
# Each folder's packages are pinned by its package-lock.json; puppeteer-core
# never downloads a browser (it drives Debian's /usr/bin/chromium).
root="$(cd "$(dirname "$0")/.." && pwd)"
for folder in openapi tests/ui; do
  dir=$root/$folder
  if [[ ! -e $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "install-deps: npm ci in $folder/"
    (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
done
