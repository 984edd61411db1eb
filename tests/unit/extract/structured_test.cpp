// Tests for the private extract/html and extract/structured helpers: DOM walking,
// JSON-LD (lenient and exact), microdata and meta tags.
#include "extract/structured.hpp"
#include "extract/html.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pricescrape::extract::detail {
namespace {

// ---- html ---------------------------------------------------------------------------

const GumboNode* first_element(const html_document& doc, GumboTag tag) {
  const GumboNode* found = nullptr;
  for_each_element(doc.document(), [&](const GumboNode* n) {
    if (found == nullptr && tag_of(n) == tag) found = n;
    return found == nullptr;
  });
  return found;
}

TEST(Html, TextContentCollapsesWhitespaceAndSkipsScripts) {
  const html_document doc(
      "<div id=x>  Acme\n\t <b>Anvil</b>&nbsp; <script>var a = 1;</script><style>p{}</style>"
      "<span>20&#160;kg</span></div>");
  const GumboNode* div = first_element(doc, GUMBO_TAG_DIV);
  ASSERT_NE(div, nullptr);
  EXPECT_EQ(text_content(div), "Acme Anvil 20 kg");
}

TEST(Html, TextContentSeparatesBlocks) {
  const html_document doc("<table><tr><td>12</td><td>99</td></tr></table><p>a</p><p>b</p>");
  EXPECT_EQ(text_content(doc.document()), "12 99 a b");
}

TEST(Html, TextContentStopsAtLimitOnCodePointBoundary) {
  const html_document doc("<p>\u20AC\u20AC\u20AC\u20AC</p>");
  const std::string text = text_content(doc.document(), 4);
  EXPECT_EQ(text, "\u20AC");
}

TEST(Html, AttributeLookup) {
  const html_document doc("<span data-x='1' class=\"a price b\" content=\"\">x</span>");
  const GumboNode* span = first_element(doc, GUMBO_TAG_SPAN);
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(attribute(span, "data-x"), "1");
  EXPECT_EQ(attribute(span, "content"), "");
  EXPECT_EQ(attribute(span, "missing"), std::nullopt);
  EXPECT_TRUE(has_token(*attribute(span, "class"), "PRICE"));
  EXPECT_FALSE(has_token(*attribute(span, "class"), "pri"));
  EXPECT_TRUE(contains_ci("Product-Price", "price"));
}

TEST(Html, TenThousandDeepIsCappedAndWalkedWithoutRecursion) {
  std::string page;
  for (int i = 0; i < 10000; ++i) page += "<div>";
  page += "<h1 class=price>deep</h1>";
  const html_document doc(page);
  int divs = 0;
  for_each_element(doc.document(), [&](const GumboNode* n) {
    if (tag_of(n) == GUMBO_TAG_DIV) ++divs;
    return true;
  });
  EXPECT_EQ(divs, static_cast<int>(max_nesting_depth));
  // The h1 was deeper still: its tags are blanked, its text stays.
  EXPECT_EQ(text_content(doc.document()), "deep");
  EXPECT_EQ(first_element(doc, GUMBO_TAG_H1), nullptr);
}

TEST(Html, AbsurdNestingIsCappedAndStaysFast) {
  std::string page;
  for (int i = 0; i < 200000; ++i) page += "<div>";
  page += "<span>deep</span>";
  for (int i = 0; i < 200000; ++i) page += "</div>";
  page += "<p>after</p>";
  const html_document doc(page);
  int divs = 0;
  for_each_element(doc.document(), [&](const GumboNode* n) {
    if (tag_of(n) == GUMBO_TAG_DIV) ++divs;
    return true;
  });
  EXPECT_EQ(divs, static_cast<int>(max_nesting_depth));
  EXPECT_EQ(text_content(doc.document()), "deep after");
}

TEST(Html, LimitNestingBlanksOnlyTheExcess) {
  std::string page = "<div><b>x</b><div title='a>b'><i>y</i></div></div><br><p>z";
  const std::string original = page;
  limit_nesting(page, 3);
  EXPECT_EQ(page, original);
  limit_nesting(page, 2);
  EXPECT_EQ(page, "<div><b>x</b><div title='a>b'>   y    </div></div><br><p>z");
  std::string script = "<div><script>if (a<b) { x('<div>'); }</script></div>";
  const std::string script_original = script;
  limit_nesting(script, 2);
  EXPECT_EQ(script, script_original);
}

TEST(Html, RawTextOfScriptIsUnmodified) {
  const html_document doc("<script type=x>a &amp; <b> \n</script>");
  EXPECT_EQ(raw_text(first_element(doc, GUMBO_TAG_SCRIPT)), "a &amp; <b> \n");
}

// ---- JSON-LD helpers ----------------------------------------------------------------

TEST(JsonLd, CleanDropsTrailingCommasAndEscapesNewlines) {
  EXPECT_EQ(clean_jsonld("{\"a\": \"x\ny\", \"b\": [\"c\",],}"),
            "{\"a\": \"x\\ny\", \"b\": [\"c\"]}");
}

TEST(JsonLd, CleanStripsCommentAndCdataWrappers) {
  EXPECT_EQ(clean_jsonld("  <!-- {\"a\":true} -->  "), "{\"a\":true}");
  EXPECT_EQ(clean_jsonld("//<![CDATA[\n{\"a\":null}\n//]]>"), "{\"a\":null}");
}

TEST(JsonLd, CleanKeepsNumberTokensExact) {
  EXPECT_EQ(clean_jsonld("{\"p\": 19.99, \"q\": [1e2,-3]}"),
            "{\"p\": \"\\u000119.99\", \"q\": [\"\\u00011e2\",\"\\u0001-3\"]}");
  // Digits inside strings are not numbers.
  EXPECT_EQ(clean_jsonld("{\"sku\": \"12,5\"}"), "{\"sku\": \"12,5\"}");
}

struct number_case {
  std::string token;
  std::optional<std::string> decimal;
};

class JsonNumber : public testing::TestWithParam<number_case> {};

TEST_P(JsonNumber, IsReadExactly) {
  EXPECT_EQ(decimal_from_json_number(GetParam().token), GetParam().decimal) << GetParam().token;
}

INSTANTIATE_TEST_SUITE_P(
    Table, JsonNumber,
    testing::Values(number_case{"19.99", "19.99"}, number_case{"2879.2", "2879.2"},
                    number_case{"2879.20", "2879.2"}, number_case{"0.1", "0.1"},
                    number_case{"1299", "1299"}, number_case{"1.2995e3", "1299.5"},
                    number_case{"5E-2", "0.05"}, number_case{"-0", "0"},
                    number_case{"12e+1", "120"}, number_case{"1e9999", std::nullopt},
                    number_case{"abc", std::nullopt}, number_case{"", std::nullopt}));

TEST(JsonLd, NumberPriceIsExactNotViaDouble) {
  const auto offers = parse_jsonld(
      R"({"@type":"Product","name":"A","offers":{"@type":"Offer","price":0.1,
          "priceCurrency":"EUR"}})");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].price, "0.1");
  EXPECT_EQ(offers[0].text, "0.1");
}

