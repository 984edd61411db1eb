#include "server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <variant>

namespace pricescrape::demo_shop {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Failure is the normal case for a server's reads (clients hang up, time out, send junk),
// so every await yields its error code instead of throwing.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr auto read_timeout = 60s;  // idle keep-alive connections and slow request heads
constexpr auto write_timeout = 60s;
constexpr auto handshake_timeout = 30s;
constexpr auto tls_shutdown_timeout = 5s;
constexpr auto max_wait = std::chrono::milliseconds(10min);  // cap for ?delay= and ?ms=
constexpr std::size_t write_slice = 64 * 1024;
constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

using request = http::request<http::string_body>;
using string_response = http::response<http::string_body>;

// --- Request target helpers --------------------------------------------------

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX only: '+' stays '+', so a Location or Retry-After passed through a query keeps it.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

struct target_parts {
  std::string_view path;   // still percent-encoded
  std::string_view query;  // without the '?'
};

target_parts split_target(std::string_view target) {
  // Absolute-form ("http://host/path"), which RFC 9112 3.2.2 says a server must accept:
  // the authority is ours whatever it says, so only the path and query matter.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme)) {
      const auto slash = target.find_first_of("/?", scheme.size());
      target = slash == std::string_view::npos ? std::string_view{"/"} : target.substr(slash);
      if (target.front() == '?') return {"/", target.substr(1)};
      break;
    }
  }
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// The first value of `name` in a query string; a bare "name" yields "". Undecodable
// values count as absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    if (eq == std::string_view::npos) return std::string{};
    return percent_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

// Beast knows only the registered codes; the status fault may ask for any 2xx-5xx.
std::string_view reason_for(unsigned code) {
  const auto known = http::obsolete_reason(static_cast<http::status>(code));
  if (!known.starts_with("<")) return known;
  if (code == 418) return "I'm a teapot";
  if (code == 425) return "Too Early";
  return "Fault Status";
}

// --- What to send: routing decides, the session coroutine carries it out -----

// A body written in slices from `data` (repeated `repeat` times), optionally pausing or
// resetting the connection after a given number of body bytes.
struct streamed_reply {
  http::response<http::buffer_body> head;
  std::shared_ptr<const std::string> data;
  std::uint64_t repeat = 1;
  std::uint64_t pause_after = unlimited;
  std::chrono::milliseconds pause{};
  std::uint64_t abort_after = unlimited;
  bool head_only = false;  // a HEAD request: the header says what GET would send, no more
};

struct close_reply {};  // hang up without a response

struct raw_reply {  // bytes written verbatim, then the connection is closed unless kept
  std::string bytes;
  bool keep_alive = false;  // read the next request on this connection afterwards
  std::string late;         // written `late_after` after `bytes`, when not empty
  std::chrono::milliseconds late_after{};
};

struct plan {
  std::chrono::milliseconds delay{};
  std::variant<string_response, streamed_reply, close_reply, raw_reply> reply;
};

struct bad_request {
  std::string detail;
};

class router {
 public:
  router(shop_state& state, const request& req) : state_(state), req_(req) {
    const auto parts = split_target(req.target());
    raw_path_ = parts.path;
    query_ = parts.query;
  }

  plan route() {
    plan p;
    // Only the routes politeness tests use are logged, so the benchmark's page
    // throughput pays nothing for the log.
    if (raw_path_.starts_with("/__limit/") || raw_path_ == "/robots.txt") {
      traffic().arrive(arrived_, raw_path_);
    }
    try {
      if (auto delay = wait_param("delay", 0ms)) p.delay = *delay;
      p.reply = dispatch(p);
    } catch (const bad_request& e) {
      p.reply = error(http::status::bad_request, e.detail);
    }
    return p;
  }

 private:
  std::variant<string_response, streamed_reply, close_reply, raw_reply> dispatch(plan& p) {
    if (req_.method() != http::verb::get && req_.method() != http::verb::head) {
      auto res = error(http::status::method_not_allowed, "Only GET and HEAD are served here.");
      res.set(http::field::allow, "GET, HEAD");
      return res;
    }
    if (raw_path_.empty() || raw_path_.front() != '/') {
      throw bad_request{"The request target must be an absolute path."};
    }
    const auto decoded = percent_decode(raw_path_);
    if (!decoded) throw bad_request{"The request path is not valid percent-encoding."};
    const std::string_view path = *decoded;

    if (path == "/robots.txt") {
      if (const auto* rule = state_.traffic.robots(traffic_name())) return robots_reply(*rule);
    }
    constexpr std::string_view limit = "/__limit/";
    if (path.starts_with(limit)) return limit_route();
    constexpr std::string_view fault = "/__fault/";
    if (!path.starts_with(fault)) return static_page(path);
    const auto name = path.substr(fault.size());

    if (name == "slow-headers") {
      p.delay += wait_param("ms", 1000ms).value_or(0ms);
      return entity_response(*fault_product_page(), http::status::ok);
    }
    if (name == "stall-body") return stall_body();
    if (name == "reset-mid-body") return reset_mid_body();
    if (name == "close") return close_reply{};
    if (name.starts_with("status/")) return status(name.substr(7));
    if (name == "redirect-loop") return redirect(http::status::found, req_.target());
    if (name == "redirect") return redirect_to();
    if (name.starts_with("redirect-chain/")) return redirect_chain(name.substr(15));
    if (name == "gzip-bomb") return gzip_bomb_reply();
    if (name == "oversized") return oversized();
    if (name == "content-type") return content_type();
    if (name == "garbage-status") {
      return raw_reply{"HTTP/1.1 2OO NOT-A-STATUS\r\nfoo\r\n\r\n", false, {}, {}};
    }
    if (name == "echo-headers") return echo_headers();
    if (name.starts_with("versioned/")) return versioned(path);
    if (auto hostile = hostile_route(name)) return std::move(*hostile);
    return not_found(path);
  }

