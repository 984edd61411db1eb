// Tests for extract/extractor: whole pages in, products out. Fixture pages live in
// tests/fixtures and were written for these tests.
#include <pricescrape/extract/extractor.hpp>

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pricescrape::extract {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(PRICESCRAPE_FIXTURES_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

extraction extract_fixture(const std::string& name, std::string_view content_type = "text/html",
                           std::string_view url = "https://shop.example/p/1") {
  const std::string body = read_fixture(name);
  return extract_product({body, content_type, url}, {.explain = true});
}

// ---- one test per fixture page ---------------------------------------------------------

struct page_case {
  std::string fixture;
  product expected;
};

void PrintTo(const page_case& c, std::ostream* os) { *os << c.fixture; }

class FixturePages : public testing::TestWithParam<page_case> {};

TEST_P(FixturePages, ExtractsTheProduct) {
  const extraction r = extract_fixture(GetParam().fixture);
  const product& want = GetParam().expected;
  EXPECT_EQ(r.found.price, want.price);
  EXPECT_EQ(r.found.currency, want.currency);
  EXPECT_EQ(r.found.title, want.title);
  EXPECT_EQ(r.found.availability, want.availability);
  EXPECT_EQ(r.found.source, want.source);
  EXPECT_EQ(r.error.has_value(), !want.price.has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, FixturePages,
    testing::Values(
        page_case{"jsonld-product.html",
                  {"2879.2", "USD", "Acme Anvil 20 kg", "InStock", "jsonld"}},
        page_case{"jsonld-graph.html",
                  {"1299", "EUR", "Kaffeemühle Modell K2", "LimitedAvailability", "jsonld"}},
        page_case{"jsonld-broken.html",
                  {"89.9", "GBP", "Trail Shoe Model X", "OutOfStock", "jsonld"}},
        page_case{"microdata.html",
                  {"49.9", "EUR", "Chaise pliante en hêtre", "PreOrder", "microdata"}},
        page_case{"opengraph.html", {"349", "NOK", "Wool Scarf, Forest Green", "InStock", "meta"}},
        page_case{"no-price.html",
                  {std::nullopt, std::nullopt, "About us", std::nullopt, std::nullopt}},
        // A page selling at a price with nothing saying it cannot be had is InStock.
        page_case{"windows-1252.html", {"24.95", "EUR", "Café press", "InStock", "visible"}},
        page_case{"shift_jis.html", {"1980", "JPY", "緑茶 100g", "InStock", "visible"}},
        page_case{"iso-8859-1.html", {"12.5", "GBP", "Tea Caddy", "InStock", "visible"}},
        page_case{"mis-encoded.html",
                  {"24.9", "EUR", "Mugs \uFFFD set of 4", "InStock", "visible"}},
        page_case{"meta-sale-price.html",
                  {"997", "PLN", "Zestaw podtynkowy WC", "InStock", "meta"}},
        page_case{"split-price.html",
                  {"173.34", "RON", "Whiskey Single Barrel, 45%, 0.7l", "InStock", "visible"}},
        page_case{"amazon-like.html",
                  {"87.11", "USD", "Rolling Duffle Bag with Wheels", "InStock", "visible"}},
        page_case{"rdfa.html", {"59", "EUR", "Leselampe Nova", "InStock", "rdfa"}},
        page_case{"twitter-card.html", {"17.99", "USD", "Steelbook Blu-ray", "InStock", "meta"}},
        page_case{"related-jsonld.html", {"349", "GBP", "Oak Desk 120 cm", "InStock", "jsonld"}},
        page_case{"sold-out-phrase.html",
                  {"19.5", "CHF", "Filzstift Medium", "OutOfStock", "visible"}}),
    [](const testing::TestParamInfo<page_case>& p) {
      std::string name;
      for (char c : p.param.fixture.substr(0, p.param.fixture.find('.'))) {
        name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
      }
      return name;
    });

// ---- behaviour ------------------------------------------------------------------------

TEST(Extractor, NoPriceErrorSaysWhereItLooked) {
  const extraction r = extract_fixture("no-price.html");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, error_kind::no_price);
  EXPECT_EQ(r.error->message,
            "no price found on the page (looked at JSON-LD, microdata, meta tags, visible "
            "prices)");
}

TEST(Extractor, ExplainListsCandidatesBestFirst) {
  const extraction r = extract_fixture("jsonld-product.html");
  ASSERT_GE(r.candidates.size(), 2u);
  EXPECT_EQ(r.candidates[0].source, "jsonld");
  EXPECT_EQ(r.candidates[0].price, "2879.2");
  EXPECT_TRUE(r.candidates[0].why.starts_with("chosen: ")) << r.candidates[0].why;
  // The evidence behind the score, by name: here the visible price agrees.
  EXPECT_NE(r.candidates[0].why.find("agree_visible"), std::string::npos) << r.candidates[0].why;
  const auto& f = r.candidates[0].features;
  EXPECT_NE(std::find_if(f.begin(), f.end(), [](const auto& p) { return p.first == "src_jsonld"; }),
            f.end());
  std::size_t no_price_options = 0;
  for (const auto& c : r.candidates) {
    EXPECT_NE(c.price, "3199") << "a struck-through price was a candidate";
    if (c.source == "none") ++no_price_options;
  }
  EXPECT_EQ(no_price_options, 1u);  // the no-price option is listed with its own evidence
  // After the chosen one, best first.
  for (std::size_t i = 2; i < r.candidates.size(); ++i) {
    EXPECT_GE(r.candidates[i - 1].score, r.candidates[i].score);
  }
}

TEST(Extractor, NoCandidatesWithoutExplain) {
  const std::string body = read_fixture("jsonld-product.html");
  const extraction r = extract_product({body, "text/html", ""});
  EXPECT_TRUE(r.candidates.empty());
  EXPECT_EQ(r.found.price, "2879.2");
}

TEST(Extractor, Windows1252EuroByteIsDecoded) {
  const std::string body = read_fixture("windows-1252.html");
  ASSERT_NE(body.find('\x80'), std::string::npos);  // the fixture holds the real byte
  const extraction r = extract_fixture("windows-1252.html");
  ASSERT_FALSE(r.candidates.empty());
  EXPECT_EQ(r.candidates[0].text, "Prix : 24,95 \u20AC");  // no-break space collapsed
}

TEST(Extractor, ContentTypeCharsetIsHonoured) {
  // The same bytes declared as ISO-8859-15 make 0xA4 a euro sign.
  const std::string body = "<html><body><span class=price>19,90 \xA4</span></body></html>";
  const extraction r = extract_product({body, "text/html; charset=iso-8859-15", ""});
  EXPECT_EQ(r.found.price, "19.9");
  EXPECT_EQ(r.found.currency, "EUR");
}

TEST(Extractor, JsonLdWinsOverDisagreeingMeta) {
  const std::string body = R"(<html><head>
    <meta property="product:price:amount" content="25.00">
    <meta property="product:price:currency" content="EUR">
    <script type="application/ld+json">
      {"@type":"Product","name":"X","offers":{"price":"19.99","priceCurrency":"EUR"}}
    </script></head><body></body></html>)";
  const extraction r = extract_product({body, "", ""});
  EXPECT_EQ(r.found.price, "19.99");
  EXPECT_EQ(r.found.source, "jsonld");
}

TEST(Extractor, AgreementPicksAmongJsonLdOffers) {
  const std::string body = R"(<html><head>
    <meta property="og:price:amount" content="15.0">
    <script type="application/ld+json">
      [{"@type":"Product","name":"Variant A","offers":{"price":"12.00","priceCurrency":"EUR"}},
       {"@type":"Product","name":"Variant B","offers":{"price":"15.00","priceCurrency":"EUR"}}]
    </script></head></html>)";
  const extraction r = extract_product({body, "", ""});
  EXPECT_EQ(r.found.price, "15");
  EXPECT_EQ(r.found.title, "Variant B");
}

