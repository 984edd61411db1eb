#include "http/retry.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <string>

namespace pricescrape::http {

bool is_retryable_status(int status) noexcept {
  switch (status) {
    case 408:
    case 425:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

bool is_retryable_error(error_kind kind) noexcept {
  // dns is left out: a name that does not resolve rarely resolves a second later, and
  // the resolver already retries on its own. protocol covers connections dropped
  // mid-response, which a fresh connection usually cures (GET is idempotent).
  return kind == error_kind::connect || kind == error_kind::timeout || kind == error_kind::protocol;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value) {
  // strptime wants a NUL-terminated string; the formats are RFC 9110's three.
  const std::string text(value);
  static constexpr std::array formats = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  for (const char* format : formats) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') {
      const std::time_t t = ::timegm(&tm);
      if (t == static_cast<std::time_t>(-1)) return std::nullopt;
      return std::chrono::system_clock::from_time_t(t);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](unsigned char c) { return std::isdigit(c) != 0; })) {
    std::uint64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // Absurd values (overflow) are clamped; the caller caps them anyway.
    if (ec == std::errc::result_out_of_range)
      seconds = 365ull * 24 * 3600;
    else if (ec != std::errc{} || ptr != value.data() + value.size())
      return std::nullopt;
    seconds = std::min<std::uint64_t>(seconds, 365ull * 24 * 3600);
    return milliseconds(seconds * 1000);
  }
  const auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(*when - now);
}

milliseconds backoff_delay(int retry, milliseconds base, milliseconds cap, std::mt19937_64& rng) {
  retry = std::clamp(retry, 0, 30);
  const auto ceiling_ms =
      std::min<std::int64_t>(cap.count(), base.count() * (std::int64_t{1} << std::min(retry, 20)));
  if (ceiling_ms <= 0) return milliseconds(0);
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling_ms);
  return milliseconds(pick(rng));
}

}  // namespace pricescrape::http
