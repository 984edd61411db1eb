#!/usr/bin/env bash
# Builds the Debian package: scripts/package.sh [PRESET] (default: release) configures
# the preset, builds only the binary and its man page, and runs `cpack -G DEB`, leaving
# build/PRESET/pricescrape_<version>_<arch>.deb. Install it with
#   sudo apt install ./build/release/pricescrape_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target pricescrape pricescrape_man
(cd "build/$preset" && cpack -G DEB)
ls "build/$preset"/pricescrape_*.deb
