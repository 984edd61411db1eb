// Bytes of a product page in, a product out: the extraction seam the engine calls.
#pragma once

#include <pricescrape/error.hpp>
#include <pricescrape/extract/product.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  double score = 0;  // the fitted model's score: weights . features
  std::string why;   // where it came from, then each feature set and what it added
  // The evidence (feature name, value in [0, 1]) the score weighs; only the features
  // that are set. Filled only with extract_options::explain.
  std::vector<std::pair<std::string, double>> features;
};

struct extract_options {
  bool explain = false;  // fill extraction::candidates (implies the whole visible scan)
  // The reference path: gumbo builds the tree and the visible page is always scanned.
  // Off, the light tree builder is tried first and the scan is skipped when structured
  // data settles the answer; tests prove both paths give the same product.
  bool full_dom_path = false;
  // Set by the engine when the batch stops. When it becomes true, extraction returns
  // promptly with error_kind::cancelled: the flag is read every few thousand steps of every long
  // loop (tree building where it is ours, structured data, the visible scan). gumbo's parse, when
  // the light builder declines, is the one step that cannot be interrupted.
  const std::atomic<bool>* stop = nullptr;
};

// CPU time (of the calling thread) each stage took, for `pricescrape --profile`.
struct stage_times {
  std::uint64_t charset_ns = 0;  // any charset -> UTF-8
  std::uint64_t parse_ns = 0;    // HTML -> tree (the light builder, or gumbo)
  std::uint64_t extract_ns = 0;  // structured data, visible heuristics, choosing
  bool full_parse = false;       // gumbo built the tree (the light builder declined)
  bool visible_scan = false;     // the visible page was scanned (structured data did not settle it)
  // Steps of bounded cost the extraction took (tags tokenized, nodes visited, JSON
  // values walked, candidates compared): tests assert it grows linearly with the page.
  std::uint64_t work = 0;
};

struct extraction {
  product found;                      // whatever was found, even without a price
  std::optional<scrape_error> error;  // no_price (or decode) when found.price is empty
  std::vector<candidate> candidates;  // only with extract_options::explain
  stage_times times;
};

// Pure and thread-safe: no I/O, no globals that change. Never throws on bad input.
extraction extract_product(const page_input& page, const extract_options& options = {});

}  // namespace pricescrape::extract