  // --- Hostile routes: protocol tricks, each page priced on its own (?price=) ---

  std::optional<std::variant<string_response, streamed_reply, close_reply, raw_reply>>
  hostile_route(std::string_view name) const {
    if (name == "priced") return priced();
    if (name == "interim") return interim();
    if (name == "overlong") return overlong();
    if (name == "huge-trailer") return huge_trailer();
    if (name.starts_with("redirect-port/")) return redirect_port(name.substr(14));
    if (name == "downgrade") return downgrade();
    if (name == "redirect-credentials") return redirect_credentials();
    return std::nullopt;
  }

  std::string price_param(std::string_view fallback) const {
    auto price = query_param(query_, "price").value_or(std::string(fallback));
    const bool ok = !price.empty() && price.size() <= 16 &&
                    std::all_of(price.begin(), price.end(),
                                [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (!ok) throw bad_request{"price must be digits and a '.', e.g. 12.34."};
    return price;
  }

  // A complete keep-alive HTTP/1.1 200 carrying the priced page, as raw bytes.
  static std::string raw_page_response(std::string_view price) {
    const std::string body = priced_page(price);
    return "HTTP/1.1 200 OK\r\nServer: demo-shop\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  string_response priced() const {
    auto res = start(http::status::ok);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = priced_page(price_param("1.00"));
    return finish(std::move(res));
  }

  // The versioned price under its ETag, or a 304 when If-None-Match names that ETag.
  string_response versioned(std::string_view path) const {
    auto& v = state_.versioned;
    ++v.hits[std::string(path)];
    if (req_[http::field::if_none_match] == v.etag) {
      ++v.not_modified;
      auto res = start(http::status::not_modified);
      res.set(http::field::etag, v.etag);
      return finish(std::move(res));
    }
    auto res = start(http::status::ok);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::etag, v.etag);
    res.body() = priced_page(v.price);
    return finish(std::move(res));
  }

  // ?codes=100,103 (default 103): interim responses, then the 200 on the same write.
  raw_reply interim() const {
    const auto codes = query_param(query_, "codes").value_or("103");
    std::string bytes;
    std::string_view rest = codes;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto code = parse_uint(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (!code || *code < 100 || *code > 199) throw bad_request{"codes must be 1xx codes."};
      bytes += "HTTP/1.1 " + std::to_string(*code) + " Interim\r\n";
      if (*code == 103) bytes += "Link: </assets/shop.css>; rel=preload; as=style\r\n";
      bytes += "\r\n";
    }
    bytes += raw_page_response(price_param("2.00"));
    return raw_reply{std::move(bytes), true, {}, {}};
  }

  // A 200 whose body is followed by a whole second response (priced ?smuggled=, default
  // 666.66) that no request asked for, on a kept-alive connection; ?late=MS sends the
  // extra response that much later instead of on the same write.
  raw_reply overlong() const {
    raw_reply r{raw_page_response(price_param("3.00")), true, {}, {}};
    const std::string extra = raw_page_response(query_param(query_, "smuggled").value_or("666.66"));
    if (const auto late = wait_param("late", 0ms); late && *late > 0ms) {
      r.late = extra;
      r.late_after = *late;
    } else {
      r.bytes += extra;
    }
    return r;
  }

  // A chunked page whose trailer holds one ?kb= KiB field (default 70: over Beast's
  // 65533-byte field limit); the connection closes after it.
  raw_reply huge_trailer() const {
    const auto kib = number_param("kb").value_or(70);
    if (kib > 16384) throw bad_request{"kb must be at most 16384."};
    const std::string body = priced_page(price_param("4.00"));
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", body.size());
    std::string bytes =
        "HTTP/1.1 200 OK\r\nServer: demo-shop\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Transfer-Encoding: chunked\r\nTrailer: X-Padding\r\n\r\n";
    bytes += size_line + body + "\r\n0\r\nX-Padding: " + std::string(kib * 1024, 'a') + "\r\n\r\n";
    return raw_reply{std::move(bytes), false, {}, {}};
  }

  // The Host header's host without its port ("127.0.0.1", "[::1]").
  std::string request_host() const {
    std::string host(req_[http::field::host]);
    const auto colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']', colon) == std::string::npos)
      host.resize(colon);
    if (host.empty()) host = "127.0.0.1";
    return host;
  }

  std::uint16_t request_port() const {
    const std::string host(req_[http::field::host]);
    const auto colon = host.rfind(':');
    if (colon == std::string::npos) return state_.http_port;
    const auto port = parse_uint(std::string_view(host).substr(colon + 1));
    return port && *port <= 65535 ? static_cast<std::uint16_t>(*port) : state_.http_port;
  }

  // Locations whose port is out of range: 2^64 + our port ("huge"), 65536 + our port
  // ("wrap": both wrap around to this very shop if taken modulo), or -1 ("negative").
  string_response redirect_port(std::string_view kind) const {
    const std::uint32_t port = request_port();
    std::string shown;
    if (kind == "huge") {
      // 2^64 + port in decimal, by hand (it does not fit in 64 bits): 2^64 is
      // 18446744073709'551616, and the low six digits cannot carry for a 16-bit port.
      shown = "18446744073709" + std::to_string(551616 + port);
    } else if (kind == "wrap") {
      shown = std::to_string(65536 + port);
    } else if (kind == "negative") {
      shown = "-1";
    } else {
      throw bad_request{"redirect-port needs huge, wrap or negative."};
    }
    return redirect(http::status::found, "http://" + request_host() + ":" + shown +
                                             "/__fault/priced?price=" + price_param("5.00"));
  }

  string_response downgrade() const {
    return redirect(http::status::found, "http://" + request_host() + ":" +
                                             std::to_string(state_.http_port) +
                                             "/__fault/priced?price=" + price_param("6.00"));
  }

  string_response redirect_credentials() const {
    return redirect(http::status::found, "http://user:s3cret@" + request_host() + ":" +
                                             std::to_string(request_port()) +
                                             "/__fault/priced?price=" + price_param("7.00"));
  }

  // --- Responses ---

  string_response start(http::status status) const {
    string_response res{status, req_.version()};
    res.set(http::field::server, "demo-shop");
    res.keep_alive(req_.keep_alive());
    return res;
  }

  string_response finish(string_response res) const {
    res.prepare_payload();
    if (req_.method() == http::verb::head) {
      // HEAD announces the length GET would send, with no body after the header.
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    return res;
  }

  string_response error(http::status status, std::string_view detail) const {
    auto res = start(status);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = error_page(static_cast<unsigned>(status),
                            reason_for(static_cast<unsigned>(status)), detail);
    return finish(std::move(res));
  }

  string_response not_found(std::string_view path) const {
    return error(http::status::not_found, "No page at " + std::string(path) + ".");
  }

  string_response entity_response(entity& page, http::status status) const {
    auto res = start(status);
    res.set(http::field::content_type, page.content_type());
    auto chosen = encoding::identity;
    if (const auto forced = query_param(query_, "encoding")) {
      const auto e = parse_encoding(*forced);
      if (!e) throw bad_request{"encoding must be one of identity, gzip, deflate, br."};
      chosen = *e;
    } else if (page.compressible()) {
      chosen = negotiate_encoding(req_[http::field::accept_encoding]);
    }
    if (page.compressible()) res.set(http::field::vary, "Accept-Encoding");
    if (chosen != encoding::identity) res.set(http::field::content_encoding, encoding_name(chosen));
    res.body() = page.variant(chosen);
    return finish(std::move(res));
  }

  // The request's headers as "Name: value" lines in an HTML page, so tests can see
  // exactly what a client sent (User-Agent, -H headers, Accept-Encoding).
  string_response echo_headers() const {
    std::string lines;
    for (const auto& field : req_) {
      lines += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    }
    std::string escaped;
    for (char c : lines) {
      if (c == '<')
        escaped += "&lt;";
      else if (c == '&')
        escaped += "&amp;";
      else
        escaped += c;
    }
    auto res = start(http::status::ok);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = "<!doctype html><title>Request headers</title><pre>\n" + escaped + "</pre>\n";
    return finish(std::move(res));
  }

  string_response static_page(std::string_view path) const {
    const auto page = state_.content.lookup(path);
    if (!page) return not_found(path);
    return entity_response(*page, http::status::ok);
  }

  string_response redirect(http::status status, std::string_view location) const {
    auto res = start(status);
    res.set(http::field::location, location);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() =
        error_page(static_cast<unsigned>(status), reason_for(static_cast<unsigned>(status)),
                   "This page moved to " + std::string(location) + ".");
    return finish(std::move(res));
  }

  string_response redirect_to() const {
    const auto to = query_param(query_, "to");
    if (!to || to->empty()) throw bad_request{"redirect needs ?to=LOCATION."};
    const auto code = number_param("code").value_or(302);
    if (code < 300 || code > 399) throw bad_request{"code must be a 3xx status."};
    return redirect(static_cast<http::status>(code), *to);
  }

  string_response redirect_chain(std::string_view rest) const {
    const auto n = parse_uint(rest);
    if (!n) throw bad_request{"redirect-chain needs a count: /__fault/redirect-chain/N."};
    if (*n == 0) return entity_response(*fault_product_page(), http::status::ok);
    return redirect(http::status::moved_permanently,
                    "/__fault/redirect-chain/" + std::to_string(*n - 1));
  }

  string_response status(std::string_view rest) const {
    const auto code = parse_uint(rest);
    // 1xx would be an interim response, which is not what a test asking for a status wants.
    if (!code || *code < 200 || *code > 599) {
      throw bad_request{"status needs a code from 200 to 599: /__fault/status/CODE."};
    }
    const auto times = number_param("times");
    const auto key = query_param(query_, "key").value_or(std::string(req_.target()));
    auto& hits = state_.status_hits[key];
    if (hits < unlimited) ++hits;
    if (times && hits > *times) return entity_response(*fault_product_page(), http::status::ok);

    auto res = start(static_cast<http::status>(*code));
    res.reason(reason_for(static_cast<unsigned>(*code)));
    if (const auto retry_after = query_param(query_, "retry-after")) {
      res.set(http::field::retry_after, *retry_after);
    }
    // 204 and 304 never carry a body; Beast would otherwise announce Content-Length: 0 too.
    if (*code != 204 && *code != 304) {
      res.set(http::field::content_type, "text/html; charset=utf-8");
      res.body() =
          error_page(static_cast<unsigned>(*code), reason_for(static_cast<unsigned>(*code)),
                     "The fault route answered with this status on purpose.");
      return finish(std::move(res));
    }
    return res;
  }

  string_response content_type() const {
    const auto kind = query_param(query_, "body").value_or("html");
    auto res = start(http::status::ok);
    if (const auto type = query_param(query_, "type"); type && !type->empty()) {
      res.set(http::field::content_type, *type);
    }
    if (kind == "html") {
      res.body() = fault_product_page()->variant(encoding::identity);
    } else if (kind == "json") {
      res.body() = fault_product_json();
    } else if (kind == "binary") {
      res.body() = binary_blob();
    } else {
      throw bad_request{"body must be one of html, json, binary."};
    }
    return finish(std::move(res));
  }

  http::response<http::buffer_body> streamed_head(std::string_view content_type) const {
    http::response<http::buffer_body> head{http::status::ok, req_.version()};
    head.set(http::field::server, "demo-shop");
    head.set(http::field::content_type, content_type);
    head.keep_alive(req_.keep_alive());
    return head;
  }

  streamed_reply streamed(std::string_view content_type,
                          std::shared_ptr<const std::string> data) const {
    streamed_reply r{streamed_head(content_type), std::move(data)};
    r.head_only = req_.method() == http::verb::head;
    return r;
  }

  streamed_reply stall_body() const {
    static const auto body = html_of_size(20000);
    auto r = streamed("text/html; charset=utf-8", body);
    r.head.content_length(body->size());
    r.pause_after = 1000;
    r.pause = wait_param("ms", 1000ms).value_or(0ms);
    return r;
  }

  streamed_reply reset_mid_body() const {
    static const auto body = html_of_size(100000);
    auto r = streamed("text/html; charset=utf-8", body);
    r.head.content_length(body->size());
    r.abort_after = 1000;
    return r;
  }

  streamed_reply gzip_bomb_reply() const {
    auto r = streamed("text/html", gzip_bomb());
    r.head.set(http::field::content_encoding, "gzip");
    r.head.content_length(r.data->size());
    return r;
  }

  streamed_reply oversized() const {
    const auto mib = number_param("mb").value_or(32);
    if (mib > 65536) throw bad_request{"mb must be at most 65536."};
    auto r = streamed("text/html; charset=utf-8", oversized_filler());
    r.repeat = mib;
    if (query_param(query_, "chunked").value_or("0") == "1") {
      r.head.chunked(true);
    } else {
      r.head.content_length(mib * r.data->size());
    }
    return r;
  }

  // --- Rate-limited routes: a limiter per Host name, configured by the query ---

  host_traffic& traffic() { return state_.traffic.host(traffic_name()); }

  // The Host header's name in lower case and without its port, so "localhost" and
  // "127.0.0.1" are two hosts to the limiter even on one port.
  std::string traffic_name() const { return lower_ascii(request_host()); }

  std::variant<string_response, streamed_reply, close_reply, raw_reply> robots_reply(
      const robots_rule& rule) const {
    if (rule.hang_up) return close_reply{};
    auto res = start(static_cast<http::status>(rule.status));
    res.reason(reason_for(rule.status));
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = rule.body;
    return finish(std::move(res));
  }

  // Every parameter is checked before the limiter sees the request, so a bad query
  // never counts as accepted or refused.
  string_response limit_route() {
    const auto config = limit_config_from_query();
    const auto price = price_param("9.99");
    const auto d = traffic().decide(config, arrived_, std::chrono::system_clock::now());
    auto res = d.outcome == verdict::accepted ? start(http::status::ok) : refusal(config, d);
    if (d.outcome == verdict::accepted) {
      res.set(http::field::content_type, "text/html; charset=utf-8");
      res.body() = priced_page(price);
    }
    add_quota_headers(res, config, d);
    return finish(std::move(res));
  }

  string_response refusal(const limit_config& config, const limit_decision& d) const {
    const bool banned = d.outcome == verdict::banned;
    const unsigned code = banned ? config.ban_status : config.status;
    auto res = start(static_cast<http::status>(code));
    res.reason(reason_for(code));
    res.set(http::field::content_type, "text/html; charset=utf-8");
    if (config.challenge) {
      res.body() = challenge_page();
      if (config.cf_mitigated) res.set("cf-mitigated", "challenge");
    } else {
      res.body() = error_page(code, reason_for(code),
                              banned ? "Too many refused requests: you are banned for a while."
                                     : "Too many requests: slow down.");
    }
    if (d.retry_after) res.set(http::field::retry_after, std::to_string(d.retry_after->count()));
    if (d.retry_after_at) res.set(http::field::retry_after, http_date(*d.retry_after_at));
    return res;
  }

  static void add_quota_headers(string_response& res, const limit_config& config,
                                const limit_decision& d) {
    const auto quota = std::to_string(d.quota);
    const auto remaining = std::to_string(d.remaining), reset = std::to_string(d.reset.count());
    if (config.ietf_headers) {
      res.set("RateLimit-Policy",
              "\"default\";q=" + quota + ";w=" + std::to_string(d.window.count()));
      res.set("RateLimit", "\"default\";r=" + remaining + ";t=" + reset);
    }
    if (config.x_headers) {
      res.set("X-RateLimit-Limit", quota);
      res.set("X-RateLimit-Remaining", remaining);
      res.set("X-RateLimit-Reset", reset);
    }
  }

  limit_config limit_config_from_query() const {
    limit_config c;
    if (const auto rate = decimal_param("rate")) c.rate = *rate;
    c.burst = number_param("burst").value_or(0);
    const auto window = number_param("window").value_or(0);
    if (window > 3600) throw bad_request{"window must be at most 3600 seconds."};
    c.window = std::chrono::seconds(window);
    const auto status = number_param("status").value_or(429);
    c.challenge = flag_param("challenge");
    c.cf_mitigated = flag_param("cf-mitigated");
    const bool status_ok = (status >= 400 && status <= 599) || (status == 200 && c.challenge);
    if (!status_ok) throw bad_request{"status must be 4xx or 5xx (200 only with challenge=1)."};
    c.status = static_cast<unsigned>(status);
    read_retry_after(c);
    read_quota_headers(c);
    read_ban(c);
    if (const auto grace = wait_param("grace", 200ms)) c.grace = *grace;
    return c;
  }

  void read_retry_after(limit_config& c) const {
    const auto value = query_param(query_, "retry-after");
    if (value && *value == "auto") {
      c.retry_after = retry_after_mode::until_free;
    } else if (value) {
      const auto n = parse_uint(*value);
      if (!n || *n > 86400) throw bad_request{"retry-after must be auto or 0 to 86400 seconds."};
      c.retry_after = retry_after_mode::fixed;
      c.retry_after_value = std::chrono::seconds(*n);
    }
    const auto form = query_param(query_, "retry-after-form").value_or("seconds");
    if (form != "seconds" && form != "date") {
      throw bad_request{"retry-after-form must be seconds or date."};
    }
    c.retry_after_date = form == "date";
  }

  void read_quota_headers(limit_config& c) const {
    const auto which = query_param(query_, "headers").value_or("none");
    if (which != "none" && which != "ietf" && which != "x" && which != "both") {
      throw bad_request{"headers must be none, ietf, x or both."};
    }
    c.ietf_headers = which == "ietf" || which == "both";
    c.x_headers = which == "x" || which == "both";
  }

  void read_ban(limit_config& c) const {
    c.ban_after = number_param("ban-after").value_or(0);
    c.ban_for = std::chrono::seconds(number_param("ban-for").value_or(10));
    c.ban_window = std::chrono::seconds(number_param("ban-window").value_or(60));
    const auto ban_status = number_param("ban-status").value_or(403);
    if (ban_status < 400 || ban_status > 599) throw bad_request{"ban-status must be 4xx or 5xx."};
    c.ban_status = static_cast<unsigned>(ban_status);
    if (c.ban_for.count() > 86400 || c.ban_window.count() > 86400) {
      throw bad_request{"ban-for and ban-window must be at most 86400 seconds."};
    }
  }

  // --- Parameters ---

  std::optional<std::uint64_t> number_param(std::string_view name) const {
    const auto raw = query_param(query_, name);
    if (!raw) return std::nullopt;
    const auto value = parse_uint(*raw);
    if (!value) throw bad_request{std::string(name) + " must be a non-negative integer."};
    return value;
  }

  // A non-negative decimal such as 20 or 0.5.
  std::optional<double> decimal_param(std::string_view name) const {
    const auto raw = query_param(query_, name);
    if (!raw) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
    if (ec != std::errc{} || end != raw->data() + raw->size() || raw->empty() || !(value >= 0) ||
        value > 1e6) {
      throw bad_request{std::string(name) + " must be a number from 0 to 1000000."};
    }
    return value;
  }

  bool flag_param(std::string_view name) const {
    const auto raw = query_param(query_, name).value_or("0");
    if (raw != "0" && raw != "1") throw bad_request{std::string(name) + " must be 0 or 1."};
    return raw == "1";
  }

  std::optional<std::chrono::milliseconds> wait_param(std::string_view name,
                                                      std::chrono::milliseconds fallback) const {
    const auto raw = query_param(query_, name);
    if (!raw) return fallback;
    const auto value = parse_uint(*raw);
    if (!value) throw bad_request{std::string(name) + " must be milliseconds (an integer)."};
    if (*value > static_cast<std::uint64_t>(max_wait.count())) {
      throw bad_request{std::string(name) + " must be at most 600000 ms."};
    }
    return std::chrono::milliseconds(*value);
  }

  shop_state& state_;
  const request& req_;
  std::string_view raw_path_;
  std::string_view query_;
  std::chrono::steady_clock::time_point arrived_ = std::chrono::steady_clock::now();
};

