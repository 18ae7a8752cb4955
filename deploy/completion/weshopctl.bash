# bash completion for weshopctl, weshopd's command line: its commands, their
# options, and the values some take (job states, agents, files, folders).
# Installed as /usr/share/bash-completion/completions/weshopctl; or source it
# from ~/.bashrc. tests/docs/completion_test.sh checks that it offers every
# command and option `weshopctl --help` shows.

_weshopctl_options()
{
  case $1 in
    submit) echo "--version --image --input --param --task --idempotency-key --wait" ;;
    list) echo "--state --agent --limit --all" ;;
    watch) echo "--plain" ;;
    download) echo "--dir --ca-file --outbound-allow" ;;
    backup) echo "--force" ;;
    "batch submit") echo "--version --param --wait --plain" ;;
    "batch watch") echo "--plain" ;;
    "batch download") echo "--dir --ca-file --outbound-allow" ;;
    "batch list") echo "--limit" ;;
  esac
}

_weshopctl()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="submit status list cancel watch agents download backup batch"
  local batch_commands="submit status watch download cancel retry list"
  local global="--api --token-file --json"
  local agents="aimodel aiproduct aipose expandimage removeBG virtualtryon"
  local states="queued uploading submitting running succeeded failed canceled"
  COMPREPLY=()

  # The command ("batch submit" for a batch one), and how many words (its
  # arguments) follow it before this one.
  local i command="" positionals=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --api | --token-file | --image | --input | --param | --task | --idempotency-key | --state | --agent | --limit | \
        --dir | --ca-file | --outbound-allow) ((i++)) ;; # and its value
      --version) [[ $command == submit || $command == "batch submit" ]] && ((i++)) ;; # the agent version; elsewhere a flag
      -*) ;;
      *)
        if [[ -z $command ]]; then command=${COMP_WORDS[i]}
        elif [[ $command == batch ]]; then command="batch ${COMP_WORDS[i]}"
        else ((positionals++)); fi ;;
    esac
  done

  case $prev in
    --api) mapfile -t COMPREPLY < <(compgen -W "http://127.0.0.1:8787 unix:/run/weshopd/api.sock" -- "$cur"); return ;;
    --token-file | --image | --ca-file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    --state) mapfile -t COMPREPLY < <(compgen -W "$states" -- "$cur"); return ;;
    --agent) mapfile -t COMPREPLY < <(compgen -W "$agents" -- "$cur"); return ;;
    --input | --param | --task | --idempotency-key | --limit | --outbound-allow) return ;; # free text
    --version) [[ $command == submit || $command == "batch submit" ]] && return ;;
  esac

  if [[ $cur == -* ]]; then
    local options="$global --help"
    [[ -z $command ]] && options+=" --version"
    mapfile -t COMPREPLY < <(compgen -W "$options $(_weshopctl_options "$command")" -- "$cur")
  elif [[ -z $command ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
  elif [[ $command == batch ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$batch_commands" -- "$cur")
  elif [[ ($command == submit || $command == "batch submit") && $positionals == 0 ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$agents" -- "$cur")
  elif [[ $command == "batch submit" ]]; then # the images: files or folders
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ $command == backup && $positionals == 0 ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

complete -F _weshopctl weshopctl
