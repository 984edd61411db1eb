// Generators of hostile page shapes, each with a size parameter, for the linearity
// tests (adversarial_test.cpp) and the worst-case bench (bench/adversarial_bench.cpp).
// Each family is a shape a probe or fuzzer once turned into a crash or into minutes of
// CPU; every page also states a price, so what extraction still finds can be checked.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract::adversarial {

inline std::string jsonld_script(std::string_view json) {
  return "<script type=\"application/ld+json\">" + std::string(json) + "</script>";
}

inline constexpr std::string_view simple_product =
    R"({"@type":"Product","name":"Anvil","offers":{"@type":"Offer","price":"19.99",)"
    R"("priceCurrency":"EUR","availability":"https://schema.org/InStock"}})";

// `n` nested <div>s around a visible price.
inline std::string deep_divs(std::size_t n) {
  std::string page = "<html><head><title>Anvil</title></head><body>";
  page.reserve(page.size() + n * 11 + 64);
  for (std::size_t i = 0; i < n; ++i) page += "<div>";
  page += "<span class=price>19,99 &euro;</span>";
  for (std::size_t i = 0; i < n; ++i) page += "</div>";
  return page + "</body></html>";
}

// `n` nested price-named <div>s without text but at the bottom: every one of them is
// a price element whose text walk sees the whole subtree.
inline std::string deep_price_named(std::size_t n) {
  std::string page = "<html><body>" + jsonld_script(simple_product);
  for (std::size_t i = 0; i < n; ++i) page += "<div class=price itemprop=name>";
  page += "<b>x</b>";
  for (std::size_t i = 0; i < n; ++i) page += "</div>";
  return page + "</body></html>";
}

// 511 open elements, then `n` empty paragraphs: gumbo walks the open elements for each
// <p> (is a p in button scope?).
inline std::string paragraphs_under_deep_stack(std::size_t n) {
  std::string page = "<html><body>" + jsonld_script(simple_product);
  for (int i = 0; i < 500; ++i) page += "<div>";
  for (std::size_t i = 0; i < n; ++i) page += "<p></p>";
  return page + "</body></html>";
}

// One element with `n` attributes (distinct names: gumbo keeps and compares them all).
inline std::string many_attributes(std::size_t n) {
  std::string page = "<html><body>" + jsonld_script(simple_product) + "<div";
  page.reserve(page.size() + n * 8 + 64);
  for (std::size_t i = 0; i < n; ++i) page += " a" + std::to_string(i);
  return page + ">text</div></body></html>";
}

// `n` elements with the same attribute repeated 100 times each.
inline std::string repeated_attributes(std::size_t n) {
  std::string element = "<i";
  for (int i = 0; i < 100; ++i) element += " x";
  element += "></i>";
  std::string page = "<html><body>" + jsonld_script(simple_product);
  for (std::size_t i = 0; i < n; ++i) page += element;
  return page + "</body></html>";
}

// `n` JSON-LD Offers with no Product around them, all different prices.
inline std::string many_jsonld_offers(std::size_t n) {
  std::string json = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) json += ',';
    json +=
        R"({"@type":"Offer","price":")" + std::to_string(i + 1) + R"(.50","priceCurrency":"EUR"})";
  }
  json += "]";
  return "<html><body>" + jsonld_script(json) + "</body></html>";
}

// One product with `n` offers and a long name (each offer carries the name).
inline std::string many_jsonld_product_offers(std::size_t n) {
  std::string json = R"({"@type":"Product","name":")" + std::string(5000, 'n') + R"(","offers":[)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) json += ',';
    json += R"({"price":")" + std::to_string(i + 1) + R"(","priceCurrency":"EUR"})";
  }
  json += "]}";
  return "<html><body>" + jsonld_script(json) + "</body></html>";
}

