#include "engine/host_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <deque>
#include <vector>

namespace pricescrape::engine {
namespace {

using namespace std::chrono_literals;
using action = decision::action;

const time_point t0 = time_point{} + 1000h;

attempt_outcome ok(milliseconds latency = 20ms) {
  attempt_outcome o;
  o.status = 200;
  o.latency = latency;
  return o;
}

attempt_outcome status(int code, std::optional<milliseconds> retry_after = std::nullopt) {
  attempt_outcome o;
  o.status = code;
  o.latency = 20ms;
  o.limits.retry_after = retry_after;
  return o;
}

// Sends whenever allowed, answering every request at once with `answer`; returns the
// send times. Time advances to whatever the controller asks to wait for.
std::vector<time_point> drive(host_controller& c, time_point from, int sends,
                              const attempt_outcome& answer) {
  std::vector<time_point> times;
  time_point now = from;
  for (int guard = 0; static_cast<int>(times.size()) < sends && guard < 100000; ++guard) {
    const decision d = c.ask(now);
    if (d.what == action::send) {
      c.sent(now);
      times.push_back(now);
      c.finished(now, answer);
    } else if (d.what == action::wait_until) {
      now = d.until;
    } else {
      break;
    }
  }
  return times;
}

// The most sends in any window of `width` (a sliding window over the send times).
std::size_t most_in_window(const std::vector<time_point>& times, steady_clock::duration width) {
  std::size_t best = 0, first = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    while (times[i] - times[first] >= width) ++first;
    best = std::max(best, i - first + 1);
  }
  return best;
}

TEST(HostController, IdleHostSendsAtOnce) {
  host_controller c(host_settings{}, t0, 1);
  EXPECT_EQ(c.ask(t0).what, action::send);
  EXPECT_EQ(c.rate(), 0.0);  // adaptive starts unpaced
}

TEST(HostController, AdaptiveSlowStartBeginsAtTwoInFlight) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  c.sent(t0);
  EXPECT_EQ(c.in_flight(), 2u);
  EXPECT_EQ(c.ask(t0).what, action::wait_for_slot);
  c.finished(t0 + 100ms, ok());
  // 100 ms of successes doubles the limit: 2 -> 4.
  EXPECT_EQ(c.in_flight_limit(), 4u);
  EXPECT_EQ(c.ask(t0 + 100ms).what, action::send);
}

TEST(HostController, InFlightLimitNeverPassesTheEngineCap) {
  host_settings s;
  s.max_in_flight = 6;
  host_controller c(s, t0, 1);
  time_point now = t0;
  for (int i = 0; i < 200; ++i) {
    now += 50ms;
    c.sent(now);
    c.finished(now, ok());
  }
  EXPECT_EQ(c.in_flight_limit(), 6u);
}

struct ceiling_case {
  politeness_mode mode;
  double max_rate;
  milliseconds delay;
  bool jitter;
  attempt_outcome answer;
};

class RateCeiling : public testing::TestWithParam<ceiling_case> {};

// --rate is never exceeded, whatever the mode and whatever the server says.
TEST_P(RateCeiling, NeverExceededInAnySecond) {
  const auto& p = GetParam();
  host_settings s;
  s.mode = p.mode;
  s.max_rate = p.max_rate;
  s.delay = p.delay;
  s.jitter = p.jitter;
  host_controller c(s, t0, 3);
  const auto times = drive(c, t0, 400, p.answer);
  ASSERT_EQ(times.size(), 400u);
  EXPECT_LE(most_in_window(times, 1s), static_cast<std::size_t>(p.max_rate));
  EXPECT_LE(c.rate(), p.max_rate);
}

INSTANTIATE_TEST_SUITE_P(
    AllModes, RateCeiling,
    testing::Values(ceiling_case{politeness_mode::adaptive, 5, 0ms, false, ok()},
                    ceiling_case{politeness_mode::adaptive, 40, 0ms, false, ok(1ms)},
                    ceiling_case{politeness_mode::adaptive, 3, 0ms, false, status(404)},
                    ceiling_case{politeness_mode::fixed, 10, 50ms, true, ok()},
                    ceiling_case{politeness_mode::fixed, 2, 0ms, false, ok()},
                    ceiling_case{politeness_mode::off, 7, 0ms, false, ok()},
                    ceiling_case{politeness_mode::off, 60, 0ms, false, ok(0ms)}));

