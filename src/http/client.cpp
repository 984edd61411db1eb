#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/detail/cpu_clock.hpp>
#include <pricescrape/http/client.hpp>
#include <pricescrape/iri.hpp>
#include <pricescrape/version.hpp>

#include "http/classify.hpp"
#include "http/connection.hpp"
#include "http/decode.hpp"
#include "http/pool.hpp"
#include "http/proxy.hpp"
#include "http/redirect.hpp"
#include "http/resolver.hpp"
#include "http/response_reader.hpp"
#include "http/sniff.hpp"
#include "http/tls.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <pricescrape/url_source.hpp>

#include <algorithm>
#include <exception>
#include <unordered_set>

namespace pricescrape::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace urls = boost::urls;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// "3600 s", "0.25 s": whole seconds in full (%g alone wrote "3.6e+03 s").
std::string seconds_text(milliseconds ms) {
  char buf[32];
  if (ms.count() % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms.count() / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms.count()) / 1000.0);
  }
  return buf;
}

// A parsed request target: where to connect and what to ask for.
struct target {
  origin where;
  std::string resource;    // path + query, never empty
  std::string host_field;  // the Host header
};

scrape_error invalid_url(std::string_view why, std::string_view text) {
  return {error_kind::invalid_url, std::string(why) + ": '" + without_userinfo(text) + "'"};
}

outcome<target> make_target(std::string_view text) {
  // An international URL is sent as browsers send it: IDNA host, UTF-8 percent-encoded.
  const auto ascii = iri::to_uri(text);
  if (!ascii) return invalid_url(ascii.error().message, text);
  auto parsed = urls::parse_uri(*ascii);
  if (!parsed) return invalid_url("not a valid URL", text);
  const urls::url_view u = *parsed;
  const std::string scheme = detail::to_lower_ascii(u.scheme());
  if (scheme != "http" && scheme != "https") return invalid_url("not an http(s) URL", text);
  target t;
  t.where.tls = scheme == "https";
  t.where.host = detail::to_lower_ascii(u.host_address());
  if (t.where.host.empty()) return invalid_url("URL has no host", text);
  // The same rule as the input check (check_url): a port that wraps or silently
  // becomes the default would send the request to a peer the URL does not name.
  const auto port = parse_port(u.port());
  const auto path = u.encoded_path();
  if (u.has_port() && (!port || (!path.empty() && path.front() != '/')))
    return invalid_url("URL has an invalid port (not 1-65535)", text);
  const std::string default_port = t.where.tls ? "443" : "80";
  t.where.port = port && *port != 0 ? std::to_string(*port) : default_port;
  t.resource = std::string(u.encoded_target());
  if (t.resource.empty() || t.resource.front() != '/') t.resource.insert(0, "/");
  t.host_field = std::string(u.encoded_host());
  if (t.where.port != default_port) t.host_field += ":" + t.where.port;
  return t;
}

// What one attempt returned, before the retry/redirect policy looks at it.
struct attempt_result {
  std::optional<scrape_error> error;
  int status = 0;
  std::string location;
  header_list fields;
  std::string content_type;
  std::string content_encoding;
  std::string body;  // still encoded
};

attempt_result failed_attempt(scrape_error error) {
  attempt_result r;
  r.error = std::move(error);
  return r;
}

}  // namespace

struct client::impl {
  asio::any_io_executor io;
  client_options options;
  // Built on the first TLS connection: loading the system's CA bundle takes ~25 ms, half
  // the start-up of a run that fetches only http:// URLs. --cacert is loaded at once, so
  // a bad file is a setup error before any request.
  std::unique_ptr<asio::ssl::context> tls_ctx;
  resolver dns;
  proxy_router proxies;
  std::unordered_set<std::string> routes_logged;  // -v names each origin's route once
  pool idle;
  std::unordered_set<connection*> busy;
  bool cancelled = false;
  client_stats stats;

  impl(asio::any_io_executor ex, client_options opts)
      : io(ex),
        options(std::move(opts)),
        tls_ctx(options.cacert.empty() ? nullptr
                                       : make_client_tls_context(options.cacert, options.insecure)),
        dns(ex),
        proxies(options.proxy),
        idle(
            pool::limits{options.max_idle_per_origin,
                         options.max_idle_total ? options.max_idle_total : default_max_idle_total(),
                         options.idle_timeout}) {
    if (options.user_agent.empty()) options.user_agent = std::string("pricescrape/") + version;
  }

