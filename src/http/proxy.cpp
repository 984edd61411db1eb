#include "http/proxy.hpp"

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/url_source.hpp>

#include <boost/url/parse.hpp>

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace pricescrape::http {

namespace {

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? '[' + host + ']' : host;
}

std::string_view scheme_name(proxy_kind kind) {
  switch (kind) {
    case proxy_kind::http:
      return "http";
    case proxy_kind::socks5:
      return "socks5";
    case proxy_kind::socks5h:
      return "socks5h";
  }
  return "http";
}

std::string base64(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                   static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(n >> shift) & 63];
  }
  if (i < in.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size())
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// An IPv4 or IPv6 address in network order; size 4 or 16, or 0 when `text` is neither.
struct ip_bytes {
  std::array<unsigned char, 16> bytes{};
  std::size_t size = 0;
};

ip_bytes parse_ip(std::string_view text) {
  ip_bytes ip;
  if (!text.empty() && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.size() >= 64) return ip;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (::inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
    ip.size = 4;
  } else if (::inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
    ip.size = 16;
  }
  return ip;
}

// `token` is an address or "address/bits" of the same family as `host`.
bool ip_matches(const ip_bytes& host, std::string_view token) {
  std::size_t bits = host.size * 8;
  if (const auto slash = token.find('/'); slash != std::string_view::npos) {
    const auto digits = token.substr(slash + 1);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || bits > host.size * 8)
      return false;
    token = token.substr(0, slash);
  }
  const auto network = parse_ip(token);
  if (network.size != host.size) return false;
  const std::size_t whole = bits / 8;
  if (std::memcmp(host.bytes.data(), network.bytes.data(), whole) != 0) return false;
  if (const auto rest = bits % 8; rest != 0) {
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    if ((host.bytes[whole] ^ network.bytes[whole]) & mask) return false;
  }
  return true;
}