TEST(Extractor, CurrencyFromAnotherSourceWhenMissing) {
  const std::string body = R"(<html><head>
    <meta property="product:price:currency" content="SEK">
    <script type="application/ld+json">{"@type":"Product","offers":{"price":"499"}}</script>
    </head></html>)";
  const extraction r = extract_product({body, "", ""});
  EXPECT_EQ(r.found.price, "499");
  EXPECT_EQ(r.found.currency, "SEK");
}

TEST(Extractor, VisibleFallbackSkipsOldPrices) {
  const std::string body = R"(<html><body><h1>Kettle</h1>
    <div class="price-box"><span class="old-price">£49.99</span>
    <s><span class="price">£45.00</span></s>
    <span class="price">£39.99</span></div></body></html>)";
  const extraction r = extract_product({body, "", ""});
  EXPECT_EQ(r.found.price, "39.99");
  EXPECT_EQ(r.found.currency, "GBP");
  EXPECT_EQ(r.found.title, "Kettle");
  EXPECT_EQ(r.found.source, "visible");
}

TEST(Extractor, VisibleNumberWithoutCurrencyIsNotAPrice) {
  const std::string body = R"(<html><body><span class="price-count">42</span></body></html>)";
  const extraction r = extract_product({body, "", ""});
  EXPECT_FALSE(r.found.price.has_value());
}

