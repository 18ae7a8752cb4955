#!/usr/bin/env bash
# The Debian package as an operator meets it: deploy/package.sh builds it from
# the build directory; lintian finds nothing (tags it must accept are
# overridden, with reasons, in deploy/debian/lintian-overrides); `dpkg -i`
# installs it on this machine (root; without a running systemd the maintainer
# scripts enable the unit and start nothing); the installed weshopd accepts
# the installed config and weshopctl runs; an upgrade keeps an edited
# conffile; `dpkg --purge` leaves nothing behind. A trap purges it whatever
# happens, and removes the weshopd-clients group when this test created it.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
fail() { echo "package_test: FAIL: $*"; exit 1; }

if [[ $(id -u) != 0 ]]; then
  echo "package_test: not root: dpkg -i cannot run here; skipped"; exit 77
fi
for tool in dpkg lintian cpack; do
  command -v $tool >/dev/null || fail "$tool is missing (deploy/install-deps.sh installs it)"
done

installed() { dpkg-query -W -f='${Status}' weshopd 2>/dev/null | grep -q 'install ok installed\|config-files'; }
had_group=no; getent group weshopd-clients >/dev/null && had_group=yes
tmp=$(mktemp -d)
lintian_pid=
cleanup() {
  [[ -z $lintian_pid ]] || { kill "$lintian_pid" 2>/dev/null; wait "$lintian_pid" 2>/dev/null; }
  dpkg-query -W weshopd >/dev/null 2>&1 && dpkg --purge weshopd >/dev/null 2>&1
  [[ $had_group == yes ]] || ! getent group weshopd-clients >/dev/null || groupdel weshopd-clients
  rm -rf "$tmp"
}
# A previous run that died left the package installed: start clean.
if dpkg-query -W weshopd >/dev/null 2>&1; then
  echo "package_test: weshopd was left installed (a previous run?): purging it first"
  dpkg --purge weshopd >/dev/null || fail "could not purge the leftover package"
  had_group=no   # that run's package made the group, so this run removes it
fi
trap cleanup EXIT

# Build revision 1 and 2 of the same version; 2 is the upgrade.
deb1=$(WESHOPD_BUILD_DIR=$build bash "$src/deploy/package.sh") || fail "package.sh failed"
cp "$deb1" "$tmp/" && deb1=$tmp/$(basename "$deb1")
# lintian (the slowest step) reads revision 1 while revision 2 is built.
lintian --fail-on error,warning "$deb1" >"$tmp/lintian" 2>&1 &
lintian_pid=$!
deb2=$(WESHOPD_BUILD_DIR=$build bash "$src/deploy/package.sh" --revision 2) || fail "package.sh --revision 2 failed"
version=$(sed -n 's/^project(weshopd VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[[ $(basename "$deb1") == "weshopd_${version}-1_amd64.deb" ]] || fail "package name $(basename "$deb1"), wanted weshopd_${version}-1_amd64.deb"
[[ $(basename "$deb2") == "weshopd_${version}-2_amd64.deb" ]] || fail "revision 2 is named $(basename "$deb2")"

# lintian: no errors, no warnings.
wait $lintian_pid || fail "lintian: $(cat "$tmp/lintian")"
lintian_pid=
grep -E '^[EW]: ' "$tmp/lintian" && fail "lintian reports the tags above"

dpkg -i "$deb1" >"$tmp/install" 2>&1 || fail "dpkg -i: $(cat "$tmp/install")"
grep -q '/etc/weshopd/credentials/weshop_api_key' "$tmp/install" \
  || fail "no message saying where the key goes: $(cat "$tmp/install")"
[[ -x /usr/bin/weshopd && -x /usr/bin/weshopctl ]] || fail "binaries not installed"
grep -q '^ExecStart=/usr/bin/weshopd --config /etc/weshopd/weshopd.conf$' /lib/systemd/system/weshopd.service \
  || fail "the unit's ExecStart does not name the packaged binary"
[[ $(stat -c %a /etc/weshopd/credentials) == 700 ]] || fail "credentials directory (tmpfiles.d) missing or not 0700"
getent group weshopd-clients >/dev/null || fail "the weshopd-clients group (sysusers.d) was not created"
[[ -L /etc/systemd/system/multi-user.target.wants/weshopd.service ]] || fail "the unit is not enabled"
grep -qx /etc/weshopd/weshopd.conf /var/lib/dpkg/info/weshopd.conffiles || fail "weshopd.conf is not a conffile"
for page in weshopd.8 weshopctl.1 weshopd.conf.5; do
  man -w "${page%.*}" >/dev/null 2>&1 || [[ -f /usr/share/man/man${page##*.}/$page.gz ]] || fail "man page $page"
done
/usr/bin/weshopd --version | grep -q "$version" || fail "weshopd --version does not say $version"
# The check the postinst's message suggests, as printed there.
check=$(sed -n 's/^  \(STATE_DIRECTORY=.*--check-config\)$/\1/p' "$tmp/install")
[[ -n $check ]] || fail "the postinst's message does not say how to check the config"
check=${check#STATE_DIRECTORY=* }   # "weshopd --config ...": run the installed one
[[ $check == weshopd\ * ]] || fail "unexpected check command: $check"
STATE_DIRECTORY=$tmp/state /usr/bin/$check >"$tmp/out" 2>&1 \
  || fail "the installed config does not load: $(cat "$tmp/out")"
grep -q 'configuration is valid' "$tmp/out" || fail "--check-config did not confirm: $(cat "$tmp/out")"
/usr/bin/weshopctl --help >/dev/null || fail "weshopctl --help"

# An operator's edit survives an upgrade (a conffile dpkg keeps).
echo '# mine' >>/etc/weshopd/weshopd.conf
dpkg -i --force-confold "$deb2" >"$tmp/upgrade" 2>&1 || fail "upgrade: $(cat "$tmp/upgrade")"
[[ $(dpkg-query -W -f='${Version}' weshopd) == "${version}-2" ]] || fail "the upgrade did not install revision 2"
grep -qx '# mine' /etc/weshopd/weshopd.conf || fail "the upgrade replaced the edited config"
STATE_DIRECTORY=$tmp/state /usr/bin/weshopd --config /etc/weshopd/weshopd.conf --check-config >/dev/null 2>&1 \
  || fail "the upgraded package does not load the kept config"

# Purge: every packaged file gone, /etc/weshopd and the enablement too.
dpkg -L weshopd | grep -v '^/\.$' >"$tmp/files"
dpkg --purge weshopd >"$tmp/purge" 2>&1 || fail "purge: $(cat "$tmp/purge")"
dpkg-query -W weshopd >/dev/null 2>&1 && fail "dpkg still knows weshopd after the purge"
while read -r f; do
  [[ (-e $f || -L $f) && ! -d $f ]] && fail "$f is left after the purge"
done <"$tmp/files"
[[ ! -e /etc/weshopd ]] || fail "/etc/weshopd is left after the purge"
[[ ! -e /usr/share/doc/weshopd ]] || fail "/usr/share/doc/weshopd is left after the purge"
[[ ! -e /etc/systemd/system/multi-user.target.wants/weshopd.service ]] || fail "the enablement link is left"
[[ ! -e /etc/systemd/system/weshopd.service ]] || fail "a mask is left"
echo "package_test: ok"
