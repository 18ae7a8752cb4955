#!/usr/bin/env bash
# The man pages the build made (docs/man/): each renders with man(1) and groff
# without a warning, weshopd(8) and weshopctl(1) name every long option (and
# command) their binaries' --help shows, and weshopd.conf(5) every setting.
set -u
man_dir=$1 weshopd=$2 weshopctl=$3
source "$(dirname "$0")/cli_help.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for page in weshopd.8 weshopctl.1 weshopd.conf.5; do
  file=$man_dir/$page
  [[ -s $file ]] || { fail "$file was not built (the weshopd_man_pages target, in all)"; continue; }
  warnings=$(MANWIDTH=80 man --warnings -l "$file" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "man --warnings -l $page: $warnings"
  warnings=$(groff -ww -z -man "$file" 2>&1)
  [[ -z $warnings ]] || fail "groff -ww -z -man $page: $warnings"
  # Wide, and in ASCII, so that no option is broken across lines or hyphenated.
  LC_ALL=C MANWIDTH=1000 man -l "$file" >"$tmp/$page.txt" 2>/dev/null
  grep -q NAME "$tmp/$page.txt" || fail "$page renders as nothing"
done

mentions() { # PAGE WORD: WORD stands alone in the rendered page
  grep -qE -- "(^|[^a-zA-Z0-9_.-])$(sed 's/[.]/[.]/g' <<<"$2")([^a-zA-Z0-9_-]|$)" "$tmp/$1.txt"
}
for option in $(long_options "$weshopd"); do
  mentions weshopd.8 "$option" || fail "weshopd(8) does not document $option (weshopd --help shows it)"
done
for option in $(long_options "$weshopctl"); do
  mentions weshopctl.1 "$option" || fail "weshopctl(1) does not document $option (weshopctl --help shows it)"
done
for command in $(commands "$weshopctl"); do
  mentions weshopctl.1 "$command" || fail "weshopctl(1) does not document the command $command"
  for option in $(long_options "$weshopctl" "$command"); do
    mentions weshopctl.1 "$option" || fail "weshopctl(1) does not document $command $option"
  done
  for sub in $(commands "$weshopctl" "$command"); do # batch submit, ...
    mentions weshopctl.1 "$sub" || fail "weshopctl(1) does not document the command $command $sub"
    for option in $(long_options "$weshopctl" "$command" "$sub"); do
      mentions weshopctl.1 "$option" || fail "weshopctl(1) does not document $command $sub $option"
    done
  done
done
[[ -n $(long_options "$weshopd") && -n $(commands "$weshopctl") ]] || fail "no options found in --help"
for key in $("$weshopd" --print-config-reference | sed -n 's/^### `\(.*\)`$/\1/p'); do
  mentions weshopd.conf.5 "$key" || fail "weshopd.conf(5) does not describe $key"
done

((failures)) && exit 1
echo "1 passed, 0 failed"
