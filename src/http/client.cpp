#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/detail/cpu_clock.hpp>
#include <pricescrape/http/client.hpp>
#include <pricescrape/version.hpp>

#include "http/classify.hpp"
#include "http/connection.hpp"
#include "http/decode.hpp"
#include "http/resolver.hpp"
#include "http/retry.hpp"
#include "http/sniff.hpp"
#include "http/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <unordered_map>
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

outcome<target> make_target(std::string_view text) {
  auto parsed = urls::parse_uri(text);
  if (!parsed)
    return scrape_error{error_kind::invalid_url, "not a valid URL: '" + std::string(text) + "'"};
  const urls::url_view u = *parsed;
  const std::string scheme = detail::to_lower_ascii(u.scheme());
  if (scheme != "http" && scheme != "https")
    return scrape_error{error_kind::invalid_url, "not an http(s) URL: '" + std::string(text) + "'"};
  target t;
  t.where.tls = scheme == "https";
  t.where.host = detail::to_lower_ascii(u.host_address());
  if (t.where.host.empty())
    return scrape_error{error_kind::invalid_url, "URL has no host: '" + std::string(text) + "'"};
  const std::string default_port = t.where.tls ? "443" : "80";
  t.where.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : default_port;
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
  std::string retry_after;
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
  std::unique_ptr<asio::ssl::context> tls_ctx;
  resolver dns;
  std::unordered_map<std::string, std::deque<std::unique_ptr<connection>>> idle;
  std::unordered_set<connection*> busy;
  std::unordered_set<asio::steady_timer*> sleepers;
  std::mt19937_64 rng{std::random_device{}()};
  bool cancelled = false;
  client_stats stats;

  impl(asio::any_io_executor ex, client_options opts)
      : io(ex),
        options(std::move(opts)),
        tls_ctx(make_client_tls_context(options.cacert, options.insecure)),
        dns(ex) {
    if (options.user_agent.empty()) options.user_agent = std::string("pricescrape/") + version;
  }

  scrape_error cancelled_error() const {
    return {error_kind::cancelled, "cancelled: the run was interrupted"};
  }

  // Takes a live idle connection to `o`, dropping ones that are too old.
  std::unique_ptr<connection> take_idle(const origin& o) {
    auto it = idle.find(o.key());
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    const auto now = steady::now();
    while (!list.empty()) {
      auto conn = std::move(list.back());  // most recently used first: warmest
      list.pop_back();
      if (now - conn->idle_since < options.idle_timeout && conn->lowest().socket().is_open())
        return conn;
      conn->close();
    }
    return nullptr;
  }

  void give_back(const origin& o, std::unique_ptr<connection> conn) {
    if (cancelled) return conn->close();
    auto& list = idle[o.key()];
    if (list.size() >= options.max_idle_per_origin) {
      list.front()->close();
      list.pop_front();
    }
    conn->idle_since = steady::now();
    list.push_back(std::move(conn));
  }

  asio::awaitable<outcome<std::unique_ptr<connection>>> connect(const origin& o,
                                                                steady::time_point deadline) {
    const auto connect_deadline = std::min(deadline, steady::now() + options.connect_timeout);
    auto endpoints = co_await dns.resolve(o.host, o.port, connect_deadline);
    if (!endpoints) co_return endpoints.error();
    if (cancelled) co_return cancelled_error();
    open_options opts{tls_ctx.get(), !options.insecure, connect_deadline};
    auto conn = co_await open_connection(o, std::move(*endpoints), opts);
    if (conn) {
      ++stats.connections_opened;
      if (o.tls) ++stats.tls_handshakes;
    } else if (conn.error().kind == error_kind::timeout && steady::now() < deadline) {
      conn.error().message += " (--connect-timeout " + seconds_text(options.connect_timeout) + ")";
    }
    co_return conn;
  }

  bhttp::request<bhttp::empty_body> make_request(const target& t) const {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, t.resource, 11};
    req.set(bhttp::field::host, t.host_field);
    req.set(bhttp::field::user_agent, options.user_agent);
    req.set(bhttp::field::accept, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
    req.set(bhttp::field::accept_encoding, "gzip, deflate, br");
    for (const auto& [name, value] : options.headers) req.set(name, value);
    req.keep_alive(true);
    return req;
  }

  // One request/response exchange on `conn`. `got_bytes` tells the caller whether the
  // server answered at all (a stale keep-alive connection fails before any byte).
  asio::awaitable<attempt_result> exchange(connection& conn, const target& t,
                                           steady::time_point deadline, bool& got_bytes,
                                           bool& keep_alive) {
    attempt_result out;
    const std::string where = t.where.where();
    auto req = make_request(t);
    conn.lowest().expires_at(deadline);
    auto [write_ec, written] = co_await conn.visit(
        [&](auto& stream) { return bhttp::async_write(stream, req, nothrow_awaitable); });
    (void)written;
    ++stats.requests_sent;
    if (write_ec) {
      out.error = classify(write_ec, phase::write, where);
      co_return out;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header));
    parser.body_limit(options.max_body);
    auto [header_ec, header_bytes] = co_await conn.visit([&](auto& stream) {
      return bhttp::async_read_header(stream, conn.buffer, parser, nothrow_awaitable);
    });
    got_bytes = parser.got_some() || header_bytes > 0;
    if (header_ec) {
      out.error = classify(header_ec, phase::read_header, where);
      co_return out;
    }
    auto [body_ec, body_bytes] = co_await conn.visit([&](auto& stream) {
      return bhttp::async_read(stream, conn.buffer, parser, nothrow_awaitable);
    });
    (void)body_bytes;
    if (body_ec) {
      out.error = classify(body_ec, phase::read_body, where);
      out.status = static_cast<int>(parser.get().result_int());
      co_return out;
    }
    conn.lowest().expires_never();
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    out.location = std::string(res[bhttp::field::location]);
    out.retry_after = std::string(res[bhttp::field::retry_after]);
    out.content_type = std::string(res[bhttp::field::content_type]);
    out.content_encoding = std::string(res[bhttp::field::content_encoding]);
    keep_alive = res.keep_alive() && !parser.need_eof();
    out.body = std::move(res.body());
    ++conn.requests;
    co_return out;
  }

  // One attempt: a pooled or new connection, the exchange, the connection back to the
  // pool. A reused connection the server had already closed is replaced once, silently:
  // that is keep-alive's normal race, not a failure of the URL.
  asio::awaitable<attempt_result> attempt(const target& t) {
    const auto deadline = steady::now() + options.timeout;
    for (int fresh_tries = 0;; ++fresh_tries) {
      if (cancelled) co_return failed_attempt(cancelled_error());
      auto conn = fresh_tries == 0 ? take_idle(t.where) : nullptr;
      const bool reused = conn != nullptr;
      if (reused) {
        ++stats.connections_reused;
      } else {
        auto opened = co_await connect(t.where, deadline);
        if (!opened) co_return failed_attempt(opened.error());
        conn = std::move(*opened);
      }
      busy.insert(conn.get());
      bool got_bytes = false;
      bool keep_alive = false;
      auto result = co_await exchange(*conn, t, deadline, got_bytes, keep_alive);
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
      if (keep_alive)
        give_back(t.where, std::move(conn));
      else
        conn->close();
      co_return result;
    }
  }

  // Sleeps unless cancelled; returns false when cancelled.
  asio::awaitable<bool> sleep(milliseconds delay) {
    asio::steady_timer timer(io, delay);
    sleepers.insert(&timer);
    co_await timer.async_wait(nothrow_awaitable);
    sleepers.erase(&timer);
    co_return !cancelled;
  }

  asio::awaitable<fetch_result> fetch(std::string url) {
    fetch_result out;
    out.final_url = url;
    std::unordered_set<std::string> visited{url};
    int redirects = 0;
    int retries_used = 0;
    std::string current = url;

    for (;;) {
      auto t = make_target(current);
      if (!t) {
        out.error = t.error();
        co_return out;
      }
      out.attempts = 1 + retries_used;
      auto result = co_await attempt(*t);
      if (result.status) out.status = result.status;

      // Should this attempt be retried, and after how long?
      std::optional<milliseconds> wait;
      std::string give_up_reason;
      const bool retryable = result.error ? is_retryable_error(result.error->kind)
                                          : is_retryable_status(result.status);
      if (retryable && retries_used < options.retries && !cancelled) {
        wait = backoff_delay(retries_used, options.backoff_base, options.backoff_cap, rng);
        if (!result.error && !result.retry_after.empty()) {
          const auto asked =
              parse_retry_after(result.retry_after, std::chrono::system_clock::now());
          if (asked && *asked > options.retry_after_cap) {
            wait.reset();
            give_up_reason = "; the server asked to retry after " + seconds_text(*asked) +
                             ", longer than the " + seconds_text(options.retry_after_cap) +
                             " we wait";
          } else if (asked) {
            wait = *asked;
          }
        }
      }
      if (wait) {
        ++retries_used;
        if (!co_await sleep(*wait)) {
          out.error = cancelled_error();
          co_return out;
        }
        continue;
      }

      if (result.error) {
        out.error = std::move(result.error);
        co_return out;
      }

      if (is_redirect(result.status) && !result.location.empty()) {
        urls::url next;
        auto base = urls::parse_uri(current);
        auto ref = urls::parse_uri_reference(result.location);
        if (!base || !ref || !urls::resolve(*base, *ref, next)) {
          out.error = scrape_error{error_kind::redirects,
                                   "redirect to an invalid Location: '" + result.location + "'"};
          co_return out;
        }
        next.remove_fragment();
        const std::string scheme = detail::to_lower_ascii(next.scheme());
        std::string next_text(next.buffer());
        if (scheme != "http" && scheme != "https") {
          out.error = scrape_error{error_kind::redirects,
                                   "redirect to a non-http(s) URL: '" + next_text + "'"};
          co_return out;
        }
        if (++redirects > options.max_redirects) {
          out.error = scrape_error{error_kind::redirects,
                                   "more than " + std::to_string(options.max_redirects) +
                                       " redirects (--max-redirects)"};
          co_return out;
        }
        if (!visited.insert(next_text).second) {
          out.error = scrape_error{error_kind::redirects,
                                   "redirect loop: '" + next_text + "' was already visited"};
          co_return out;
        }
        current = std::move(next_text);
        out.final_url = current;
        continue;
      }

      out.final_url = current;
      out.content_type = result.content_type;
      if (result.status < 200 || result.status > 299) {
        const bool limited = result.status == 429;
        std::string message =
            "HTTP " + std::to_string(result.status) + " " +
            std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(result.status)));
        if (retries_used > 0) message += " after " + std::to_string(out.attempts) + " attempts";
        out.error = scrape_error{limited ? error_kind::rate_limited : error_kind::http_status,
                                 message + give_up_reason};
        co_return out;
      }

      const auto coding = parse_content_encoding(result.content_encoding);
      if (!coding) {
        out.error = scrape_error{error_kind::decode,
                                 "unsupported Content-Encoding '" + result.content_encoding + "'"};
        co_return out;
      }
      // The compressed body is handed over, so only the decoded page outlives this step.
      const auto decode_start = detail::thread_cpu_ns();
      auto decoded = decode_body(std::move(result.body), *coding, options.max_body);
      stats.decode_cpu_ns += detail::thread_cpu_ns() - decode_start;
      if (!decoded) {
        out.error = decoded.error();
        co_return out;
      }
      if (!is_html_response(result.content_type, *decoded)) {
        out.error = scrape_error{
            error_kind::not_html,
            result.content_type.empty()
                ? std::string("response has no Content-Type and does not look like HTML")
                : "response is '" + result.content_type + "', not HTML"};
        co_return out;
      }
      out.body = std::move(*decoded);
      co_return out;
    }
  }

  void cancel_all() {
    cancelled = true;
    dns.cancel_all();
    for (auto* conn : busy) conn->close();
    for (auto& [key, list] : idle)
      for (auto& conn : list) conn->close();
    idle.clear();
    for (auto* timer : sleepers) timer->cancel();
  }
};

client::client(asio::any_io_executor io, client_options options)
    : impl_(std::make_unique<impl>(std::move(io), std::move(options))) {}

client::~client() = default;

asio::awaitable<fetch_result> client::fetch(std::string url) {
  return impl_->fetch(std::move(url));
}

void client::cancel_all() { impl_->cancel_all(); }

client_stats client::stats() const noexcept { return impl_->stats; }

}  // namespace pricescrape::http
