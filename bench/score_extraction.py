#!/usr/bin/env python3
"""Scores `pricescrape extract` on the product-extraction-benchmark pages.

Usage:
  bench/score_extraction.py [--bin build/dev/bin/pricescrape]
                            [--dataset ../shared/corpus/product-extraction-benchmark-dev]

The metric is the benchmark's (see the dataset README): per page and per attribute,
no prediction where a value exists is a false negative; a prediction in the accepted
set is a true positive; any other prediction is a false positive, and also a false
negative when a value exists. F1 is computed over the sums.

Prices are compared as decimals. The annotations are written as the page shows them
("2.449" on an Argentinian page is two thousand four hundred and forty-nine, "131990 "
has a trailing space), and the benchmark's own evaluation reads them with
price-parser, so an annotation whose only separator groups thousands ("2.449",
"1,234") is read that way here too. Each page is extracted with its annotated URL as
--base-url, as the engine passes the final URL.
"""

import argparse
import decimal
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def annotated_amount(text):
    """The decimal an annotation means, or None."""
    t = text.strip().replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", t):
        t = t.replace(".", "").replace(",", "")
    else:
        t = t.replace(",", ".") if t.count(",") == 1 and "." not in t else t.replace(",", "")
    try:
        return decimal.Decimal(t)
    except decimal.InvalidOperation:
        return None


def predicted_amount(text):
    if text is None:
        return None
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None


class Score:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, predicted, accepted, same):
        if predicted is None:
            if accepted:
                self.fn += 1
                return "miss"
            return None
        if accepted and any(same(predicted, a) for a in accepted):
            self.tp += 1
            return None
        self.fp += 1
        if accepted:
            self.fn += 1
        return "wrong"

    def f1(self):
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def extract(binary, path, url):
    cmd = [binary, "extract", "--format", "jsonl", "--quiet", path]
    if url:
        cmd[2:2] = ["--base-url", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"cannot extract '{path}': {out.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "dev", "bin", "pricescrape"))
    parser.add_argument(
        "--dataset",
        default=os.path.join(ROOT, "..", "shared", "corpus", "product-extraction-benchmark-dev"),
    )
    args = parser.parse_args()

    with open(os.path.join(args.dataset, "ground-truth.json"), encoding="utf-8") as f:
        truth = json.load(f)

    price, availability = Score(), Score()
    misses = []
    for key in sorted(truth):
        gt = truth[key]
        path = os.path.join(args.dataset, "html", key + ".html.gz")
        record = extract(args.bin, path, gt.get("url"))
        accepted_prices = [a for a in (annotated_amount(p) for p in gt.get("price") or []) if a is not None]
        got_price = predicted_amount(record.get("price"))
        verdict = price.add(got_price, accepted_prices, lambda p, a: p == a)
        if verdict:
            misses.append(
                f"price {verdict}: {key[:12]} got {record.get('price')} {record.get('currency')}"
                f" ({record.get('source')}), want {gt.get('price')} {gt.get('currency')}  {gt.get('url', '')[:60]}"
            )
        accepted_av = gt.get("availability") or []
        verdict = availability.add(record.get("availability"), accepted_av, lambda p, a: p == a)
        if verdict:
            misses.append(
                f"availability {verdict}: {key[:12]} got {record.get('availability')}, want {accepted_av}"
                f"  {gt.get('url', '')[:60]}"
            )

    print(f"pages: {len(truth)}")
    print(f"price F1: {price.f1():.3f} (tp {price.tp}, fp {price.fp}, fn {price.fn})")
    print(
        f"availability F1: {availability.f1():.3f} "
        f"(tp {availability.tp}, fp {availability.fp}, fn {availability.fn})"
    )
    for m in misses:
        print("  " + m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
