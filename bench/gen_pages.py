#!/usr/bin/env python3
"""Generates a deterministic set of realistic product pages with known prices.

  bench/gen_pages.py --out DIR [--pages 1000] [--seed 1] [--jobs N] [--gzip-level 6]

Writes
  DIR/www/s/<shop>/p/<NNNNN>-<slug>.html     the page (UTF-8)
  DIR/www/s/<shop>/p/<NNNNN>-<slug>.html.gz  the same, gzip (mtime 0), for nginx gzip_static
  DIR/truth.jsonl    one line per page: path, price (canonical decimal), currency (ISO 4217),
                     template, locale, bytes, gz_bytes
  DIR/paths.txt      the URL paths, one a line, in benchmark order
  DIR/manifest.json  the parameters and a hash of this script, so callers can reuse DIR

Page i depends only on (seed, i), never on --pages, so a larger set extends a smaller one.
Six shop templates, taken in turn:
  jsonld     JSON-LD Product/Offer; visible price next to a struck-through compare price;
             related products with prices
  graph      WooCommerce/Yoast style: JSON-LD @graph (WebPage, Organization, Breadcrumbs,
             Product with an offers array and priceSpecification); <del>/<ins> prices
  microdata  Magento style itemscope Product, itemprop price with content=
  opengraph  only product:price:amount / product:price:currency meta (JSON-LD for
             Organization and BreadcrumbList only, no Product)
  aggregate  marketplace: JSON-LD AggregateOffer (truth = lowPrice), seller table
  visible    no structured data at all: a "recently viewed" sidebar with prices before
             the product, a struck-through old price before the current one, related
             products, a free-shipping threshold in the header
Sizes are log-uniform in 60-600 KB (mean ~235 KB): inline CSS, an inline JSON app state
(which also holds other products' prices), a mega menu, descriptions, spec tables,
reviews, related products, footer.
"""
import argparse, gzip, hashlib, json, math, os, pathlib, random, sys
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

GENERATOR_VERSION = 3
TEMPLATES = ["jsonld", "graph", "microdata", "opengraph", "aggregate", "visible"]
SHOPS = {"jsonld": "nordkraft", "graph": "maison-verte", "microdata": "brightline",
         "opengraph": "kobo-market", "aggregate": "bazaar-hub", "visible": "atelier-petit"}

# locale -> currency, thousands separator, decimal separator, pattern, decimals
LOCALES = {
    "de-DE": ("EUR", ".", ",", "{n}\u00a0€", 2),
    "fr-FR": ("EUR", "\u202f", ",", "{n}\u00a0€", 2),
    "en-GB": ("GBP", ",", ".", "£{n}", 2),
    "en-US": ("USD", ",", ".", "${n}", 2),
    "ja-JP": ("JPY", ",", None, "¥{n}", 0),
    "de-CH": ("CHF", "'", ".", "CHF {n}", 2),
    "sv-SE": ("SEK", "\u00a0", ",", "{n}\u00a0kr", 2),
    "pl-PL": ("PLN", "\u00a0", ",", "{n}\u00a0zł", 2),
    "en-IN": ("INR", ",", ".", "₹{n}", 2),
}
LOCALE_NAMES = list(LOCALES)

WORDS = ("the a of and with for in on by from this that our your its all new best quality "
         "premium durable light compact steel oak cotton wool leather ceramic glass bamboo "
         "design made handcrafted finish colour color size weight width height depth "
         "capacity battery hours power motor speed setting mode control display warranty "
         "years delivery returns free easy clean dishwasher safe water resistant outdoor "
         "indoor kitchen garden office travel home studio sound audio bass noise "
         "cancelling wireless bluetooth cable charger included box contents manual "
         "recommended perfect gift everyday use comfortable soft firm grip handle lid "
         "stainless coating natural organic recycled sustainable sourced europe japan "
         "sweden switzerland poland india britain tested certified rated reviews "
         "customers love bought again fits well arrived quickly packaging sturdy exactly "
         "described would recommend five stars great value price little smaller expected "
         "works fine after months daily still looks brand im very happy "
         "schnell gut qualität sehr zufrieden produit très bon livraison rapide bardzo "
         "dobry produkt polecam mycket bra kvalitet").split()
