// Bytes of a product page in, a product out: the extraction seam the engine calls.
#pragma once

#include <pricescrape/error.hpp>
#include <pricescrape/extract/product.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract {

struct page_input {
  std::string_view body;          // the body after Content-Encoding decoding, any charset
  std::string_view content_type;  // the Content-Type header value, possibly empty
  std::string_view url;           // the final URL: base for relative links, country hint
};

// One price the extractor weighed; listed by `pricescrape extract --explain`.
struct candidate {
  std::string source;  // "jsonld", "microdata", "meta", "visible", ...
  std::string text;    // the text or attribute value it came from
  std::optional<std::string> price;
  std::optional<std::string> currency;
  double score = 0;
  std::string why;  // short reasons: "itemprop=price; currency symbol; near h1"
};

struct extract_options {
  bool explain = false;  // fill extraction::candidates
};

struct extraction {
  product found;                      // whatever was found, even without a price
  std::optional<scrape_error> error;  // no_price (or decode) when found.price is empty
  std::vector<candidate> candidates;  // only with extract_options::explain
};

// Pure and thread-safe: no I/O, no globals that change. Never throws on bad input.
extraction extract_product(const page_input& page, const extract_options& options = {});

}  // namespace pricescrape::extract
