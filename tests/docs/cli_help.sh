# Sourced by the docs tests: what a binary's --help (CLI11's) says it takes.

# long_options BINARY [COMMAND]: the long options of the Options: section, one a line.
long_options() {
  "$@" --help | awk '/^Options:/ { on = 1; next } /^[^ ]/ { on = 0 }
                     on && match($0, /^  (-[a-zA-Z],)?--[a-z][a-z-]*/) {
                       option = substr($0, RSTART, RLENGTH); sub(/^ *(-[a-zA-Z],)?/, "", option); print option
                     }'
}

# commands BINARY [COMMAND]: the names in its (or COMMAND's) Subcommands: section, one a line.
commands() {
  "$@" --help | awk '/^Subcommands:/ { on = 1; next } /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }'
}
