// Visible-page evidence: the main heading, price-looking elements with what surrounds
// them, the add-to-cart control and stock phrases. Private to extract/.
#pragma once

#include "extract/html.hpp"
#include "extract/scoring.hpp"

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
  bool regular = false;     // inside an element named for the regular price
  bool instalment = false;  // inside an element named for an instalment ("installmentValue")
  bool in_chrome = false;   // inside <header>, <footer>, <nav> or <aside>
  bool hidden = false;      // inside display:none, [hidden] or a "hidden" class
  bool beside_choice = false;  // a checkbox or radio button sits beside it: an add-on's price
  std::size_t last = 0;        // the order of its last descendant element (set after the walk)
  // Its price block: the subtree of its grandparent, as the range of element orders it
  // spans ("regular-price" and "current-price" of one block sit in it together).
  std::size_t block = 0;
  std::size_t block_last = 0;  // set after the walk
  std::string context;         // its parent's text, when short: "3 x $806 (instalments)"
  std::string why;             // what made it a candidate
};

// The buy box: the smallest subtree holding the main h1 and an add-to-cart control (or,
// without one, the h1's parent), as the range of element orders it spans.
struct buy_box {
  std::size_t first = 0;  // the subtree root's order; 0 when the page has no buy box
  std::size_t last = 0;   // the order of its last descendant
  bool holds(std::size_t order) const { return first != 0 && order >= first && order <= last; }
};

struct page_scan {
  std::optional<std::string> title;         // <title>
  std::optional<std::string> main_h1;       // the h1 that names the product
  std::size_t main_h1_order = 0;            // 0 when there is no h1
  std::optional<std::size_t> buy_order;     // the first add-to-cart control
  std::optional<std::string> availability;  // from stock phrases shown on the page
  // From the first stock phrase inside the buy box (or, without one, beside the h1):
  // what the page says about this product, not about a list of others.
  std::optional<std::string> box_availability;
  std::string lang;                   // <html lang>
  std::vector<price_element> prices;  // in document order
  buy_box box;
  // Amounts the page shows struck through or named as the old price (canonical
  // decimals, at most max_struck_amounts): structured data stating one of them states
  // the regular price, not the one to pay.
  std::vector<std::string> struck_amounts;
};

// A visible candidate, its evidence and where it sits.
struct visible_candidate {
  candidate c;
  features f;
  std::size_t order = 0;
  std::size_t last = 0;   // the order of the element's last descendant
  std::size_t block = 0;  // its price block (price_element::block)
  std::size_t block_last = 0;
};

// One walk over the document (explicit stack, no recursion), and a linear pass over
// its elements' parent links for the buy box.
page_scan scan_page(const GumboNode* document);

// Candidates from the visible price elements, with their visible features set (the
// agreement features are the caller's: they need the structured candidates).
// `default_currency` settles "$", "kr", "¥"; `known_currency` (from structured data)
// lets a bare number in a price-named element count.
std::vector<visible_candidate> visible_candidates(const page_scan& scan,
                                                  std::string_view default_currency,
                                                  std::string_view known_currency);

// True when the page shows `amount` (a canonical decimal) as a former price: struck
// through, in an element named for the old, list or regular price, or after a label
// such as "statt", "UVP" or "Ord.pris". Structured data stating that amount states the
// regular price while the page sells at another, so it cannot settle the price without
// the visible scan. Cheap next to scan_page: one walk over the nodes, reading at most a
// short prefix of each text node; only a text whose number has the amount's digits is
// looked at further (its few nearest ancestors).
bool shows_as_former_price(const GumboNode* document, std::string_view amount);

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