TEST(JsonLd, StringPriceWithComma) {
  const auto offers =
      parse_jsonld(R"({"@type":"Product","offers":{"price":"1.299,00","priceCurrency":"EUR"}})");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].price, "1299");
}

TEST(JsonLd, TypeArrayAndOfferArray) {
  const auto offers = parse_jsonld(
      R"({"@type":["Product","Thing"],"name":"Kit","offers":[
          {"@type":"Offer","price":"10.50","priceCurrency":"usd","availability":"InStock"},
          {"@type":"Offer","price":"12","priceCurrency":"USD"}]})");
  ASSERT_EQ(offers.size(), 2u);
  EXPECT_EQ(offers[0].price, "10.5");
  EXPECT_EQ(offers[0].currency, "USD");
  EXPECT_EQ(offers[0].availability, "InStock");
  EXPECT_EQ(offers[0].name, "Kit");
  EXPECT_EQ(offers[0].why, "Product.offers[0].price");
  EXPECT_EQ(offers[1].price, "12");
}

TEST(JsonLd, TopLevelArrayAndGraph) {
  const auto offers = parse_jsonld(
      R"([{"@type":"WebSite","name":"Shop"},
          {"@graph":[{"@type":"Product","name":"G","offers":{"price":5,"priceCurrency":"GBP"}}]}])");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].name, "G");
  EXPECT_EQ(offers[0].price, "5");
  EXPECT_EQ(offers[0].currency, "GBP");
}

TEST(JsonLd, ItemPageMainEntity) {
  const auto offers = parse_jsonld(
      R"({"@type":"ItemPage","mainEntity":{"@type":"Product","name":"M",
          "offers":{"@type":"Offer","price":"7.00","priceCurrency":"CAD"}}})");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].price, "7");
  EXPECT_EQ(offers[0].currency, "CAD");
}

TEST(JsonLd, AggregateOfferUsesLowPrice) {
  const auto offers = parse_jsonld(
      R"({"@type":"Product","offers":{"@type":"AggregateOffer","highPrice":99,
          "lowPrice":"49.00","priceCurrency":"EUR"}})");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].price, "49");
  EXPECT_EQ(offers[0].why, "Product.offers.lowPrice");
}

TEST(JsonLd, PriceSpecification) {
  const auto offers = parse_jsonld(
      R"({"@type":"Product","offers":{"@type":"Offer","priceSpecification":[
          {"@type":"UnitPriceSpecification","priceType":"ListPrice"},
          {"@type":"UnitPriceSpecification","price":24.5,"priceCurrency":"CHF"}]}})");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].price, "24.5");
  EXPECT_EQ(offers[0].currency, "CHF");
}