  scrape_error cancelled_error() const {
    return {error_kind::cancelled, "cancelled: the run was interrupted"};
  }

  void give_back(const route& r, std::unique_ptr<connection> conn) {
    if (cancelled) return conn->close();
    idle.put(r.key(), std::move(conn), steady::now());
  }

  // The proxy decision for a target (robots.txt and redirect hops included: each is a
  // target of its own), logged once per origin under -v when any proxy is configured.
  route route_for(const origin& o) {
    route r{o, proxies.route(o.tls, o.host)};
    if (proxies.any() && routes_logged.insert(o.key()).second) {
      if (r.via)
        spdlog::debug("host {}: through proxy {} ({})", o.key(), r.via->display(),
                      proxies.source(o.tls));
      else
        spdlog::debug("host {}: direct ({})", o.key(),
                      proxies.has(o.tls) ? "no_proxy"
                      : o.tls            ? "no https proxy"
                                         : "no http proxy");
    }
    return r;
  }

  // The first hop's addresses: the proxy's (a failure there is the proxy's), else the
  // origin's. socks5 (not socks5h) also resolves the origin here.
  asio::awaitable<outcome<endpoint_list>> resolve_hops(const route& r, open_options& opts) {
    if (!r.via) co_return co_await dns.resolve(r.target.host, r.target.port, opts.deadline);
    auto endpoints = co_await dns.resolve(r.via->host, r.via->port, opts.deadline);
    if (!endpoints) {
      auto error = endpoints.error();
      if (error.kind != error_kind::cancelled) {
        error.kind = error_kind::proxy;
        error.message = "proxy " + r.via->where() + ": " + error.message;
      }
      co_return error;
    }
    if (r.via->kind == proxy_kind::socks5) {
      auto target = co_await dns.resolve(r.target.host, r.target.port, opts.deadline);
      if (!target) co_return target.error();
      opts.socks_target = target->front().address();
    }
    co_return endpoints;
  }

  asio::awaitable<outcome<std::unique_ptr<connection>>> connect(const route& r,
                                                                steady::time_point deadline) {
    const auto connect_deadline = std::min(deadline, steady::now() + options.connect_timeout);
    open_options opts;
    if (r.target.tls && !tls_ctx) tls_ctx = make_client_tls_context({}, options.insecure);
    opts.tls_ctx = r.target.tls ? tls_ctx.get() : nullptr;
    opts.verify = !options.insecure;
    opts.deadline = connect_deadline;
    opts.user_agent = options.user_agent;
    auto endpoints = co_await resolve_hops(r, opts);
    if (!endpoints) co_return endpoints.error();
    if (cancelled) co_return cancelled_error();
    const origin& o = r.target;
    bool no_descriptor = false;
    opts.out_of_descriptors = &no_descriptor;
    auto conn = co_await open_connection(r, *endpoints, opts);
    if (no_descriptor) {
      // Idle sockets are the descriptors we can give back at once: free half of them
      // (at least one) and try once more before the failure goes to the retry policy.
      ++stats.out_of_descriptors;
      if (idle.shed(std::max<std::size_t>(1, idle.size() / 2)) > 0)
        conn = co_await open_connection(r, std::move(*endpoints), opts);
    }
    if (conn) {
      ++stats.connections_opened;
      if (r.via) ++stats.proxy_connections;
      if (o.tls) ++stats.tls_handshakes;
    } else if (conn.error().kind == error_kind::timeout && steady::now() < deadline) {
      conn.error().message += " (--connect-timeout " + seconds_text(options.connect_timeout) + ")";
    }
    co_return conn;
  }