NOUNS = ("Kettle Teapot Backpack Headphones Bookshelf Scarf Blender Lamp Chair Desk Jacket "
         "Boots Watch Speaker Grinder Knife Pan Mixer Tent Bicycle Helmet Camera Tripod "
         "Keyboard Monitor Router Drill Saw Vase Rug Pillow Duvet Towel Mug Bottle").split()
ADJS = ("Nordic Alpine Classic Urban Studio Pro Mini Max Heritage Coastal Forest Summit "
        "Midnight Arctic Copper Graphite Walnut Linen Velvet Titan Aero Zen Terra").split()


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def canonical(d: Decimal) -> str:
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def group_int(n: int, sep: str, indian: bool) -> str:
    s = str(n)
    if indian and len(s) > 3:
        head, tail = s[:-3], s[-3:]
        parts = []
        while len(head) > 2:
            parts.insert(0, head[-2:])
            head = head[:-2]
        if head:
            parts.insert(0, head)
        return sep.join(parts + [tail])
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return sep.join(parts)


def fmt_visible(d: Decimal, locale: str) -> str:
    cur, th, dec, pattern, decimals = LOCALES[locale]
    q = d.quantize(Decimal(1) if decimals == 0 else Decimal("0.01"))
    whole, _, frac = format(q, "f").partition(".")
    n = group_int(int(whole), th, locale == "en-IN")
    if decimals:
        n += dec + frac
    return pattern.format(n=n)


def machine(d: Decimal, locale: str) -> str:
    """The price as structured data writes it: "1234.50", "12800"."""
    decimals = LOCALES[locale][4]
    return format(d.quantize(Decimal(1) if decimals == 0 else Decimal("0.01")), "f")


def rand_price(rng, locale):
    cur = LOCALES[locale][0]
    if cur == "JPY":
        return Decimal(rng.choice([980, 1280, 2480, 3980, 12800, 24800, 39800, 128000, 398000])
                       + rng.randrange(0, 50) * 100)
    if cur == "INR":
        base = rng.choice([499, 999, 1499, 4999, 12999, 45999, 123456])
    elif cur in ("SEK", "PLN"):
        base = rng.choice([49, 199, 349, 899, 1299, 2499, 8990, 12490])
    else:
        base = rng.choice([4, 9, 19, 29, 49, 89, 129, 249, 499, 899, 1299, 1899, 2879, 4999])
    cents = rng.choice(["00", "99", "95", "50", "90", f"{rng.randrange(100):02d}"])
    return Decimal(f"{base + rng.randrange(0, 3)}.{cents}")


class Page:
    def __init__(self, rng, sentences):
        self.rng, self.sentences, self.parts, self.size = rng, sentences, [], 0

    def add(self, s):
        self.parts.append(s)
        self.size += len(s)

    def text(self, lo, hi):
        return " ".join(self.rng.choice(self.sentences) for _ in range(self.rng.randint(lo, hi)))


def sentence_pool(seed):
    rng = random.Random(f"{seed}:sentences")
    pool = []
    for _ in range(4000):
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        pool.append(" ".join(words).capitalize() + rng.choice([".", ".", ".", "!", "?"]))
    return pool


def css_block(rng, prefix):
    rules = []
    for i in range(rng.randint(150, 400)):
        sel = f".{prefix}-{rng.choice(WORDS)}-{i}"
        props = "; ".join(f"{rng.choice(['margin', 'padding', 'font-size', 'gap', 'line-height', 'border-radius'])}: "
                          f"{rng.randint(0, 40)}px" for _ in range(rng.randint(2, 6)))
        rules.append(f"{sel} {{ {props} }}")
    return "<style>\n" + "\n".join(rules) + "\n</style>\n"


def mega_menu(rng, shop):
    out = ['<nav class="main-nav" aria-label="Main"><ul class="nav-top">']
    for c in range(rng.randint(6, 10)):
        cat = rng.choice(NOUNS) + "s"
        out.append(f'<li class="nav-item"><a href="/s/{shop}/c/{cat.lower()}">{cat}</a><ul class="nav-menu">')
        for k in range(rng.randint(8, 25)):
            name = f"{rng.choice(ADJS)} {rng.choice(NOUNS)}s"
            out.append(f'<li><a href="/s/{shop}/c/{cat.lower()}/{k}">{name}</a></li>')
        out.append("</ul></li>")
    out.append('<li class="nav-item sale"><a href="/sale">Sale</a></li></ul></nav>\n')
    return "".join(out)


