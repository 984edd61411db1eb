#!/usr/bin/env python3
"""Writes the generated part of the development corpus: tests/corpus/pages/gen-*.html and
the rows of tests/corpus/truth.tsv (hand-written pages keep their rows in hand.tsv, which
is copied in first).

Usage: tests/corpus/make_corpus.py            (rewrites pages/gen-* and truth.tsv)

Every page imitates one storefront platform's markup (class names, price blocks, buttons,
the blocks around the buy box) and carries one family of traps from issue 11. Layout
choices (structured data or none, where related blocks sit, which number style, header
mini-cart, banners, spec tables, reviews) are drawn per page from a seeded generator, so
the set is reproducible and pages differ in structure, wording and layout, not only in
numbers. The split is fixed per page: `fit` pages may be used to fit weights, `heldout`
pages only to report.
"""

import decimal
import html
import json
import zlib
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from locales import ACCESSORIES, LOCALES, NAMES, WORDS, fmt  # noqa: E402

D = decimal.Decimal
SEED = 11

PLATFORM_LOCALES = {
    "shopify": ["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "sv_SE", "da_DK", "en_IN", "it_IT"],
    "woocommerce": ["en_GB", "de_DE", "es_ES", "it_IT", "pl_PL", "nb_NO", "pt_BR", "tr_TR"],
    "magento": ["en_US", "de_DE", "fr_FR", "nl_NL", "it_IT", "de_CH", "cs_CZ"],
    "bigcommerce": ["en_US", "en_GB"],
    "prestashop": ["fr_FR", "es_ES", "it_IT", "pl_PL", "cs_CZ"],
    "shopware": ["de_DE", "de_CH", "nl_NL"],
    "sfcc": ["en_US", "fr_FR", "de_DE", "it_IT", "en_GB"],
    "vtex": ["pt_BR", "es_AR", "es_MX"],
    "mercadolibre": ["es_AR", "es_MX", "pt_BR"],
    "rakuten": ["ja_JP"],
    "allegro": ["pl_PL", "cs_CZ"],
    "zalando": ["de_DE", "fr_FR", "nl_NL", "it_IT", "pl_PL", "sv_SE", "da_DK", "nb_NO", "de_CH"],
    "amazon": ["en_US", "en_GB", "de_DE", "fr_FR", "ja_JP", "it_IT", "es_ES", "en_IN", "sv_SE",
               "nl_NL", "pl_PL", "tr_TR"],
    "ebay": ["en_US", "en_GB", "de_DE", "fr_FR", "it_IT"],
}

FAMILIES = ["buybox", "sale", "other_product", "locale", "marketplace", "no_price"]
MARKETPLACES = ["amazon", "ebay", "mercadolibre", "allegro", "rakuten", "zalando"]
STOREFRONTS = ["shopify", "woocommerce", "magento", "bigcommerce", "prestashop", "shopware",
               "sfcc", "vtex"]

e = html.escape


def amount(rng, loc, lo=None, hi=None):
    cfg = LOCALES[loc]
    lo, hi = lo or cfg["mag"][0], hi or cfg["mag"][1]
    # Log-uniform between lo and hi, rounded the way shops round.
    import math

    v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    if cfg.get("whole") or v > 400 and rng.random() < 0.4:
        units = int(v)
        if units > 100:
            units = units // 10 * 10 - (1 if rng.random() < 0.5 and not cfg.get("whole") else 0)
            units = max(units, 1)
        return D(units)
    cents = rng.choice(["99", "95", "90", "00", "50", "49"])
    return D(f"{int(v)}.{cents}")


def whole_safe(loc, rng, style_pool):
    return rng.choice(style_pool)


class Page:
    def __init__(self, n, platform, family, loc, rng):
        self.n, self.platform, self.family, self.loc, self.rng = n, platform, family, loc, rng
        cfg = LOCALES[loc]
        self.lang = loc.split("_")[0]
        self.w = WORDS[self.lang]
        self.cur = cfg["cur"]
        self.name = rng.choice(NAMES[self.lang])
        if rng.random() < 0.4:
            self.name += " " + rng.choice(["– Schwarz", "(Grau)", "XL", "2024", "Blue", "Pro", "v2", "S/M"]) \
                if self.lang in ("en", "de") else ""
        self.name = self.name.strip()
        self.price = amount(rng, loc)
        self.old = None
        self.avail = "OutOfStock" if rng.random() < 0.12 else "InStock"
        self.style = rng.randrange(len(cfg["styles"]))
        if cfg["styles"][self.style][2]:
            self.price = D(int(self.price))
        self.sku = f"{rng.randrange(10000, 99999)}-{rng.choice('ABCDEFGH')}{rng.randrange(10, 99)}"
        slug = "".join(c if c.isalnum() else "-" for c in self.name.lower()).strip("-")
        tld = cfg["tld"]
        host = {"amazon": f"www.amazon.{tld}", "ebay": f"www.ebay.{tld}",
                "mercadolibre": "www.mercadolibre." + tld if self.lang == "es" else "www.mercadolivre.com.br",
                "rakuten": "item.rakuten.co.jp", "allegro": f"allegro.{tld}",
                "zalando": f"www.zalando.{tld}"}.get(platform, f"www.{rng.choice(['shop', 'store', 'boutique', 'tienda', 'laden', 'markt', 'casa'])}-{rng.randrange(1, 99)}.{tld}")
        self.url = f"https://{host}/{rng.choice(['products', 'p', 'produkt', 'item', 'dp', ''])}/{slug}-{self.n}".replace("//" + slug, "/" + slug)
        self.structured = "none"  # jsonld | microdata | meta | none
        self.jsonld_extra = []  # other JSON-LD objects
        self.traps = {"before": [], "box": [], "after": [], "side": []}
        self.no_price_mode = None
        self.sale_mode = None
        self.show_lang_attr = True
        self.extra_box_lines = []  # lines under the main price inside the price block
        self.microdata = ""  # a microdata Product block, when the page has one

    def money(self, a, style=None):
        return fmt(a, self.loc, self.style if style is None else style)

    def other_amount(self, lo_frac=0.05, hi_frac=0.6):
        a = self.price * D(str(round(self.rng.uniform(lo_frac, hi_frac), 3)))
        if LOCALES[self.loc].get("whole") or self.money_needs_whole():
            return D(max(1, int(a)))
        return D(int(a)) + D(self.rng.choice(["0.99", "0.95", "0.90", "0.49", "0.00"]))

    def money_needs_whole(self):
        return LOCALES[self.loc]["styles"][self.style][2]


# ---- page furniture shared by all platforms -----------------------------------------------

def jsonld_product(pg, price=None, name=None, url=None, mode="offer", old=None, avail=None, currency=True):
    p = {"@context": "https://schema.org", "@type": "Product", "name": name or pg.name,
         "sku": pg.sku, "image": [f"https://cdn.example/{pg.n}.jpg"],
         "brand": {"@type": "Brand", "name": pg.name.split()[0]}}
    if url is None:
        # Shops state the product's URL in many forms: the page's own, with a variant
        # query, or another path to the same product (an id route).
        r = pg.rng.random()
        if r < 0.35:
            p["url"] = pg.url
        elif r < 0.5:
            p["url"] = pg.url + f"?variant={pg.rng.randrange(10**6, 10**7)}"
        elif r < 0.65:
            p["url"] = "https://" + pg.url.split("/")[2] + "/p/" + pg.sku
    else:
        p["url"] = url
    avail = avail or pg.avail
    offer = {"@type": "Offer", "availability": f"https://schema.org/{avail}", "url": url or pg.url}
    if mode == "offer":
        offer["price"] = str(price)
    elif mode == "number":
        offer["price"] = float(price) if "." in str(price) else int(price)
    elif mode == "spec_strike":
        offer["priceSpecification"] = [
            {"@type": "UnitPriceSpecification", "priceType": "https://schema.org/StrikethroughPrice",
             "price": str(old), "priceCurrency": pg.cur},
            {"@type": "UnitPriceSpecification", "price": str(price), "priceCurrency": pg.cur}]
    elif mode == "spec_only":
        offer["priceSpecification"] = {"@type": "PriceSpecification", "price": str(price),
                                       "priceCurrency": pg.cur, "valueAddedTaxIncluded": True}
    if currency and mode in ("offer", "number"):
        offer["priceCurrency"] = pg.cur
    p["offers"] = offer if pg.rng.random() < 0.7 else [offer]
    return p


def head(pg, title_text, jsonlds=(), metas=()):
    parts = ['<!DOCTYPE html>', f'<html lang="{LOCALES[pg.loc]["lang"]}">' if pg.show_lang_attr else "<html>",
             "<head>", '<meta charset="utf-8">', f"<title>{e(title_text)}</title>",
             '<meta name="viewport" content="width=device-width, initial-scale=1">']
    if pg.rng.random() < 0.7:
        parts.append(f'<link rel="canonical" href="{e(pg.url)}">')
    for m in metas:
        parts.append(m)
    parts.append("<style>.hidden{display:none}.price{font-weight:bold}del,s{color:#888}</style>")
    for obj in jsonlds:
        parts.append(f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>')
    if pg.rng.random() < 0.5:
        parts.append('<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"event":"view_item",'
                     f'"ecommerce":{{"items":[{{"item_id":"{pg.sku}","price":{pg.rng.randrange(1, 999)}.0}}]}}}});</script>')
    parts.append("</head>")
    return "\n".join(parts)


def og_metas(pg, price=None, old=None):
    m = [f'<meta property="og:title" content="{e(pg.name)}">', '<meta property="og:type" content="product">',
         f'<meta property="og:url" content="{e(pg.url)}">']
    if price is not None:
        m.append(f'<meta property="product:price:amount" content="{price}">')
        m.append(f'<meta property="product:price:currency" content="{pg.cur}">')
    return m


def site_header(pg):
    rng, w = pg.rng, pg.w
    bits = ['<header class="site-header">', f'<a class="logo" href="/">{e(pg.platform.title())} Store</a>',
            '<nav class="main-nav"><ul>' + "".join(f'<li><a href="/c/{i}">{x}</a></li>' for i, x in enumerate(
                ["Home", "Sale", "New", "Brands", "Outlet"])) + "</ul></nav>"]
    if rng.random() < 0.6:
        bits.append(f'<div class="announcement-bar">{w["shipfree"]} {pg.money(pg.other_amount(0.02, 0.2) if pg.price > 30 else pg.price * 2)}</div>')
    if rng.random() < 0.6:
        zero = fmt(D(0), pg.loc, 0) if not LOCALES[pg.loc]["styles"][0][2] else fmt(D(0), pg.loc, 0)
        bits.append(f'<div class="mini-cart"><a href="/cart">{w["cartsum"]} (0)</a> <span class="cart-total">{zero}</span></div>')
    bits.append("</header>")
    return "\n".join(bits)


def breadcrumbs(pg):
    return ('<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/c/1">'
            f'{e(pg.name.split()[0])}</a></li><li>{e(pg.name)}</li></ol>')


def description(pg):
    rng, w = pg.rng, pg.w
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in [
        (w["sku"], pg.sku), ("EAN", str(rng.randrange(10**12, 10**13))),
        ("kg", f"{rng.randrange(1, 30)}.{rng.randrange(0, 9)}"), ("cm", f"{rng.randrange(10, 200)} x {rng.randrange(10, 90)}"),
        ("W", str(rng.choice([600, 1200, 1800, 2000])))] if rng.random() < 0.8)
    stars = f"{rng.randrange(30, 50) / 10}"
    return (f'<section class="product-description"><h2>{w["desc"]}</h2><p>{e(pg.name)} — '
            f'{rng.choice(["Lorem ipsum dolor sit amet.", "Robust, light and made to last.", "Designed in 2019, improved in 2024.", "100% recycled materials."])}</p>'
            f'<table class="specs">{rows}</table></section>'
            f'<section class="reviews"><h2>{w["reviews"]}</h2><span class="rating">{stars} / 5</span>'
            f' <span class="count">({rng.randrange(2, 900)})</span></section>')


def site_footer(pg):
    return ('<footer class="site-footer"><p>© 2024 ' + e(pg.platform.title()) +
            f' Store</p><p>{pg.w["shipfree"]} {pg.money(pg.other_amount(0.02, 0.1) if pg.price > 50 else pg.price)}</p>'
            '<ul><li><a href="/imprint">Impressum</a></li><li><a href="/privacy">Privacy</a></li></ul></footer>')


def tile(pg, name, price_html, cls="product-card", price_cls="price"):
    return (f'<li class="{cls}"><a href="/p/{zlib.crc32(name.encode()) % 9999}"><img src="/i.jpg" alt="">'
            f'<span class="{cls}__title">{e(name)}</span></a><span class="{price_cls}">{price_html}</span></li>')


def related_block(pg, cls, heading, n=None, price_cls="price", tile_cls="product-card"):
    n = n or pg.rng.randrange(2, 6)
    names = pg.rng.sample(ACCESSORIES[pg.lang] + NAMES[pg.lang], min(n, 6))
    tiles = "".join(tile(pg, x, pg.money(pg.other_amount(0.05, 1.4)), tile_cls, price_cls) for x in names if x != pg.name)
    return f'<section class="{cls}"><h2>{e(heading)}</h2><ul>{tiles}</ul></section>'


def neutral_related(pg, price_cls="price"):
    """A block of other products whose container does not say what it is."""
    names = pg.rng.sample(NAMES[pg.lang], min(3, len(NAMES[pg.lang])))
    tiles = "".join(f'<div class="col-3 card"><a href="/x">{e(x)}</a><div class="{price_cls}">'
                    f'{pg.money(pg.other_amount(0.3, 1.5))}</div></div>' for x in names if x != pg.name)
    return f'<div class="row mt-4"><h3>{e(pg.w["related"])}</h3>{tiles}</div>'


def stock_line(pg, cls="stock"):
    w = pg.w
    if pg.avail == "OutOfStock":
        return f'<p class="{cls} out-of-stock">{w["oos"]}</p>'
    return f'<p class="{cls} in-stock">{w["instock"]}</p>' if pg.rng.random() < 0.8 else ""


def cart_button(pg, cls="btn btn-primary add-to-cart", tag=None):
    tag = tag or pg.rng.choice(["button", "button", "input"])
    label = pg.w["cart"]
    dis = " disabled" if pg.avail == "OutOfStock" else ""
    if tag == "input":
        return f'<input type="submit" name="add" class="{cls}" value="{e(label)}"{dis}>'
    return f'<button type="submit" name="add" class="{cls}"{dis}><span>{e(label)}</span></button>'


def page(pg, title_text, body, jsonlds=(), metas=()):
    return head(pg, title_text, jsonlds, metas) + "\n<body>\n" + site_header(pg) + "\n" + body + "\n" + site_footer(pg) + "\n</body></html>\n"


# ---- price blocks: how each platform marks the current and the old price --------------------

def old_label(pg):
    w = pg.w
    return pg.rng.choice([w["was"], w["rrp"], w["listp"]])


def labelled_old(pg):
    """An old price that only its words mark as old (no class, no strike)."""
    o = pg.money(pg.old)
    return pg.rng.choice([f'<span class="small text-muted">{e(old_label(pg))} {o}</span>',
                          f'<p>{e(old_label(pg))}: <span>{o}</span></p>',
                          f'<div class="price-note">{e(old_label(pg))} {o}</div>'])


def pb_shopify(pg):
    new, old = pg.money(pg.price), pg.old and pg.money(pg.old)
    if pg.sale_mode == "label":
        return f'<div class="price"><span class="price-item price-item--sale">{new}</span> {labelled_old(pg)}</div>'
    if pg.rng.random() < 0.5:  # Dawn
        inner = (f'<div class="price__sale"><span class="visually-hidden">Sale price</span>'
                 f'<span class="price-item price-item--sale price-item--last">{new}</span>'
                 + (f'<span class="visually-hidden">Regular price</span><s class="price-item price-item--regular">{old}</s>' if old else "")
                 + "</div>") if old else f'<div class="price__regular"><span class="price-item price-item--regular">{new}</span></div>'
        return f'<div class="price{" price--on-sale" if old else ""}"><div class="price__container">{inner}</div></div>'
    # Debut: the compare-at price first
    return ('<p class="product-single__price-wrapper">' +
            (f'<s class="product-single__price product-single__price--compare" id="ComparePrice">{old}</s> ' if old else "") +
            f'<span class="product-single__price" id="ProductPrice" itemprop="price" content="{pg.price}">{new}</span></p>')


def woo_amount(pg, a):
    s = pg.money(a)
    return f'<span class="woocommerce-Price-amount amount"><bdi>{s}</bdi></span>'


def pb_woo(pg):
    if pg.sale_mode == "label":
        return f'<p class="price">{woo_amount(pg, pg.price)}</p>{labelled_old(pg)}'
    if pg.old:
        return (f'<p class="price"><del aria-hidden="true">{woo_amount(pg, pg.old)}</del> '
                f'<span class="screen-reader-text">Current price is: {pg.money(pg.price)}.</span>'
                f'<ins>{woo_amount(pg, pg.price)}</ins></p>') if pg.rng.random() < 0.5 else \
            (f'<p class="price"><del>{woo_amount(pg, pg.old)}</del> <ins>{woo_amount(pg, pg.price)}</ins></p>')
    return f'<p class="price">{woo_amount(pg, pg.price)}</p>'


def pb_magento(pg):
    pid = pg.rng.randrange(100, 9999)
    final = (f'<span class="price-container price-final_price tax weee"><span id="product-price-{pid}" '
             f'data-price-amount="{pg.price}" data-price-type="finalPrice" class="price-wrapper">'
             f'<span class="price">{pg.money(pg.price)}</span></span></span>')
    if pg.sale_mode == "label":
        return f'<div class="price-box price-final_price">{final}</div>{labelled_old(pg)}'
    if pg.old:
        return (f'<div class="price-box price-final_price"><span class="special-price">'
                f'<span class="price-label">Special Price</span>{final}</span><span class="old-price">'
                f'<span class="price-label">Regular Price</span><span class="price-container">'
                f'<span data-price-amount="{pg.old}" data-price-type="oldPrice" class="price-wrapper">'
                f'<span class="price">{pg.money(pg.old)}</span></span></span></span></div>')
    return f'<div class="price-box price-final_price">{final}</div>'


def pb_bigcommerce(pg):
    parts = []
    if pg.old and pg.sale_mode != "label":
        if pg.rng.random() < 0.5:
            parts.append(f'<div class="price-section price-section--withTax rrp-price--withTax"><span>RRP:</span> '
                         f'<span class="price price--rrp">{pg.money(pg.old)}</span></div>')
        else:
            parts.append(f'<div class="price-section price-section--withTax non-sale-price--withTax"><span>Was:</span> '
                         f'<span class="price price--non-sale">{pg.money(pg.old)}</span></div>')
    parts.append(f'<div class="price-section price-section--withTax"><span class="price-label">{"Now:" if pg.old else ""}</span>'
                 f'<span data-product-price-with-tax class="price price--withTax">{pg.money(pg.price)}</span></div>')
    if pg.sale_mode == "label":
        parts.append(labelled_old(pg))
    return '<div class="productView-price">' + "".join(parts) + "</div>"


def pb_presta(pg):
    old = ""
    if pg.old and pg.sale_mode != "label":
        old = (f'<div class="product-discount"><span class="regular-price">{pg.money(pg.old)}</span></div>')
    cur = (f'<div class="product-price h5{" has-discount" if pg.old else ""}"><div class="current-price">'
           f'<span class="current-price-value" content="{pg.price}">{pg.money(pg.price)}</span>'
           + (f' <span class="discount discount-percentage">-{pg.rng.randrange(10, 40)}%</span>' if pg.old else "")
           + "</div></div>")
    lab = labelled_old(pg) if pg.sale_mode == "label" else ""
    return f'<div class="product-prices js-product-prices">{old}{cur}{lab}<div class="tax-shipping-delivery-label">{pg.w["tax"]}</div></div>'


def pb_shopware(pg):
    if pg.rng.random() < 0.5:  # Shopware 6
        old = ""
        if pg.old and pg.sale_mode != "label":
            old = (f'<span class="product-detail-list-price-wrapper"><span class="list-price-price">'
                   f'{pg.w["was"]} {pg.money(pg.old)}</span></span>')
        elif pg.old:
            old = labelled_old(pg)
        return (f'<div class="product-detail-price-container"><p class="product-detail-price{" with-list-price" if pg.old else ""}">'
                f'{pg.money(pg.price)}</p>{old}<p class="product-detail-tax-container">'
                f'<a class="product-detail-tax-link" href="/versand">{pg.w["tax"]}</a></p></div>')
    # Shopware 5
    old = ""
    if pg.old and pg.sale_mode != "label":
        old = f'<span class="content--discount"><span class="price--line-through">{pg.money(pg.old)}</span></span>'
    elif pg.old:
        old = labelled_old(pg)
    return (f'<div class="product--price price--default{" price--discount" if pg.old else ""}">'
            f'<span class="price--content content--default">{pg.money(pg.price)}</span>{old}</div>'
            f'<p class="product--tax">{pg.w["tax"]}</p>')


def pb_sfcc(pg):
    sales = f'<span class="sales"><span class="value" content="{pg.price}">{pg.money(pg.price)}</span></span>'
    if pg.old and pg.sale_mode != "label":
        return (f'<div class="prices"><div class="price"><span><del><span class="strike-through list">'
                f'<span class="value" content="{pg.old}">{pg.money(pg.old)}</span></span></del> {sales}</span></div></div>')
    return f'<div class="prices"><div class="price"><span>{sales}</span></div></div>' + (labelled_old(pg) if pg.old else "")


def vtex_split(pg, a):
    """VTEX's per-part currency spans."""
    s = pg.money(a, 0)
    sym, rest = (s.split(" ", 1) + [""])[:2] if " " in s else (s[:2], s[2:])
    units, _, frac = rest.partition(",")
    pieces = units.split(".")
    grp = '<span class="vtex-product-price-1-x-currencyGroup">.</span>'.join(
        f'<span class="vtex-product-price-1-x-currencyInteger">{p}</span>' for p in pieces)
    frac_html = (f'<span class="vtex-product-price-1-x-currencyDecimal">,</span>'
                 f'<span class="vtex-product-price-1-x-currencyFraction">{frac}</span>') if frac else ""
    return (f'<span class="vtex-product-price-1-x-currencyContainer"><span class="vtex-product-price-1-x-currencyCode">{sym}</span>'
            f'<span class="vtex-product-price-1-x-currencyLiteral">&nbsp;</span>{grp}{frac_html}</span>')


def pb_vtex(pg):
    split = pg.loc == "pt_BR" and pg.rng.random() < 0.5
    money = (lambda a: vtex_split(pg, a)) if split else pg.money
    parts = []
    if pg.old and pg.sale_mode != "label":
        parts.append(f'<span class="vtex-product-price-1-x-listPrice"><span class="vtex-product-price-1-x-listPriceValue strike">{money(pg.old)}</span></span>')
    parts.append(f'<span class="vtex-product-price-1-x-sellingPrice"><span class="vtex-product-price-1-x-sellingPriceValue">{money(pg.price)}</span></span>')
    n = pg.rng.choice([3, 6, 10, 12])
    if not pg.money_needs_whole():
        inst = (pg.price / n).quantize(D("0.01"))
        parts.append(f'<span class="vtex-product-price-1-x-installments">{pg.w["inst"].replace("10x", f"{n}x")} '
                     f'<span class="vtex-product-price-1-x-installmentValue">{pg.money(inst)}</span> sem juros</span>')
    if pg.sale_mode == "label":
        parts.append(labelled_old(pg))
    return '<div class="vtex-flex-layout-0-x-flexRow--product-price">' + "".join(parts) + "</div>"


def ml_amount(pg, a, extra_cls="", tag="span"):
    s = pg.money(a, 0)
    sym = s.split(" ")[0] if " " in s else ("R$" if s.startswith("R$") else "$")
    units = s[len(sym):].strip()
    units, _, cents = units.partition(",")
    c = (f'<span class="andes-money-amount__cents andes-money-amount__cents--superscript-36">{cents}</span>'
         if cents and cents != "00" else "")
    return (f'<{tag} class="andes-money-amount {extra_cls}" aria-label="{e(s)}">'
            f'<span class="andes-money-amount__currency-symbol">{sym}</span>'
            f'<span class="andes-money-amount__fraction">{units}</span>{c}</{tag}>')


def pb_mercadolibre(pg):
    parts = ['<div class="ui-pdp-price mt-16 ui-pdp-price--size-large">']
    if pg.old:
        parts.append(ml_amount(pg, pg.old, "ui-pdp-price__part ui-pdp-price__original-value andes-money-amount--previous", "s"))
    parts.append('<div class="ui-pdp-price__second-line">' +
                 ml_amount(pg, pg.price, "ui-pdp-price__part andes-money-amount--cents-superscript") +
                 (f'<span class="ui-pdp-price__second-line__label">{pg.rng.randrange(10, 45)}% OFF</span>' if pg.old else "")
                 + "</div>")
    n = pg.rng.choice([6, 12, 18])
    inst = D(int(pg.price / n)) if pg.price >= n else pg.price
    parts.append(f'<div class="ui-pdp-price__subtitles"><p class="ui-pdp-color--GREEN">en {n}x '
                 f'{ml_amount(pg, inst, "ui-pdp-price__part")} sin interés</p></div></div>')
    return "".join(parts)


# ---- storefront pages -----------------------------------------------------------------------

STORE = {
    # platform: (price block, h1 markup, box open, box close, cart button class, related classes)
    "shopify": (pb_shopify, '<h1 class="product__title">{}</h1>',
                '<section class="product grid"><div class="product__media-wrapper"><img src="/m.jpg" alt=""></div>'
                '<div class="product__info-wrapper"><div class="product__info-container">',
                "</div></div></section>", "product-form__submit button button--full-width",
                ("product-recommendations", "price-item price-item--regular", "card-wrapper")),
    "woocommerce": (pb_woo, '<h1 class="product_title entry-title">{}</h1>',
                    '<div class="product type-product"><div class="woocommerce-product-gallery"><img src="/w.jpg" alt=""></div>'
                    '<div class="summary entry-summary">', "</div></div>",
                    "single_add_to_cart_button button alt", ("related products", "price", "product")),
    "magento": (pb_magento, '<div class="page-title-wrapper product"><h1 class="page-title"><span class="base" data-ui-id="page-title-wrapper">{}</span></h1></div>',
                '<div class="columns"><div class="column main"><div class="product-info-main">', "</div></div></div>",
                "action primary tocart", ("block related", "price", "product-item")),
    "bigcommerce": (pb_bigcommerce, '<h1 class="productView-title">{}</h1>',
                    '<div class="productView"><section class="productView-images"></section><section class="productView-details product-data">',
                    "</section></div>", "button button--primary form-action-addToCart",
                    ("productView-relatedProducts", "price price--withTax", "card")),
    "prestashop": (pb_presta, '<h1 class="h1 product-title">{}</h1>',
                   '<section id="main"><div class="row product-container js-product-container"><div class="col-md-6"><img src="/ps.jpg" alt=""></div><div class="col-md-6">',
                   "</div></div></section>", "btn btn-primary add-to-cart",
                   ("featured-products clearfix", "price", "product-miniature")),
    "shopware": (pb_shopware, '<h1 class="product-detail-name">{}</h1>',
                 '<div class="product-detail"><div class="row product-detail-main"><div class="col-lg-7 product-detail-media"></div><div class="col-lg-5 product-detail-buy">',
                 "</div></div></div>", "btn btn-primary btn-block btn-buy",
                 ("product-detail-cross-selling", "product-price", "card product-box")),
    "sfcc": (pb_sfcc, '<h1 class="product-name">{}</h1>',
             '<div class="container product-detail product-wrapper"><div class="row"><div class="col-12 col-sm-6 primary-images"></div><div class="col-12 col-sm-6">',
             "</div></div></div>", "add-to-cart btn btn-primary", ("recommendations", "price", "product-tile")),
    "vtex": (pb_vtex, '<h1 class="vtex-store-components-3-x-productNameContainer mv0 t-heading-4"><span class="vtex-store-components-3-x-productBrand">{}</span></h1>',
             '<div class="vtex-flex-layout-0-x-flexRow vtex-flex-layout-0-x-flexRow--main-product">', "</div>",
             "vtex-button vtex-add-to-cart-button-0-x-buttonText", ("vtex-shelf-1-x-relatedProducts", "vtex-product-summary-2-x-sellingPrice", "vtex-product-summary-2-x-container")),
}


def box_addons(pg):
    """Priced extras inside the buy box: warranty, gift wrap, an accessory checkbox."""
    rng, w = pg.rng, pg.w
    acc = rng.choice(ACCESSORIES[pg.lang])
    a = pg.money(pg.other_amount(0.02, 0.25))
    return rng.choice([
        f'<div class="product-addons"><label><input type="checkbox" name="addon"> {e(acc)}</label> <span class="addon-price">+ {a}</span></div>',
        f'<fieldset class="options"><legend>{e(w["acc"])}</legend><label><input type="radio" name="o"> {e(acc)} (+{a})</label></fieldset>',
        f'<div class="upsell-inline">{e(acc)} <strong>{a}</strong> <button type="button" class="btn-small">+</button></div>',
    ])


def fbt_block(pg):
    rng, w = pg.rng, pg.w
    acc = rng.sample(ACCESSORIES[pg.lang], 2)
    prices = [pg.other_amount(0.03, 0.3) for _ in acc]
    total = pg.price + sum(prices)
    items = "".join(f'<li><input type="checkbox" checked> {e(x)} <span class="fbt-price">{pg.money(p)}</span></li>'
                    for x, p in zip(acc, prices))
    return (f'<div class="frequently-bought"><h3>{e(w["fbt"])}</h3><ul>{items}</ul>'
            f'<p>Total: <span class="total-price">{pg.money(total)}</span></p>'
            f'<button class="btn">{e(w["cart"])} (3)</button></div>')


def accessory_slider(pg, price_cls):
    """Accessories right after the buy box, priced with the platform's own price class."""
    rng = pg.rng
    names = rng.sample(ACCESSORIES[pg.lang], min(4, len(ACCESSORIES[pg.lang])))
    cards = "".join(f'<div class="product-box card"><div class="card-body"><a class="product-name" href="/a/{i}">{e(x)}</a>'
                    f'<div class="product-price-info"><p class="{price_cls}">{pg.money(pg.other_amount(0.01, 0.2))}</p></div>'
                    f'<button class="btn btn-buy">{e(pg.w["cart"])}</button></div></div>' for i, x in enumerate(names))
    heading = rng.choice([pg.w["acc"], pg.w["fbt"], pg.w["bundle"]])
    return f'<div class="tab-pane"><h3>{e(heading)}</h3><div class="cms-element-product-slider">{cards}</div></div>'


def render_store(pg):
    pb, h1, box_open, box_close, cart_cls, (rel_cls, rel_price_cls, tile_cls) = STORE[pg.platform]
    rng, w = pg.rng, pg.w
    # Not every theme marks the name with an h1, nor the buy button with words a parser
    # knows: some pages leave a scraper without those anchors.
    if rng.random() < 0.2:
        box = [rng.choice(['<div class="product-name h2">{}</div>', '<h2 class="product-title">{}</h2>',
                           '<p class="title title--primary">{}</p>']).format(e(pg.name))]
    else:
        box = [h1.format(e(pg.name))]
    if rng.random() < 0.4:
        box.append(f'<div class="rating">★★★★☆ <span>{rng.randrange(35, 50) / 10}</span> ({rng.randrange(3, 300)})</div>')
    if pg.no_price_mode:
        box.append(no_price_box(pg))
    else:
        box.append(pb(pg))
        box.extend(pg.extra_box_lines)
    box.extend(pg.traps["box"])
    if not pg.no_price_mode:
        box.append(stock_line(pg))
        if rng.random() < 0.5:
            box.append(f'<div class="product-form__quantity"><label>{w["qty"]}</label><input type="number" value="1" min="1"></div>')
        if rng.random() < 0.15:
            box.append(f'<a class="cta cta--primary" href="/checkout?sku={pg.sku}"><img src="/i/bag.svg" alt=""></a>')
        else:
            box.append(f'<form method="post" action="/cart/add">{cart_button(pg, cart_cls)}</form>')
    box.append(f'<p class="sku">{w["sku"]}: {pg.sku}</p>')
    main = [breadcrumbs(pg)] + pg.traps["before"] + [box_open + "\n".join(box) + box_close] + pg.traps["after"]
    main.append(description(pg))
    if rng.random() < 0.7:
        main.append(related_block(pg, rel_cls, w["related"], price_cls=rel_price_cls, tile_cls=tile_cls))
    side = ("<aside class=\"sidebar\">" + "".join(pg.traps["side"]) + "</aside>") if pg.traps["side"] else ""
    body = f'<main id="MainContent" class="content">{side}{"".join(main)}</main>'
    return body


def no_price_box(pg):
    w = pg.w
    if pg.no_price_mode == "discontinued":
        return f'<div class="product-unavailable alert alert-warning"><p>{e(w["gone"])}</p></div>'
    if pg.no_price_mode == "js_only":
        return (f'<div class="price-placeholder" id="price-{pg.n}"></div><p>{e(w["notify"])}</p>'
                f'<script>var productConfig = {{"sku":"{pg.sku}","price":{pg.price},"currency":"{pg.cur}"}};</script>')
    if pg.no_price_mode == "zero":
        return f'<div class="price-on-request"><strong>{e(w["onreq"])}</strong></div><a class="btn" href="/contact">Contact</a>'
    raise ValueError(pg.no_price_mode)


# ---- marketplace pages ----------------------------------------------------------------------

def a_price(pg, a, extra=""):
    s = pg.money(a, 0)
    q = a.quantize(D("0.01"))
    units, cents = divmod(int(q * 100), 100)
    sym = LOCALES[pg.loc]["styles"][0][0].split("{")[0].strip() or ""
    whole = fmt(D(units), pg.loc, 0).replace(sym, "").strip() if sym else str(units)
    frac = "" if LOCALES[pg.loc]["styles"][0][2] else f'<span class="a-price-fraction">{cents:02d}</span>'
    dec = '<span class="a-price-decimal">.</span>' if frac else ""
    return (f'<span class="a-price{extra}" data-a-size="xl"><span class="a-offscreen">{s}</span>'
            f'<span aria-hidden="true"><span class="a-price-symbol">{sym}</span><span class="a-price-whole">{whole}{dec}</span>{frac}</span></span>')


def render_amazon(pg):
    rng, w = pg.rng, pg.w
    parts = [f'<div id="dp" class="a-container"><div id="ppd"><div id="centerCol" class="centerColAlign">',
             f'<div id="titleSection"><h1 id="title" class="a-size-large a-spacing-none"><span id="productTitle" class="a-size-large product-title-word-break">        {e(pg.name)}       </span></h1></div>',
             f'<div id="averageCustomerReviews"><span class="a-icon-alt">{rng.randrange(30, 50) / 10} out of 5 stars</span> <span id="acrCustomerReviewText">{rng.randrange(10, 9000):,} ratings</span></div>']
    if pg.no_price_mode == "unavailable":
        parts.append(f'<div id="availability" class="a-section a-spacing-base"><span class="a-size-medium a-color-price">Currently unavailable.</span><br>We don\'t know when or if this item will be back in stock.</div>')
    else:
        core = [f'<div id="corePriceDisplay_desktop_feature_div"><div class="a-section a-spacing-none aok-align-center">']
        if pg.old:
            core.append(f'<span class="a-size-large a-color-price savingPriceOverride aok-align-center reinventPriceSavingsPercentageMargin savingsPercentage">-{rng.randrange(5, 40)}%</span>')
        core.append(a_price(pg, pg.price, " aok-align-center reinventPricePriceToPayMargin priceToPay"))
        if rng.random() < 0.5 and not pg.money_needs_whole():
            per = (pg.price / rng.choice([3, 10, 12, 24])).quantize(D("0.01"))
            core.append(f'<span class="a-size-small a-color-base aok-align-center pricePerUnit">({pg.money(per, 0)} / {w["unit"]})</span>')
        core.append("</div>")
        if pg.old:
            core.append(f'<div class="a-section a-spacing-small aok-align-center"><span class="a-size-small a-color-secondary aok-align-center basisPrice">{w["listp"]} '
                        f'<span class="a-price a-text-price" data-a-size="s" data-a-strike="true" data-a-color="secondary">'
                        f'<span class="a-offscreen">{pg.money(pg.old, 0)}</span><span aria-hidden="true">{pg.money(pg.old, 0)}</span></span></span></div>')
        core.append("</div>")
        parts.extend(core)
        if rng.random() < 0.5:
            parts.append(f'<div id="promoPriceBlockMessage_feature_div"><span class="couponBadge">Coupon</span> '
                         f'<label>Apply {pg.money(pg.other_amount(0.03, 0.1), 0)} coupon</label></div>')
    parts.append('<div id="feature-bullets"><ul><li>' + e(pg.name) + ' — 2 year warranty</li><li>Size 30 x 20 cm</li></ul></div></div>')
    # right column: buy box
    bb = ['<div id="rightCol"><div id="buybox"><div class="a-box-group">']
    if pg.no_price_mode == "unavailable":
        alt = rng.choice(NAMES[pg.lang])
        bb.append(f'<div id="outOfStockBuyBox_feature_div"><span class="a-color-price">Currently unavailable.</span></div>'
                  f'<div id="sims-buybox-alt"><p>Similar item to consider</p><a href="/dp/X">{e(alt)}</a> '
                  + a_price(pg, pg.other_amount(0.3, 1.2)) + "</div>")
    else:
        bb.append(f'<div id="newAccordionRow"><span id="price_inside_buybox" class="a-size-medium a-color-price">{pg.money(pg.price, 0)}</span></div>'
                  if rng.random() < 0.6 else "")
        ship = pg.other_amount(0.05, 0.3)
        bb.append(rng.choice([f'<div id="deliveryBlockMessage"><span data-csa-c-delivery-price="{pg.money(ship, 0)}">{pg.money(ship, 0)} delivery</span> Monday, May 6</div>',
                              '<div id="deliveryBlockMessage">FREE delivery Tuesday, May 7</div>']))
        bb.append(f'<div id="availability"><span class="a-size-medium a-color-success">{w["instock"] if pg.avail == "InStock" else w["oos"]}</span></div>')
        bb.append('<div id="selectQuantity"><select name="quantity"><option>1</option><option>2</option></select></div>')
        bb.append(f'<span class="a-button a-button-primary"><input id="add-to-cart-button" name="submit.add-to-cart" type="submit" value="{e(w["cart"])}" class="a-button-input"></span>')
        bb.append(f'<span class="a-button a-button-oneclick"><input id="buy-now-button" name="submit.buy-now" type="submit" value="{e(w["buy"])}" class="a-button-input"></span>')
    bb.append("</div></div>")
    if rng.random() < 0.7:
        bb.append(f'<div id="olp_feature_div"><a href="/gp/offer-listing/X">New &amp; Used ({rng.randrange(2, 30)}) from '
                  f'{a_price(pg, pg.other_amount(0.7, 0.98))}</a> &amp; FREE Shipping.</div>')
    bb.append("</div>")
    parts.extend(bb)
    parts.append("</div></div>")
    if rng.random() < 0.7:
        acc = rng.sample(ACCESSORIES[pg.lang], 2)
        ps = [pg.other_amount(0.03, 0.4) for _ in acc]
        parts.append(f'<div id="sims-fbt" class="celwidget"><h2>{w["fbt"]}</h2><ul class="a-unordered-list">'
                     + "".join(f'<li>{e(x)} {a_price(pg, p)}</li>' for x, p in zip(acc, ps)) +
                     f'</ul><span class="a-size-base-plus">Total price: </span>{a_price(pg, pg.price + sum(ps))}</div>')
    if rng.random() < 0.8:
        names = rng.sample(NAMES[pg.lang], 3)
        parts.append('<div id="sp_detail" class="a-carousel-container"><h2>Products related to this item</h2><span class="sp_desktop_sponsored_label">Sponsored</span><ol class="a-carousel">'
                     + "".join(f'<li class="a-carousel-card"><a>{e(x)}</a>{a_price(pg, pg.other_amount(0.4, 1.6))}</li>' for x in names)
                     + "</ol></div>")
    return '<div id="a-page">' + "".join(parts) + "</div>"


def ebay_money(loc, a):
    q = a.quantize(D("0.01"))
    cur = LOCALES[loc]["cur"]
    if loc == "en_US":
        return f"US ${q:,.2f}"
    if loc == "en_GB":
        return f"£{q:,.2f}"
    units, cents = divmod(int(q * 100), 100)
    from locales import group
    return f"{cur} {group(str(units), '.')},{cents:02d}"


def render_ebay(pg):
    rng, w = pg.rng, pg.w
    seller_loc = getattr(pg, "seller_loc", pg.loc)
    main_money = ebay_money(seller_loc, pg.price)
    parts = ['<div class="vim x-vi-evo-main-container"><div class="vim x-item-title"><h1 class="x-item-title__mainTitle">'
             f'<span class="ux-textspans ux-textspans--BOLD">{e(pg.name)}</span></h1></div>']
    if pg.auction:
        est = pg.price * D("2")
        parts.append('<div class="x-price-section"><div class="x-bid-price"><div class="x-bid-price__label">'
                     f'<span class="ux-textspans">Current bid:</span></div><div class="x-price-primary"><span class="ux-textspans">{main_money}</span></div>'
                     f'<span class="ux-textspans ux-textspans--SECONDARY">[{rng.randrange(2, 40)} bids]</span></div>'
                     f'<div class="x-estimate"><span class="ux-textspans">Estimated value: {ebay_money(seller_loc, est)} – {ebay_money(seller_loc, est * 2)}</span></div></div>')
        parts.append(f'<div class="x-bid-action"><a class="ux-call-to-action fake-btn" id="bidBtn_btn">Place bid</a></div>')
    else:
        parts.append('<div class="x-price-section"><div class="x-price-primary" data-testid="x-price-primary">'
                     f'<span class="ux-textspans">{main_money}</span></div>')
        if seller_loc != pg.loc:
            conv = (pg.price * D(str(rng.uniform(1.05, 1.3)))).quantize(D("0.01"))
            parts.append(f'<div class="x-price-approx"><span class="ux-textspans ux-textspans--SECONDARY x-price-approx__label">Approximately</span> '
                         f'<span class="ux-textspans ux-textspans--BOLD x-price-approx__price">{ebay_money(pg.loc, conv)}</span></div>')
        if pg.old:
            parts.append(f'<div class="x-additional-info"><span class="ux-textspans ux-textspans--STRIKETHROUGH">{ebay_money(seller_loc, pg.old)}</span> '
                         f'<span class="ux-textspans ux-textspans--EMPHASIS">Save {ebay_money(seller_loc, pg.old - pg.price)}</span></div>')
        parts.append("</div>")
        parts.append(f'<div class="x-quantity"><span class="ux-textspans">{"Last one" if pg.avail == "InStock" else "Out of stock"}</span></div>')
        parts.append('<div class="x-buybox-cta"><a id="binBtn_btn" class="ux-call-to-action fake-btn fake-btn--primary"><span>Buy It Now</span></a>'
                     f'<a id="atcBtn_btn" class="ux-call-to-action fake-btn"><span>{e(w["cart"])}</span></a></div>')
    ship = pg.other_amount(0.05, 0.4)
    parts.append(f'<div class="ux-labels-values--shipping"><span class="ux-textspans ux-textspans--BOLD">{ebay_money(seller_loc, ship)}</span> Standard Shipping</div>')
    parts.append("</div>")
    names = rng.sample(NAMES[pg.lang], 3)
    parts.append('<div class="x-sims"><h2>Similar sponsored items</h2><ul>' + "".join(
        f'<li class="s-item"><span class="s-item__title">{e(x)}</span><span class="s-item__price">{ebay_money(seller_loc, pg.other_amount(0.5, 1.5))}</span></li>'
        for x in names) + "</ul></div>")
    return "".join(parts)


def render_rakuten(pg):
    rng, w = pg.rng, pg.w
    tax_in = pg.price
    tax_ex = D(int(pg.price / D("1.1")))
    parts = [f'<div id="rakutenLimitedId_header"></div><table class="item-table"><tr><td><span class="item_name"><h1>{e(pg.name)}</h1></span></td></tr>']
    layout = rng.randrange(3)
    if layout == 0:
        parts.append(f'<tr><td><span class="price-label">価格</span> <span class="price2">{fmt(tax_in, "ja_JP", 1)}</span> <span class="tax">(税込)</span> <span class="postage">送料無料</span></td></tr>')
    elif layout == 1:
        parts.append(f'<tr><td><div class="price--OX_YW"><span class="value--1oSD_">{fmt(tax_ex, "ja_JP", 1)}</span> <span>(税抜)</span></div>'
                     f'<div class="price-tax-included"><span class="value--1oSD_">{fmt(tax_in, "ja_JP", 1)}</span> <span>(税込)</span></div></td></tr>')
    else:
        parts.append(f'<tr><td><div class="normal-reserve-price">{w["was"]} <span>{fmt(D(int(tax_in * D("1.3"))), "ja_JP", 1)}</span></div>'
                     f'<div class="price-wrapper"><span class="price2">{fmt(tax_in, "ja_JP", 1)}</span> 税込 送料別</div></td></tr>')
    parts.append(f'<tr><td><span class="point-summary">{int(tax_in) // 100}ポイント（1倍）</span></td></tr>')
    if pg.avail == "OutOfStock":
        parts.append('<tr><td><span class="soldout_msg">売り切れました</span></td></tr>')
    else:
        parts.append(f'<tr><td><button class="new_addToCart" type="submit">{rng.choice(["買い物かごに入れる", "カートに入れる"])}</button></td></tr>')
    parts.append("</table>")
    names = rng.sample(NAMES["ja"], 3)
    parts.append(f'<div class="recommend"><h2>{w["related"]}</h2>' + "".join(
        f'<div class="item"><a>{e(x)}</a><span class="important">{fmt(D(rng.randrange(500, 20000)), "ja_JP", 1)}</span></div>' for x in names) + "</div>")
    return "".join(parts)


def render_allegro(pg):
    rng, w = pg.rng, pg.w
    s = pg.money(pg.price, 0)
    units, _, rest = s.partition(",")
    parts = [f'<div class="mpof_ki myre_zn"><h1 class="mp4t_0 mryx_0 mj7a_4 mvrt_8 mp4t_0 m3h2_0">{e(pg.name)}</h1>']
    if pg.old:
        parts.append(f'<div class="mp0t_0a"><span class="mpof_z0">{w["listp"]}</span> <span class="mgn2_14">{pg.money(pg.old, 0)}</span></div>')
    parts.append(f'<div data-box-name="Price" class="mp0t_0a"><div aria-label="cena {e(s)}" class="mli8_k4 msa3_z4 mqu1_1">'
                 f'<span class="mli8_k4">{units},</span><span class="mgn2_19">{rest}</span></div></div>')
    parts.append(f'<div class="mp4t_0">{w["ship"]}: <span>{pg.money(pg.price + pg.other_amount(0.01, 0.05), 0)}</span> z dostawą</div>')
    if pg.avail == "OutOfStock":
        parts.append(f'<div class="m3h2_8">{w["oos"]}</div>')
    else:
        parts.append(f'<button data-role="add-to-cart-button" class="mgn2_14 mp0t_0a">{e(w["cart"])}</button>'
                     f'<button class="mgn2_14 m9qz_yq">{e(w["buy"])}</button>')
    parts.append(f'<div data-box-name="Other offers"><a>Inne oferty od {pg.money(pg.other_amount(0.8, 0.97), 0)}</a></div></div>')
    names = rng.sample(NAMES[pg.lang], 3)
    parts.append('<div data-box-name="Recommended">' + "".join(
        f'<article><h2>{e(x)}</h2><span aria-label="cena">{pg.money(pg.other_amount(0.3, 1.5), 0)}</span></article>' for x in names) + "</div>")
    return "".join(parts)


def render_zalando(pg):
    rng, w = pg.rng, pg.w
    brand = rng.choice(["Esprit", "Vero Moda", "Jack & Jones", "Nike", "Tommy Hilfiger", "Pier One"])
    parts = [f'<div class="I7OI1O C3wGFf L5YdXz"><h3 class="FtrEr_ QdlUSH">{e(brand)}</h3><h1 class="FtrEr_ KxHAYs HlZ_Tf">{e(pg.name)}</h1>']
    if pg.old:
        parts.append(f'<div class="hD5J5m"><p class="sDq_FX _4sa1cA dgII7d Km7l2y"><span class="sDq_FX lystZ1 dgII7d HlZ_Tf">{pg.money(pg.price, 0)}</span></p>'
                     f'<p class="sDq_FX _4sa1cA FxZV-M"><span class="sDq_FX lystZ1 FxZV-M HlZ_Tf">{w["listp"]} {pg.money(pg.old, 0)}</span></p>'
                     f'<p class="sDq_FX">{w["tax"]}</p></div>')
    else:
        parts.append(f'<div class="hD5J5m"><p class="sDq_FX _4sa1cA FxZV-M HlZ_Tf"><span class="sDq_FX lystZ1 FxZV-M HlZ_Tf">{pg.money(pg.price, 0)}</span></p><p class="sDq_FX">{w["tax"]}</p></div>')
    parts.append('<div class="size-picker"><select><option>S</option><option>M</option><option>L</option></select></div>')
    if pg.avail == "OutOfStock":
        parts.append(f'<p class="sDq_FX">{w["oos"]}</p>')
    else:
        parts.append(f'<button type="button" class="DJxzzA u9KIT8 uEg2FS"><span class="sDq_FX">{e(w["cart"])}</span></button>')
    parts.append("</div>")
    names = rng.sample(NAMES[pg.lang], 3)
    parts.append(f'<div class="_5qdMrS"><h2>{w["related"]}</h2>' + "".join(
        f'<article class="z5x6ht"><h3>{e(brand)}</h3><h3>{e(x)}</h3><p><span class="sDq_FX lystZ1">{pg.money(pg.other_amount(0.4, 1.5), 0)}</span></p></article>' for x in names) + "</div>")
    return "".join(parts)


def render_mercadolibre(pg):
    rng, w = pg.rng, pg.w
    parts = ['<div class="ui-pdp-container"><div class="ui-pdp-container__row--header">',
             f'<div class="ui-pdp-header__subtitle"><span class="ui-pdp-subtitle">Nuevo | {rng.randrange(5, 5000)} vendidos</span></div>',
             f'<h1 class="ui-pdp-title">{e(pg.name)}</h1></div>', pb_mercadolibre(pg)]
    if pg.avail == "OutOfStock":
        parts.append(f'<p class="ui-pdp-stock-information__title">{w["oos"]}</p>')
    else:
        parts.append(f'<p class="ui-pdp-stock-information__title">{w["instock"]}</p>'
                     f'<button class="andes-button andes-button--loud"><span class="andes-button__content">{rng.choice(["Comprar ahora", "Comprar agora"])}</span></button>'
                     f'<button class="andes-button andes-button--quiet"><span class="andes-button__content">{e(w["cart"])}</span></button>')
    parts.append("</div>")
    names = rng.sample(NAMES[pg.lang], 3)
    parts.append('<section class="ui-recommendations-carousel"><h2>' + e(w["related"]) + "</h2>" + "".join(
        f'<div class="ui-recommendations-card"><p>{e(x)}</p>{ml_amount(pg, pg.other_amount(0.3, 1.4))}</div>' for x in names) + "</section>")
    return "".join(parts)


def render_plain(pg):
    """A small shop's hand-made page: a name, one price, little else."""
    rng, w = pg.rng, pg.w
    title = rng.choice(['<h1>{}</h1>', '<h2 class="name">{}</h2>', '<div class="title"><b>{}</b></div>']).format(e(pg.name))
    price = rng.choice(['<span class="price">{}</span>', '<p><strong>{}</strong></p>', '<div class="preis">{}</div>',
                        '<td class="amount">{}</td>', '<p>{}</p>']).format(pg.money(pg.price))
    if "<td" in price:
        price = f"<table><tr><th>{e(w['sku'])}</th><td>{pg.sku}</td></tr><tr><th>€</th>{price}</tr></table>"
    parts = ['<div class="wrap">', title, f'<img src="/p.jpg" alt="{e(pg.name)}">', price]
    if pg.avail == "OutOfStock":
        parts.append(f"<p><em>{e(w['oos'])}</em></p>")
    if rng.random() < 0.5:
        parts.append(f'<p>{e(w["desc"])}: {e(pg.name)}, {rng.randrange(2, 40)} cm.</p>')
    if rng.random() < 0.5:
        parts.append(f'<a class="button" href="mailto:shop@example.com">{e(w["buy"])}</a>')
    parts.append("</div>")
    return "".join(parts)


MARKET_RENDER = {"custom": render_plain, "amazon": render_amazon, "ebay": render_ebay, "rakuten": render_rakuten,
                 "allegro": render_allegro, "zalando": render_zalando, "mercadolibre": render_mercadolibre}


# ---- families: what each page is about to test -----------------------------------------------

def other_jsonld(pg):
    rng = pg.rng
    other = rng.choice([x for x in NAMES[pg.lang] if x != pg.name])
    url = pg.url.rsplit("/", 1)[0] + "/" + "".join(c if c.isalnum() else "-" for c in other.lower()) + "-deal"
    return other, url, jsonld_product(pg, price=pg.other_amount(0.2, 1.5), name=other, url=url)


def setup(pg):
    rng, fam = pg.rng, pg.family
    jsonlds, metas = [], og_metas(pg)
    if rng.random() < 0.5:
        jsonlds.append({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": pg.url.split("/")[2]}]})
    # Most shops state their price in structured data too: such pages test that the
    # structured statement is trusted when nothing speaks against it.
    if fam in ("buybox", "locale", "marketplace") and pg.platform not in ("ebay", "amazon") and rng.random() < 0.4:
        correct_structured(pg, jsonlds, metas)
    if fam == "buybox":
        kinds = rng.sample(["addons", "fbt", "slider", "before", "side", "neutral"], rng.randrange(1, 4))
        price_cls = STORE.get(pg.platform, (None,) * 6)[5][1] if pg.platform in STORE else "price"
        for k in kinds:
            if k == "addons":
                pg.traps["box"].append(box_addons(pg))
            elif k == "fbt":
                pg.traps[rng.choice(["box", "after"])].append(fbt_block(pg))
            elif k == "slider":
                pg.traps["after"].insert(0, accessory_slider(pg, price_cls))
            elif k == "before":
                pg.traps["before"].append(related_block(pg, rng.choice(["recently-viewed", "promo-strip", "top-sellers"]),
                                                        rng.choice([pg.w["recent"], pg.w["deal"]]), price_cls=price_cls))
            elif k == "side":
                pg.traps["side"].append(related_block(pg, "widget", pg.w["related"], price_cls=price_cls))
            else:
                pg.traps["after"].append(neutral_related(pg, price_cls))
        if rng.random() < 0.3:
            jsonlds.append({"@context": "https://schema.org", "@type": "Product", "name": pg.name, "sku": pg.sku})
    elif fam == "sale":
        pg.old = (pg.price * D(str(rng.choice([1.1, 1.2, 1.25, 1.3, 1.5])))).quantize(D("1" if pg.money_needs_whole() or LOCALES[pg.loc].get("whole") else "0.01"))
        if pg.old == pg.price:
            pg.old += 1
        pg.sale_mode = rng.choice(["struck", "struck", "label"])
        how = rng.choice(["none", "none", "jsonld_same", "jsonld_regular", "spec_strike", "spec_only", "meta_list"])
        pg.sale_source = how
        if how == "jsonld_same":
            jsonlds.append(jsonld_product(pg, price=pg.price))
        elif how == "jsonld_regular":
            jsonlds.append(jsonld_product(pg, price=pg.old, mode=rng.choice(["offer", "number"])))
        elif how == "spec_strike":
            jsonlds.append(jsonld_product(pg, price=pg.price, old=pg.old, mode="spec_strike"))
        elif how == "spec_only":
            jsonlds.append(jsonld_product(pg, price=pg.price, mode="spec_only"))
        elif how == "meta_list":
            metas += [f'<meta property="product:price:amount" content="{pg.old}">',
                      f'<meta property="product:price:currency" content="{pg.cur}">',
                      f'<meta property="product:sale_price:amount" content="{pg.price}">',
                      f'<meta property="product:sale_price:currency" content="{pg.cur}">']
    elif fam == "other_product":
        other, url, obj = other_jsonld(pg)
        jsonlds.append(obj)
        if rng.random() < 0.6:
            pg.traps[rng.choice(["before", "side", "after"])].append(
                f'<div class="deal-of-the-day"><h2>{e(pg.w["deal"])}</h2><a href="{e(url)}">{e(other)}</a> '
                f'<span class="price">{pg.money(D(obj["offers"]["price"] if isinstance(obj["offers"], dict) else obj["offers"][0]["price"]))}</span></div>')
        if rng.random() < 0.4:
            pg.traps["after"].append(neutral_related(pg))
    elif fam == "locale":
        if pg.lang in ("sv", "nb", "da") and rng.random() < 0.5:
            pg.show_lang_attr = False  # the TLD has to say which krona
        if pg.loc == "ja_JP" and pg.platform not in ("rakuten", "amazon"):
            tax_ex = D(int(pg.price / D("1.1")))
            pg.extra_box_lines.append(f'<span class="price-tax-excluded">{fmt(tax_ex, "ja_JP", 1)} (税抜)</span>')
        if pg.loc == "pt_BR" and pg.platform != "vtex" and not pg.money_needs_whole():
            n = rng.choice([3, 10, 12])
            pg.extra_box_lines.append(f'<p class="installments">{pg.w["inst"].replace("10x", f"{n}x")} '
                                      f'<strong>{pg.money((pg.price / n).quantize(D("0.01")))}</strong> sem juros</p>')
        if pg.loc == "en_IN" and rng.random() < 0.6:
            pg.old = D(int(pg.price * D("1.4")))
            pg.sale_mode = "label"
        if rng.random() < 0.3:
            jsonlds.append(jsonld_product(pg, price=pg.price))
    elif fam == "marketplace":
        if pg.platform == "ebay":
            pg.auction = rng.random() < 0.3
            if not pg.auction and rng.random() < 0.6:
                pg.seller_loc = rng.choice([x for x in PLATFORM_LOCALES["ebay"] if x != pg.loc])
                pg.cur = LOCALES[pg.seller_loc]["cur"]
        if rng.random() < 0.4:
            pg.old = (pg.price * D("1.25")).quantize(D("1" if pg.money_needs_whole() or LOCALES[pg.loc].get("whole") else "0.01"))
        if pg.platform in ("zalando", "mercadolibre") and rng.random() < 0.5:
            jsonlds.append(jsonld_product(pg, price=pg.price))
    elif fam == "no_price":
        modes = ["unavailable"] if pg.platform == "amazon" else ["discontinued", "js_only", "zero"]
        pg.no_price_mode = rng.choice(modes)
        if pg.no_price_mode in ("discontinued", "js_only", "unavailable"):
            pg.avail = "OutOfStock"
        if pg.no_price_mode == "discontinued":
            pg.traps["after"].append(related_block(pg, "product-alternatives", pg.w["related"]))
            if rng.random() < 0.5:
                pg.traps["after"].append(neutral_related(pg))
        if pg.no_price_mode == "zero":
            pg.avail = "InStock"
            jsonlds.append(jsonld_product(pg, price=rng.choice(["0", "0.00"]), mode="offer"))
    return jsonlds, metas


def correct_structured(pg, jsonlds, metas):
    """Structured data that states the page's own price, in one of the usual forms."""
    rng = pg.rng
    kind = rng.choice(["jsonld", "jsonld", "jsonld", "microdata", "meta"])
    if kind == "jsonld":
        jsonlds.append(jsonld_product(pg, price=pg.price, mode=rng.choice(["offer", "offer", "number"])))
    elif kind == "microdata":
        pg.microdata = ('<div itemscope itemtype="https://schema.org/Product" class="schema-data">'
                        f'<meta itemprop="name" content="{e(pg.name)}"><div itemprop="offers" itemscope '
                        f'itemtype="https://schema.org/Offer"><meta itemprop="price" content="{pg.price}">'
                        f'<meta itemprop="priceCurrency" content="{pg.cur}"><link itemprop="availability" '
                        f'href="https://schema.org/{pg.avail}"></div></div>')
    else:
        metas += [f'<meta property="product:price:amount" content="{pg.price}">',
                  f'<meta property="product:price:currency" content="{pg.cur}">']


def title_text(pg):
    store = pg.url.split("/")[2]
    return pg.rng.choice([f"{pg.name} | {store}", f"{pg.name} – {store}", f"{pg.name}", f"{store}: {pg.name}"
                          if pg.platform != "amazon" else f"Amazon: {pg.name} : Home"])


def build(n, platform, family, loc):
    rng = random.Random(f"{SEED}-{n}-{platform}-{family}-{loc}")
    pg = Page(n, platform, family, loc, rng)
    pg.auction = False
    jsonlds, metas = setup(pg)
    body = MARKET_RENDER[platform](pg) if platform in MARKET_RENDER else render_store(pg)
    body = pg.microdata + body
    return pg, page(pg, title_text(pg), body, jsonlds, metas)


def plan():
    """(platform, family, locale) for every generated page, in a fixed order."""
    rng = random.Random(SEED)
    counts = {"buybox": 40, "sale": 36, "other_product": 20, "locale": 34, "marketplace": 32, "no_price": 16,
              "plain": 14}
    out = []
    locale_focus = ["fr_FR", "de_CH", "en_IN", "sv_SE", "nb_NO", "da_DK", "pt_BR", "ja_JP", "it_IT",
                    "cs_CZ", "tr_TR", "es_AR", "pl_PL", "de_DE", "nl_NL", "es_MX"]
    for fam, k in counts.items():
        for i in range(k):
            if fam == "marketplace":
                platform = MARKETPLACES[i % len(MARKETPLACES)]
                loc = rng.choice(PLATFORM_LOCALES[platform])
            elif fam == "locale":
                loc = locale_focus[i % len(locale_focus)]
                options = [p for p, ls in PLATFORM_LOCALES.items() if loc in ls and p not in ("ebay",)]
                if loc == "ja_JP":
                    options += ["shopify", "magento"]
                platform = rng.choice(options)
            elif fam == "plain":
                platform = "custom"
                loc = locale_focus[(i * 5) % len(locale_focus)]
            elif fam == "no_price":
                platform = (STOREFRONTS + ["amazon"])[i % (len(STOREFRONTS) + 1)]
                loc = rng.choice(PLATFORM_LOCALES[platform])
            else:
                platform = STOREFRONTS[i % len(STOREFRONTS)] if rng.random() < 0.85 else rng.choice(["amazon", "zalando", "allegro"])
                if fam == "other_product" and platform in MARKET_RENDER:
                    platform = STOREFRONTS[i % len(STOREFRONTS)]
                loc = rng.choice(PLATFORM_LOCALES[platform])
            out.append((platform, fam, loc))
    return out


COLUMNS = ["file", "url", "price", "currency", "availability", "title", "family", "language", "platform", "split"]


def main():
    pages_dir = os.path.join(HERE, "pages")
    os.makedirs(pages_dir, exist_ok=True)
    for f in os.listdir(pages_dir):
        if f.startswith("gen-"):
            os.remove(os.path.join(pages_dir, f))
    rows = []
    hand = os.path.join(HERE, "hand.tsv")
    if os.path.exists(hand):
        with open(hand, encoding="utf-8") as f:
            for line in f.read().splitlines()[1:]:
                if line.strip():
                    rows.append(line.split("\t"))
    for n, (platform, family, loc) in enumerate(plan()):
        pg, text = build(n, platform, family, loc)
        name = f"gen-{n:03d}-{platform}-{family}-{loc}.html".replace("_", "-")
        with open(os.path.join(pages_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
        price = "" if pg.no_price_mode else str(pg.price)
        cur = "" if pg.no_price_mode else pg.cur
        split = "heldout" if (n * 7 + 3) % 5 < 2 else "fit"
        rows.append([f"pages/{name}", pg.url, price, cur, pg.avail, pg.name, family, pg.lang, platform, split])
    with open(os.path.join(HERE, "truth.tsv"), "w", encoding="utf-8") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"wrote {len(rows)} rows")


if __name__ == "__main__":
    main()
