# Sourced by the install tests: what the binary's --help says, as lists.
# shellcheck shell=bash

# The subcommands: the first word of each indented line of the "Subcommands:" block.
help_subcommands() {  # BINARY
  "$1" --help | awk '/^Subcommands:/ { on = 1; next } on && /^[^ ]/ { on = 0 }
                     on && /^  [a-z]/ { print $1 }'
}

# The long options of one --help, one per line: from each line that starts (after its
# indent) with an option, the --names before the description (two spaces end them).
help_long_options() {  # BINARY [SUBCOMMAND]
  "$@" --help | awk '/^ +-/ { sub(/^ +/, ""); sub(/  .*/, ""); print }' |
    grep -o -- '--[A-Za-z0-9][-A-Za-z0-9]*' | sort -u
}

# The subcommands every build has: finding fewer means --help changed its layout and the
# parsers here (and cmake/man-help.sh) need to follow it.
check_subcommands_found() {  # SUBCOMMANDS (as help_subcommands printed them)
  local sub
  for sub in extract parse-price history enqueue work collect queue-status; do
    grep -qx -- "$sub" <<<"$1" || fail "subcommand $sub not found in --help's Subcommands: block"
  done
}

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# The long options a completion offers after SUBCOMMAND (none: the main command): those of
# its --help, and for work (which falls through to the main command) the main options
# that shape fetching too; those a worker refuses or ignores (output, state, sharding,
# the run's end) are left out.
completed_long_options() {  # BINARY [SUBCOMMAND]
  if [[ ${2-} != work ]]; then
    help_long_options "$@"
    return
  fi
  {
    help_long_options "$1" work
    help_long_options "$1" | grep -vxE -- '--(version|format|output|state|resume|only-changed|skip-new|skip-failed|min-change|stats|max-errors|no-progress|profile|csv-safe|shard)'
  } | sort -u
}