TEST(Extractor, DomainSettlesDollarSign) {
  const std::string body = R"(<html><body><span class="price">$24.99</span></body></html>)";
  EXPECT_EQ(extract_product({body, "", "https://shop.example.ca/p"}).found.currency, "CAD");
  EXPECT_EQ(extract_product({body, "", "https://shop.example.com/p"}).found.currency, "USD");
  const std::string au = R"(<html lang="en-AU"><body><b class="price">$24.99</b></body></html>)";
  EXPECT_EQ(extract_product({au, "", "https://shop.example.com/p"}).found.currency, "AUD");
}

TEST(Extractor, StructuredCurrencySettlesVisibleKroner) {
  const extraction r = extract_fixture("opengraph.html");
  bool seen = false;
  for (const auto& c : r.candidates) {
    if (c.source != "visible") continue;
    seen = true;
    EXPECT_EQ(c.text, "349,- kr");
    EXPECT_EQ(c.currency, "NOK");  // kr alone would be SEK
  }
  EXPECT_TRUE(seen);
}

// ---- issue 11: the buy box and sale prices ----------------------------------------------

// The explained candidate stating `price` first in the list (best first), or null.
const candidate* explained(const extraction& r, std::string_view price,
                           std::string_view text = {}) {
  for (const auto& c : r.candidates) {
    if (c.price == price && (text.empty() || c.text == text)) return &c;
  }
  return nullptr;
}

bool has_feature(const candidate& c, std::string_view name) {
  return std::any_of(c.features.begin(), c.features.end(),
                     [&](const auto& f) { return f.first == name; });
}

// The issue's own example: add-on rows with a checkbox before the main price. The row's
// text wraps the add-on's price, so it is an add-on's price too, not the first current
// price of the buy box.
TEST(Extractor, AddOnRowIsNotTheFirstPriceInTheBuyBox) {
  const std::string body = R"(<html lang="de"><body><div class="buy">
    <h1>Siebträger DB-9</h1>
    <div class="options">
      <div class="option"><label><input type="checkbox" name="x"> Tamper 58 mm</label>
        <span class="product-detail-price">24,90 €*</span></div>
      <div class="option"><label><input type="checkbox" name="y"> Milchkanne</label>
        <span class="product-detail-price">19,90 €*</span></div>
    </div>
    <p class="product-detail-price">1.349,90 €*</p>
    <button class="btn-buy">In den Warenkorb</button></div></body></html>)";
  const extraction r = extract_product({body, "", "https://shop.example.de/p"}, {.explain = true});
  EXPECT_EQ(r.found.price, "1349.9");
  EXPECT_EQ(r.found.currency, "EUR");
  const candidate* row = explained(r, "24.9", "Tamper 58 mm 24,90 €*");
  ASSERT_NE(row, nullptr);
  EXPECT_TRUE(has_feature(*row, "v_addon")) << row->why;
  EXPECT_FALSE(has_feature(*row, "v_first_in_box")) << row->why;
  const candidate* main = explained(r, "1349.9");
  ASSERT_NE(main, nullptr);
  EXPECT_TRUE(has_feature(*main, "v_first_in_box")) << main->why;
}

