#!/usr/bin/env python3
"""A typical Scrapy price spider, run in one process with CrawlerProcess.

  scrapy_peer.py --urls FILE --out FILE [-c 10] [--autothrottle]

CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN = c, no delay, no robots.txt,
no telnet console, default middlewares otherwise (compression, retries, cookies).
--autothrottle turns on AUTOTHROTTLE_ENABLED and nothing else, as a user uncommenting
it in settings.py would (start delay 5 s, target concurrency 1.0, max delay 60 s). The
page is read with Scrapy's own selectors (parsel over lxml) through the shared typical
extractor. Scrapy's default TLS context factory does not verify certificates, so no CA
is passed. Writes one JSON line per URL: url, status, price, currency, error.
"""
import argparse, json, os, sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from typical import XPathDoc, extract, record  # noqa: E402


def text_of(sel):
    return " ".join(t.strip() for t in sel.xpath(".//text()").getall() if t.strip())


class PriceSpider(scrapy.Spider):
    name = "prices"
    custom_settings = {"HTTPERROR_ALLOW_ALL": True}

    def __init__(self, urls, out, **kw):
        super().__init__(**kw)
        self.urls_file, self.out = urls, open(out, "w")

    def start_requests(self):
        with open(self.urls_file) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    yield scrapy.Request(line, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response):
        xp = lambda q: list(_unwrap(response.xpath(q)))
        price, cur = extract(XPathDoc(xp, text_of))
        self.out.write(json.dumps(record(response.url, response.status, price, cur)) + "\n")

    def failed(self, failure):
        self.out.write(json.dumps(record(failure.request.url, None, None, None, repr(failure.value))) + "\n")

    def closed(self, reason):
        self.out.close()


def _unwrap(selectors):
    # attribute and text() results as strings, elements as selectors
    for s in selectors:
        root = s.root
        yield root if isinstance(root, str) else s


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("-c", "--concurrency", type=int, default=10)
    ap.add_argument("--autothrottle", action="store_true", help="AUTOTHROTTLE_ENABLED, its other settings default")
    a = ap.parse_args()
    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": a.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": a.concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": a.autothrottle,
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "USER_AGENT": "scrapy-peer (bench)",
    })
    process.crawl(PriceSpider, urls=a.urls, out=a.out)
    process.start()
