#!/usr/bin/env bash
# The shell completions against the built binary: every long option that --help (and each
# subcommand's --help) lists must be completed by bash, zsh and fish, so an option added
# without its completion fails here. bash's completion is run for real (COMP_WORDS), and
# zsh's and fish's too when those shells are installed (else only their option lists).
#   completions_test.sh BINARY COMPLETIONS_DIR
set -uo pipefail
bin=$(realpath "$1")
dir=$(realpath "$2")
failures=0
here=$(cd "$(dirname "$0")" && pwd)
source "$here/help_options.sh"

subcommands=$(help_subcommands "$bin")
check_subcommands_found "$subcommands"
main_options=$(help_long_options "$bin")
(($(wc -l <<<"$main_options") >= 20)) || fail "only $(wc -l <<<"$main_options") long options parsed from --help"

# --- Every option and subcommand is in each file ------------------------------------------
check_listed() {  # FILE PATTERN-PREFIX NAME...
  local file=$1 prefix=$2 name
  shift 2
  for name in "$@"; do
    grep -qE -- "(^|[^-A-Za-z0-9])${prefix}${name}([^-A-Za-z0-9]|\$)" "$file" ||
      fail "$(basename "$file") does not complete ${name} (listed by --help)"
  done
}
all_options=$(for sub in "" $subcommands; do help_long_options "$bin" $sub; done | sort -u)
for file in pricescrape.bash _pricescrape; do
  check_listed "$dir/$file" "" $all_options $subcommands
done
# fish names a long option without its dashes: `-l concurrency`.
check_listed "$dir/pricescrape.fish" "-l " $(sed 's/^--//' <<<"$all_options")
check_listed "$dir/pricescrape.fish" "-a " $subcommands
echo "checked $(wc -l <<<"$all_options") long options and $(wc -w <<<"$subcommands") subcommands in 3 files"

# --- bash: syntax, then the completion function itself ------------------------------------
bash -n "$dir/pricescrape.bash" || fail "bash -n pricescrape.bash"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$work/urls.txt" "$work/examples-urls.txt"
cd "$work" || exit 1

complete_bash() {  # the words of a command line, the last one being completed
  (
    source "$dir/pricescrape.bash" 2>&1 || echo "cannot source pricescrape.bash"
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _pricescrape pricescrape "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort
  )
}
expect_bash() {  # EXPECTED-LINES WORDS...
  local expected=$1 got
  shift
  got=$(complete_bash "$@")
  [[ $got == "$expected" ]] || fail "bash: '$*' completed to [$(echo $got)], not [$(echo $expected)]"
}
# The long options offered are exactly those of the matching --help (after work, with the
# main options that shape fetching: see completed_long_options).
expect_bash "$main_options" pricescrape "--"
for sub in $subcommands; do
  expect_bash "$(completed_long_options "$bin" "$sub")" pricescrape "$sub" "--"
done
expect_bash "$main_options" pricescrape -o extract "--"  # extract is -o's value here
expect_bash $'--explain' pricescrape -c 4 extract --exp
expect_bash $'adaptive\nfixed\noff' pricescrape --politeness ""
expect_bash $'csv\njson\njsonl' pricescrape -f ""
expect_bash $'csv\njson\njsonl' pricescrape --format = ""
expect_bash $'jsonl' pricescrape --format = jsonl
expect_bash $'csv\njsonl' pricescrape history -f ""
expect_bash $'csv\njson\njsonl' pricescrape collect -f ""
expect_bash $'csv\njson\njsonl' pricescrape collect --queue redis://q:6379 --format = ""
expect_bash $'--max-deliveries' pricescrape work --queue redis://q --max-d
expect_bash $'--cacert' pricescrape work -c 4 --cac  # the main options apply after work
expect_bash $'adaptive\nfixed\noff' pricescrape work --politeness ""
expect_bash "" pricescrape work --output  # refused after work: not offered
expect_bash $'urls.txt' pricescrape enqueue --replace u
expect_bash $'urls.txt' pricescrape collect -o u
expect_bash $'urls.txt' pricescrape queue-status --queue-cacert u
expect_bash "" pricescrape enqueue --queue ""
expect_bash "" pricescrape work --lease ""
expect_bash $'queue-status' pricescrape qu
expect_bash $'work' pricescrape -c 4 w
expect_bash $'json\ntext' pricescrape --log-format ""
expect_bash $'examples-urls.txt\nextract' pricescrape ex
expect_bash $'urls.txt' pricescrape -o u
expect_bash $'examples-urls.txt\nurls.txt' pricescrape extract --explain ""
expect_bash "" pricescrape --timeout ""
echo "bash: completion function checked"