// During a sale the JSON-LD keeps the regular price, which the page shows struck through:
// it may not settle the price, and it loses to the sale price even without a buy box
// (no h1 here) through st_struck_shown.
TEST(Extractor, JsonLdRegularPriceLosesToTheShownSalePrice) {
  const std::string body = R"(<html lang="pl"><head><script type="application/ld+json">
    {"@type":"Product","name":"Buty Beskid","offers":{"@type":"Offer","price":"145.50",
     "priceCurrency":"PLN","availability":"https://schema.org/InStock"}}</script></head><body>
    <div class="product-name">Buty Beskid</div>
    <p class="price"><del><span class="amount">145,50 zł</span></del>
    <ins><span class="amount">97,00 zł</span></ins></p></body></html>)";
  const extraction r = extract_product({body, "", "https://sklep.example.pl/p"}, {.explain = true});
  EXPECT_EQ(r.found.price, "97");
  EXPECT_EQ(r.found.currency, "PLN");
  EXPECT_EQ(r.found.source, "visible");
  EXPECT_TRUE(r.times.visible_scan);
  const candidate* structured = explained(r, "145.5");
  ASSERT_NE(structured, nullptr);
  EXPECT_EQ(structured->source, "jsonld");
  EXPECT_TRUE(has_feature(*structured, "st_struck_shown")) << structured->why;
  // --explain says why structured data did not settle it.
  const auto none = std::find_if(r.candidates.begin(), r.candidates.end(),
                                 [](const candidate& c) { return c.source == "none"; });
  ASSERT_NE(none, r.candidates.end());
  EXPECT_NE(none->why.find("shows as the former price"), std::string::npos) << none->why;
  // The same page on the fast path gives the same product.
  EXPECT_EQ(extract_product({body, "", "https://sklep.example.pl/p"}).found, r.found);
}

// The cheap check keeps the fast path where structured data agrees with the page: an
// old price struck beside the structured (current) price is no reason to scan.
TEST(Extractor, StruckOtherAmountKeepsTheFastPath) {
  const std::string body = R"(<html><head><script type="application/ld+json">
    {"@type":"Product","name":"Kettle","offers":{"price":"39.99","priceCurrency":"GBP",
     "availability":"https://schema.org/InStock"}}</script></head><body><h1>Kettle</h1>
    <p class="price"><s>£49.99</s> £39.99</p><p>Was £49.99, now £39.99</p></body></html>)";
  const extraction r = extract_product({body, "", ""});
  EXPECT_EQ(r.found.price, "39.99");
  EXPECT_EQ(r.found.source, "jsonld");
  EXPECT_FALSE(r.times.visible_scan);
}

// What the check recognises as a former price: each page shows the structured amount
// only that way, so each must be scanned and sold at the other price.
TEST(Extractor, FormerPriceShownEveryWayStopsSettling) {
  const std::string head = R"(<html lang="nl"><head><script type="application/ld+json">
    {"@type":"Product","name":"Pannenset","offers":{"price":"196","priceCurrency":"EUR",
     "availability":"https://schema.org/InStock"}}</script></head><body><h1>Pannenset</h1>)";
  const std::string tail = R"(<button class="add-to-cart">In winkelwagen</button></body></html>)";
  const std::vector<std::string> shown = {
      // a label in the same element
      R"(<div class="price"><span class="price">€ 163,-</span><div>Adviesprijs € 196,-</div></div>)",
      // a label in the element before, in a definition list
      R"(<span class="price">€ 163,-</span><dl><dt>Adviesprijs</dt><dd>€ 196,-</dd></dl>)",
      // named for the old price (Magento's old-price, data-price-type="oldPrice")
      R"(<span class="price">€ 163,-</span><span data-price-type="oldPrice"><span>€ 196,00</span></span>)",
      // struck by style
      R"(<span class="price">€ 163,-</span><span style="text-decoration: line-through">€ 196</span>)",
      // "original" in words (Zalando's "Oorspronkelijk")
      R"(<span class="price">€ 163,-</span><p>Oorspronkelijk: <span>€ 196,00</span></p>)",
      // split over elements, every group apart (VTEX), struck by class
      R"(<span class="price">€ 163,-</span><span class="list-price strike">€ <span>1</span><span>96</span>,<span>00</span></span>)",
  };
  for (const auto& block : shown) {
    const std::string body = head + block + tail;
    const extraction r = extract_product({body, "", "https://winkel.example.nl/p"});
    EXPECT_TRUE(r.times.visible_scan) << block;
    EXPECT_EQ(r.found.price, "163") << block;
    EXPECT_EQ(r.found.currency, "EUR") << block;
  }
}

