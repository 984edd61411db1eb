#include <pricescrape/error.hpp>

#include <boost/throw_exception.hpp>

#include <stdexcept>

namespace pricescrape {

std::string_view to_string(error_kind kind) noexcept {
  // A switch without `default` lets -Wswitch flag a kind added to the enum but not here.
  switch (kind) {
    case error_kind::invalid_url:
      return "invalid_url";
    case error_kind::dns:
      return "dns";
    case error_kind::connect:
      return "connect";
    case error_kind::tls:
      return "tls";
    case error_kind::timeout:
      return "timeout";
    case error_kind::protocol:
      return "protocol";
    case error_kind::redirects:
      return "redirects";
    case error_kind::http_status:
      return "http_status";
    case error_kind::rate_limited:
      return "rate_limited";
    case error_kind::too_large:
      return "too_large";
    case error_kind::not_html:
      return "not_html";
    case error_kind::decode:
      return "decode";
    case error_kind::no_price:
      return "no_price";
    case error_kind::cancelled:
      return "cancelled";
    case error_kind::internal:
      return "internal";
    case error_kind::robots:
      return "robots";
    case error_kind::blocked:
      return "blocked";
    case error_kind::proxy:
      return "proxy";
  }
  // Only reachable through a cast of an out-of-range integer.
  return "unknown";
}

std::optional<error_kind> parse_error_kind(std::string_view name) noexcept {
  for (error_kind kind : all_error_kinds) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

void throw_exception_from_error(const scrape_error& error, const boost::source_location& loc) {
  // boost::throw_exception keeps the call site for diagnostics; callers still catch
  // std::runtime_error.
  std::string what(to_string(error.kind));
  what += ": ";
  what += error.message;
  boost::throw_exception(std::runtime_error(what), loc);
}

}  // namespace pricescrape