TEST(HostController, FixedDelayWithoutJitterIsExact) {
  host_settings s;
  s.mode = politeness_mode::fixed;
  s.delay = 250ms;
  host_controller c(s, t0, 1);
  const auto times = drive(c, t0, 20, ok());
  ASSERT_EQ(times.size(), 20u);
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i] - times[i - 1], 250ms);
  EXPECT_DOUBLE_EQ(c.rate(), 4.0);
}

// --jitter as wget2's --random-wait: each gap uniform in [0.5, 1.5] x delay.
TEST(HostController, FixedDelayJitterSpreadsOverHalfToOneAndAHalf) {
  host_settings s;
  s.mode = politeness_mode::fixed;
  s.delay = 1000ms;
  s.jitter = true;
  host_controller c(s, t0, 9);
  const auto times = drive(c, t0, 300, ok());
  ASSERT_EQ(times.size(), 300u);
  std::vector<milliseconds> gaps;
  for (std::size_t i = 1; i < times.size(); ++i) {
    gaps.push_back(std::chrono::duration_cast<milliseconds>(times[i] - times[i - 1]));
    ASSERT_GE(gaps.back(), 500ms);
    ASSERT_LE(gaps.back(), 1500ms);
  }
  EXPECT_LT(*std::min_element(gaps.begin(), gaps.end()), 600ms);
  EXPECT_GT(*std::max_element(gaps.begin(), gaps.end()), 1400ms);
}

TEST(HostController, OffModeNeitherPacesNorLimits) {
  host_settings s;
  s.mode = politeness_mode::off;
  s.max_in_flight = 10;
  host_controller c(s, t0, 1);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(c.ask(t0).what, action::send) << i;
    c.sent(t0);
  }
  EXPECT_EQ(c.ask(t0).what, action::wait_for_slot);
  c.finished(t0, status(429));
  EXPECT_EQ(c.rate(), 0.0);  // refusals do not pace an "off" host
  EXPECT_EQ(c.ask(t0).what, action::send);
}

TEST(HostController, RetryAfterPausesTheWholeHost) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  c.sent(t0);
  const host_change change = c.finished(t0 + 20ms, status(429, 5s));
  EXPECT_TRUE(change.paused);
  EXPECT_EQ(change.paused_until, t0 + 20ms + 5s);
  const decision d = c.ask(t0 + 1s);
  EXPECT_EQ(d.what, action::wait_until);
  EXPECT_EQ(d.until, t0 + 20ms + 5s);
  // A second refusal inside the pause extends nothing it does not lengthen.
  c.finished(t0 + 30ms, status(429, 1s));
  EXPECT_EQ(c.paused_until(), t0 + 20ms + 5s);
  EXPECT_EQ(c.stats().pauses, 1u);
  EXPECT_EQ(c.ask(t0 + 20ms + 5s).what, action::send);
}

TEST(HostController, RetryAfterOnASuccessIsIgnored) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  auto o = ok();
  o.limits.retry_after = 30s;
  EXPECT_FALSE(c.finished(t0 + 20ms, o).paused);
  EXPECT_EQ(c.ask(t0 + 20ms).what, action::send);
}

TEST(HostController, RetryAfterOverTheCapFailsTheHostFast) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  const auto o = status(503, 3600s);
  EXPECT_TRUE(c.finished(t0 + 20ms, o).blocked);
  const decision d = c.ask(t0 + 1s);
  EXPECT_EQ(d.what, action::fail);
  EXPECT_EQ(d.failure, host_failure::rate_limited);
  EXPECT_EQ(d.message, "the server asked to wait 3600 s (Retry-After), over the 120 s cap");
  const retry_plan plan = c.plan_retry(t0 + 20ms, 1, o);
  EXPECT_FALSE(plan.retry);
  EXPECT_EQ(plan.failure, host_failure::rate_limited);
  EXPECT_TRUE(c.is_blocked());
}

