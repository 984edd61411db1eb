// Visible-page evidence: the main heading, price-looking elements with what surrounds
// them, the add-to-cart control and stock phrases. Private to extract/.
#pragma once

#include "extract/html.hpp"

#include <pricescrape/extract/extractor.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract::detail {

// An element whose text may be the price, and the context it sits in.
struct price_element {
  std::string text;         // its visible text, split prices joined ("19<sup>99</sup>" -> "19.99")
  std::size_t order = 0;    // position among the page's elements, for distances
  bool named = false;       // class/id/itemprop/data-* says "price" on it or a close ancestor
  bool in_related = false;  // inside related / recommended / carousel / sponsored blocks
  bool in_chrome = false;   // inside <header>, <footer>, <nav> or <aside>
  bool hidden = false;      // inside display:none, [hidden] or a "hidden" class
  std::string context;      // its parent's text, when short: "3 x $806 (instalments)"
  std::string why;          // what made it a candidate
};

struct page_scan {
  std::optional<std::string> title;         // <title>
  std::optional<std::string> main_h1;       // the h1 that names the product
  std::size_t main_h1_order = 0;            // 0 when there is no h1
  std::optional<std::size_t> buy_order;     // the first add-to-cart control
  std::optional<std::string> availability;  // from stock phrases shown on the page
  std::string lang;                         // <html lang>
  std::vector<price_element> prices;        // in document order
};

// One walk over the document (explicit stack, no recursion).
page_scan scan_page(const GumboNode* document);

// Scored candidates from the visible price elements. `default_currency` settles
// "$", "kr", "¥"; `known_currency` (from structured data) lets a bare number in a
// price-named element count.
std::vector<candidate> visible_candidates(const page_scan& scan, std::string_view default_currency,
                                          std::string_view known_currency);

// How many words two names share, over the word count of the shorter, between 0 and 1.
// Words are split at any of `separators`, compared in ASCII lower case, and words of one
// byte are left out.
double word_overlap(std::string_view a, std::string_view b, std::string_view separators);

// "Sold out", "Auf Lager", "在庫切れ"...: the schema.org name a short stock text means.
std::optional<std::string> availability_from_text(std::string_view text);

// Removes a trailing site name from a page title: "Chinos - camel | Zalando" -> "Chinos
// - camel", "商品名｜PChome商店街" -> "商品名".
std::string strip_site_suffix(std::string_view title);

}  // namespace pricescrape::extract::detail
