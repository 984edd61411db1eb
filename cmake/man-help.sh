#!/bin/sh
# What help2man reads to write pricescrape(1): the binary's own --help, with each
# subcommand's --help after the main options, so the man page has one source and lists
# every option of every subcommand. A subcommand's "Positionals:" and "Options:" headings
# are renamed after it (help2man makes a man section of each heading), and the footer it
# shares with the main help (their common tail) is printed once, at the end.
#   PRICESCRAPE_BIN=build/dev/bin/pricescrape help2man ... cmake/man-help.sh
set -eu
bin=${PRICESCRAPE_BIN:?PRICESCRAPE_BIN names the pricescrape binary}
case "${1-}" in
  --version) exec "$bin" --version ;;
  --help) ;;
  *)
    echo "usage: PRICESCRAPE_BIN=BINARY $0 --help|--version" >&2
    exit 2
    ;;
esac

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" --help >"$dir/main"

# Subcommand names: the first word of each indented line of the "Subcommands:" block.
subcommands=$(awk '/^Subcommands:/ { on = 1; next } on && /^[^ ]/ { on = 0 }
                   on && /^  [a-z]/ { print $1 }' "$dir/main")
for sub in $subcommands; do "$bin" "$sub" --help >"$dir/sub-$sub"; done

# The footer: the lines ending every subcommand's help as they end the main help.
footer=0
if [ -n "$subcommands" ]; then
  footer=$(for sub in $subcommands; do
    awk 'FNR == NR { a[++m] = $0; next } { b[++n] = $0 }
         END { k = 0; while (k < m && k < n && a[m - k] == b[n - k]) k++; print k }' \
      "$dir/main" "$dir/sub-$sub"
  done | sort -n | head -1)
fi
lines=$(wc -l <"$dir/main")
# The main help's own closing paragraphs (from "Examples:" on) go after the subcommands:
# help2man makes a section of "Examples:", which would swallow everything after it.
examples=$(awk '/^Examples:/ { print NR; exit }' "$dir/main")
body_end=$((lines - footer))
if [ -n "$examples" ] && [ "$examples" -le "$body_end" ]; then body_end=$((examples - 1)); fi
head -n "$body_end" "$dir/main"

for sub in $subcommands; do
  awk -v name="$sub" -v footer="$footer" '
    { text[++n] = $0 }
    END {
      n -= footer
      while (n > 0 && text[n] == "") n--
      # The description and usage as one tagged paragraph under a heading of its own.
      usage = ""; about = ""
      for (i = 1; i <= n && text[i] !~ /^Usage:/; i++) about = about (about == "" ? "" : " ") text[i]
      if (i <= n) { usage = text[i]; sub(/^Usage: */, "", usage); i++ }
      printf "\nCommand %s:\n  %s\n                              %s\n", name, usage, about
      for (; i <= n; i++) {
        line = text[i]
        if (line ~ /^[A-Z][A-Za-z ]*:$/) line = substr(line, 1, length(line) - 1) " of " name ":"
        print line
      }
    }' "$dir/sub-$sub"
done

if [ "$body_end" -lt "$lines" ]; then
  printf '\n'
  tail -n "$((lines - body_end))" "$dir/main"
fi
