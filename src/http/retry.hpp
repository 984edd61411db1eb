// The retry policy: which failures are worth another attempt, and how long to wait.
#pragma once

#include <pricescrape/error.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace pricescrape::http {

using std::chrono::milliseconds;

// 408, 425, 429, 500, 502, 503, 504: the server says "not now", not "never".
bool is_retryable_status(int status) noexcept;

// Transport failures where a new attempt may well succeed.
bool is_retryable_error(error_kind kind) noexcept;

// Retry-After as delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT",
// also the obsolete RFC 850 and asctime forms). A date in the past means 0. nullopt when
// the value is neither.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

// Exponential backoff with full jitter (AWS architecture blog): uniform in
// [0, min(cap, base * 2^retry)], so clients that failed together do not retry together.
// `retry` counts from 0 for the first retry.
milliseconds backoff_delay(int retry, milliseconds base, milliseconds cap, std::mt19937_64& rng);

}  // namespace pricescrape::http
