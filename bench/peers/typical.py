"""The "typical peer" price extractor used by every Python peer in bench/.

What a scraper author writes in an afternoon: JSON-LD Product offers (price, else
lowPrice, else priceSpecification.price), then product:/og: price meta, then itemprop
price (content= or text), then the text of the first `.price` element, parsed with a
small price-parser-like routine. Each HTML library supplies the four look-ups through a
small adapter (bs4, lxml, parsel/Scrapy); the decision logic is shared so the peers differ
only in their HTML stack.
"""
import json, re
from decimal import Decimal, InvalidOperation

SYMBOLS = [("US$", "USD"), ("CHF", "CHF"), ("zł", "PLN"), ("kr", "SEK"), ("€", "EUR"), ("£", "GBP"),
           ("¥", "JPY"), ("円", "JPY"), ("₹", "INR"), ("Rs", "INR"), ("$", "USD")]
ISO = re.compile(r"\b(EUR|GBP|USD|JPY|CHF|SEK|PLN|INR|NOK|DKK|CAD|AUD|CNY)\b")
NUMBER = re.compile(r"\d[\d.,'\s\u00a0\u202f]*")


def parse_price(text):
    """'1.234,56 €' -> (Decimal('1234.56'), 'EUR'); ('£1,299.00') -> (1299.00, 'GBP')."""
    if text is None:
        return None, None
    text = str(text).strip()
    cur = None
    m = ISO.search(text)
    if m:
        cur = m.group(1)
    else:
        for sym, code in SYMBOLS:
            if sym in text:
                cur = code
                break
    m = NUMBER.search(text)
    if not m:
        return None, cur
    num = re.sub(r"[\s\u00a0\u202f']", "", m.group(0)).rstrip(".,")
    last = max(num.rfind("."), num.rfind(","))
    if last >= 0 and len(num) - last - 1 in (1, 2):      # decimal separator: 1 or 2 digits after it
        whole, frac = num[:last], num[last + 1:]
        num = re.sub(r"[.,]", "", whole) + "." + frac
    else:                                                # only thousands separators
        num = re.sub(r"[.,]", "", num)
    try:
        return Decimal(num), cur
    except InvalidOperation:
        return None, cur


def to_decimal(v):
    if v is None:
        return None
    if isinstance(v, (int, float)):
        v = str(v)
    try:
        return Decimal(str(v).strip())
    except InvalidOperation:
        return parse_price(v)[0]


def _walk(obj):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def _is_product(d):
    t = d.get("@type")
    return t == "Product" or (isinstance(t, list) and "Product" in t)


def from_jsonld(texts):
    for text in texts:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        for d in _walk(data):
            if not _is_product(d):
                continue
            offers = d.get("offers")
            for o in (offers if isinstance(offers, list) else [offers]):
                if not isinstance(o, dict):
                    continue
                spec = o.get("priceSpecification") if isinstance(o.get("priceSpecification"), dict) else {}
                p = o.get("price", o.get("lowPrice", spec.get("price")))
                if p is not None:
                    return to_decimal(p), o.get("priceCurrency") or spec.get("priceCurrency")
    return None, None


def extract(doc):
    """doc: an adapter with jsonld() -> [str], meta(prop) -> str|None,
    itemprop(name) -> str|None (content= or text), first_text(css_class) -> str|None."""
    price, cur = from_jsonld(doc.jsonld())
    if price is not None:
        return price, cur
    amount = doc.meta("product:price:amount") or doc.meta("og:price:amount")
    if amount:
        return to_decimal(amount), doc.meta("product:price:currency") or doc.meta("og:price:currency")
    ip = doc.itemprop("price")
    if ip:
        p, c = parse_price(ip)
        return p, doc.itemprop("priceCurrency") or c
    return parse_price(doc.first_text("price"))


def record(url, status, price, cur, error=None):
    return {"url": url, "status": status, "price": None if price is None else format(price, "f"),
            "currency": cur, "error": error}


# --- adapters -------------------------------------------------------------------------

class Bs4Doc:
    def __init__(self, soup):
        self.s = soup

    def jsonld(self):
        return [t.string or t.get_text() for t in self.s.find_all("script", type="application/ld+json")]

    def meta(self, prop):
        m = self.s.find("meta", attrs={"property": prop})
        return m.get("content") if m else None

    def itemprop(self, name):
        el = self.s.find(attrs={"itemprop": name})
        if el is None:
            return None
        return el.get("content") or el.get_text(" ", strip=True)

    def first_text(self, cls):
        el = self.s.select_one("." + cls)
        return el.get_text(" ", strip=True) if el else None


class XPathDoc:
    """For lxml trees and for parsel selectors (Scrapy's response), both speak XPath."""
    CLS = "//*[contains(concat(' ', normalize-space(@class), ' '), ' {} ')]"

    def __init__(self, xpath, text_of):
        self.x, self.text_of = xpath, text_of

    def _first(self, q):
        r = self.x(q)
        return r[0] if r else None

    def jsonld(self):
        return self.x('//script[@type="application/ld+json"]/text()')

    def meta(self, prop):
        return self._first(f'//meta[@property="{prop}"]/@content')

    def itemprop(self, name):
        c = self._first(f'//*[@itemprop="{name}"]/@content')
        if c:
            return c
        t = self._first(f'//*[@itemprop="{name}"]')
        return self.text_of(t) if t is not None else None

    def first_text(self, cls):
        el = self._first(self.CLS.format(cls))
        return self.text_of(el) if el is not None else None