TEST(HostController, RetryAfterAtTheCapStillPauses) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  c.finished(t0, status(429, 120s));
  EXPECT_FALSE(c.is_blocked());
  EXPECT_EQ(c.ask(t0).until, t0 + 120s);
}

// Refusals are a rate limiter's answer: they cut the pace, not the in-flight limit.
TEST(HostController, RefusalCutsThePaceNotTheInFlightLimit) {
  host_controller c(host_settings{}, t0, 1);
  time_point now = t0;
  for (int i = 0; i < 60; ++i) {  // 60 successes in 1.2 s
    now += 20ms;
    c.sent(now - 20ms);
    c.finished(now, ok());
  }
  const auto limit = c.in_flight_limit();
  c.sent(now);
  const host_change change = c.finished(now + 20ms, status(429));
  EXPECT_TRUE(change.rate_changed);  // first set
  EXPECT_EQ(change.old_rate, 0.0);
  EXPECT_GT(change.new_rate, 0.0);
  EXPECT_LE(change.new_rate, 60.0);  // at most what was accepted over the last second
  EXPECT_EQ(c.in_flight_limit(), limit);
  EXPECT_EQ(c.stats().refusals, 1u);
  EXPECT_EQ(c.stats().rate_changes, 1u);
}

// The first refusal ends the unpaced start: N accepted in E < 1 s only bound the limit
// from below by N/1s (a burst may have been most of N). The pace starts at that floor and
// slow start climbs from it, faster the further the ceiling N/E lies above.
TEST(HostController, FirstRefusalStartsSlowStartAtTheBurstsFloor) {
  host_controller c(host_settings{}, t0, 1);
  for (int i = 0; i < 16; ++i) {
    c.sent(t0 + milliseconds(i * 10));
    c.finished(t0 + milliseconds(i * 10 + 5), ok(5ms));
  }
  c.sent(t0 + 195ms);
  c.finished(t0 + 200ms, status(429));
  // 16 accepted in 0.2 s: the floor is 16/s.
  EXPECT_NEAR(c.rate(), 16.0, 0.1);
  // The ceiling, 80/s, is 2.3 doublings above: slow start climbs 1.16 doublings a second.
  c.sent(t0 + 2s);
  c.finished(t0 + 2s + 1ms, ok(1ms));
  EXPECT_NEAR(c.rate(), 16.0 * std::exp2(0.5 * std::log2(5.0)), 0.5);
}

TEST(HostController, RefusedBeforeAnythingWasAcceptedStartsAtOnePerSecond) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  c.finished(t0 + 20ms, status(503));
  EXPECT_DOUBLE_EQ(c.rate(), 1.0);
}

// Between the first two refusals the pace doubles per second of answers (held at one
// doubling here); the second refusal cuts it to 0.85 of what was found (the exit's cut,
// set to CUBIC's usual one here), and CUBIC brings it back to that rate and then past it.
TEST(HostController, SlowStartThenCubic) {
  host_settings s;
  s.tuning.max_slow_start_speed = 1;
  s.tuning.slow_start_exit_decrease = 0.85;
  host_controller c(s, t0, 1);
  c.sent(t0);
  c.finished(t0 + 20ms, status(429));
  ASSERT_DOUBLE_EQ(c.rate(), 1.0);
  time_point now = t0 + 20ms;
  for (int i = 0; i < 4; ++i) {  // one answer every 250 ms for a second
    now += 250ms;
    c.sent(now - 10ms);
    c.finished(now, ok(10ms));
  }
  EXPECT_NEAR(c.rate(), 2.0, 0.01);
  c.sent(now);
  now += 10ms;
  c.finished(now, status(429));
  // Leaving slow start, the limit is the pace (2/s) narrowed by what was accepted
  // lately (4 in the last half second): 2/s, cut to 0.85 of it.
  EXPECT_NEAR(c.rate(), 1.7, 0.01);
  // Reported: set at 1/s, each 19 % step of the climb to 2/s (four), the cut to 1.7/s.
  EXPECT_EQ(c.stats().rate_changes, 6u);
  // CUBIC: back at the remembered 2/s after K = cbrt(0.15 / 0.0056) = 3 units of 40
  // answers, level there, then beyond it.
  for (int i = 0; i < 120; ++i) {
    now += 500ms;
    c.sent(now - 10ms);
    c.finished(now, ok(10ms));
  }
  EXPECT_NEAR(c.rate(), 2.0, 0.01);
  for (int i = 0; i < 120; ++i) {
    now += 500ms;
    c.sent(now - 10ms);
    c.finished(now, ok(10ms));
  }
  EXPECT_NEAR(c.rate(), 2.0 * (1 + 0.0056 * 27), 0.01);  // 3 units past K
}

