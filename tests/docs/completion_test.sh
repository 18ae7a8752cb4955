#!/usr/bin/env bash
# weshopctl's bash completion, sourced in bash as bash-completion would: it is
# registered for weshopctl, offers every command and every option that
# `weshopctl --help` and each `weshopctl COMMAND --help` show, and the values
# some options and arguments take.
set -u
completion=$1 weshopctl=$2
source "$(dirname "$0")/cli_help.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

source "$completion"
complete -p weshopctl 2>/dev/null | grep -q -- '-F _weshopctl weshopctl$' || fail "not registered: $(complete -p weshopctl 2>&1)"

# The candidates for the command line WORDS..., the last being the word completed.
candidates() {
  COMP_WORDS=(weshopctl "$@")
  COMP_CWORD=$#
  COMP_LINE="weshopctl $*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _weshopctl
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # WANTED WORDS...: exactly these (space-separated, sorted) candidates
  local wanted=$1 got; shift
  got=$(candidates "$@" | paste -sd' ')
  [[ $got == "$wanted" ]] || fail "weshopctl $* <TAB>: expected '$wanted', got '$got'"
}
includes() { # WORD WORDS...: WORD is among the candidates
  local word=$1; shift
  candidates "$@" | grep -qxF -- "$word" || fail "weshopctl $* <TAB>: '$word' is not offered"
}

# Everything --help shows is offered (so a new command or option here fails until completed).
for command in $(commands "$weshopctl"); do
  includes "$command" ""
  for option in $(long_options "$weshopctl" "$command"); do includes "$option" "$command" "-"; done
  for sub in $(commands "$weshopctl" "$command"); do # batch submit, ...
    includes "$sub" "$command" ""
    for option in $(long_options "$weshopctl" "$command" "$sub"); do includes "$option" "$command" "$sub" "-"; done
  done
done
[[ -n $(commands "$weshopctl") ]] || fail "no commands found in weshopctl --help"
for option in $(long_options "$weshopctl"); do includes "$option" "-"; done

expect "list" li
expect "--state" list --st
expect "submitting succeeded" list --state su
expect "--agent --all --api" list --limit 5 --a
expect "aimodel aipose aiproduct" submit ai
expect "aimodel aipose aiproduct" --api unix:/run/weshopd/api.sock --json submit ai
expect "" submit aimodel ai # the agent is given
expect "" submit --version v1.0 --param x=1 # free text
expect "--version" --ver # the program's version before the command
expect "--version" submit --ver # the agent version after submit
expect "" status --ver # no --version for status
mkdir "$tmp/images" && touch "$tmp/images/shirt.png" "$tmp/images/shoe.png"
expect "$tmp/images/shirt.png" submit aimodel --image "$tmp/images/shi"
expect "$tmp/images/shirt.png $tmp/images/shoe.png" backup "$tmp/images/sh"
expect "$tmp/images" download 0190 --dir "$tmp/ima"
expect "aimodel aipose aiproduct" batch submit ai
expect "$tmp/images" batch submit aimodel --param x=1 "$tmp/ima"
expect "retry" batch re
expect "--wait" batch submit aipose --wa
expect "http://127.0.0.1:8787 unix:/run/weshopd/api.sock" --api ""
# The agents and states offered are the ones weshopctl's help names.
for agent in $("$weshopctl" submit --help | sed -n 's/^  agent TEXT REQUIRED *//p' | tr -d ,); do includes "$agent" submit ""; done
for state in $("$weshopctl" list --help | sed -n 's/^  --state TEXT *//p' | tr -d ,); do includes "$state" list --state ""; done

((failures)) && exit 1
echo "1 passed, 0 failed"
