// The scoring model: every price candidate is described by named features (evidence
// such as "inside the buy box" or "stated by JSON-LD"), and its score is the dot product
// of those features with weights fitted offline (bench/fit_extraction.py, on the fit part
// of tests/corpus). The page's price is the best-scoring candidate, or none when no
// candidate scores above zero. Private to extract/.
#pragma once

#include "extract/scoring_weights.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace pricescrape::extract::detail {

// Each feature is a number in [0, 1]; most are 0 or 1. Kept in this order: the fitting
// script reads the names from feature_names below and writes weights in the same order.
enum class feature : std::size_t {
  // Where the candidate comes from (exactly one is 1).
  src_jsonld,
  src_microdata,
  src_meta,
  src_visible,
  // Structured statements.
  st_currency,      // states its currency
  st_list_price,    // marked as a list price where the page also states a sale price
  st_later,         // 0.1 per earlier statement of its source, at most 1
  st_other_name,    // its product name shares few words with the page's h1, og:title, <title>
  st_other_url,     // its product URL is another page than the canonical / og:url / page URL
  st_struck_shown,  // the page shows this amount struck through or labelled as the old price
  st_zero,          // the amount is 0
  // Agreement between sources (the strings are canonical decimals: equal = same amount).
  agree_visible,     // a structured statement whose amount a visible candidate shows
  agree_structured,  // structured data (of another source, for a structured one) states its amount
  agree_box,         // the amount is shown inside the buy box
  // Visible candidates: where the price sits and what surrounds it.
  v_named,             // the element or a close ancestor is named for the price
  v_sign,              // the text has a currency sign or code
  v_near_h1,           // 1 / (1 + elements between it and the main h1 / 60)
  v_near_buy,          // the same for the add-to-cart control
  v_in_box,            // inside the buy box: the smallest subtree with the h1 and add-to-cart
  v_first_in_box,      // the first current-looking price inside the buy box
  v_last_before_buy,   // the last current-looking price before the add-to-cart control
  v_related,           // inside a related / recommended / accessories block
  v_regular_named,     // inside an element named for the regular price ("regular-price")
  v_hidden,            // inside display:none or a hidden class
  v_chrome,            // inside the page header, footer, nav or aside
  v_other_amount,      // its text names a fee, total, instalment, unit price, saving
  v_ctx_other_amount,  // the text around it does
  v_not_current,       // labelled as a former, list or estimated price ("statt", "RRP", "antes")
  v_tax_excl,          // labelled as before tax ("税抜", "excl. VAT", "zzgl. MwSt.")
  v_converted,         // a converted amount ("approximately US $45.00")
  v_addon,             // an add-on's price ("+ 24,90 €")
  v_zero,              // the amount is 0
  v_offer_label,       // labelled as the offer ("sale", "now", "特價")
  v_sole_amount,       // no other current-looking amount is shown: a page with one price
  // The "no price" option: the page's price is none when this scores above every
  // candidate. Only the no-price option has these.
  null_bias,         // always 1
  null_no_buy,       // no add-to-cart control was found
  null_unavailable,  // the page's text says the product cannot be had
  count
};

inline constexpr std::size_t feature_count = static_cast<std::size_t>(feature::count);

inline constexpr std::array<std::string_view, feature_count> feature_names = {
    "src_jsonld",       "src_microdata",   "src_meta",
    "src_visible",      "st_currency",     "st_list_price",
    "st_later",         "st_other_name",   "st_other_url",
    "st_struck_shown",  "st_zero",         "agree_visible",
    "agree_structured", "agree_box",       "v_named",
    "v_sign",           "v_near_h1",       "v_near_buy",
    "v_in_box",         "v_first_in_box",  "v_last_before_buy",
    "v_related",        "v_regular_named", "v_hidden",
    "v_chrome",         "v_other_amount",  "v_ctx_other_amount",
    "v_not_current",    "v_tax_excl",      "v_converted",
    "v_addon",          "v_zero",          "v_offer_label",
    "v_sole_amount",    "null_bias",       "null_no_buy",
    "null_unavailable",
};

// The generated weights must name the same features in the same order.
constexpr bool fitted_weights_match() {
  if (fitted_weights.size() != feature_names.size()) return false;
  for (std::size_t i = 0; i < feature_names.size(); ++i) {
    if (fitted_weights[i].feature != feature_names[i]) return false;
  }
  return true;
}
static_assert(
    fitted_weights_match(),
    "scoring_weights.hpp does not match the features: run bench/fit_extraction.py --write");

constexpr double weight(feature f) { return fitted_weights[static_cast<std::size_t>(f)].weight; }

// The features of one candidate.
struct features {
  std::array<float, feature_count> x{};

  float& operator[](feature f) { return x[static_cast<std::size_t>(f)]; }
  float operator[](feature f) const { return x[static_cast<std::size_t>(f)]; }

  double score() const {
    double s = 0;
    for (std::size_t i = 0; i < feature_count; ++i) s += fitted_weights[i].weight * x[i];
    return s;
  }
};

// A visible candidate that looks like the price to pay now: not in a related block,
// hidden, labelled as a fee, a former, before-tax or converted amount, an add-on's
// price, or 0. The positional features and the agreement with the buy box count only
// such candidates.
inline bool looks_current(const features& f) {
  return f[feature::v_related] == 0 && f[feature::v_hidden] == 0 &&
         f[feature::v_other_amount] == 0 && f[feature::v_not_current] == 0 &&
         f[feature::v_tax_excl] == 0 && f[feature::v_converted] == 0 && f[feature::v_addon] == 0 &&
         f[feature::v_zero] == 0;
}

// True for the features only a scan of the visible page can set on a structured
// candidate; the fast path bounds them instead of computing them.
constexpr bool needs_visible_scan(feature f) {
  return f == feature::st_other_name || f == feature::st_struck_shown ||
         f == feature::agree_visible || f == feature::agree_box;
}

// The most any visible candidate can score: every visible feature at its best.
constexpr double max_visible_score() {
  double s = weight(feature::src_visible);
  for (std::size_t i = static_cast<std::size_t>(feature::agree_structured);
       i <= static_cast<std::size_t>(feature::v_sole_amount); ++i) {
    if (fitted_weights[i].weight > 0) s += fitted_weights[i].weight;
  }
  return s;
}

// The most the no-price option can score, whatever the page shows.
constexpr double max_no_price_score() {
  return weight(feature::null_bias) + std::max(0.0, weight(feature::null_no_buy)) +
         std::max(0.0, weight(feature::null_unavailable));
}

// "v_in_box (+0.90); v_near_buy 0.80 (+1.20)": the features that are set, with what
// each adds to the score. For --explain only.
inline std::string explain_features(const features& f) {
  std::string out;
  char number[48];
  for (std::size_t k = 0; k < feature_count; ++k) {
    const float v = f.x[k];
    if (v == 0) continue;
    if (!out.empty()) out += "; ";
    out += feature_names[k];
    const double added = fitted_weights[k].weight * v;
    if (v == 1) {
      std::snprintf(number, sizeof number, " (%+.2f)", added);
    } else {
      std::snprintf(number, sizeof number, " %.2f (%+.2f)", static_cast<double>(v), added);
    }
    out += number;
  }
  return out;
}

}  // namespace pricescrape::extract::detail