// `n` microdata offers inside one Product scope.
inline std::string many_microdata_offers(std::size_t n) {
  std::string page =
      "<html><body><div itemscope itemtype=\"https://schema.org/Product\">"
      "<h1 itemprop=name>Anvil</h1>";
  for (std::size_t i = 0; i < n; ++i) {
    page +=
        "<div itemprop=offers itemscope itemtype=\"https://schema.org/Offer\">"
        "<span itemprop=price>" +
        std::to_string(i + 1) +
        ".50</span><meta itemprop=priceCurrency content=EUR>"
        "<link itemprop=availability href=\"https://schema.org/InStock\"></div>";
  }
  return page + "</div></body></html>";
}

// `n` item scopes nested in each other, each with a price.
inline std::string deep_item_scopes(std::size_t n) {
  std::string page = "<html><body>";
  for (std::size_t i = 0; i < n; ++i) {
    page += "<div itemscope itemtype=\"https://schema.org/Offer\"><meta itemprop=price content=" +
            std::to_string(i + 1) + ">";
  }
  page += "<meta itemprop=priceCurrency content=EUR>";
  for (std::size_t i = 0; i < n; ++i) page += "</div>";
  return page + "</body></html>";
}

// A product whose JSON-LD holds `n` bytes of description and `n / 16` other values.
inline std::string huge_jsonld(std::size_t n) {
  std::string json = R"({"@type":"Product","name":"Anvil","description":")";
  json.append(n, 'd');
  json += R"(","additionalProperty":[)";
  for (std::size_t i = 0; i < n / 16; ++i) {
    if (i > 0) json += ',';
    json += "[1,{}]";
  }
  json += R"(],"offers":{"price":"19.99","priceCurrency":"EUR"}})";
  return "<html><body>" + jsonld_script(json) + "</body></html>";
}

// A product whose `field` ("name", "price" or "priceCurrency") is an array nested
// `n` deep around "x" (or "9" for a price); the page's meta tags state a price too.
inline std::string deep_jsonld_array(std::size_t n, std::string_view field = "name") {
  const auto deep = [&](std::string_view inner) {
    std::string value(n, '[');
    value += inner;
    value.append(n, ']');
    return value;
  };
  const std::string name = field == "name" ? deep("\"x\"") : "\"Anvil\"";
  const std::string price = field == "price" ? deep("\"9\"") : "\"19.99\"";
  const std::string currency = field == "priceCurrency" ? deep("\"EUR\"") : "\"EUR\"";
  const std::string json = R"({"@type":"Product","name":)" + name + R"(,"offers":{"price":)" +
                           price + R"(,"priceCurrency":)" + currency + "}}";
  return "<html><head><meta property=\"product:price:amount\" content=\"7.50\">"
         "<meta property=\"product:price:currency\" content=\"EUR\"></head><body>" +
         jsonld_script(json) + "</body></html>";
}

struct family {
  std::string_view name;
  std::string (*make)(std::size_t);
  std::size_t small;  // a size that takes well under a second, debug build included
};

inline std::string deep_jsonld_name(std::size_t n) { return deep_jsonld_array(n, "name"); }

inline const std::vector<family>& families() {
  static const std::vector<family> all = {
      {"deep <div>", deep_divs, 5000},
      {"deep price-named <div>", deep_price_named, 2000},
      {"<p></p> under 500 open", paragraphs_under_deep_stack, 5000},
      {"attributes on one element", many_attributes, 20000},
      {"100 repeated attributes", repeated_attributes, 500},
      {"lone JSON-LD offers", many_jsonld_offers, 2000},
      {"JSON-LD product offers", many_jsonld_product_offers, 2000},
      {"microdata offers", many_microdata_offers, 2000},
      {"nested item scopes", deep_item_scopes, 2000},
      {"huge JSON-LD", huge_jsonld, 100000},
      {"deep JSON-LD array", deep_jsonld_name, 20000},
  };
  return all;
}

}  // namespace pricescrape::extract::adversarial
