// The closed set of per-URL failure kinds, and the error value that carries one.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape {

// One per record `error.kind`; the names are part of the output format.
enum class error_kind {
  invalid_url,
  dns,
  connect,
  tls,
  timeout,
  protocol,
  redirects,
  http_status,
  rate_limited,
  too_large,
  not_html,
  decode,
  no_price,
  cancelled,
  // A bug inside pricescrape (or memory ran out) while handling this URL: report it;
  // the page itself may be fine, so it is not no_price.
  internal,
  // robots.txt disallows the URL for our user agent (--robots).
  robots,
  // A bot challenge or captcha answered instead of the page (Cloudflare, Akamai,
  // DataDome, PerimeterX, ...), or a host given up on after repeated ones.
  blocked,
  // The proxy failed us: unreachable or refusing, authentication refused (407, SOCKS5),
  // a CONNECT answered with another status, a SOCKS5 failure reply. Not retried: the
  // proxy settings or the proxy itself need a look, not the origin.
  proxy,
};

inline constexpr std::array all_error_kinds = {
    error_kind::invalid_url,  error_kind::dns,       error_kind::connect,   error_kind::tls,
    error_kind::timeout,      error_kind::protocol,  error_kind::redirects, error_kind::http_status,
    error_kind::rate_limited, error_kind::too_large, error_kind::not_html,  error_kind::decode,
    error_kind::no_price,     error_kind::cancelled, error_kind::internal,  error_kind::robots,
    error_kind::blocked,      error_kind::proxy,
};

std::string_view to_string(error_kind kind) noexcept;
std::optional<error_kind> parse_error_kind(std::string_view name) noexcept;

// What went wrong for one URL, in words a user can act on.
struct scrape_error {
  error_kind kind;
  std::string message;

  friend bool operator==(const scrape_error&, const scrape_error&) = default;
};

// Lets boost::system::result<T, scrape_error>::value() throw on a bug.
[[noreturn]] void throw_exception_from_error(const scrape_error& error,
                                             const boost::source_location& loc);

// A per-URL outcome: the value, or the reason there is none.
template <class T>
using outcome = boost::system::result<T, scrape_error>;

}  // namespace pricescrape