// Refusals of requests sent before a cut were paced by the old rate: one cut per round.
TEST(HostController, OneCutPerRoundOfRefusals) {
  host_controller c(host_settings{}, t0, 1);
  time_point now = t0;
  for (int i = 0; i < 40; ++i) {
    now += 25ms;
    c.sent(now - 25ms);
    c.finished(now, ok());
  }
  for (int i = 0; i < 5; ++i) c.sent(now);
  c.finished(now + 20ms, status(429));
  const double after_first = c.rate();
  for (int i = 0; i < 4; ++i) c.finished(now + 21ms, status(429));
  EXPECT_EQ(c.rate(), after_first);
  EXPECT_EQ(c.stats().refusals, 5u);
}

TEST(HostController, OverloadCutsTheInFlightLimit) {
  host_settings s;
  s.max_in_flight = 16;
  host_controller c(s, t0, 1);
  time_point now = t0;
  for (int i = 0; i < 20; ++i) {
    now += 100ms;
    c.sent(now - 20ms);
    c.finished(now, ok());
  }
  ASSERT_EQ(c.in_flight_limit(), 16u);
  c.sent(now);
  c.finished(now + 20ms, status(502));
  EXPECT_EQ(c.in_flight_limit(), 12u);  // x 0.75
  EXPECT_EQ(c.rate(), 0.0);             // the pace is untouched
  attempt_outcome timeout;
  timeout.error = error_kind::timeout;
  timeout.latency = 10ms;
  c.sent(now + 40ms);
  c.finished(now + 50ms, timeout);
  EXPECT_EQ(c.in_flight_limit(), 9u);
  EXPECT_EQ(c.stats().transport_errors, 1u);
}

TEST(HostController, ChallengesInARowBlockTheHost) {
  host_controller c(host_settings{}, t0, 1);
  attempt_outcome challenge = status(403);
  challenge.challenge = true;
  c.sent(t0);
  c.finished(t0, challenge);
  EXPECT_EQ(c.ask(t0).what, action::wait_until);  // a hard pause
  EXPECT_EQ(c.paused_until(), t0 + 30s);
  c.sent(t0 + 30s);
  c.finished(t0 + 30s, ok());  // a page in between resets the count
  for (int i = 0; i < 2; ++i) {
    c.sent(t0 + 60s);
    c.finished(t0 + 60s, challenge);
  }
  EXPECT_FALSE(c.is_blocked());
  c.sent(t0 + 60s);
  EXPECT_TRUE(c.finished(t0 + 60s, challenge).blocked);
  const decision d = c.ask(t0 + 200s);
  EXPECT_EQ(d.what, action::fail);
  EXPECT_EQ(d.failure, host_failure::blocked);
  EXPECT_EQ(d.message, "the server answered 3 bot challenges in a row (status 403)");
  EXPECT_EQ(c.stats().challenges, 4u);
}

// A URL refused on its first attempt and its first retry says the host is over its
// limit: both cut. Refused a third time, the URL is refused for itself (a page answering
// 503 for good): the pace stays.
TEST(HostController, RefusalsOfAUrlCutTwiceThenNoMore) {
  host_controller c(host_settings{}, t0, 1);
  c.sent(t0);
  c.finished(t0 + 1ms, status(429));  // the first refusal sets a pace
  const double first = c.rate();
  ASSERT_GT(first, 0.0);
  for (int i = 0; i < 200; ++i) {  // the pace climbs back
    c.sent(t0 + 2s + i * 10ms);
    c.finished(t0 + 2s + i * 10ms + 1ms, ok());
  }
  attempt_outcome again = status(503);
  again.earlier_refusals = 1;
  again.latency = 1ms;
  const double before_retry = c.rate();
  c.sent(t0 + 5s);
  c.finished(t0 + 5s + 1ms, again);
  const double after_retry = c.rate();
  EXPECT_LT(after_retry, before_retry);  // the first retry's refusal cuts
  again.earlier_refusals = 2;
  c.sent(t0 + 9s);
  c.finished(t0 + 9s + 1ms, again);
  EXPECT_EQ(c.rate(), after_retry);   // the third refusal of the same URL does not
  EXPECT_EQ(c.stats().refusals, 3u);  // still counted
}

