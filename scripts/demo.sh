#!/usr/bin/env bash
# The README's first command: build pricescrape and scrape examples/urls.txt from the
# local demo shop (HTTP and HTTPS on loopback, no internet needed). Extra arguments go
# to pricescrape, e.g. `scripts/demo.sh -f csv` or `scripts/demo.sh -f jsonl -c 4`.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${PRESET:-release}
scripts/install-deps.sh >&2
bin="build/$preset/bin"
# Build chatter goes to stderr: stdout carries only records, so the demo pipes into jq.
cmake --preset "$preset" >&2
cmake --build --preset "$preset" --target pricescrape demo-shop >&2

work=$(mktemp -d)
shop_pid=
cleanup() {
  [[ -n $shop_pid ]] && kill "$shop_pid" 2>/dev/null && wait "$shop_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Ephemeral ports, so a busy 8080/8443 cannot break the demo; the URL list names
# 8080/8443 and is rewritten to the ports the shop really got.
"$bin/demo-shop" --root examples/shop --http-port 0 --https-port 0 \
  --cert-out "$work/cert.pem" >"$work/shop.json" 2>"$work/shop.log" &
shop_pid=$!
for _ in $(seq 1 100); do [[ -s $work/shop.json ]] && break; sleep 0.05; done
read -r http_port https_port < <(python3 -c \
  'import json,sys; d=json.load(open(sys.argv[1])); print(d["http_port"], d["https_port"])' \
  "$work/shop.json")
sed -e "s/localhost:8080/localhost:$http_port/g" -e "s/localhost:8443/localhost:$https_port/g" \
  examples/urls.txt >"$work/urls.txt"

echo "demo-shop on http://localhost:$http_port and https://localhost:$https_port" >&2
set +e
"$bin/pricescrape" "$work/urls.txt" --cacert "$work/cert.pem" "$@"
status=$?
set -e
if ((status == 1)); then
  echo "exit code 1: some URLs gave no price; the last block of examples/urls.txt fails on purpose" >&2
  exit 0
fi
exit "$status"