// --- Counters ---

// Counts one request from the moment it is read until its response is fully written.
class in_flight_guard {
 public:
  explicit in_flight_guard(shop_stats& stats) : stats_(stats) {
    ++stats_.requests;
    ++stats_.in_flight;
    stats_.peak_in_flight = std::max(stats_.peak_in_flight, stats_.in_flight);
  }
  ~in_flight_guard() { --stats_.in_flight; }
  in_flight_guard(const in_flight_guard&) = delete;
  in_flight_guard& operator=(const in_flight_guard&) = delete;

 private:
  shop_stats& stats_;
};

// The admin routes' answers: JSON, never cached, never counted.
string_response json_response(const request& req, http::status status, std::string body) {
  string_response res{status, req.version()};
  res.set(http::field::server, "demo-shop");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body) + "\n";
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays
  return res;
}

string_response stats_response(shop_state& state, const request& req, bool reset) {
  if (reset) {
    auto& s = state.stats;
    s.connections_accepted = s.tls_handshakes = s.requests = 0;
    s.peak_in_flight = s.in_flight;  // in_flight is a gauge, not a count: it stays
  }
  const auto& s = state.stats;
  nlohmann::ordered_json body = {{"connections_accepted", s.connections_accepted},
                                 {"tls_handshakes", s.tls_handshakes},
                                 {"requests", s.requests},
                                 {"in_flight", s.in_flight},
                                 {"peak_in_flight", s.peak_in_flight}};
  return json_response(req, http::status::ok, body.dump());
}

