#include <pricescrape/state/change.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pricescrape::state {
namespace {

TEST(MinChange, ParsesPlainDecimalPercentages) {
  EXPECT_EQ(parse_min_change("0"), "0");
  EXPECT_EQ(parse_min_change("5"), "5");
  EXPECT_EQ(parse_min_change("05"), "5");
  EXPECT_EQ(parse_min_change("0.50"), "0.5");
  EXPECT_EQ(parse_min_change("12.250000"), "12.25");
  EXPECT_EQ(parse_min_change("0.000001"), "0.000001");
  EXPECT_EQ(parse_min_change("1000000"), "1000000");
  EXPECT_EQ(parse_min_change("2.0"), "2");
}

TEST(MinChange, RefusesAnythingElse) {
  for (const char* bad : {"", "-1", "+1", "5%", "1e2", "nan", "inf", ".5", "5.", "1.2.3",
                          "0.0000001", "1000000.5", "1000001", "99999999", " 5", "5 "}) {
    EXPECT_EQ(parse_min_change(bad), std::nullopt) << bad;
  }
}

struct move_case {
  const char* before;
  const char* now;
  const char* pct;
  bool moved;
};

class PriceMoved : public ::testing::TestWithParam<move_case> {};

TEST_P(PriceMoved, FollowsTheExactDecimalRule) {
  const auto& c = GetParam();
  EXPECT_EQ(price_moved(c.before, c.now, c.pct), c.moved)
      << c.before << " -> " << c.now << " at " << c.pct << "%";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PriceMoved,
    ::testing::Values(
        // Same value, in any spelling: never a move, not even at 0 %.
        move_case{"10", "10", "0", false}, move_case{"10", "10.00", "0", false},
        move_case{"0", "0", "0", false},
        // 0 %: any difference, however small.
        move_case{"10", "10.01", "0", true}, move_case{"1299.99", "1299.98", "0", true},
        // Exactly the threshold counts; just under it does not (no float rounding:
        // 0.1 + 0.2 style traps).
        move_case{"100", "105", "5", true}, move_case{"100", "95", "5", true},
        move_case{"100", "104.99", "5", false}, move_case{"100", "95.01", "5", false},
        move_case{"0.3", "0.309", "3", true}, move_case{"0.3", "0.30899", "3", false},
        move_case{"19.99", "20.09", "0.5", true},      // 0.50025 %
        move_case{"19.99", "20.08", "0.5", false},     // 0.45 %
        move_case{"39.3", "39.31", "0.025445", true},  // 0.0254452926 %
        move_case{"39.3", "39.31", "0.025446", false},
        // From 0 every move is infinite; to 0 it is 100 %.
        move_case{"0", "0.01", "1000000", true}, move_case{"10", "0", "100", true},
        move_case{"10", "0", "100.000001", false},
        // Long prices stay exact.
        move_case{"123456789012345678901234567890", "123456789012345678901234567891", "0", true},
        move_case{"123456789012345678901234567890", "123456789012345678901234567891", "0.000001",
                  false},
        // Not decimals (never from our parser): text difference.
        move_case{"n/a", "n/a", "5", false}, move_case{"n/a", "10", "5", true}));

output::record observed_record(std::optional<std::string> price,
                               std::optional<std::string> currency,
                               std::optional<std::string> availability) {
  output::record r;
  r.url = "https://shop.example/p/1";
  r.status = 200;
  r.fetched_at = "2026-11-25T03:00:00Z";
  r.price = std::move(price);
  r.currency = std::move(currency);
  r.availability = std::move(availability);
  if (!r.price) r.error = scrape_error{error_kind::no_price, "no price"};
  return r;
}

const output::previous_observation before{"100", "EUR", "InStock", "2026-11-24T03:00:00Z"};

TEST(DetectChange, NullWithoutAPreviousObservation) {
  EXPECT_EQ(detect_change(std::nullopt, observed_record("100", "EUR", "InStock")), std::nullopt);
}

TEST(DetectChange, NullWhenNothingWasObservedNow) {
  auto failed = observed_record(std::nullopt, std::nullopt, std::nullopt);
  failed.error = scrape_error{error_kind::timeout, "timed out"};
  EXPECT_EQ(detect_change(before, failed), std::nullopt);
  EXPECT_FALSE(observed(failed));
}

TEST(DetectChange, SameValuesAreUnchanged) {
  EXPECT_EQ(detect_change(before, observed_record("100.00", "EUR", "InStock")), false);
}

TEST(DetectChange, CurrencyAvailabilityAndPresenceAlwaysCount) {
  // Whatever --min-change says.
  EXPECT_EQ(detect_change(before, observed_record("100", "USD", "InStock"), "50"), true);
  EXPECT_EQ(detect_change(before, observed_record("100", "EUR", "OutOfStock"), "50"), true);
  EXPECT_EQ(detect_change(before, observed_record("100", "EUR", std::nullopt), "50"), true);
  // The price vanished: a no_price page is still an observation.
  const auto vanished = observed_record(std::nullopt, "EUR", "InStock");
  EXPECT_TRUE(observed(vanished));
  EXPECT_EQ(detect_change(before, vanished, "50"), true);
  const output::previous_observation without_price{std::nullopt, "EUR", "InStock", "x"};
  EXPECT_EQ(detect_change(without_price, observed_record("1", "EUR", "InStock"), "50"), true);
  EXPECT_EQ(detect_change(without_price, observed_record(std::nullopt, "EUR", "InStock")), false);
}

TEST(DetectChange, MinChangeIgnoresSmallerMoves) {
  EXPECT_EQ(detect_change(before, observed_record("104.99", "EUR", "InStock"), "5"), false);
  EXPECT_EQ(detect_change(before, observed_record("105", "EUR", "InStock"), "5"), true);
  EXPECT_EQ(detect_change(before, observed_record("100.01", "EUR", "InStock")), true);
}

// --- --only-changed and the change counts ----------------------------------------------

// Four records, one of each kind: changed, unchanged, new URL, failure.
std::vector<output::record> one_of_each() {
  auto changed = observed_record("105", "EUR", "InStock");
  changed.changed = true;
  auto unchanged = observed_record("100", "EUR", "InStock");
  unchanged.changed = false;
  auto fresh = observed_record("7", "EUR", "InStock");
  auto failed = observed_record(std::nullopt, std::nullopt, std::nullopt);
  failed.error = scrape_error{error_kind::http_status, "HTTP 503"};
  std::vector<output::record> all = {changed, unchanged, fresh, failed};
  for (std::size_t i = 0; i < all.size(); ++i) all[i].index = i;
  return all;
}

// Collects what reaches it.
class collecting_writer final : public output::writer {
 public:
  void write(const output::record& r) override { indices.push_back(r.index); }
  void finish() override { ++finished; }
  void flush() override {}
  std::vector<std::size_t> indices;
  int finished = 0;
};

TEST(ChangeFilter, KeepsChangedNewAndFailedBySwitch) {
  const auto all = one_of_each();
  const auto kept = [&](change_filter f) {
    std::vector<std::size_t> out;
    for (const auto& r : all)
      if (passes(f, r)) out.push_back(r.index);
    return out;
  };
  EXPECT_EQ(kept({}), (std::vector<std::size_t>{0, 2, 3}));
  EXPECT_EQ(kept({.new_urls = false}), (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(kept({.failures = false}), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(kept({.new_urls = false, .failures = false}), (std::vector<std::size_t>{0}));
}

TEST(ChangeFilterWriter, CountsEveryRecordAndPassesOnTheKeptOnes) {
  collecting_writer inner;
  change_filter_writer w(inner, change_filter{.new_urls = false});
  for (const auto& r : one_of_each()) w.write(r);
  w.finish();
  EXPECT_EQ(inner.indices, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(inner.finished, 1);
  EXPECT_EQ(w.written(), 2u);
  EXPECT_EQ(w.counts().changed, 1u);
  EXPECT_EQ(w.counts().unchanged, 1u);
  EXPECT_EQ(w.counts().new_urls, 1u);
  EXPECT_EQ(w.counts().not_observed, 1u);
}

TEST(ChangeFilterWriter, WithoutAFilterPassesEverything) {
  collecting_writer inner;
  change_filter_writer w(inner, std::nullopt);
  for (const auto& r : one_of_each()) w.write(r);
  EXPECT_EQ(inner.indices, (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(
      w.counts().changed + w.counts().unchanged + w.counts().new_urls + w.counts().not_observed,
      4u);
}

}  // namespace
}  // namespace pricescrape::state
