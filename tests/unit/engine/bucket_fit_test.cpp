#include "engine/bucket_fit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace pricescrape::engine {
namespace {

using namespace std::chrono_literals;

const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

sent_request at(std::chrono::milliseconds when, bool accepted) { return {t0 + when, accepted}; }

// Three accepted at 0 ms and one refused at 10 ms, again at 500 and 510 ms, one more
// refused at 600 ms. A burst B >= 2 took the first three, and B < 3 - R/100 refused the
// fourth. At 500 ms the first request's excess is max(0, 2 - R/2 + 1) and the third's two
// more, so the third is accepted only if R > 4/s (B = 2 + a little) or R >= 6/s (B = 2
// exactly). At 600 ms the excess would be 2 - R/10 + 1, refused only if it is more than
// B: R < 10/s.
std::vector<sent_request> hand_log() {
  return {at(0ms, true),   at(0ms, true),   at(0ms, true),    at(10ms, false), at(500ms, true),
          at(500ms, true), at(500ms, true), at(510ms, false), at(600ms, false)};
}

TEST(BucketFit, AWholeBurstNarrowsTheRangeToTheRatesItAllows) {
  const auto fit = fit_leaky_bucket(hand_log(), 1, 100);
  ASSERT_TRUE(fit.has_value());
  EXPECT_TRUE(fit->whole_burst);
  EXPECT_DOUBLE_EQ(fit->burst, 2.0);
  // An accepted request may be 1 ms of timing slack over the burst, R / 1000: the third
  // at 500 ms (excess 5 - R/2) is accepted from R = 3 / 0.501. A refusal allows none.
  EXPECT_NEAR(fit->slowest, 3 / 0.501, 0.001);
  EXPECT_NEAR(fit->fastest, 10.0, 0.001);
  EXPECT_DOUBLE_EQ(fit->rate(), (fit->slowest + fit->fastest) / 2);
}

// Two accepted at 0 ms and one refused at 10 ms (B < 2 - R/100); after a second, accepted
// at 0 and at 30 ms (B >= 2 - 0.03 R); after another, accepted at 0 and 15 ms and refused
// at 20 ms (B < 2 - 0.02 R). Below 33/s no whole number lies in [2 - 0.03 R, 2 - 0.02 R),
// even with the timing slack: the range is the one any burst allows, from about 2/s (a
// second must drain the first two) to the 30/s asked for.
TEST(BucketFit, WithoutAWholeBurstTheRangeIsWhatAnyBurstAllows) {
  const std::vector<sent_request> log{at(0ms, true),    at(0ms, true),    at(10ms, false),
                                      at(1000ms, true), at(1000ms, true), at(1030ms, true),
                                      at(2000ms, true), at(2015ms, true), at(2020ms, false)};
  const auto fit = fit_leaky_bucket(log, 1, 30);
  ASSERT_TRUE(fit.has_value());
  EXPECT_FALSE(fit->whole_burst);
  EXPECT_NEAR(fit->slowest, 2.0, 0.1);
  EXPECT_GT(fit->fastest, 30.0 / 1.01);
  EXPECT_GE(fit->burst, 1.0);
  EXPECT_LT(fit->burst, 2.0);
}

// A bucket of 10/s and burst 2 answering five requests 50 ms apart (the fifth at excess
// 2) and two seconds later seven 1/15 s apart (the seventh at 2), each refusing the next.
// Burst 2 explains it from 9.975/s (1 ms of slack) to 10.71/s; burst 3 does too, over
// 7.48-8/s, a narrower range. The widest wins, not the largest burst.
TEST(BucketFit, WhenBurstsDisagreeTheWidestRangeWins) {
  std::vector<sent_request> log;
  for (int k = 0; k < 5; ++k) log.push_back(at(std::chrono::milliseconds(50 * k), true));
  log.push_back(at(250ms, false));
  const auto fifteenth = std::chrono::nanoseconds(66'666'667);
  for (int k = 0; k < 7; ++k) log.push_back({t0 + 2s + k * fifteenth, true});
  log.push_back({t0 + 2s + 7 * fifteenth, false});
  const auto fit = fit_leaky_bucket(log, 1, 100);
  ASSERT_TRUE(fit.has_value());
  EXPECT_TRUE(fit->whole_burst);
  EXPECT_DOUBLE_EQ(fit->burst, 2.0);
  EXPECT_NEAR(fit->slowest, 9.975, 0.01);
  EXPECT_NEAR(fit->fastest, 10.714, 0.01);
}

TEST(BucketFit, AnswersArrivingOutOfOrderGiveTheSameFit) {
  auto log = hand_log();
  const auto in_order = fit_leaky_bucket(log, 1, 100);
  // Answers come back in any order; the bucket saw the requests in the order they went.
  std::vector<sent_request> shuffled(log.begin() + 4, log.end());
  shuffled.insert(shuffled.end(), log.begin(), log.begin() + 4);
  const auto out_of_order = fit_leaky_bucket(shuffled, 1, 100);
  ASSERT_TRUE(in_order && out_of_order);
  EXPECT_DOUBLE_EQ(in_order->slowest, out_of_order->slowest);
  EXPECT_DOUBLE_EQ(in_order->fastest, out_of_order->fastest);
}

TEST(BucketFit, NoRefusalNoFit) {
  EXPECT_FALSE(fit_leaky_bucket(std::vector<sent_request>{at(0ms, true), at(10ms, true)}, 1, 100));
  EXPECT_FALSE(fit_leaky_bucket(std::vector<sent_request>{}, 1, 100));
}

TEST(BucketFit, BadRangeNoFit) {
  EXPECT_FALSE(fit_leaky_bucket(hand_log(), 0, 100));
  EXPECT_FALSE(fit_leaky_bucket(hand_log(), 50, 10));
}

// Refused, then accepted at the same instant with the same excess: no bucket does that
// (a fixed-window counter resetting, or another client's requests in between).
TEST(BucketFit, AnswersNoBucketGivesNoFit) {
  const std::vector<sent_request> log{at(0ms, true), at(0ms, false), at(0ms, true)};
  EXPECT_FALSE(fit_leaky_bucket(log, 1, 100));
}

TEST(BucketFit, ARangeOutsideTheBoundsGivesNoFit) {
  EXPECT_FALSE(fit_leaky_bucket(hand_log(), 11, 100));
  EXPECT_FALSE(fit_leaky_bucket(hand_log(), 1, 3.9));
}

}  // namespace
}  // namespace pricescrape::engine