def product_card(rng, shop, locale, cls_price, idx, microdata=False):
    name = f"{rng.choice(ADJS)} {rng.choice(NOUNS)}"
    p = fmt_visible(rand_price(rng, locale), locale)
    return (f'<li class="product-card"><a href="/s/{shop}/p/r{idx}"><img src="/img/r{idx}.jpg" alt="{name}" '
            f'loading="lazy" width="240" height="240"><span class="card-title">{name}</span></a>'
            f'<span class="{cls_price}">{p}</span>'
            f'<button class="quick-add" data-sku="R{idx:05d}">Add</button></li>')


def related_block(rng, shop, locale, cls_price, title="You may also like"):
    cards = "".join(product_card(rng, shop, locale, cls_price, rng.randrange(100000))
                    for _ in range(rng.randint(8, 16)))
    return f'<section class="related carousel"><h2>{title}</h2><ul class="card-grid">{cards}</ul></section>\n'


def app_state(rng, locale, target):
    """An inline JSON state blob as SPAs ship it; holds other products with prices."""
    items, size = [], 0
    while size < target:
        p = rand_price(rng, locale)
        item = (f'{{"id":"{rng.randrange(10**9)}","name":"{rng.choice(ADJS)} {rng.choice(NOUNS)}",'
                f'"price":{{"amount":"{machine(p, locale)}","formatted":"{fmt_visible(p, locale)}"}},'
                f'"tags":["{rng.choice(WORDS)}","{rng.choice(WORDS)}"],"rating":{rng.randint(1, 50) / 10},'
                f'"img":"/img/{rng.randrange(10**6)}.webp","blurb":"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}"}}')
        items.append(item)
        size += len(item) + 1
    return ('<script id="__APP_STATE__" type="application/json">{"catalog":{"items":['
            + ",".join(items) + ']},"flags":{"newCheckout":true}}</script>\n')


def reviews(page, n):
    rng = page.rng
    out = ['<section class="reviews" id="reviews"><h2>Customer reviews</h2>']
    for i in range(n):
        out.append(f'<article class="review"><div class="review-meta"><span class="stars">{"★" * rng.randint(1, 5)}</span> '
                   f'<span class="author">{rng.choice(ADJS)} {rng.choice(NOUNS)[0]}.</span> '
                   f'<time datetime="2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}">2025</time></div>'
                   f'<h3>{page.text(1, 1)}</h3><p>{page.text(2, 7)}</p>'
                   f'<div class="helpful">{rng.randint(0, 200)} people found this helpful</div></article>')
    out.append("</section>\n")
    return "".join(out)


def specs_table(page):
    rng = page.rng
    rows = "".join(f"<tr><th>{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}</th>"
                   f"<td>{rng.randint(1, 999)} {rng.choice(['mm', 'cm', 'g', 'kg', 'W', 'h', 'l'])}</td></tr>"
                   for _ in range(rng.randint(8, 30)))
    return f'<table class="specs">{rows}</table>\n'


def footer(rng, shop):
    cols = []
    for c in range(5):
        links = "".join(f'<li><a href="/s/{shop}/info/{c}-{k}">{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}</a></li>'
                        for k in range(rng.randint(5, 12)))
        cols.append(f'<div class="footer-col"><h4>{rng.choice(WORDS).capitalize()}</h4><ul>{links}</ul></div>')
    return (f'<footer class="site-footer"><div class="container footer-grid">{"".join(cols)}</div>'
            f'<div class="footer-bottom">&copy; 2026 {shop}. Prices include VAT. Free returns within 30 days.</div></footer>\n')


def svg_sprite(rng):
    paths = "".join(f'<symbol id="i{k}" viewBox="0 0 24 24"><path d="M{rng.randint(0, 24)} {rng.randint(0, 24)}'
                    + "".join(f"l{rng.randint(-9, 9)} {rng.randint(-9, 9)}" for _ in range(rng.randint(6, 30)))
                    + 'z"/></symbol>' for k in range(rng.randint(20, 60)))
    return f'<svg style="display:none" xmlns="http://www.w3.org/2000/svg">{paths}</svg>\n'


def jsonld_script(obj_text):
    return f'<script type="application/ld+json">{obj_text}</script>\n'