// /__limit/robots?host=NAME&status=CODE|close&body=TEXT sets what NAME's /robots.txt
// answers until the next reset.
string_response set_robots(shop_state& state, const request& req, std::string_view query) {
  const auto fail = [&](std::string_view why) {
    return json_response(req, http::status::bad_request, nlohmann::json{{"error", why}}.dump());
  };
  const auto host = lower_ascii(query_param(query, "host").value_or(""));
  if (host.empty()) return fail("robots needs ?host=NAME");
  robots_rule rule;
  rule.body = query_param(query, "body").value_or("");
  const auto status = query_param(query, "status").value_or("200");
  if (status == "close") {
    rule.hang_up = true;
  } else if (const auto code = parse_uint(status); code && *code >= 200 && *code <= 599) {
    rule.status = static_cast<unsigned>(*code);
  } else {
    return fail("status must be 200 to 599 or close");
  }
  state.traffic.set_robots(host, std::move(rule));
  return json_response(req, http::status::ok, nlohmann::json{{"robots", host}}.dump());
}

// /__versioned/set?price=P&etag=E: what /__fault/versioned/* shows from now on (the
// counts stay).
string_response set_versioned(shop_state& state, const request& req, std::string_view query) {
  auto& v = state.versioned;
  if (auto price = query_param(query, "price")) v.price = *price;
  if (auto etag = query_param(query, "etag")) v.etag = "\"" + *etag + "\"";
  return json_response(req, http::status::ok,
                       nlohmann::json{{"price", v.price}, {"etag", v.etag}}.dump());
}

