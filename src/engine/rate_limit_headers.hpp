// Reads what a server says about its rate limit: Retry-After, the IETF RateLimit fields
// (both draft syntaxes) and the common X-RateLimit-* fields. Pure: no sockets, no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace pricescrape::engine {

using std::chrono::milliseconds;

// One response header as received; names are compared case-insensitively.
using header_field = std::pair<std::string_view, std::string_view>;

// What the server said about its limit. Every field is optional: a malformed or absent
// value leaves it unset rather than guessing.
struct rate_limit_info {
  std::optional<milliseconds> retry_after;  // Retry-After
  std::optional<std::int64_t> limit;        // quota per window
  std::optional<std::int64_t> remaining;    // requests left in this window
  std::optional<milliseconds> reset;        // until the window resets (from now)
  std::optional<milliseconds> window;       // the policy's window length

  bool empty() const noexcept { return !retry_after && !limit && !remaining && !reset && !window; }
  friend bool operator==(const rate_limit_info&, const rate_limit_info&) = default;
};

// Retry-After (RFC 9110 10.2.3) as delta-seconds or an HTTP-date in any of the three
// forms (IMF-fixdate, RFC 850, asctime). A date in the past means 0; absurd delays are
// clamped to one year. Hand-parsed, so locale-independent.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

// An HTTP-date as a time point; nullopt when it is none of the three forms.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value);

// A reset value from the X-RateLimit-Reset family. Some servers send delta seconds
// (GitHub's docs aside, most gateways), others a Unix timestamp (GitHub, Twitter). A value
// of at least 10^9 (Sep 2001 as a timestamp, 31 years as a delay) is read as a timestamp;
// one below is a delay. A timestamp in the past means 0.
std::optional<milliseconds> parse_reset(std::string_view value,
                                        std::chrono::system_clock::time_point now);

// All of it from a response's headers. When several families are present, the first
// with a valid value wins, whole: the current IETF `RateLimit`/`RateLimit-Policy`
// fields (drafts 07 and later, and the `100;w=60` policies of drafts 03-06), then the
// older `RateLimit-Limit/-Remaining/-Reset`, then `X-RateLimit-*` (or `X-Rate-Limit-*`).
// Of several IETF policies the most restrictive counts.
rate_limit_info parse_rate_limit(std::span<const header_field> headers,
                                 std::chrono::system_clock::time_point now);

}  // namespace pricescrape::engine