def make_page(seed, i, sentences):
    rng = random.Random(f"{seed}:{i}")
    template = TEMPLATES[i % len(TEMPLATES)]
    shop = SHOPS[template]
    locale = LOCALE_NAMES[(i // len(TEMPLATES) + i) % len(LOCALE_NAMES)]
    cur = LOCALES[locale][0]
    target = int(math.exp(rng.uniform(math.log(60_000), math.log(600_000))))
    price = rand_price(rng, locale)
    old = (price * Decimal("1.25")).quantize(Decimal(1) if cur == "JPY" else Decimal("0.01"))
    high = (price * Decimal("1.6")).quantize(Decimal(1) if cur == "JPY" else Decimal("0.01"))
    name = f"{rng.choice(ADJS)} {rng.choice(ADJS)} {rng.choice(NOUNS)}"
    slug = name.lower().replace(" ", "-")
    path = f"/s/{shop}/p/{i:05d}-{slug}.html"
    sku = f"{shop[:3].upper()}-{i:05d}"
    avail = "OutOfStock" if rng.random() < 0.1 else "InStock"
    url = f"https://{shop}.example{path}"
    pg = Page(rng, sentences)
    vis = fmt_visible(price, locale)
    vis_old = fmt_visible(old, locale)

    pg.add(f'<!DOCTYPE html>\n<html lang="{locale}">\n<head>\n<meta charset="utf-8">\n'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f'<title>{esc(name)} | {shop}</title>\n<meta name="description" content="{esc(pg.text(1, 2))}">\n'
           f'<link rel="canonical" href="{url}">\n'
           + "".join(f'<link rel="preload" href="/assets/{shop}/{k}.woff2" as="font" crossorigin>\n' for k in range(3))
           + "".join(f'<link rel="stylesheet" href="/assets/{shop}/bundle-{rng.randrange(16**8):08x}.css">\n' for _ in range(2))
           + f'<meta property="og:type" content="{"product" if template == "opengraph" else "website"}">\n'
           f'<meta property="og:title" content="{esc(name)}">\n<meta property="og:url" content="{url}">\n'
           f'<meta property="og:image" content="https://{shop}.example/img/{i}.jpg">\n')
    if template == "opengraph":
        pg.add(f'<meta property="product:price:amount" content="{machine(price, locale)}">\n'
               f'<meta property="product:price:currency" content="{cur}">\n'
               f'<meta property="product:availability" content="{"in stock" if avail == "InStock" else "out of stock"}">\n'
               f'<meta property="product:retailer_item_id" content="{sku}">\n')
        pg.add(jsonld_script(json.dumps({"@context": "https://schema.org", "@type": "Organization", "name": shop,
                                         "url": f"https://{shop}.example/"})))
        pg.add(jsonld_script(json.dumps({"@context": "https://schema.org", "@type": "BreadcrumbList",
                                         "itemListElement": [{"@type": "ListItem", "position": k + 1, "name": n}
                                                             for k, n in enumerate(["Home", "Shop", name])]})))
    pg.add(css_block(rng, shop[:4]))
    if template == "jsonld":
        pg.add(jsonld_script(
            '{"@context":"https://schema.org/","@type":"Product",'
            f'"name":{json.dumps(name)},"sku":"{sku}","image":["https://{shop}.example/img/{i}.jpg"],'
            f'"description":{json.dumps(pg.text(1, 3))},"brand":{{"@type":"Brand","name":"{shop}"}},'
            f'"aggregateRating":{{"@type":"AggregateRating","ratingValue":"{rng.randint(30, 50) / 10}","reviewCount":"{rng.randint(1, 900)}"}},'
            f'"offers":{{"@type":"Offer","url":"{url}","priceCurrency":"{cur}","price":"{machine(price, locale)}",'
            f'"priceValidUntil":"2027-12-31","availability":"https://schema.org/{avail}",'
            '"itemCondition":"https://schema.org/NewCondition"}}'))
    elif template == "graph":
        num = machine(price, locale)  # written as a JSON number in this shop
        pg.add(jsonld_script(
            '{"@context":"https://schema.org","@graph":['
            f'{{"@type":"WebPage","@id":"{url}#webpage","url":"{url}","name":{json.dumps(name)}}},'
            f'{{"@type":"Organization","@id":"https://{shop}.example/#org","name":"{shop}"}},'
            f'{{"@type":"BreadcrumbList","itemListElement":[{{"@type":"ListItem","position":1,"name":"Home"}},'
            f'{{"@type":"ListItem","position":2,"name":{json.dumps(name)}}}]}},'
            f'{{"@type":"Product","@id":"{url}#product","name":{json.dumps(name)},"sku":"{sku}",'
            f'"offers":[{{"@type":"Offer","price":{num},"priceCurrency":"{cur}",'
            f'"priceSpecification":{{"@type":"UnitPriceSpecification","price":{num},"priceCurrency":"{cur}",'
            f'"valueAddedTaxIncluded":true}},"availability":"http://schema.org/{avail}","url":"{url}",'
            f'"seller":{{"@type":"Organization","name":"{shop}"}}}}]}}]}}'))
    elif template == "aggregate":
        pg.add(jsonld_script(
            '{"@context":"https://schema.org","@type":"Product",'
            f'"name":{json.dumps(name)},"sku":"{sku}","offers":{{"@type":"AggregateOffer",'
            f'"lowPrice":"{machine(price, locale)}","highPrice":"{machine(high, locale)}",'
            f'"offerCount":"{rng.randint(2, 9)}","priceCurrency":"{cur}",'
            f'"availability":"https://schema.org/{avail}"}}}}'))
    pg.add("</head>\n")
    body_attrs = ' itemscope itemtype="https://schema.org/WebPage"' if template == "microdata" else ""
    pg.add(f'<body class="pdp template-{template}"{body_attrs}>\n{svg_sprite(rng)}'
           f'<div class="announcement-bar">Free shipping over {fmt_visible(Decimal(5000 if cur == "JPY" else 50), locale)}'
           f' &middot; 30-day returns</div>\n'
           f'<header class="site-header"><div class="container header-row"><a class="logo" href="/">{shop}</a>'
           f'<form class="search" action="/search"><input name="q" placeholder="Search"></form>'
           f'<a class="mini-cart" href="/cart">Basket (0) <span class="cart-total">{fmt_visible(Decimal(0), locale)}</span></a>'
           f'</div></header>\n')
    pg.add(mega_menu(rng, shop))
    pg.add(f'<nav class="breadcrumbs"><ol><li><a href="/">Home</a></li><li><a href="/s/{shop}">Shop</a></li>'
           f'<li>{esc(name)}</li></ol></nav>\n')
    if template == "visible":
        # A sidebar of recently viewed items comes first in the DOM, with the shop's price class.
        pg.add('<aside class="recently-viewed"><h3>Recently viewed</h3><ul>'
               + "".join(product_card(rng, shop, locale, "price", rng.randrange(100000)) for _ in range(rng.randint(2, 5)))
               + "</ul></aside>\n")
    pg.add('<main id="main">\n')
    stock = ('<p class="stock in">In stock, ships in 1-2 days</p>' if avail == "InStock"
             else '<p class="stock out">Sold out</p>')
    if template == "jsonld":
        price_html = (f'<div class="product-price"><span class="product-price__current">{vis}</span> '
                      f'<s class="price price--compare">{vis_old}</s></div>')
    elif template == "graph":
        price_html = (f'<p class="price"><del aria-hidden="true"><span class="woocommerce-Price-amount amount">{vis_old}</span></del> '
                      f'<ins><span class="woocommerce-Price-amount amount">{vis}</span></ins></p>')
    elif template == "microdata":
        price_html = (f'<div class="price-box" itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
                      f'<meta itemprop="priceCurrency" content="{cur}">'
                      f'<span class="price" itemprop="price" content="{machine(price, locale)}">{vis}</span>'
                      f'<link itemprop="availability" href="https://schema.org/{avail}"></div>')
    elif template == "opengraph":
        price_html = f'<div class="pdp-price"><span class="pdp-price__value">{vis}</span></div>'
    elif template == "aggregate":
        price_html = (f'<div class="offer-summary">from <span class="lowest">{vis}</span> '
                      f'({rng.randint(2, 9)} sellers)</div>')
    else:
        price_html = (f'<div class="price-wrap"><span class="price price--old"><s>{vis_old}</s></span> '
                      f'<span class="price price--sale">{vis}</span> <span class="save">Save 20%</span></div>')
    scope = ' itemscope itemtype="https://schema.org/Product"' if template == "microdata" else ""
    name_prop = ' itemprop="name"' if template == "microdata" else ""
    pg.add(f'<div class="product"{scope}>\n<div class="gallery">'
           + "".join(f'<img src="/img/{i}-{k}.jpg" alt="{esc(name)} {k}" width="800" height="800"'
                     f' loading="{"eager" if k == 0 else "lazy"}">' for k in range(rng.randint(3, 8)))
           + f'</div>\n<div class="buy-box"><h1 class="product-title"{name_prop}>{esc(name)}</h1>'
           f'<div class="rating">{"★" * rng.randint(3, 5)} <a href="#reviews">{rng.randint(1, 900)} reviews</a></div>'
           f'{price_html}<p class="tax-note">incl. VAT, plus shipping</p>{stock}'
           f'<form class="add-to-cart" action="/cart/add" method="post"><input type="hidden" name="sku" value="{sku}">'
           f'<input type="number" name="qty" value="1" min="1"><button type="submit"'
           f'{" disabled" if avail == "OutOfStock" else ""}>Add to cart</button></form>'
           f'<p class="instalments">or 4 payments of {fmt_visible((price / 4).quantize(Decimal(1) if cur == "JPY" else Decimal("0.01")), locale)}</p>'
           f'</div>\n<div class="description"><h2>Description</h2><p>{pg.text(3, 8)}</p><p>{pg.text(3, 8)}</p></div>\n')
    if template == "aggregate":
        rows = [(f"Seller {k}", price if k == 0 else (price * Decimal(1 + rng.random() * 0.6)).quantize(
            Decimal(1) if cur == "JPY" else Decimal("0.01"))) for k in range(rng.randint(3, 7))]
        rng.shuffle(rows)
        pg.add('<table class="sellers"><tr><th>Seller</th><th>Price</th></tr>'
               + "".join(f'<tr><td>{s}</td><td class="seller-price">{fmt_visible(p, locale)}</td></tr>' for s, p in rows)
               + "</table>\n")
    pg.add(specs_table(pg))
    pg.add("</div>\n")
    pg.add(related_block(rng, shop, locale, "price" if template in ("visible", "microdata") else "card-price"))
    tail = "</main>\n" + footer(rng, shop) + '<script src="/assets/app.js" defer></script>\n</body>\n</html>\n'
    # Fill to the target size with reviews, then an inline app-state blob (as SPAs do).
    remaining = target - pg.size - len(tail)
    if remaining > 0:
        n_reviews = max(1, int(remaining * 0.5 / 420))
        r = reviews(pg, n_reviews)
        pg.add(r)
        remaining -= len(r)
    if remaining > 200:
        pg.add(app_state(rng, locale, remaining - 120))
    pg.add(tail)
    html = "".join(pg.parts)
    return template, locale, path, price, cur, html


def write_one(args):
    seed, i, out, level = args
    sentences = _POOL.get(seed) or _POOL.setdefault(seed, sentence_pool(seed))
    template, locale, path, price, cur, html = make_page(seed, i, sentences)
    data = html.encode("utf-8")
    gz = gzip.compress(data, compresslevel=level, mtime=0)
    f = pathlib.Path(out) / "www" / path.lstrip("/")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(data)
    pathlib.Path(str(f) + ".gz").write_bytes(gz)
    return {"path": path, "price": canonical(price), "currency": cur, "template": template,
            "locale": locale, "bytes": len(data), "gz_bytes": len(gz)}


_POOL = {}


def script_hash():
    return hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--gzip-level", type=int, default=6)
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = [(a.seed, i, str(out), a.gzip_level) for i in range(a.pages)]
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as ex:
            rows = list(ex.map(write_one, work, chunksize=8))
    else:
        rows = [write_one(w) for w in work]
    with open(out / "truth.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "paths.txt").write_text("".join(r["path"] + "\n" for r in rows))
    total = sum(r["bytes"] for r in rows)
    gz = sum(r["gz_bytes"] for r in rows)
    manifest = {"generator_version": GENERATOR_VERSION, "script": script_hash(), "pages": a.pages,
                "seed": a.seed, "gzip_level": a.gzip_level, "bytes": total, "gz_bytes": gz}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{a.pages} pages in {out}: {total / a.pages / 1024:.0f} KiB mean, "
          f"{gz / a.pages / 1024:.0f} KiB gzip mean, {min(r['bytes'] for r in rows) // 1024}-"
          f"{max(r['bytes'] for r in rows) // 1024} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