// /__versioned/stats: requests and 304s over /__fault/versioned/*, and each path's count.
string_response versioned_stats(shop_state& state, const request& req) {
  const auto& v = state.versioned;
  std::uint64_t requests = 0;
  std::uint64_t most = 0;
  auto hits = nlohmann::json::object();
  for (const auto& [path, n] : v.hits) {
    requests += n;
    most = std::max(most, n);
    hits[path] = n;
  }
  nlohmann::ordered_json body = {{"requests", requests},
                                 {"not_modified", v.not_modified},
                                 {"paths", v.hits.size()},
                                 {"max_per_path", most},
                                 {"hits", std::move(hits)}};
  return json_response(req, http::status::ok, body.dump());
}

// The routes that report or reset counters: answered before any counting, so that
// reading the counters never changes them. nullopt for every other path.
std::optional<string_response> admin_response(shop_state& state, const request& req) {
  const auto [path, query] = split_target(req.target());
  if (path == "/__stats" || path == "/__stats/reset") {
    return stats_response(state, req, path == "/__stats/reset");
  }
  const auto host = lower_ascii(query_param(query, "host").value_or(""));
  if (path == "/__limit/stats") {
    return json_response(req, http::status::ok, state.traffic.stats(host).dump());
  }
  if (path == "/__limit/reset") {
    state.traffic.reset(host);
    return json_response(req, http::status::ok,
                         nlohmann::json{{"reset", host.empty() ? "all" : host}}.dump());
  }
  if (path == "/__limit/robots") return set_robots(state, req, query);
  if (path == "/__versioned/set") return set_versioned(state, req, query);
  if (path == "/__versioned/stats") return versioned_stats(state, req);
  return std::nullopt;
}

