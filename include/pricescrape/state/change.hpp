// Change detection for `--state`: whether a record differs from what was observed of its
// URL before, the rule behind a record's `changed` and `--only-changed`. Pure: no I/O.
#pragma once

#include <pricescrape/output/record.hpp>
#include <pricescrape/output/writer.hpp>

#include <cstddef>

#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::state {

// A record that observed its page: fetched and read, with a price or without one
// (no_price keeps title and availability). Only these update the store's observation
// and history; a failed fetch says nothing about the product.
bool observed(const output::record& r) noexcept;

// `--min-change PCT`: a plain decimal percentage from 0 to 1000000 with at most 6
// fractional digits ("5", "0.5", "12.25"), returned in canonical form ("0.50" -> "0.5").
// nullopt for anything else (negative, exponent, nan, "5%").
std::optional<std::string> parse_min_change(std::string_view text);

// The exact-decimal price rule: a move from `before` to `now` counts when the prices
// differ and |now - before| * 100 >= pct * |before| (so a move of exactly PCT counts),
// computed on the decimal digits without rounding. From a price of 0 any move counts.
// `pct` must come from parse_min_change. Prices that are not plain decimals (never from
// our parser) count as moved when their text differs. Linear in the prices' length.
bool price_moved(std::string_view before, std::string_view now, std::string_view pct);

// `changed` of a record: nullopt when there is no previous observation or the record
// observed nothing (a failed fetch); true when the currency, the availability or the
// presence of a price differ, or the price moved by at least `pct` percent; else false.
std::optional<bool> detect_change(const std::optional<output::previous_observation>& previous,
                                  const output::record& now, std::string_view pct = "0");

// `--only-changed`: which records are written. Changed ones always; new URLs (no
// previous observation) and failures (nothing observed) unless switched off.
struct change_filter {
  bool new_urls = true;  // off with --skip-new
  bool failures = true;  // off with --skip-failed
};
bool passes(const change_filter& filter, const output::record& r) noexcept;

// What a run's records said about change, for `--stats`.
struct change_counts {
  std::size_t changed = 0;
  std::size_t unchanged = 0;
  std::size_t new_urls = 0;      // observed, with no previous observation
  std::size_t not_observed = 0;  // failures: nothing to compare
  void add(const output::record& r) noexcept;
};

// A writer in front of another: counts every record and passes on only those the
// filter keeps (all of them without one). The engine writes to it as to any writer,
// so `--only-changed` needs no engine support beyond setting `changed`.
class change_filter_writer final : public output::writer {
 public:
  change_filter_writer(output::writer& inner, std::optional<change_filter> filter)
      : inner_(inner), filter_(filter) {}
  void write(const output::record& r) override;
  void finish() override { inner_.finish(); }
  void flush() override { inner_.flush(); }
  const change_counts& counts() const noexcept { return counts_; }
  std::size_t written() const noexcept { return written_; }

 private:
  output::writer& inner_;
  std::optional<change_filter> filter_;
  change_counts counts_;
  std::size_t written_ = 0;
};

}  // namespace pricescrape::state
