// What extraction finds on a product page: price, currency, title, availability.
#pragma once

#include <optional>
#include <string>

namespace pricescrape::extract {

struct product {
  std::optional<std::string> price;         // canonical decimal: "1299.99", "0", "12800"
  std::optional<std::string> currency;      // ISO 4217 code, e.g. "EUR"
  std::optional<std::string> title;         // UTF-8, whitespace collapsed
  std::optional<std::string> availability;  // schema.org name: "InStock", "OutOfStock", ...
  std::optional<std::string> source;        // where the price came from: "jsonld", "microdata",
                                            // "rdfa", "meta", "visible"

  friend bool operator==(const product&, const product&) = default;
};

}  // namespace pricescrape::extract