# --- zsh: syntax, when installed ---------------------------------------------------------
if command -v zsh >/dev/null; then
  zsh -n "$dir/_pricescrape" || fail "zsh -n _pricescrape"
  # One zsh session completes every line (compinit is slow); then each line's candidates.
  zsh_lines=("pricescrape --" "pricescrape --politeness " "pricescrape history -f "
    "pricescrape ex" "pricescrape collect -f " "pricescrape work --politeness "
    "pricescrape enqueue u" "pricescrape qu")
  zsh_expected=("$main_options" $'adaptive\nfixed\noff' $'csv\njsonl' $'examples-urls.txt\nextract'
    $'csv\njson\njsonl' $'adaptive\nfixed\noff' $'urls.txt' $'queue-status')
  for sub in $subcommands; do
    zsh_lines+=("pricescrape $sub --")
    zsh_expected+=("$(completed_long_options "$bin" "$sub")")
  done
  HOME=$work timeout 120 zsh -f "$here/zsh_complete.zsh" "$dir" "${zsh_lines[@]}" >"$work/zsh.out" ||
    fail "zsh: the completion session failed or hung"
  for i in "${!zsh_lines[@]}"; do
    got=$(awk -F '\t' -v n=$((i + 1)) '$1 == n { print $2 }' "$work/zsh.out")
    # After a lone --, only long options (zsh offers the short ones too).
    [[ ${zsh_lines[i]} != *" --" ]] || got=$(grep -- '^--' <<<"$got")
    [[ $got == "${zsh_expected[i]}" ]] ||
      fail "zsh: '${zsh_lines[i]}' completed to [$(echo $got)], not [$(echo ${zsh_expected[i]})]"
  done
  echo "zsh: syntax and completions checked"
else
  echo "SKIP: zsh not installed, _pricescrape not run (options were checked)"
fi

# --- fish: syntax and the completions it offers, when installed ---------------------------
if command -v fish >/dev/null; then
  fish -n "$dir/pricescrape.fish" || fail "fish -n pricescrape.fish"
  complete_fish() {  # COMMAND-LINE: fish's candidates, without descriptions
    HOME=$work XDG_CONFIG_HOME=$work fish --no-config -c \
      "source '$dir/pricescrape.fish'; complete -C '$1'" 2>"$work/fish.err" | cut -f1 | sort
    [[ ! -s $work/fish.err ]] || fail "fish: '$1': $(cat "$work/fish.err")"
  }
  expect_fish() {  # EXPECTED-LINES COMMAND-LINE
    local got
    got=$(complete_fish "$2")
    [[ $got == "$1" ]] || fail "fish: '$2' completed to [$(echo $got)], not [$(echo $1)]"
  }
  expect_fish "$main_options" "pricescrape --"
  for sub in $subcommands; do
    expect_fish "$(completed_long_options "$bin" "$sub")" "pricescrape $sub --"
  done
  expect_fish $'adaptive\nfixed\noff' "pricescrape --politeness "
  expect_fish $'csv\njsonl' "pricescrape history --format "
  expect_fish $'csv\njson\njsonl' "pricescrape collect --format "
  expect_fish $'adaptive\nfixed\noff' "pricescrape work --politeness "
  expect_fish $'urls.txt' "pricescrape enqueue u"
  expect_fish $'queue-status' "pricescrape qu"
  echo "fish: syntax and completions checked"
else
  echo "SKIP: fish not installed, pricescrape.fish not run (options were checked)"
fi

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "completions: all checks passed"
