#!/usr/bin/env bash
# deploy/install.sh into a staging root: every file where a package would put
# it, with its mode; a config already there is kept; the installed binary
# accepts the installed config as systemd would run it.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

DESTDIR=$stage WESHOPD_BUILD_DIR=$build bash "$src/deploy/install.sh" >/dev/null
fail() { echo "install_test: $*"; exit 1; }
mode() { stat -c %a "$stage$1"; }
[[ $(mode /usr/local/bin/weshopd) == 755 ]] || fail "binary mode"
[[ $(mode /usr/local/bin/weshopctl) == 755 ]] || fail "weshopctl mode"
"$stage/usr/local/bin/weshopctl" --help >/dev/null || fail "weshopctl --help"
[[ $(mode /etc/systemd/system/weshopd.service) == 644 ]] || fail "unit mode"
[[ $(mode /etc/weshopd/credentials) == 700 ]] || fail "credentials directory mode"
[[ -f $stage/usr/local/share/weshopd/nginx/weshopd-callbacks.conf ]] || fail "nginx site"
[[ $(mode /usr/lib/sysusers.d/weshopd.conf) == 644 ]] || fail "sysusers.d file mode"
cmp -s "$src/deploy/systemd/weshopd.sysusers" "$stage/usr/lib/sysusers.d/weshopd.conf" || fail "sysusers.d file"
[[ ! -e $stage/etc/group ]] || fail "a staged install must not create the group (the package's sysusers step does)"
grep -q '^ExecStart=/usr/local/bin/weshopd --config /etc/weshopd/weshopd.conf$' "$stage/etc/systemd/system/weshopd.service" || fail "ExecStart"
cmp -s "$src/config/weshopd.conf" "$stage/etc/weshopd/weshopd.conf" || fail "config"
for page in man8/weshopd.8 man1/weshopctl.1 man5/weshopd.conf.5; do
  [[ $(mode /usr/local/share/man/$page) == 644 ]] || fail "man page $page"
done
[[ $(mode /usr/local/share/bash-completion/completions/weshopctl) == 644 ]] || fail "bash completion"
bash -c "source '$stage/usr/local/share/bash-completion/completions/weshopctl' && complete -p weshopctl" >/dev/null \
  || fail "the installed completion does not register"

echo '# mine' >>"$stage/etc/weshopd/weshopd.conf"
DESTDIR=$stage WESHOPD_BUILD_DIR=$build bash "$src/deploy/install.sh" >/dev/null
grep -q '^# mine$' "$stage/etc/weshopd/weshopd.conf" || fail "a second install replaced the operator's config"

STATE_DIRECTORY=$stage/var/lib/weshopd "$stage/usr/local/bin/weshopd" --config "$stage/etc/weshopd/weshopd.conf" \
  --check-config >/dev/null || fail "the installed config does not load"
echo "install_test: ok"