  bhttp::request<bhttp::empty_body> make_request(const target& t, const route& r,
                                                 const header_list& extra) const {
    // Through an HTTP proxy without a tunnel the request line names the whole URL
    // (RFC 9112 3.2.2, absolute-form) and carries the proxy's credentials.
    bhttp::request<bhttp::empty_body> req{
        bhttp::verb::get, r.absolute_form() ? "http://" + t.host_field + t.resource : t.resource,
        11};
    if (r.absolute_form() && r.via->has_credentials)
      req.set(bhttp::field::proxy_authorization, r.via->basic_authorization());
    req.set(bhttp::field::host, t.host_field);
    req.set(bhttp::field::user_agent, options.user_agent);
    req.set(bhttp::field::accept, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
    req.set(bhttp::field::accept_encoding, "gzip, deflate, br");
    for (const auto& [name, value] : options.headers) req.set(name, value);
    for (const auto& [name, value] : extra) req.set(name, value);
    req.keep_alive(true);
    return req;
  }

  // One request/response exchange on `conn`. `got_bytes` tells the caller whether the
  // server answered at all (a stale keep-alive connection fails before any byte);
  // `reusable` whether the connection may serve another request.
  asio::awaitable<attempt_result> exchange(connection& conn, const target& t, const route& r,
                                           const header_list& extra, steady::time_point deadline,
                                           bool& got_bytes, bool& reusable) {
    const std::string where = t.where.where();
    auto req = make_request(t, r, extra);
    conn.lowest().expires_at(deadline);
    auto [write_ec, written] = co_await conn.visit(
        [&](auto& stream) { return bhttp::async_write(stream, req, nothrow_awaitable); });
    (void)written;
    ++stats.requests_sent;
    if (write_ec) co_return failed_attempt(classify(write_ec, phase::write, where));

    const read_limits limits{options.max_header, options.max_body};
    auto read = co_await conn.visit(
        [&](auto& stream) { return read_response(stream, conn.buffer, limits, where); });
    stats.interim_responses += static_cast<std::uint64_t>(read.interim);
    got_bytes = read.got_bytes;
    attempt_result out;
    out.status = read.status;
    if (read.error) {
      out.error = std::move(read.error);
      co_return out;
    }
    conn.lowest().expires_never();
    // A keep-alive response followed by bytes nobody asked for: the server sent more
    // than it announced, and the next request would read those bytes as its reply.
    if (!read.reusable && conn.buffer.size() > 0) ++stats.closed_with_leftover;
    reusable = read.reusable;
    out.location = std::move(read.location);
    out.fields = std::move(read.fields);
    out.content_type = std::move(read.content_type);
    out.content_encoding = std::move(read.content_encoding);
    out.body = std::move(read.body);
    ++conn.requests;
    co_return out;
  }

  // exchange() that never throws: whatever escapes it (a request header Beast cannot
  // store, an allocation) is this URL's protocol error, not the batch's end.
  asio::awaitable<attempt_result> guarded_exchange(connection& conn, const target& t,
                                                   const route& r, const header_list& extra,
                                                   steady::time_point deadline, bool& got_bytes,
                                                   bool& reusable) {
    std::string what = "unknown exception";
    try {
      co_return co_await exchange(conn, t, r, extra, deadline, got_bytes, reusable);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    reusable = false;
    co_return failed_attempt(
        {error_kind::protocol, "request to " + t.where.where() + " failed: " + what});
  }

  std::unique_ptr<connection> take_idle(const route& r) {
    return idle.take(r.key(), steady::now());
  }

  // One attempt: a pooled or new connection, the exchange, the connection back to the
  // pool. A reused connection the server had already closed is replaced once, silently:
  // that is keep-alive's normal race, not a failure of the URL.
  asio::awaitable<attempt_result> attempt(const target& t, const header_list& extra) {
    const auto deadline = steady::now() + options.timeout;
    const route r = route_for(t.where);
    for (int fresh_tries = 0;; ++fresh_tries) {
      if (cancelled) co_return failed_attempt(cancelled_error());
      auto conn = fresh_tries == 0 ? take_idle(r) : nullptr;
      const bool reused = conn != nullptr;
      if (reused) {
        ++stats.connections_reused;
      } else {
        auto opened = co_await connect(r, deadline);
        if (!opened) co_return failed_attempt(opened.error());
        conn = std::move(*opened);
      }
      busy.insert(conn.get());
      bool got_bytes = false;
      bool reusable = false;
      auto result = co_await guarded_exchange(*conn, t, r, extra, deadline, got_bytes, reusable);
      busy.erase(conn.get());
      if (cancelled) {
        conn->close();
        co_return failed_attempt(cancelled_error());
      }
      if (result.error) {
        conn->close();
        if (reused && !got_bytes && result.error->kind != error_kind::timeout) continue;
        if (result.error->kind == error_kind::timeout)
          result.error->message += " (--timeout " + seconds_text(options.timeout) + ")";
        co_return result;
      }
      // Without a tunnel, a 407 is the proxy's answer, not the origin's.
      if (r.absolute_form() && result.status == 407) {
        conn->close();
        co_return failed_attempt({error_kind::proxy, "proxy " + r.via->where() +
                                                         " answered 407 Proxy Authentication "
                                                         "Required"});
      }
      if (reusable)
        give_back(r, std::move(conn));
      else
        conn->close();
      co_return result;
    }
  }

  // Follows redirects from `current` until a final response or an error; one attempt
  // per hop. `out` gets the status and final URL as they become known.
  asio::awaitable<attempt_result> follow(const request& req, fetch_result& out) {
    std::string current = out.final_url;
    std::unordered_set<std::string> visited{current};
    for (int redirects = 0;;) {
      auto t = make_target(current);
      if (!t) co_return failed_attempt(t.error());
      auto result = co_await attempt(*t, req.headers);
      if (result.status) out.status = result.status;
      out.final_url = current;
      if (result.error || !is_redirect(result.status) || result.location.empty()) co_return result;
      auto next = next_location(current, result.location, options.allow_downgrade);
      if (!next) co_return failed_attempt(next.error());
      if (++redirects > options.max_redirects) {
        co_return failed_attempt({error_kind::redirects, "more than " +
                                                             std::to_string(options.max_redirects) +
                                                             " redirects (--max-redirects)"});
      }
      if (!visited.insert(*next).second) {
        co_return failed_attempt(
            {error_kind::redirects, "redirect loop: '" + *next + "' was already visited"});
      }
      current = std::move(*next);
    }
  }

  // Undoes Content-Encoding within `limit` decoded bytes, counting the CPU it took.
  outcome<std::string> decode(attempt_result& result, std::size_t limit) {
    const auto coding = parse_content_encoding(result.content_encoding);
    if (!coding) {
      return scrape_error{error_kind::decode,
                          "unsupported Content-Encoding '" + result.content_encoding + "'"};
    }
    // The compressed body is handed over, so only the decoded page outlives this step.
    const auto decode_start = detail::thread_cpu_ns();
    auto decoded = decode_body(std::move(result.body), *coding, limit);
    stats.decode_cpu_ns += detail::thread_cpu_ns() - decode_start;
    return decoded;
  }

  // A 4xx/5xx: its status is the error; the start of its body is kept (decoded when it
  // can be) so the engine can tell a bot challenge from a plain refusal.
  void refuse(attempt_result& result, fetch_result& out) {
    out.error = scrape_error{
        result.status == 429 ? error_kind::rate_limited : error_kind::http_status,
        "HTTP " + std::to_string(result.status) + " " +
            std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(result.status)))};
    if (result.body.size() > error_body_bytes) result.body.resize(error_body_bytes);
    auto decoded = decode(result, error_body_bytes);
    if (decoded) out.body = std::move(*decoded);
  }

