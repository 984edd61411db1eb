#include "http/retry.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace pricescrape::http {
namespace {

using namespace std::chrono_literals;

std::chrono::system_clock::time_point utc(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

TEST(RetryPolicy, RetryableStatusesAreExactlyTheTransientOnes) {
  for (int s : {408, 425, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 301, 400, 401, 403, 404, 410, 501, 505})
    EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, RetryableErrorKinds) {
  EXPECT_TRUE(is_retryable_error(error_kind::connect));
  EXPECT_TRUE(is_retryable_error(error_kind::timeout));
  EXPECT_TRUE(is_retryable_error(error_kind::protocol));
  EXPECT_FALSE(is_retryable_error(error_kind::tls));
  EXPECT_FALSE(is_retryable_error(error_kind::dns));
  EXPECT_FALSE(is_retryable_error(error_kind::too_large));
  EXPECT_FALSE(is_retryable_error(error_kind::cancelled));
}

TEST(RetryAfter, DeltaSeconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0s);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), std::chrono::hours(24 * 365));
}

TEST(RetryAfter, HttpDatesInAllThreeForms) {
  const auto now = utc(2015, 10, 21, 7, 27, 0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 60s);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", now), 90s);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:29:00 2015", now), 120s);
}

TEST(RetryAfter, PastDateMeansNow) {
  const auto now = utc(2020, 1, 1, 0, 0, 0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 0s);
}

TEST(RetryAfter, GarbageIsIgnored) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", now), std::nullopt);
}

TEST(Backoff, FullJitterStaysWithinTheExponentialCeiling) {
  std::mt19937_64 rng(42);
  for (int retry = 0; retry < 6; ++retry) {
    const auto ceiling = std::min(milliseconds(500 << retry), milliseconds(4000));
    milliseconds low = ceiling, high = 0ms;
    for (int i = 0; i < 2000; ++i) {
      const auto d = backoff_delay(retry, 500ms, 4000ms, rng);
      ASSERT_GE(d, 0ms);
      ASSERT_LE(d, ceiling);
      low = std::min(low, d);
      high = std::max(high, d);
    }
    // Full jitter spreads over the whole range, not just near the ceiling.
    EXPECT_LT(low, ceiling / 10) << "retry " << retry;
    EXPECT_GT(high, ceiling * 9 / 10) << "retry " << retry;
  }
}

TEST(Backoff, HugeRetryCountsDoNotOverflow) {
  std::mt19937_64 rng(1);
  EXPECT_LE(backoff_delay(1000, 500ms, 30s, rng), 30s);
  EXPECT_EQ(backoff_delay(3, 0ms, 30s, rng), 0ms);
}

}  // namespace
}  // namespace pricescrape::http
