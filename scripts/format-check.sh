#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the checked-in
# .clang-format) makes of it; prints the files. `scripts/format-check.sh --fix` applies it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || scripts/install-deps.sh
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'format-check: not clang-formatted: %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format-check: ${#files[@]} files clang-formatted"