  asio::awaitable<fetch_result> fetch(request req) {
    fetch_result out;
    // Credentials never reach the record; the request itself never sends them.
    // final_url is the URL as fetched: ASCII (IDNA host, percent-encoded UTF-8).
    const auto ascii = iri::to_uri(req.url);
    out.final_url = without_userinfo(ascii ? *ascii : req.url);
    auto result = co_await follow(req, out);
    if (result.error) {
      out.error = std::move(result.error);
      co_return out;
    }
    out.content_type = result.content_type;
    out.fields = std::move(result.fields);
    out.body_bytes = result.body.size();
    if (result.status < 200 || result.status > 299) {
      refuse(result, out);
      co_return out;
    }
    auto decoded = decode(result, options.max_body);
    if (!decoded) {
      out.error = decoded.error();
      co_return out;
    }
    if (!req.any_content && !is_html_response(result.content_type, *decoded)) {
      out.error =
          scrape_error{error_kind::not_html,
                       result.content_type.empty()
                           ? std::string("response has no Content-Type and does not look like HTML")
                           : "response is '" + result.content_type + "', not HTML"};
      co_return out;
    }
    out.body = std::move(*decoded);
    co_return out;
  }

  void cancel_all() {
    cancelled = true;
    dns.cancel_all();
    for (auto* conn : busy) conn->close();
    idle.close_all();
  }
};

client::client(asio::any_io_executor io, client_options options)
    : impl_(std::make_unique<impl>(std::move(io), std::move(options))) {}

client::~client() = default;

asio::awaitable<fetch_result> client::fetch(request req) { return impl_->fetch(std::move(req)); }

asio::awaitable<fetch_result> client::fetch(std::string url) {
  return impl_->fetch(request{std::move(url), {}, false});
}

void client::cancel_all() { impl_->cancel_all(); }

client_stats client::stats() const noexcept {
  client_stats s = impl_->stats;
  s.idle_unread_dropped = impl_->idle.stats().unread_dropped;
  s.idle_evicted = impl_->idle.stats().evicted;
  return s;
}

}  // namespace pricescrape::http