// Instalments named so in the markup ("installmentValue") are a part of the price, and so
// are "3x de R$ 482,32 sem juros" and "10x de": whatever their own text says.
TEST(Extractor, InstalmentIsNotThePrice) {
  const std::string body = R"(<html lang="pt-BR"><body><h1>Smartphone A54</h1>
    <div class="installments"><span class="installmentValue">R$ 482,32</span></div>
    <div>ou 10x de <b>R$ 144,70</b> sem juros</div>
    <span class="selling-price">R$ 1.446,95</span>
    <button>Adicionar ao carrinho</button></body></html>)";
  const extraction r =
      extract_product({body, "", "https://loja.example.com.br/p"}, {.explain = true});
  EXPECT_EQ(r.found.price, "1446.95");
  EXPECT_EQ(r.found.currency, "BRL");
  for (const char* part : {"482.32", "144.7"}) {
    const candidate* c = explained(r, part);
    ASSERT_NE(c, nullptr) << part;
    EXPECT_TRUE(has_feature(*c, "v_other_amount") || has_feature(*c, "v_ctx_other_amount"))
        << c->why;
  }
}

// The groups of a price split over elements are no prices of their own: "1" and "446" of
// "R$ <span>1</span>.<span>446</span>,<span>95</span>" would be bare named numbers.
TEST(Extractor, PieceOfASplitPriceIsNoCandidate) {
  const std::string body = R"(<html lang="pt-BR"><head><script type="application/ld+json">
    {"@type":"Product","name":"Smartphone A54","offers":{"price":"1446.95","priceCurrency":"BRL"}}
    </script></head><body><h2>Smartphone A54</h2>
    <span class="sellingPrice"><span class="currencyCode">R$</span>&nbsp;<span class="currencyInteger">1</span><span class="currencyGroup">.</span><span class="currencyInteger">446</span><span class="currencyDecimal">,</span><span class="currencyFraction">95</span></span>
    </body></html>)";
  const extraction r = extract_product({body, "", ""}, {.explain = true});
  EXPECT_EQ(r.found.price, "1446.95");
  for (const auto& c : r.candidates) {
    if (c.source != "visible") continue;
    EXPECT_EQ(c.price, "1446.95") << c.text;
  }
  const candidate* whole = explained(r, "1446.95", "R$1.446,95");
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(whole->source, "visible");
}

// "regular" names the replaced price beside a discounted one in the same price block
// (PrestaShop), and the only price where it stands alone (Shopify's price-item--regular).
TEST(Extractor, RegularNamedPriceIsReplacedOnlyBesideAnotherPrice) {
  const std::string sale = R"(<html lang="es"><body><div class="product"><h1>Freidora 5 L</h1>
    <div class="product-prices"><div class="product-discount"><span class="regular-price">€2.659,35</span></div>
    <div class="product-price has-discount"><div class="current-price"><span class="current-price-value">€1.772,90</span>
    <span class="discount">-12%</span></div></div></div>
    <button class="add-to-cart">Añadir al carrito</button></div></body></html>)";
  EXPECT_EQ(extract_product({sale, "", "https://tienda.example.es/p"}).found.price, "1772.9");
  // Shopify's Dawn keeps the regular price in the markup beside the sale price (CSS hides
  // it); the block holding both makes it the replaced one, so the JSON-LD stating it
  // does not agree with a current price.
  const std::string dawn = R"(<html lang="en"><head><script type="application/ld+json">
    {"@type":"Product","name":"Camp Stool","offers":{"price":"64.00","priceCurrency":"USD",
     "availability":"https://schema.org/InStock"}}</script></head><body><div class="product">
    <h1>Camp Stool</h1><div class="price price--on-sale"><div class="price__container">
    <div class="price__regular"><span class="price-item price-item--regular">$64.00 USD</span></div>
    <div class="price__sale"><s class="price-item price-item--regular">$64.00 USD</s>
    <span class="price-item price-item--sale">$48.00 USD</span></div></div></div>
    <button class="product-form__submit">Add to cart</button></div></body></html>)";
  EXPECT_EQ(extract_product({dawn, "", "https://stools.example.com/p"}).found.price, "48");
  const std::string alone = R"(<html lang="it"><body><div class="product"><h1>Scarpe Fulmine</h1>
    <div class="price"><div class="price__regular"><span class="price-item price-item--regular">EUR 5,99</span></div></div>
    <a class="add-to-cart" href="/cart">Aggiungi al carrello</a>
    <div class="bundle-offer"><div class="card"><a href="/a/0">Filtro</a>
    <p class="price-item price-item--regular">EUR 0,95</p><button>Aggiungi al carrello</button></div>
    <div class="card"><a href="/a/1">Custodia</a>
    <p class="price-item price-item--regular">EUR 0,49</p><button>Aggiungi al carrello</button></div></div>
    </div></body></html>)";
  EXPECT_EQ(extract_product({alone, "", "https://negozio.example.it/p"}).found.price, "5.99");
}