// --- Session ---

template <class Stream>
void arm(Stream& stream, std::chrono::steady_clock::duration timeout) {
  beast::get_lowest_layer(stream).expires_after(timeout);
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  if (d <= 0ms) co_return;
  asio::steady_timer timer{co_await asio::this_coro::executor};
  timer.expires_after(d);
  co_await timer.async_wait(use_tuple);
}

// RST instead of FIN: SO_LINGER with a zero timeout makes close() abortive.
template <class Stream>
void reset_connection(Stream& stream) {
  auto& socket = beast::get_lowest_layer(stream).socket();
  beast::error_code ignored;
  socket.set_option(tcp::socket::linger(true, 0), ignored);
  socket.close(ignored);
}

enum class ending { graceful, abrupt };

// Returns whether the whole response went out; false when the connection is dead or was
// reset on purpose.
template <class Stream>
asio::awaitable<bool> write_streamed(Stream& stream, streamed_reply& r) {
  auto& body = r.head.body();
  body.data = nullptr;
  body.more = true;
  http::response_serializer<http::buffer_body> serializer{r.head};
  arm(stream, write_timeout);
  if (auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple); ec) {
    co_return false;
  }
  if (r.head_only) co_return true;
  const std::string& data = *r.data;
  const std::uint64_t total = data.size() * r.repeat;
  std::uint64_t sent = 0;
  while (true) {
    if (sent == r.pause_after) co_await sleep_for(r.pause);
    if (sent == r.abort_after) {
      // A moment for the client to take in what was sent, so it sees a reset mid-body
      // rather than racing the RST against the header.
      co_await sleep_for(50ms);
      reset_connection(stream);
      co_return false;
    }
    if (sent == total) break;
    const std::uint64_t offset = sent % data.size();
    std::uint64_t length = std::min<std::uint64_t>(write_slice, data.size() - offset);
    length = std::min(length, total - sent);
    for (auto mark : {r.pause_after, r.abort_after}) {
      if (mark > sent) length = std::min(length, mark - sent);
    }
    body.data = const_cast<char*>(data.data() + offset);
    body.size = static_cast<std::size_t>(length);
    body.more = true;
    arm(stream, write_timeout);
    auto [ec, n] = co_await http::async_write(stream, serializer, use_tuple);
    // need_buffer is buffer_body's way of asking for the next slice.
    if (ec && ec != http::error::need_buffer) co_return false;
    sent += length;
  }
  body.data = nullptr;
  body.size = 0;
  body.more = false;
  arm(stream, write_timeout);
  auto [ec, n] = co_await http::async_write(stream, serializer, use_tuple);
  co_return !ec;
}

