#!/usr/bin/env bash
# The chaos soak at a size of your choice (default 20,000 URLs per scheme), on the
# release build: `scripts/soak.sh [URLS] [PRESET]`. CI runs it at 5,000 (ci preset) and
# 1,500 (asan preset) as part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
urls=${1:-20000}
preset=${2:-release}
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target soak_tests
PRICESCRAPE_SOAK_URLS=$urls "build/$preset/bin/soak_tests"
