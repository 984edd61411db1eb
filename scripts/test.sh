#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): install what is missing, build,
# run every test. `scripts/test.sh asan` does the same under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-ci}
scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset"