// `token` is a domain: `name` is it or a subdomain of it (both without trailing dots).
bool name_matches(std::string_view name, std::string_view token) {
  if (!token.empty() && token.back() == '.') token.remove_suffix(1);
  if (!token.empty() && token.front() == '.') token.remove_prefix(1);
  if (token.empty() || token.size() > name.size()) return false;
  const auto tail = name.substr(name.size() - token.size());
  if (!detail::iequals_ascii(tail, token)) return false;
  return token.size() == name.size() || name[name.size() - token.size() - 1] == '.';
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string proxy_server::where() const { return bracketed(host) + ':' + port; }

std::string proxy_server::display() const {
  std::string out(scheme_name(kind));
  out += "://";
  if (has_credentials) out += user + '@';
  return out + where();
}

std::string proxy_server::key() const {
  std::string out(scheme_name(kind));
  out += "://";
  if (has_credentials) out += user + ':' + password + '@';
  return out + where();
}

std::string proxy_server::basic_authorization() const {
  return "Basic " + base64(user + ':' + password);
}

std::variant<proxy_server, std::string> parse_proxy_url(std::string_view text) {
  std::string url(text);
  // "proxy:3128" has no scheme: curl reads it as http://. Without this, a URL parser
  // takes "proxy" for the scheme.
  if (url.find("://") == std::string::npos) url.insert(0, "http://");
  auto parsed = boost::urls::parse_uri(url);
  // The text itself is never echoed: it may hold a password.
  if (!parsed) return std::string("not a valid proxy URL");
  const boost::urls::url_view u = *parsed;
  proxy_server p;
  const std::string scheme = detail::to_lower_ascii(u.scheme());
  if (scheme == "http") {
    p.kind = proxy_kind::http;
  } else if (scheme == "socks5") {
    p.kind = proxy_kind::socks5;
  } else if (scheme == "socks5h") {
    p.kind = proxy_kind::socks5h;
  } else {
    return "unsupported proxy scheme '" + scheme + "' (http, socks5 and socks5h are supported)";
  }
  p.host = detail::to_lower_ascii(u.host_address());
  if (p.host.empty()) return std::string("proxy URL has no host");
  if (u.has_port()) {
    const auto port = parse_port(u.port());
    if (!port || *port == 0) return std::string("proxy URL has an invalid port (not 1-65535)");
    p.port = std::to_string(*port);
  } else {
    p.port = "1080";
  }
  if (u.has_userinfo()) {
    p.has_credentials = true;
    p.user = u.user();
    p.password = u.password();
    if (p.kind != proxy_kind::http && (p.user.size() > 255 || p.password.size() > 255))
      return std::string("SOCKS5 user name and password are limited to 255 bytes each");
  }
  return p;
}

bool no_proxy_matches(std::string_view host, std::string_view no_proxy) {
  if (host.empty() || no_proxy.empty()) return false;
  if (no_proxy == "*") return true;
  const auto ip = parse_ip(host);
  if (ip.size == 0 && host.back() == '.') host.remove_suffix(1);
  std::size_t i = 0;
  while (i < no_proxy.size()) {
    while (i < no_proxy.size() && (is_blank(no_proxy[i]) || no_proxy[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < no_proxy.size() && !is_blank(no_proxy[i]) && no_proxy[i] != ',') ++i;
    const auto token = no_proxy.substr(start, i - start);
    if (token.empty()) continue;
    if (ip.size != 0 ? ip_matches(ip, token) : name_matches(host, token)) return true;
  }
  return false;
}

proxy_router::proxy_router(const proxy_options& options) : options_(options) {
  auto parse = [](const std::string& text) -> std::optional<proxy_server> {
    if (text.empty()) return std::nullopt;
    auto parsed = parse_proxy_url(text);
    if (auto* p = std::get_if<proxy_server>(&parsed)) return std::move(*p);
    return std::nullopt;
  };
  http_ = parse(options_.http);
  https_ = parse(options_.https);
}

const proxy_server* proxy_router::route(bool tls, std::string_view host) const {
  const auto& chosen = tls ? https_ : http_;
  if (!chosen || no_proxy_matches(host, options_.no_proxy)) return nullptr;
  return &*chosen;
}

std::string socks5_reply_text(unsigned code) {
  switch (code) {
    case 0:
      return "succeeded";
    case 1:
      return "general SOCKS server failure";
    case 2:
      return "connection not allowed by ruleset";
    case 3:
      return "network unreachable";
    case 4:
      return "host unreachable";
    case 5:
      return "connection refused";
    case 6:
      return "TTL expired";
    case 7:
      return "command not supported";
    case 8:
      return "address type not supported";
    default:
      return "unknown reply " + std::to_string(code);
  }
}

proxy_options proxy_options_from(const std::function<const char*(const char*)>& getenv,
                                 const std::optional<std::string>& proxy_flag,
                                 const std::optional<std::string>& noproxy_flag) {
  proxy_options out;
  // curl reads an empty variable as an unset one, so HTTPS_PROXY still counts when
  // https_proxy is set but empty.
  const auto first = [&](std::initializer_list<const char*> names, std::string& value,
                         std::string* source) {
    for (const char* name : names) {
      const char* v = getenv(name);
      if (v && *v) {
        value = v;
        if (source) *source = name;
        return;
      }
    }
  };
  if (proxy_flag) {
    out.http = out.https = *proxy_flag;
    out.http_source = out.https_source = "--proxy";
  } else {
    // Lower case only for http: HTTP_PROXY can be set by a web server for CGI programs
    // from a request's "Proxy:" header (httpoxy), so curl ignores it, and so do we.
    first({"http_proxy", "all_proxy", "ALL_PROXY"}, out.http, &out.http_source);
    first({"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}, out.https, &out.https_source);
  }
  if (noproxy_flag)
    out.no_proxy = *noproxy_flag;
  else
    first({"no_proxy", "NO_PROXY"}, out.no_proxy, nullptr);
  return out;
}

std::optional<std::string> proxy_options_problem(const proxy_options& options) {
  for (const auto* which : {&options.http, &options.https}) {
    if (which->empty()) continue;
    auto parsed = parse_proxy_url(*which);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      const auto& source = which == &options.http ? options.http_source : options.https_source;
      return (source.empty() ? std::string("proxy") : source) + ": " + *why;
    }
  }
  return std::nullopt;
}

}  // namespace pricescrape::http