// Sends one planned reply. Returns nullopt to keep the connection for the next request,
// otherwise how to end it: graceful sends FIN (and close_notify), abrupt means the
// socket is already dead or was reset on purpose.
template <class Stream>
asio::awaitable<std::optional<ending>> carry_out(Stream& stream, plan& p) {
  co_await sleep_for(p.delay);
  if (auto* res = std::get_if<string_response>(&p.reply)) {
    arm(stream, write_timeout);
    auto [ec, n] = co_await http::async_write(stream, *res, use_tuple);
    if (ec) co_return ending::abrupt;
    if (res->keep_alive()) co_return std::nullopt;
    co_return ending::graceful;
  }
  if (auto* streamed = std::get_if<streamed_reply>(&p.reply)) {
    if (!co_await write_streamed(stream, *streamed)) co_return ending::abrupt;
    if (streamed->head.keep_alive()) co_return std::nullopt;
    co_return ending::graceful;
  }
  if (auto* raw = std::get_if<raw_reply>(&p.reply)) {
    arm(stream, write_timeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(raw->bytes), use_tuple);
    if (ec) co_return ending::abrupt;
    if (!raw->late.empty()) {
      co_await sleep_for(raw->late_after);
      arm(stream, write_timeout);
      auto [late_ec, late_n] =
          co_await asio::async_write(stream, asio::buffer(raw->late), use_tuple);
      if (late_ec) co_return ending::abrupt;
    }
    if (raw->keep_alive) co_return std::nullopt;
    co_return ending::graceful;
  }
  co_return ending::graceful;  // close_reply
}