TEST(HostController, BrokenExchangeIsRetriedButDoesNotCutTheInFlightLimit) {
  host_settings s;
  s.max_in_flight = 10;
  host_controller c(s, t0, 1);
  for (int i = 0; i < 30; ++i) {  // slow start reaches the cap
    c.sent(t0 + i * 100ms);
    c.finished(t0 + i * 100ms + 1ms, ok());
  }
  ASSERT_EQ(c.in_flight_limit(), 10u);
  attempt_outcome broken;
  broken.error = error_kind::protocol;
  broken.latency = 1ms;
  c.sent(t0 + 4s);
  c.finished(t0 + 4s + 1ms, broken);
  EXPECT_EQ(c.in_flight_limit(), 10u);
  EXPECT_TRUE(c.plan_retry(t0 + 4s + 1ms, 1, broken).retry);
}

struct retry_case {
  attempt_outcome outcome;
  int attempt;
  bool retry;
};

class RetryPlan : public testing::TestWithParam<retry_case> {};

TEST_P(RetryPlan, RetriesOnlyTransientFailuresWithinTheBudget) {
  host_controller c(host_settings{}, t0, 5);
  EXPECT_EQ(c.plan_retry(t0, GetParam().attempt, GetParam().outcome).retry, GetParam().retry);
  EXPECT_EQ(c.stats().retries, GetParam().retry ? 1u : 0u);
}

attempt_outcome transport(error_kind kind) {
  attempt_outcome o;
  o.error = kind;
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Outcomes, RetryPlan,
    // Refusals (429, 503) have their own budget of 8 retries; other failures 3.
    testing::Values(retry_case{status(429), 1, true}, retry_case{status(503), 3, true},
                    retry_case{status(503), 8, true}, retry_case{status(503), 9, false},
                    retry_case{status(500), 3, true}, retry_case{status(500), 4, false},
                    retry_case{transport(error_kind::timeout), 4, false},
                    retry_case{status(500), 1, true}, retry_case{status(502), 1, true},
                    retry_case{status(504), 1, true}, retry_case{status(408), 1, true},
                    retry_case{status(404), 1, false}, retry_case{status(403), 1, false},
                    retry_case{status(501), 1, false}, retry_case{ok(), 1, false},
                    retry_case{transport(error_kind::timeout), 1, true},
                    retry_case{transport(error_kind::connect), 2, true},
                    retry_case{transport(error_kind::dns), 1, false},
                    retry_case{transport(error_kind::tls), 1, false}));

TEST(HostController, RetryBackoffIsFullJitterAndWaitsForThePause) {
  host_settings s;
  s.backoff_base = 100ms;
  s.max_retries = 10;
  host_controller c(s, t0, 7);
  for (int attempt = 1; attempt <= 4; ++attempt) {
    const auto ceiling = 100ms * (1 << (attempt - 1));
    milliseconds low = ceiling, high = 0ms;
    for (int i = 0; i < 300; ++i) {
      const auto wait = std::chrono::duration_cast<milliseconds>(
          c.plan_retry(t0, attempt, status(500)).not_before - t0);
      ASSERT_GE(wait, 0ms);
      ASSERT_LE(wait, ceiling);
      low = std::min(low, wait);
      high = std::max(high, wait);
    }
    EXPECT_LT(low, ceiling / 5) << attempt;
    EXPECT_GT(high, ceiling * 4 / 5) << attempt;
  }
  c.sent(t0);
  c.finished(t0, status(429, 10s));
  EXPECT_GE(c.plan_retry(t0, 1, status(429, 10s)).not_before, t0 + 10s);
}

