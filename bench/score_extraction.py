#!/usr/bin/env python3
"""Scores `pricescrape extract` on labelled product pages, by family and by language.

Usage:
  bench/score_extraction.py [--bin build/release/bin/pricescrape] [--sets fit,heldout,dev,pages]
                            [--misses] [--json out.json]

Sets:
  fit      tests/corpus/truth.tsv rows with split=fit (the pages weights may be fitted on)
  heldout  tests/corpus/truth.tsv rows with split=heldout (only ever reported)
  dev      ../shared/corpus/product-extraction-benchmark-dev (the benchmark's 40 development
           pages, with its own annotations)
  pages    ../shared/corpus/pages/expected.tsv (15 real saved shop pages)

Figures per set (and per family, per language and per origin, hand-written or generated,
where the truth names them):
  exact     price and ISO currency both equal the truth, or no price where the truth has
            none (a page with no current price is right only when nothing is reported);
  price F1  the benchmark's metric: per page, no prediction where a price exists is a false
            negative, a prediction equal to the truth a true positive, any other prediction a
            false positive (and also a false negative where a price exists);
  avail F1  the same metric over availability;
  title     the title equals the truth exactly (whitespace collapsed); pages without a
            title in the truth are left out.

Prices are compared as decimals. The benchmark's annotations are written as the page shows
them ("2.449" on an Argentinian page is two thousand four hundred and forty-nine), and the
benchmark's own evaluation reads them with price-parser, so an annotation whose only
separator groups thousands is read that way here too. Each page is extracted with its URL
as --base-url, as the engine passes the final URL.
"""

import argparse
import collections
import concurrent.futures
import csv
import decimal
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "corpus")
CORPUS = os.path.join(ROOT, "tests", "corpus")


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


def decimal_or_none(text):
    if not text:
        return None
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None


def collapse(text):
    return " ".join((text or "").split())


class Score:
    """Benchmark-style F1 counts."""

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


class Tally:
    """Everything printed for one group of pages."""

    def __init__(self):
        self.pages = 0
        self.exact = 0
        self.titled = 0
        self.title_ok = 0
        self.price = Score()
        self.avail = Score()

    def row(self):
        def pct(a, b):
            return f"{100.0 * a / b:5.1f}" if b else "    -"

        return (f"{self.pages:5d}  {pct(self.exact, self.pages)}  {self.price.f1():.3f}  "
                f"{self.avail.f1():.3f}  {pct(self.title_ok, self.titled)}")

    def as_dict(self):
        return {"pages": self.pages, "exact": self.exact, "price_f1": round(self.price.f1(), 4),
                "availability_f1": round(self.avail.f1(), 4), "title_exact": self.title_ok,
                "titled": self.titled}


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


# A page to score: where it is and what is true of it.
Truth = collections.namedtuple("Truth", "key path url prices currency availability title family language origin")


