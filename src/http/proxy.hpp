// Proxy configuration, pure: proxy URLs parsed, no_proxy matched, a proxy chosen per
// target. No sockets here; the connection steps (connection.cpp) speak the protocols.
#pragma once

#include <pricescrape/http/client.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pricescrape::http {

enum class proxy_kind {
  http,     // CONNECT tunnels for https, absolute-form requests for http
  socks5,   // SOCKS5, target names resolved here
  socks5h,  // SOCKS5, target names resolved by the proxy
};

struct proxy_server {
  proxy_kind kind = proxy_kind::http;
  std::string host;  // lower case, IPv6 without brackets
  std::string port;  // always explicit; 1080 when the URL has none (curl's default)
  bool has_credentials = false;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; never in a message

  // "127.0.0.1:3128", "[::1]:1080": how messages name the proxy.
  std::string where() const;
  // "http://user@127.0.0.1:3128": the URL without its password, for -v.
  std::string display() const;
  // What tells two proxies apart in the connection pool's key (credentials included, as
  // a connection authenticated as one user must not serve another).
  std::string key() const;
  // "Basic dXNlcjpwYXNz": the Proxy-Authorization value (RFC 7617).
  std::string basic_authorization() const;
};

// A proxy URL as curl takes it: "host:port" is http://; schemes http, socks5, socks5h;
// "user:pass@" percent-decoded; a path is ignored. The error names the problem, never
// the password.
std::variant<proxy_server, std::string> parse_proxy_url(std::string_view text);

// Whether `host` (lower or mixed case, IPv6 without brackets) bypasses the proxy under
// curl's no_proxy rules: "*" alone matches every host; otherwise the list is split on
// commas and blanks, a name matches itself and its subdomains (a leading dot is
// ignored: ".shop.example" and "shop.example" both match "a.shop.example", never
// "notshop.example"), trailing dots are ignored, case is ignored, ports are not part of
// it; an IP host matches an equal address or a CIDR range ("10.0.0.0/8", "::1/128").
bool no_proxy_matches(std::string_view host, std::string_view no_proxy);

// The proxy settings, parsed once; which proxy (if any) a target goes through.
class proxy_router {
 public:
  // Unusable proxy URLs are left out (the app refuses them first: proxy_options_problem).
  explicit proxy_router(const proxy_options& options);

  // Null: direct.
  const proxy_server* route(bool tls, std::string_view host) const;
  // Whether any proxy is configured at all (then -v says how each host goes).
  bool any() const noexcept { return http_.has_value() || https_.has_value(); }
  bool has(bool tls) const noexcept { return (tls ? https_ : http_).has_value(); }
  const std::string& source(bool tls) const noexcept {
    return tls ? options_.https_source : options_.http_source;
  }

 private:
  proxy_options options_;
  std::optional<proxy_server> http_;
  std::optional<proxy_server> https_;
};

// SOCKS5 reply codes in words (RFC 1928 section 6).
std::string socks5_reply_text(unsigned code);

}  // namespace pricescrape::http