TEST(HostController, SpentQuotaPausesUntilReset) {
  host_controller c(host_settings{}, t0, 1);
  auto o = ok();
  o.limits.remaining = 0;
  o.limits.reset = 10s;
  c.sent(t0);
  EXPECT_TRUE(c.finished(t0, o).paused);
  EXPECT_EQ(c.ask(t0 + 1s).until, t0 + 10s);
  EXPECT_EQ(c.stats().pauses, 1u);
}

TEST(HostController, RemainingQuotaIsSpreadOverTheWindow) {
  host_controller c(host_settings{}, t0, 1);
  auto o = ok();
  o.limits.remaining = 5;
  o.limits.reset = 10s;
  c.sent(t0);
  c.finished(t0, o);
  c.sent(t0);
  EXPECT_EQ(c.ask(t0 + 1s).until, t0 + 2s);  // 5 left in 10 s: one per 2 s
}

TEST(HostController, QuotaResetOverTheCapFailsFast) {
  host_controller c(host_settings{}, t0, 1);
  auto o = status(429);
  o.limits.remaining = 0;
  o.limits.reset = 3600s;
  c.sent(t0);
  c.finished(t0, o);
  EXPECT_EQ(c.ask(t0).message,
            "the server asked to wait 3600 s (RateLimit reset), over the 120 s cap");
}

TEST(HostController, CrawlDelayIsAFloorInEveryMode) {
  for (auto mode : {politeness_mode::adaptive, politeness_mode::fixed, politeness_mode::off}) {
    host_settings s;
    s.mode = mode;
    host_controller c(s, t0, 1);
    c.set_crawl_delay(2s);
    const auto times = drive(c, t0, 5, ok());
    ASSERT_EQ(times.size(), 5u);
    for (std::size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i] - times[i - 1], 2s);
  }
}

TEST(HostController, StatsCountEveryOutcome) {
  host_controller c(host_settings{}, t0, 1);
  for (auto o : {ok(10ms), ok(30ms), status(404), status(429), status(503)}) {
    c.sent(t0);
    c.finished(t0, o);
  }
  c.sent(t0);
  c.finished(t0, transport(error_kind::connect));
  const host_stats s = c.stats();
  EXPECT_EQ(s.requests, 6u);
  EXPECT_EQ(s.responses, 5u);
  EXPECT_EQ(s.transport_errors, 1u);
  EXPECT_EQ(s.refusals, 2u);
  EXPECT_EQ(s.statuses.size(), 4u);
  EXPECT_EQ(s.statuses.at(200), 2u);
  EXPECT_EQ(s.statuses.at(429), 1u);
  EXPECT_EQ(s.peak_in_flight, 1u);
  EXPECT_EQ(s.latency_p50, 20ms);
}

TEST(RateOption, PerSecondOrPerMinute) {
  EXPECT_EQ(parse_rate_option("40"), 40.0);
  EXPECT_EQ(parse_rate_option("40/s"), 40.0);
  EXPECT_EQ(parse_rate_option("120/m"), 2.0);
  EXPECT_EQ(parse_rate_option("0.5/s"), 0.5);
  EXPECT_EQ(parse_rate_option("30/m"), 0.5);
  for (const char* bad : {"", "/s", "0", "-1/s", "40/h", "40 /s", "fast", "1e999", "nan"})
    EXPECT_EQ(parse_rate_option(bad), std::nullopt) << bad;
}

TEST(LatencyWindow, QuantilesOfTheLastSamplesOnly) {
  latency_window w;
  EXPECT_EQ(w.quantile(0.5), 0ms);
  for (int i = 1; i <= 100; ++i) w.add(milliseconds(i));
  EXPECT_EQ(w.size(), 100u);
  EXPECT_EQ(w.quantile(0.5), 50ms);
  EXPECT_EQ(w.quantile(0.95), 95ms);
  EXPECT_EQ(w.quantile(1.0), 100ms);
  for (int i = 0; i < 1000; ++i) w.add(7ms);
  EXPECT_EQ(w.size(), latency_window::capacity);  // bounded: 128 samples per host
  EXPECT_EQ(w.quantile(0.95), 7ms);
}

}  // namespace
}  // namespace pricescrape::engine
