// Structured product data in a page: JSON-LD, microdata, RDFa and Open Graph / product
// meta tags. Private to extract/.
#pragma once

#include "extract/html.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract::detail {

// One price statement found in structured data, with what came along with it.
struct structured_offer {
  std::string source;                       // "jsonld", "microdata", "meta"
  std::string text;                         // the price as written in the page
  std::optional<std::string> price;         // canonical decimal
  std::optional<std::string> currency;      // ISO 4217
  std::optional<std::string> availability;  // schema.org name ("InStock")
  std::optional<std::string> name;          // the product's name
  std::optional<std::string> url;           // the product's own URL, when stated
  std::string why;                          // where exactly: "Product.offers[0].price"
  bool list_price = false;  // a list/original price where the page also states a sale price
  std::size_t product = 0;  // which product statement it belongs to, within its source
};

struct structured_data {
  std::vector<structured_offer> jsonld;
  std::vector<structured_offer> microdata;  // and RDFa (source "rdfa")
  std::vector<structured_offer> meta;
  std::optional<std::string> og_title;
  std::optional<std::string> page_url;       // <link rel=canonical> or og:url, when present
  std::optional<std::string> meta_currency;  // product:price:currency, even without an amount
};

// Everything structured in a parsed page, in document order within each source.
structured_data find_structured(const GumboNode* root);

// The products and offers in the text of one <script type="application/ld+json">.
// Invalid JSON (even after the lenient clean-up) yields nothing; never throws.
// Products without a price are returned too (price empty), for their name.
std::vector<structured_offer> parse_jsonld(std::string_view script_text);

// Repairs what real pages get wrong in JSON-LD, and keeps numbers exact: strips
// comment/CDATA wrappers, drops trailing commas, escapes raw control characters in
// strings, and turns every number token into a string "\x01<token>".
std::string clean_jsonld(std::string_view text);

// A JSON number token ("19.99", "2.8792e3", "-0") as a canonical decimal.
std::optional<std::string> decimal_from_json_number(std::string_view token);

// "http://schema.org/InStock", "instock", "In stock" -> "InStock"; nullopt if unknown.
std::optional<std::string> normalize_availability(std::string_view value);

}  // namespace pricescrape::extract::detail
