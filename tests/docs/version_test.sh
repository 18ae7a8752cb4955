#!/usr/bin/env bash
# --version says the version CMake's project() gives and the git commit the
# binaries were built from; the generator of that one source (build_info.cmake)
# says "unknown" outside a git tree and leaves the file alone when nothing changed.
set -u
weshopd=$1 weshopctl=$2 version=$3 source_dir=$4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

commits=()
for binary in "$weshopd" "$weshopctl"; do
  name=$(basename "$binary")
  line=$("$binary" --version) || fail "$name --version exited $?"
  if [[ $line =~ ^$name\ ${version//./\\.}\ \(commit\ ([0-9a-f]{7,40}|unknown)\)$ ]]; then
    commits+=("${BASH_REMATCH[1]}")
  else
    fail "$name --version: expected '$name $version (commit <hash>|unknown)', got '$line'"
  fi
done
[[ ${#commits[@]} == 2 && ${commits[0]} == "${commits[1]}" ]] || fail "the two binaries name different commits: ${commits[*]}"
commit=${commits[0]:-unknown}
if [[ $commit != unknown ]] && git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$source_dir" cat-file -e "$commit^{commit}" 2>/dev/null || fail "$commit is no commit of $source_dir"
fi

generate() { # SOURCE_DIR: build_info.cpp for that tree, into $tmp/build_info.cpp
  cmake -DOUT="$tmp/build_info.cpp" -DVERSION=9.8.7 -DSOURCE_DIR="$1" -P "$source_dir/daemon/build_info.cmake"
}
mkdir -p "$tmp/tarball" "$tmp/repo/unpacked"
generate "$tmp/tarball"
grep -q 'commit() { return "unknown"; }' "$tmp/build_info.cpp" || fail "outside a git tree: $(cat "$tmp/build_info.cpp")"
grep -q 'version() { return "9.8.7"; }' "$tmp/build_info.cpp" || fail "the version is not in build_info.cpp"
touch -d '2001-01-01' "$tmp/build_info.cpp"
generate "$tmp/tarball"
[[ $(stat -c %Y "$tmp/build_info.cpp") == $(date -d '2001-01-01' +%s) ]] || fail "an unchanged build_info.cpp was rewritten"
git init -q "$tmp/repo" && generate "$tmp/repo/unpacked"
grep -q 'commit() { return "unknown"; }' "$tmp/build_info.cpp" || fail "a tree inside another repository took its commit"
if head=$(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null); then
  generate "$source_dir"
  grep -q "commit() { return \"$head\"; }" "$tmp/build_info.cpp" || fail "not HEAD ($head): $(cat "$tmp/build_info.cpp")"
fi

((failures)) && exit 1
echo "1 passed, 0 failed"