TEST(JsonLd, ProductGroupVariants) {
  const auto offers = parse_jsonld(
      R"({"@type":"ProductGroup","name":"Tee","hasVariant":[
          {"@type":"Product","name":"Tee S","offers":{"price":"15","priceCurrency":"EUR"}},
          {"@type":"Product","name":"Tee M","offers":{"price":"16","priceCurrency":"EUR"}}]})");
  ASSERT_EQ(offers.size(), 3u);  // the group (no price), then both variants
  EXPECT_FALSE(offers[0].price.has_value());
  EXPECT_EQ(offers[0].name, "Tee");
  EXPECT_EQ(offers[1].name, "Tee S");
  EXPECT_EQ(offers[1].price, "15");
}

TEST(JsonLd, LenientInput) {
  const auto offers = parse_jsonld(
      "<!--\n{\"@type\": \"Product\", \"name\": \"Two\nLines\",\n"
      "\"offers\": {\"price\": \"9.90\", \"priceCurrency\": \"EUR\",},}\n-->");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].name, "Two\nLines");
  EXPECT_EQ(offers[0].price, "9.9");
}

TEST(JsonLd, InvalidJsonYieldsNothing) {
  EXPECT_TRUE(parse_jsonld("{ not json").empty());
  EXPECT_TRUE(parse_jsonld("").empty());
  EXPECT_TRUE(parse_jsonld("\x01\x02\xFF").empty());
  EXPECT_TRUE(parse_jsonld("[[[[[[[[[[[[").empty());
}

TEST(JsonLd, DeepJsonDoesNotOverflow) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "[";
  for (int i = 0; i < 100000; ++i) deep += "]";
  EXPECT_TRUE(parse_jsonld(deep).empty());
}

TEST(JsonLd, LoneOfferWithoutProduct) {
  const auto offers = parse_jsonld(R"({"@type":"Offer","price":"3.50","priceCurrency":"GBP"})");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].price, "3.5");
}

TEST(Availability, Normalises) {
  EXPECT_EQ(normalize_availability("https://schema.org/InStock"), "InStock");
  EXPECT_EQ(normalize_availability("http://schema.org/OutOfStock"), "OutOfStock");
  EXPECT_EQ(normalize_availability("in stock"), "InStock");
  EXPECT_EQ(normalize_availability("out_of_stock"), "OutOfStock");
  EXPECT_EQ(normalize_availability("schema:PreOrder"), "PreOrder");
  EXPECT_EQ(normalize_availability("whenever"), std::nullopt);
}

// ---- find_structured: microdata and meta --------------------------------------------

TEST(Microdata, PriceFromContentAttributeAndScopes) {
  const html_document doc(R"(
    <div itemscope itemtype="http://schema.org/Product">
      <span itemprop="name">Lamp</span>
      <div itemprop="brand" itemscope itemtype="http://schema.org/Brand">
        <span itemprop="name">Not the product name</span></div>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
        <span itemprop="price" content="39.90">39,90&nbsp;€</span>
        <meta itemprop="priceCurrency" content="EUR">
        <link itemprop="availability" href="http://schema.org/InStock">
      </div>
    </div>)");
  const structured_data data = find_structured(doc.document());
  ASSERT_EQ(data.microdata.size(), 1u);
  EXPECT_EQ(data.microdata[0].price, "39.9");
  EXPECT_EQ(data.microdata[0].currency, "EUR");
  EXPECT_EQ(data.microdata[0].availability, "InStock");
  EXPECT_EQ(data.microdata[0].name, "Lamp");
}

TEST(Microdata, PriceFromTextWithoutScope) {
  const html_document doc(R"(<p>Now <span itemprop="price">£1,299.00</span></p>)");
  const structured_data data = find_structured(doc.document());
  ASSERT_EQ(data.microdata.size(), 1u);
  EXPECT_EQ(data.microdata[0].price, "1299");
  EXPECT_EQ(data.microdata[0].currency, "GBP");
  EXPECT_EQ(data.microdata[0].name, std::nullopt);
}

TEST(Meta, OpenGraphAndProductTags) {
  const html_document doc(R"(<head>
    <meta property="og:title" content="  Scarf   Green ">
    <meta property="og:price:amount" content="12.50">
    <meta property="og:price:currency" content="gbp">
    <meta name="product:availability" content="oos"></head>)");
  const structured_data data = find_structured(doc.document());
  ASSERT_EQ(data.meta.size(), 1u);
  EXPECT_EQ(data.meta[0].price, "12.5");
  EXPECT_EQ(data.meta[0].currency, "GBP");
  EXPECT_EQ(data.meta[0].availability, "OutOfStock");
  EXPECT_EQ(data.og_title, "Scarf Green");
}

TEST(Structured, JsonLdScriptTypeIsMatchedLeniently) {
  const html_document doc(
      R"(<script type="Application/LD+JSON; charset=utf-8">
         {"@type":"Product","offers":{"price":"1","priceCurrency":"EUR"}}</script>
         <script type="text/javascript">{"@type":"Product","offers":{"price":"2"}}</script>)");
  const structured_data data = find_structured(doc.document());
  ASSERT_EQ(data.jsonld.size(), 1u);
  EXPECT_EQ(data.jsonld[0].price, "1");
}

}  // namespace
}  // namespace pricescrape::extract::detail
