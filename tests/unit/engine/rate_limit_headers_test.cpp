#include "engine/rate_limit_headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pricescrape::engine {
namespace {

using namespace std::chrono_literals;
using sys_clock = std::chrono::system_clock;

sys_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(mo) /
                               std::chrono::day(d)) +
         std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
}

// 2015-10-21 07:27:00 UTC = 1445412420.
const sys_clock::time_point now = utc(2015, 10, 21, 7, 27, 0);

struct retry_after_case {
  const char* value;
  std::optional<milliseconds> expected;
};

class RetryAfterValues : public testing::TestWithParam<retry_after_case> {};

TEST_P(RetryAfterValues, Parse) {
  EXPECT_EQ(parse_retry_after(GetParam().value, now), GetParam().expected) << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryAfterValues,
    testing::Values(retry_after_case{"120", 120s}, retry_after_case{" 0 ", 0s},
                    retry_after_case{"99999999999999999999999", std::chrono::hours(24 * 365)},
                    retry_after_case{"Wed, 21 Oct 2015 07:28:00 GMT", 60s},
                    retry_after_case{"Wednesday, 21-Oct-15 07:28:30 GMT", 90s},
                    retry_after_case{"Wed Oct 21 07:29:00 2015", 120s},
                    retry_after_case{"Wed Oct  1 07:29:00 2015", 0s},  // past: now
                    retry_after_case{"Tue, 20 Oct 2015 07:28:00 GMT", 0s},
                    retry_after_case{"", std::nullopt}, retry_after_case{"soon", std::nullopt},
                    retry_after_case{"-5", std::nullopt}, retry_after_case{"1.5", std::nullopt},
                    retry_after_case{"Wed, 32 Oct 2015 07:28:00 GMT", std::nullopt},
                    retry_after_case{"Wed, 21 Foo 2015 07:28:00 GMT", std::nullopt},
                    retry_after_case{"Wed, 21 Oct 2015 25:28:00 GMT", std::nullopt},
                    retry_after_case{"Wed, 21 Oct 2015 07:28:00 CET", std::nullopt},
                    retry_after_case{"Wed, 21 Oct 2015 07:28:00", std::nullopt}));

TEST(HttpDate, LeapDayAndTwoDigitYears) {
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT"), utc(2024, 2, 29, 12, 0, 0));
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2023 12:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), utc(1994, 11, 6, 8, 49, 37));
  EXPECT_EQ(parse_http_date("Monday, 06-Nov-34 08:49:37 GMT"), utc(2034, 11, 6, 8, 49, 37));
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), utc(1994, 11, 6, 8, 49, 37));
}

struct reset_case {
  const char* value;
  std::optional<milliseconds> expected;
};

class ResetValues : public testing::TestWithParam<reset_case> {};

TEST_P(ResetValues, DeltaOrTimestamp) {
  EXPECT_EQ(parse_reset(GetParam().value, now), GetParam().expected) << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ResetValues,
    testing::Values(reset_case{"30", 30s}, reset_case{"0", 0s}, reset_case{"1.5", 1500ms},
                    reset_case{"86400", 86400s},
                    // 10^9 and over: a Unix timestamp
                    reset_case{"1445412480", 60s}, reset_case{"1445412480.25", 60250ms},
                    reset_case{"1445412480000", 60s},  // in ms
                    reset_case{"1445412000", 0s},      // past
                    reset_case{"", std::nullopt}, reset_case{"-1", std::nullopt},
                    reset_case{"1e3", std::nullopt}, reset_case{"12abc", std::nullopt},
                    reset_case{"1.", std::nullopt}));

struct headers_case {
  const char* name;
  std::vector<header_field> headers;
  rate_limit_info expected;
};

class RateLimitHeaders : public testing::TestWithParam<headers_case> {};

TEST_P(RateLimitHeaders, Parse) {
  EXPECT_EQ(parse_rate_limit(GetParam().headers, now), GetParam().expected);
}

rate_limit_info limits(std::optional<std::int64_t> limit, std::optional<std::int64_t> remaining,
                       std::optional<milliseconds> reset, std::optional<milliseconds> window = {},
                       std::optional<milliseconds> retry_after = {}) {
  rate_limit_info i;
  i.limit = limit;
  i.remaining = remaining;
  i.reset = reset;
  i.window = window;
  i.retry_after = retry_after;
  return i;
}