// Serves requests on one connection, keep-alive included, until it should end; returns
// how to end it. /__stats and the other admin routes are answered here so that they
// never count themselves.
template <class Stream>
asio::awaitable<ending> serve_requests(std::shared_ptr<shop_state> state, Stream& stream,
                                       std::string_view scheme) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);  // GET needs none; enough to read past a stray form POST
    arm(stream, read_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
    // End of stream, timeout or junk: nothing sensible to answer, so just close.
    if (ec) co_return ending::abrupt;
    const request& req = parser.get();

    if (auto res = admin_response(*state, req)) {
      arm(stream, write_timeout);
      auto [wec, wn] = co_await http::async_write(stream, *res, use_tuple);
      if (wec) co_return ending::abrupt;
      if (!res->keep_alive()) co_return ending::graceful;
      continue;
    }

    in_flight_guard guard{state->stats};
    auto p = router{*state, req}.route();
    if (state->verbose) {
      std::clog << "demo-shop: " << scheme << ' ' << req.method_string() << ' ' << req.target()
                << '\n';
    }
    if (auto end = co_await carry_out(stream, p)) co_return *end;
  }
}

asio::awaitable<void> run_session(std::shared_ptr<shop_state> state, tcp::socket socket, bool tls) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (!tls) {
    beast::tcp_stream stream{std::move(socket)};
    if (co_await serve_requests(state, stream, "http") == ending::graceful) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream{std::move(socket), state->tls};
  arm(stream, handshake_timeout);
  if (auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple); ec) {
    co_return;
  }
  ++state->stats.tls_handshakes;
  if (co_await serve_requests(state, stream, "https") == ending::graceful) {
    arm(stream, tls_shutdown_timeout);
    // Sends close_notify, then waits for the peer's; most clients just drop the TCP
    // connection instead, so an error here is expected and ignored.
    auto [ec] = co_await stream.async_shutdown(use_tuple);
    (void)ec;
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<shop_state> state, tcp::acceptor& acceptor,
                                  bool tls) {
  const auto executor = co_await asio::this_coro::executor;
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Usually EMFILE: back off briefly instead of spinning on the error.
      std::clog << "demo-shop: cannot accept a connection: " << ec.message() << '\n';
      co_await sleep_for(50ms);
      continue;
    }
    ++state->stats.connections_accepted;
    asio::co_spawn(executor, run_session(state, std::move(socket), tls),
                   [state](std::exception_ptr e) {
                     // A session that throws ends only its own connection.
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& x) {
                       std::clog << "demo-shop: connection failed: " << x.what() << '\n';
                     }
                   });
  }
}

tcp::endpoint resolve_endpoint(asio::io_context& ioc, const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  // A name such as "localhost": resolving it blocks, which is fine before run().
  tcp::resolver resolver{ioc};
  const auto results = resolver.resolve(host, std::to_string(port));
  return results.begin()->endpoint();
}

void open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::ostringstream where;
    where << endpoint;
    throw std::runtime_error("cannot listen on " + where.str() + ": " + ec.message());
  }
}

}  // namespace

server::server(asio::io_context& ioc, std::shared_ptr<shop_state> state, server_options options)
    : ioc_(ioc),
      state_(std::move(state)),
      options_(std::move(options)),
      http_acceptor_(ioc),
      https_acceptor_(ioc) {}

void server::start() {
  open_acceptor(http_acceptor_, resolve_endpoint(ioc_, options_.host, options_.http_port));
  open_acceptor(https_acceptor_, resolve_endpoint(ioc_, options_.host, options_.https_port));
  state_->http_port = http_port();
  state_->https_port = https_port();
  const auto report = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::clog << "demo-shop: listener failed: " << x.what() << '\n';
    }
  };
  asio::co_spawn(ioc_, accept_loop(state_, http_acceptor_, false), report);
  asio::co_spawn(ioc_, accept_loop(state_, https_acceptor_, true), report);
}

void server::stop() {
  beast::error_code ignored;
  http_acceptor_.close(ignored);
  https_acceptor_.close(ignored);
}

}  // namespace pricescrape::demo_shop