def load_corpus(split):
    out = []
    with open(os.path.join(CORPUS, "truth.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["split"] != split:
                continue
            price = decimal_or_none(row["price"])
            out.append(Truth(row["file"], os.path.join(CORPUS, row["file"]), row["url"],
                             [price] if price is not None else [], row["currency"] or None,
                             [row["availability"]] if row["availability"] else [], row["title"],
                             row["family"], row["language"],
                             "hand" if os.path.basename(row["file"]).startswith("hand-") else "generated"))
    return out


def load_dev():
    base = os.path.join(SHARED, "product-extraction-benchmark-dev")
    with open(os.path.join(base, "ground-truth.json"), encoding="utf-8") as f:
        truth = json.load(f)
    out = []
    for key in sorted(truth):
        gt = truth[key]
        prices = [a for a in (annotated_amount(p) for p in gt.get("price") or []) if a is not None]
        out.append(Truth(key[:12], os.path.join(base, "html", key + ".html.gz"), gt.get("url"), prices,
                         None, gt.get("availability") or [], None, "benchmark", "?", "?"))
    return out


def load_pages():
    base = os.path.join(SHARED, "pages")
    # The URL a page was saved from, where the benchmark's annotations record it (as
    # tests/unit/extract/corpus_pages_test.cpp does): "$" and "元" need its country.
    with open(os.path.join(SHARED, "product-extraction-benchmark-dev", "ground-truth.json"), encoding="utf-8") as f:
        urls = {k: v.get("url") for k, v in json.load(f).items()}
    out = []
    with open(os.path.join(base, "expected.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            name = os.path.basename(row["file"])
            price = decimal_or_none(row["expected_amount"])
            key = os.path.basename(row["source_path"]).split(".")[0]
            out.append(Truth(name, os.path.join(base, name), urls.get(key), [price] if price is not None else [],
                             row["expected_currency"] or None,
                             [row["expected_availability"]] if row["expected_availability"] else [],
                             row["expected_title"] or None, "saved", "?", "?"))
    return out


def judge(t, record, tallies, misses):
    got_price = decimal_or_none(record.get("price"))
    got_cur = record.get("currency")
    if t.prices:
        exact = got_price in t.prices and (t.currency is None or got_cur == t.currency)
    else:
        exact = got_price is None
    title_known = t.title is not None
    title_ok = title_known and collapse(record.get("title")) == collapse(t.title)
    for tally in tallies:
        tally.pages += 1
        tally.exact += exact
        tally.titled += title_known
        tally.title_ok += title_ok
    verdicts = []
    for tally in tallies:
        tally.price.add(got_price, t.prices, lambda p, a: p == a)
        avail_wrong = tally.avail.add(record.get("availability"), t.availability, lambda p, q: p == q)
    if not exact:
        want = f"{t.prices[0] if t.prices else 'no price'} {t.currency or ''}".strip()
        verdicts.append(f"price: got {record.get('price')} {got_cur} ({record.get('source')}), want {want}")
    if avail_wrong:
        verdicts.append(f"availability: got {record.get('availability')}, want {t.availability}")
    if title_known and not title_ok:
        verdicts.append(f"title: got {record.get('title')!r}, want {t.title!r}")
    for m in verdicts:
        misses.append(f"{t.key}  [{t.family}/{t.language}]  {m}")


def score_set(binary, truths, jobs):
    total, by_family, by_language = Tally(), collections.defaultdict(Tally), collections.defaultdict(Tally)
    by_origin = collections.defaultdict(Tally)
    misses = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        records = list(pool.map(lambda t: extract(binary, t.path, t.url), truths))
    for t, record in zip(truths, records):
        judge(t, record, [total, by_family[t.family], by_language[t.language], by_origin[t.origin]], misses)
    return total, by_family, by_language, by_origin, misses


HEADER = "                   pages  exact  pr.F1  av.F1  title"


def print_set(name, total, by_family, by_language, by_origin, breakdown):
    print(f"== {name}")
    print(HEADER)
    print(f"  {'all':16s} {total.row()}")
    if breakdown:
        for k in sorted(by_origin):
            print(f"  origin {k:9s} {by_origin[k].row()}")
        for k in sorted(by_family):
            print(f"  family {k:9s} {by_family[k].row()}")
        for k in sorted(by_language):
            print(f"  lang {k:11s} {by_language[k].row()}")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "release", "bin", "pricescrape"))
    parser.add_argument("--sets", default="fit,heldout,dev,pages")
    parser.add_argument("--misses", action="store_true", help="list every wrong page")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    if not os.path.exists(args.bin):
        alt = os.path.join(ROOT, "build", "dev", "bin", "pricescrape")
        if os.path.exists(alt):
            args.bin = alt
        else:
            sys.exit(f"no pricescrape binary at {args.bin}: cmake --preset release && "
                     "cmake --build build/release --target pricescrape")
    loaders = {"fit": lambda: load_corpus("fit"), "heldout": lambda: load_corpus("heldout"),
               "dev": load_dev, "pages": load_pages}
    report = {}
    for name in args.sets.split(","):
        total, fam, lang, origin, misses = score_set(args.bin, loaders[name](), args.jobs)
        print_set(name, total, fam, lang, origin, breakdown=name in ("fit", "heldout"))
        if args.misses:
            for m in misses:
                print("  " + m)
            print()
        report[name] = {"all": total.as_dict(), "family": {k: v.as_dict() for k, v in fam.items()},
                        "language": {k: v.as_dict() for k, v in lang.items()},
                        "origin": {k: v.as_dict() for k, v in origin.items()}, "misses": misses}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
