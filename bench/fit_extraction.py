#!/usr/bin/env python3
"""Fits the weights of the extraction scoring model on the fit part of tests/corpus.

Usage:
  bench/fit_extraction.py [--bin build/release/bin/pricescrape] [--write] [--l2 1.0]

The model (src/extract/scoring.hpp names its features): every price candidate on a page,
structured or visible, gets a vector of named features x; its score is w . x. So does the
"no price" option, from page-level features (null_*). The page's answer is the
best-scoring candidate, or no price when the no-price option scores at least as high.
The weights w are fitted as a conditional logit: for each page,
p(c) = exp(s_c) / sum_d exp(s_d) over its candidates and the no-price option,
and the loss is -log of the probability of the right answers (the candidates stating the
truth's amount and currency, or the no-price option on a page without a current price),
summed over pages, plus l2 * |w - prior|^2, with each weight kept to the sign its
evidence was named for (DIRECTION below).

The prior is the hand-set rule set this model replaced (PRIOR below: the constants the
old scoring code added or subtracted for the same evidence; 0 for evidence it did not
weigh). Pulling towards it rather than towards 0 keeps what years of real pages taught
those constants wherever the corpus has nothing to say (a weight the corpus cannot
identify, such as how much a structured price agreeing with a visible one adds when both
are right, stays where it was), and lets the corpus move a weight only as far as its
pages demand. The generated corpus is cleaner than the web, so without this pull the fit
grows weights no real page supports. Pages whose right answer is not among their candidates are counted and
left out (no weight can fix them; they need a feature or a parser change).

Only rows of tests/corpus/truth.tsv with split=fit are read. The candidates and their
features come from `pricescrape extract --explain` (features do not depend on weights).
With --write the weights go to src/extract/scoring_weights.hpp; rebuild and run
bench/score_extraction.py to see what they do on the held-out part.
"""

import argparse
import csv
import decimal
import json
import math
import os
import subprocess
import sys
import concurrent.futures

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "tests", "corpus")
HEADER = os.path.join(ROOT, "src", "extract", "scoring_weights.hpp")


def dec(text):
    try:
        return decimal.Decimal(text) if text not in (None, "") else None
    except decimal.InvalidOperation:
        return None


def explain(binary, path, url):
    cmd = [binary, "extract", "--format", "jsonl", "--quiet", "--explain", "--base-url", url, path]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"cannot extract {path}: {out.stderr}")


