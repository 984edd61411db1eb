#!/usr/bin/env python3
"""A typical asyncio price scraper: aiohttp with N requests in flight, the page parsed with
BeautifulSoup (html.parser, the default most tutorials use) or lxml.html, on the event loop.

  aiohttp_peer.py --parser bs4|bs4-lxml|lxml --urls FILE --out FILE [-c 10] [--cacert PEM]

Writes one JSON line per URL (completion order): url, status, price, currency, error.
"""
import argparse, asyncio, json, os, ssl, sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aiohttp  # noqa: E402
from typical import Bs4Doc, XPathDoc, extract, record  # noqa: E402


def make_parser(kind):
    if kind in ("bs4", "bs4-lxml"):
        from bs4 import BeautifulSoup
        feature = "html.parser" if kind == "bs4" else "lxml"
        return lambda text: Bs4Doc(BeautifulSoup(text, feature))
    import lxml.html
    def parse(text):
        root = lxml.html.fromstring(text)
        return XPathDoc(root.xpath, lambda el: el.text_content().strip())
    return parse


async def main(a):
    parse = make_parser(a.parser)
    ctx = ssl.create_default_context(cafile=a.cacert) if a.cacert else None
    connector = aiohttp.TCPConnector(limit=a.concurrency, ssl=ctx if ctx else None)
    timeout = aiohttp.ClientTimeout(total=a.timeout)
    queue = asyncio.Queue(maxsize=4 * a.concurrency)
    out = open(a.out, "w")

    async def worker(session):
        while True:
            url = await queue.get()
            if url is None:
                return
            try:
                async with session.get(url) as resp:
                    text = await resp.text()
                    status = resp.status
                price, cur = extract(parse(text))
                rec = record(url, status, price, cur)
            except Exception as e:  # a scraper keeps going
                rec = record(url, None, None, None, f"{type(e).__name__}: {e}")
            out.write(json.dumps(rec) + "\n")

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        workers = [asyncio.create_task(worker(session)) for _ in range(a.concurrency)]
        with open(a.urls) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    await queue.put(line)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    out.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--parser", choices=["bs4", "bs4-lxml", "lxml"], required=True)
    ap.add_argument("--urls", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("-c", "--concurrency", type=int, default=10)
    ap.add_argument("--cacert")
    ap.add_argument("--timeout", type=float, default=60)
    asyncio.run(main(ap.parse_args()))