// The EU's "lowest price of the last 30 days" beside a reduced price is no price to pay,
// even first in the buy box.
TEST(Extractor, LowestPriceOfThirtyDaysIsNotCurrent) {
  const std::string body = R"(<html lang="it"><body><div class="product"><h1>Zaino 35 L</h1>
    <div class="omnibus">Prezzo più basso degli ultimi 30 giorni: <span class="price">79,90 €</span></div>
    <div class="current-price"><span class="price">84,90 €</span></div>
    <button class="add-to-cart">Aggiungi al carrello</button></div></body></html>)";
  const extraction r =
      extract_product({body, "", "https://negozio.example.it/p"}, {.explain = true});
  EXPECT_EQ(r.found.price, "84.9");
  const candidate* lowest = explained(r, "79.9");
  ASSERT_NE(lowest, nullptr);
  EXPECT_TRUE(has_feature(*lowest, "v_not_current")) << lowest->why;
}

TEST(Extractor, TitleFallsBackToTitleElement) {
  const std::string body = "<html><head><title>  Just a\n title </title></head></html>";
  EXPECT_EQ(extract_product({body, "", ""}).found.title, "Just a title");
}

TEST(Extractor, MalformedPageDoesNotCrash) {
  const extraction r = extract_fixture("malformed.html");
  EXPECT_EQ(r.found.price, "12.5");
  EXPECT_EQ(r.found.currency, "USD");
  EXPECT_EQ(r.found.title, "Broken <b>page");
}

TEST(Extractor, EmptyInput) {
  const extraction r = extract_product({"", "", ""});
  EXPECT_FALSE(r.found.price.has_value());
  EXPECT_FALSE(r.found.title.has_value());
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, error_kind::no_price);
}

TEST(Extractor, BinaryGarbage) {
  std::string garbage;
  unsigned state = 7;
  for (int i = 0; i < 1 << 20; ++i) {
    state = state * 1664525u + 1013904223u;
    garbage.push_back(static_cast<char>(state >> 24));
  }
  const extraction r = extract_product({garbage, "application/octet-stream", ""});
  EXPECT_TRUE(r.error.has_value());
}

TEST(Extractor, TwentyMegabytePage) {
  std::string body =
      "<html><head><script type=\"application/ld+json\">{\"@type\":\"Product\",\"name\":\"Big\","
      "\"offers\":{\"price\":\"7.77\",\"priceCurrency\":\"EUR\"}}</script></head><body>";
  const std::string row =
      "<div class=\"item\"><a href=\"/p/1\">Other product</a><span>3,50 €</span></div>\n";
  while (body.size() < 20 * 1024 * 1024) body += row;
  body += "</body></html>";
  const extraction r = extract_product({body, "text/html; charset=utf-8", ""});
  EXPECT_EQ(r.found.price, "7.77");
  EXPECT_EQ(r.found.title, "Big");
  // Bounded work, not a timed test: a few steps per byte (each context text of the
  // 3,000 price elements once walked all of <body>'s 250,000 children).
  EXPECT_LE(r.times.work, 2'000'000 + 8 * body.size());
}

TEST(Extractor, ThreadSafe) {
  const std::vector<std::string> names = {"jsonld-product.html", "microdata.html", "opengraph.html",
                                          "shift_jis.html"};
  std::vector<std::string> bodies;
  std::vector<extraction> expected;
  for (const auto& n : names) {
    bodies.push_back(read_fixture(n));
    expected.push_back(extract_product({bodies.back(), "", ""}));
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::size_t k = (t + static_cast<std::size_t>(i)) % bodies.size();
        if (extract_product({bodies[k], "", ""}).found != expected[k].found) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace pricescrape::extract