def load_pages(binary, split, jobs):
    rows = []
    with open(os.path.join(CORPUS, "truth.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["split"] == split:
                rows.append(row)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        records = list(pool.map(lambda r: explain(binary, os.path.join(CORPUS, r["file"]), r["url"]), rows))
    pages = []
    for row, rec in zip(rows, records):
        explained = rec.get("explain")
        cands = json.loads(explained) if isinstance(explained, str) else (explained or [])
        want = dec(row["price"])
        xs, right = [], []
        null = {"null_bias": 1}
        settled = False
        for c in cands:
            if c.get("source") == "none":
                feats = c.get("features") or []
                null = dict(feats) if isinstance(feats, list) else feats
                settled = "structured data settles" in c.get("why", "")
                continue
            feats = c.get("features") or []
            xs.append(dict(feats) if isinstance(feats, list) else feats)
            ok = want is not None and dec(c.get("price")) == want and c.get("currency") in (None, row["currency"])
            right.append(ok)
        if settled:
            # Stage one (consistent structured data) decides this page, not the weights.
            continue
        pages.append((row["file"], xs + [null], right + [False], want is None))
    return pages


# The old hand-set scoring rules, as weights on the same features (see the docstring).
PRIOR = {
    "src_jsonld": 3.0, "src_microdata": 2.0, "src_meta": 1.5, "src_visible": -0.3,
    "st_currency": 0.1, "st_list_price": -0.6, "st_later": -0.1, "st_other_name": -1.5,
    "agree_visible": 0.3, "agree_structured": 0.2, "v_named": 0.4, "v_sign": 0.2,
    "v_near_h1": 0.4, "v_near_buy": 0.6, "v_related": -1.5, "v_hidden": -0.5, "v_chrome": -0.8,
    "v_other_amount": -0.8, "v_ctx_other_amount": -0.4, "v_zero": -0.8, "v_offer_label": 0.1,
    # New evidence with a stated prior where a unit test needs it: a structured price of 0
    # is a placeholder ("price on request") unless the page shows a 0 as well
    # (Extractor.ZeroStructuredPriceIsNoPrice); a page showing one amount shows its price
    # (Extractor.DomainSettlesDollarSign and the other one-price pages).
    "st_zero": -4.0, "v_sole_amount": 1.0,
    # Structured data stating the amount the page shows struck through or labelled as
    # the former price states the regular price during a sale: it loses to the price the
    # page shows as current, even where the page has no buy box to point at that price
    # (Extractor.JsonLdRegularPriceLosesToTheShownSalePrice). Few fit pages carry it, so
    # without a prior the pull towards 0 would leave it too weak to decide them.
    "st_struck_shown": -2.0,
    # A page saying the product cannot be had leans towards no price, but less than a
    # price of its own shown next to the name outweighs (FixturePages sold_out_phrase:
    # "Leider ausverkauft" beside the product's own CHF 19.50 keeps the price); held,
    # not fitted: the corpus's no-price pages would push it past that.
    "null_unavailable": 0.5,
}


# The direction each piece of evidence may push (+1 for, -1 against, 0 free): evidence
# keeps the meaning it was named for, so a spurious correlation in the corpus cannot turn
# "has a currency sign" into evidence against a price.
DIRECTION = {
    "src_jsonld": 0, "src_microdata": 0, "src_meta": 0, "src_visible": 0,
    "st_currency": +1, "st_list_price": -1, "st_later": -1, "st_other_name": -1,
    "st_other_url": -1, "st_struck_shown": -1, "st_zero": -1,
    "agree_visible": +1, "agree_structured": +1, "agree_box": +1,
    "v_named": +1, "v_sign": +1, "v_near_h1": +1, "v_near_buy": +1, "v_in_box": +1,
    "v_first_in_box": +1, "v_last_before_buy": +1, "v_related": -1, "v_regular_named": -1,
    "v_hidden": -1, "v_chrome": -1, "v_other_amount": -1, "v_ctx_other_amount": -1,
    "v_not_current": -1, "v_tax_excl": -1, "v_converted": -1, "v_addon": -1, "v_zero": -1,
    "v_offer_label": +1, "v_sole_amount": +1, "null_bias": 0, "null_no_buy": +1, "null_unavailable": +1,
}

# Weights held at their prior, not fitted: the corpus cannot tell them well enough. A
# page whose add-to-cart control the scan does not recognise is common on the web and
# rare in a generated corpus, so "no add-to-cart control" is not let to decide that a
# page has no price; and the no-price option's own bias stays at 0 (a structured price
# always beats it unless evidence speaks against it). The structured sources keep their
# order of trust (JSON-LD, microdata, meta): in a generated corpus whichever source the
# generator happens to get wrong least would win, while on the web shops keep JSON-LD in
# step with their catalogue most often; the corpus may only say when a statement is
# about something else (st_* evidence).
FIXED = {"null_bias", "null_no_buy", "null_unavailable", "src_jsonld", "src_microdata", "src_meta", "src_visible"
}


def fit(pages, names, l2, iterations, rate):
    index = {n: i for i, n in enumerate(names)}
    data = []  # (list of sparse vectors, right flags, no_price)
    skipped = 0
    for _, xs, right, no_price in pages:
        if not no_price and not any(right):
            skipped += 1
            continue
        vecs = [[(index[k], float(v)) for k, v in x.items() if k in index and v] for x in xs]
        # The last vector is the no-price option: the right answer on a page without a price.
        right = list(right[:-1]) + [no_price]
        if no_price:
            right = [False] * (len(right) - 1) + [True]
        data.append((vecs, right, no_price))
    prior = [PRIOR.get(n, 0.0) for n in names]
    w = list(prior)
    m = [0.0] * len(names)
    v = [0.0] * len(names)
    loss = 0.0
    for step in range(1, iterations + 1):
        grad = [2 * l2 * (wi - pi) for wi, pi in zip(w, prior)]
        loss = l2 * sum((wi - pi) ** 2 for wi, pi in zip(w, prior))
        for vecs, right, no_price in data:
            scores = [sum(w[i] * x for i, x in vec) for vec in vecs]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            z = sum(exps)
            num = sum(e for e, r in zip(exps, right) if r)
            loss -= math.log(num / z)
            # d(-log num/z)/dw = E_p[x] - E_{p|right}[x]
            for vec, e, r in zip(vecs, exps, right):
                p_all = e / z
                p_right = (e / num) if r else 0.0
                coef = p_all - p_right
                if coef:
                    for i, x in vec:
                        grad[i] += coef * x
        # Adam: the features differ in scale and frequency.
        for i in range(len(w)):
            m[i] = 0.9 * m[i] + 0.1 * grad[i]
            v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i]
            mh = m[i] / (1 - 0.9 ** step)
            vh = v[i] / (1 - 0.999 ** step)
            w[i] -= rate * mh / (math.sqrt(vh) + 1e-8)
            if names[i] in FIXED:
                w[i] = prior[i]
                continue
            direction = DIRECTION.get(names[i], 0)
            if direction * w[i] < 0:
                w[i] = 0.0
    return w, loss / max(1, len(data)), skipped


def accuracy(pages, names, w):
    index = {n: i for i, n in enumerate(names)}
    ok = 0
    for _, xs, right, no_price in pages:
        scores = [sum(w[index[k]] * float(v) for k, v in x.items() if k in index) for x in xs]
        # The no-price option (last) wins ties, as in extractor.cpp's choose().
        best = len(scores) - 1
        for i in range(len(scores) - 1):
            if scores[i] > scores[best]:
                best = i
        if best == len(scores) - 1:
            ok += no_price
        else:
            ok += (not no_price) and right[best]
    return ok / max(1, len(pages))


def write_header(names, w, pages, loss, skipped, l2):
    lines = [
        "// Generated by bench/fit_extraction.py: do not edit by hand.",
        "// The weights of the extraction scoring model (src/extract/scoring.hpp), fitted as a",
        "// conditional logit on the fit part of tests/corpus (truth.tsv, split=fit):",
        f"// {len(pages)} pages, {skipped} left out (their answer is no candidate), l2 = {l2} towards",
        "// the old hand-set rules (PRIOR in the script),",
        f"// mean loss {loss:.4f}. To regenerate after changing a feature or the corpus:",
        "//   cmake --build build/release --target pricescrape && bench/fit_extraction.py --write",
        "//   clang-format -i src/extract/scoring_weights.hpp",
        "// then rebuild and check bench/score_extraction.py on the held-out part. Pages that",
        "// consistent structured data settles (stage one) are not fitted on.",
        "#pragma once",
        "",
        "#include <array>",
        "#include <string_view>",
        "",
        "namespace pricescrape::extract::detail {",
        "",
        "struct fitted_weight {",
        "  std::string_view feature;",
        "  double weight;",
        "};",
        "",
        f"inline constexpr std::array<fitted_weight, {len(names)}> fitted_weights{{{{",
    ]
    for n, wi in zip(names, w):
        lines.append(f'    {{"{n}", {wi:.4f}}},')
    lines += ["}};", "", "}  // namespace pricescrape::extract::detail", ""]
    with open(HEADER, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def feature_names():
    """The feature names in the order scoring.hpp declares them (read from the header)."""
    path = os.path.join(ROOT, "src", "extract", "scoring.hpp")
    names = []
    inside = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "feature_names" in line and "=" in line:
                inside = True
                continue
            if inside:
                if line.strip().startswith("};"):
                    break
                names += [p.strip().strip('"') for p in line.split(",") if p.strip().startswith('"')]
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "release", "bin", "pricescrape"))
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--write", action="store_true", help="write src/extract/scoring_weights.hpp")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    names = feature_names()
    pages = load_pages(args.bin, "fit", args.jobs)
    w, loss, skipped = fit(pages, names, args.l2, args.iterations, args.rate)
    print(f"fit pages: {len(pages)} ({skipped} without their answer among the candidates)")
    print(f"mean loss: {loss:.4f}; accuracy on the fit pages: {accuracy(pages, names, w):.3f}")
    for n, wi in sorted(zip(names, w), key=lambda t: -abs(t[1])):
        print(f"  {n:24s} {wi:+.3f}")
    if args.write:
        write_header(names, w, pages, loss, skipped, args.l2)
        print(f"wrote {os.path.relpath(HEADER, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
