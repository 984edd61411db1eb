#!/usr/bin/env python3
"""Measures one pricescrape run against demo-shop on loopback.

Starts demo-shop on ephemeral ports, writes N URLs over the example product pages
(distinct query strings, so nothing is cached), runs pricescrape once and prints wall
time, pages/s, CPU time per page (user+sys) and peak RSS, read from wait4().

  bench/loopback_batch.py [--urls 1000] [--scheme https] [-c 10] [--preset release]
"""
import argparse, json, os, pathlib, subprocess, tempfile, time, urllib.request

root = pathlib.Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--urls", type=int, default=1000)
parser.add_argument("--scheme", choices=["http", "https"], default="https")
parser.add_argument("-c", "--concurrency", type=int, default=10)
parser.add_argument("--preset", default="release")
args = parser.parse_args()

bin_dir = root / "build" / args.preset / "bin"
pages = sorted(p.name for p in (root / "examples/shop/products").glob("*.html"))
with tempfile.TemporaryDirectory() as work:
    cert = os.path.join(work, "cert.pem")
    shop = subprocess.Popen([str(bin_dir / "demo-shop"), "--root", str(root / "examples/shop"),
                             "--http-port", "0", "--https-port", "0", "--cert-out", cert],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ports = json.loads(shop.stdout.readline())
        port = ports["https_port" if args.scheme == "https" else "http_port"]
        stats_url = f"http://127.0.0.1:{ports['http_port']}/__stats"
        urllib.request.urlopen(stats_url + "/reset").read()
        urls = os.path.join(work, "urls.txt")
        with open(urls, "w") as f:
            for i in range(args.urls):
                f.write(f"{args.scheme}://127.0.0.1:{port}/products/{pages[i % len(pages)]}?i={i}\n")
        out = os.path.join(work, "out.jsonl")
        start = time.monotonic()
        proc = subprocess.Popen([str(bin_dir / "pricescrape"), urls, "-c", str(args.concurrency),
                                 "--cacert", cert, "-f", "jsonl", "-o", out, "-q"])
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        records = [json.loads(line) for line in open(out)]
        ok = sum(1 for r in records if r["ok"])
        cpu = usage.ru_utime + usage.ru_stime
        print(f"{args.urls} URLs over {args.scheme} at -c {args.concurrency}: "
              f"exit {os.waitstatus_to_exitcode(status)}, {len(records)} records, {ok} with a price")
        # What the server saw (the /__stats request itself adds one connection).
        stats = json.loads(urllib.request.urlopen(stats_url).read())
        print(f"server: {stats['connections_accepted'] - 1} connections, "
              f"{stats['tls_handshakes']} TLS handshakes, peak {stats['peak_in_flight']} in flight")
        print(f"wall {wall:.2f} s, {args.urls / wall:.0f} pages/s, "
              f"CPU {1000 * cpu / args.urls:.2f} ms/page (user+sys), peak RSS {usage.ru_maxrss / 1024:.1f} MiB")
    finally:
        shop.terminate()
        shop.wait()
