#!/usr/bin/env bash
# Builds the Debian package weshopd_<version>-<revision>_amd64.deb from the
# build in build/default (the version is CMake's project(VERSION), the one
# `weshopd --version` prints), building only what is missing, and prints its path.
#   bash deploy/package.sh                 # revision 1
#   bash deploy/package.sh --revision 2    # the same version, a later package (upgrades)
#
# Why CPack's DEB generator and not debhelper: the install() rules CMake already
# has (binaries, man pages, completion) are the package's contents as they are,
# the package reuses build/default instead of building again in a debian/ tree,
# and it needs no source package (debian/rules, dpkg-buildpackage, build-deps)
# for a daemon that is installed, not uploaded to Debian. What debhelper would
# add is written down instead: the maintainer scripts (deploy/debian/postinst,
# prerm, postrm follow dh_installsystemd's deb-systemd-helper patterns), the
# conffiles list, stripping, gzipped man pages and changelog
# (deploy/debian/stage.cmake), and Depends from dpkg-shlibdeps. lintian checks
# the result (tests/integration/package_test.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WESHOPD_BUILD_DIR:-$root/build/default}
revision=
while (($#)); do
  case $1 in
    --revision) revision=$2; shift 2 ;;
    *) echo "usage: package.sh [--revision N]" >&2; exit 2 ;;
  esac
done

if [[ ! -f $build/CPackConfig.cmake ]]; then
  (cd "$root" && cmake --preset default) >/dev/null
fi
# Only the packaged targets (a no-op when they are up to date).
cmake --build "$build" --target weshopd weshopctl weshopd_man_pages >/dev/null

cd "$build"
rm -rf package
WESHOPD_DEB_REVISION=$revision cpack -G DEB --config CPackConfig.cmake >cpack.log 2>&1 \
  || { cat cpack.log >&2; exit 1; }
deb=$(ls package/weshopd_*_amd64.deb)
echo "$build/$deb"
