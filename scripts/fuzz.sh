#!/usr/bin/env bash
# Builds the `fuzz` preset and runs every libFuzzer target for SECONDS each (default 60)
# on a copy of its checked-in seed corpus (tests/fuzz/corpus/<target>/ is never grown
# by a run). A slow input (-timeout), a memory blow-up (-rss_limit_mb), a crash, a leak
# or a sanitizer report is a finding: the script exits non-zero when any target has one.
#
#   scripts/fuzz.sh [SECONDS]          all targets
#   FUZZ_TARGETS="jsonld_fuzz" scripts/fuzz.sh 300
#
# Findings (crash-*, timeout-*, oom-*, leak-*) are kept in build/fuzz/findings/<target>/.
set -uo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
timeout_per_input="${FUZZ_TIMEOUT:-10}"   # seconds; extraction of one input must be far below
rss_limit_mb="${FUZZ_RSS_MB:-2048}"
max_len="${FUZZ_MAX_LEN:-262144}"

cd "$root"
cmake --preset fuzz >/dev/null || exit 2
cmake --build --preset fuzz || exit 2

targets="${FUZZ_TARGETS:-$(cd "$build/fuzz" && ls -1 | grep '_fuzz$' | sort | tr '\n' ' ')}"
work="$(mktemp -d "${TMPDIR:-/tmp}/pricescrape-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failed=()
printf '%-20s %12s %8s %8s %s\n' target executions seconds corpus result
for target in $targets; do
  name="${target%_fuzz}"
  seeds="$root/tests/fuzz/corpus/$name"
  corpus="$work/$name"
  findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings"
  [ -d "$seeds" ] && cp -r "$seeds/." "$corpus/"
  # Page-shaped targets also start from the test fixtures themselves, rather than from
  # checked-in copies of them.
  case "$name" in
    charset | light_html | microdata | jsonld | extract) cp "$root"/tests/fixtures/* "$corpus/" ;;
  esac
  log="$work/$target.log"
  start=$(date +%s)
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$build/fuzz/$target" "$corpus" -max_total_time="$seconds" -timeout="$timeout_per_input" \
      -rss_limit_mb="$rss_limit_mb" -max_len="$max_len" -print_final_stats=1 \
      -artifact_prefix="$findings/" >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  units=$(ls "$corpus" | wc -l)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FINDING (exit $rc): $(grep -m1 -E 'ERROR: |runtime error|Assertion|abort|timeout|out-of-memory' "$log" | cut -c1-100)"
    failed+=("$target")
    cp "$log" "$findings/last.log"
  fi
  printf '%-20s %12s %8s %8s %s\n' "$target" "${execs:-?}" "$elapsed" "$units" "$result"
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "findings in: ${failed[*]} (inputs and logs under build/fuzz/findings/)" >&2
  exit 1
fi
echo "no findings"
