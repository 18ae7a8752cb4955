#!/usr/bin/env bash
# Installs weshopd the way a package would: the binary, the systemd unit and
# its sysusers.d group, the documented config (kept if one is there), an empty
# credentials directory, the nginx site, the man pages and weshopctl's bash
# completion. Builds first when needed.
#   DESTDIR=/tmp/stage bash deploy/install.sh   # staged (packaging, tests)
#   PREFIX=/usr/local (default)
# Then: put the WeShop key in /etc/weshopd/credentials/weshop_api_key (mode 600)
# and `systemctl enable --now weshopd`; socket clients: usermod -aG weshopd-clients USER.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${DESTDIR:-}
prefix=${PREFIX:-/usr/local}
build=${WESHOPD_BUILD_DIR:-$root/build/default}

if [[ ! -x $build/daemon/weshopd || ! -x $build/daemon/weshopctl || ! -f $build/man/weshopd.8 ]]; then
  bash "$root/deploy/install-deps.sh"
  (cd "$root" && cmake --preset default && cmake --build --preset default --target weshopd weshopctl weshopd_man_pages)
fi

install -D -m 0755 "$build/daemon/weshopd" "$dest$prefix/bin/weshopd"
install -D -m 0755 "$build/daemon/weshopctl" "$dest$prefix/bin/weshopctl"
install -d -m 0755 "$dest/etc/systemd/system"
sed "s|/usr/local/bin/weshopd|$prefix/bin/weshopd|" "$root/deploy/systemd/weshopd.service" \
  >"$dest/etc/systemd/system/weshopd.service"
chmod 0644 "$dest/etc/systemd/system/weshopd.service"
install -d -m 0755 "$dest/etc/weshopd"
[[ -e $dest/etc/weshopd/weshopd.conf ]] || install -m 0644 "$root/config/weshopd.conf" "$dest/etc/weshopd/weshopd.conf"
install -d -m 0700 "$dest/etc/weshopd/credentials"
# The group of local API clients (Group= in the unit): sysusers.d creates it at
# boot and, below, now.
install -D -m 0644 "$root/deploy/systemd/weshopd.sysusers" "$dest/usr/lib/sysusers.d/weshopd.conf"
install -D -m 0644 "$root/deploy/nginx/weshopd-callbacks.conf" "$dest$prefix/share/weshopd/nginx/weshopd-callbacks.conf"
install -D -m 0644 "$root/README.md" "$dest$prefix/share/doc/weshopd/README.md"
# man weshopd, man weshopctl, man weshopd.conf (built from docs/man/), and weshopctl's bash completion.
for page in weshopd.8 weshopctl.1 weshopd.conf.5; do
  install -D -m 0644 "$build/man/$page" "$dest$prefix/share/man/man${page##*.}/$page"
done
install -D -m 0644 "$root/deploy/completion/weshopctl.bash" "$dest$prefix/share/bash-completion/completions/weshopctl"

if [[ -z $dest ]] && command -v systemd-sysusers >/dev/null; then
  systemd-sysusers /usr/lib/sysusers.d/weshopd.conf
fi
if [[ -z $dest && -d /run/systemd/system ]]; then
  systemctl daemon-reload
fi
echo "install: weshopd and weshopctl in $dest$prefix/bin; unit in $dest/etc/systemd/system; config in $dest/etc/weshopd"
if [[ ! -s $dest/etc/weshopd/credentials/weshop_api_key ]]; then
  echo "install: next, put the WeShop key in /etc/weshopd/credentials/weshop_api_key (mode 600), then: systemctl enable --now weshopd"
fi