std::string case_name(const testing::TestParamInfo<headers_case>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Table, RateLimitHeaders,
    testing::Values(
        headers_case{"None", {{"Content-Type", "text/html"}}, {}},
        headers_case{
            "IetfCurrent",
            {{"RateLimit", "\"default\";r=0;t=10"}, {"RateLimit-Policy", "\"default\";q=100;w=60"}},
            limits(100, 0, 10s, 60s)},
        headers_case{"IetfCaseInsensitiveNamesAndSpaces",
                     {{"ratelimit", " \"default\" ; r=5 ; t=3 "},
                      {"RATELIMIT-POLICY", "\"default\";q=50;w=1"}},
                     limits(50, 5, 3s, 1s)},
        headers_case{"IetfMostRestrictivePolicyWins",
                     {{"RateLimit", "\"burst\";r=40;t=1, \"daily\";r=0;t=3600"},
                      {"RateLimit-Policy", "\"burst\";q=50;w=1, \"daily\";q=1000;w=86400"}},
                     limits(1000, 0, 3600s, 86400s)},
        headers_case{"IetfRepeatedFieldLinesJoin",
                     {{"RateLimit", "\"burst\";r=40;t=1"}, {"RateLimit", "\"daily\";r=7;t=600"}},
                     limits(std::nullopt, 7, 600s)},
        headers_case{"IetfWithoutReset", {{"RateLimit", "\"p\";r=3"}}, limits(std::nullopt, 3, {})},
        headers_case{"IetfPolicyOnly",
                     {{"RateLimit-Policy", "\"p\";q=10;w=1;qu=\"requests\";pk=:YWJj:"}},
                     limits(10, std::nullopt, std::nullopt, 1s)},
        headers_case{"IetfMalformedMemberDropped",
                     {{"RateLimit", "\"ok\";r=9;t=2, \"bad;r=1"}},
                     limits(std::nullopt, 9, 2s)},
        headers_case{"IetfNonIntegerRemainingIgnored",
                     {{"RateLimit", "\"p\";r=abc;t=2, \"q\";r=4;t=1"}},
                     limits(std::nullopt, 4, 1s)},
        headers_case{"IetfNegativeRemainingIgnored",
                     {{"RateLimit", "\"p\";r=-1;t=2, \"q\";r=4;t=2"}},
                     limits(std::nullopt, 4, 2s)},
        headers_case{"Draft07Dictionary",
                     {{"RateLimit", "limit=100, remaining=50, reset=30"}},
                     limits(100, 50, 30s)},
        headers_case{"Draft06Policy",
                     {{"RateLimit-Policy", "100;w=60"},
                      {"RateLimit-Limit", "100"},
                      {"RateLimit-Remaining", "1"}},
                     limits(100, std::nullopt, std::nullopt, 60s)},
        headers_case{
            "OlderSeparateFields",
            {{"RateLimit-Limit", "100"}, {"RateLimit-Remaining", "0"}, {"RateLimit-Reset", "20"}},
            limits(100, 0, 20s)},
        headers_case{"XRateLimitDelta",
                     {{"X-RateLimit-Limit", "60"},
                      {"X-RateLimit-Remaining", "59"},
                      {"X-RateLimit-Reset", "45"}},
                     limits(60, 59, 45s)},
        headers_case{"XRateLimitEpoch",
                     {{"x-ratelimit-limit", "5000"},
                      {"x-ratelimit-remaining", "0"},
                      {"x-ratelimit-reset", "1445412540"}},
                     limits(5000, 0, 120s)},
        headers_case{"XRateLimitHyphenated",
                     {{"X-Rate-Limit-Remaining", "2"}, {"X-Rate-Limit-Reset", "9"}},
                     limits(std::nullopt, 2, 9s)},
        headers_case{"XRateLimitMalformedIgnored",
                     {{"X-RateLimit-Limit", "lots"},
                      {"X-RateLimit-Remaining", "-3"},
                      {"X-RateLimit-Reset", "soon"}},
                     limits(std::nullopt, std::nullopt, std::nullopt)},
        headers_case{"NewestFamilyWinsWhole",
                     {{"X-RateLimit-Remaining", "0"},
                      {"X-RateLimit-Reset", "500"},
                      {"RateLimit", "\"p\";r=12;t=5"}},
                     limits(std::nullopt, 12, 5s)},
        headers_case{"RetryAfterWithOthers",
                     {{"Retry-After", "7"}, {"X-RateLimit-Remaining", "0"}},
                     limits(std::nullopt, 0, std::nullopt, std::nullopt, 7s)},
        headers_case{"RetryAfterMalformed", {{"Retry-After", "later"}}, {}}),
    case_name);

}  // namespace
}  // namespace pricescrape::engine
