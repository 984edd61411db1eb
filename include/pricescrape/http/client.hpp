// One attempt of one GET: a pooled or new connection, TLS, redirects followed, the body
// decoded. Retries are not here: the engine's host policy decides them, so a retry
// waits its turn at the host like any request (DESIGN.md section 2, the `fetcher`).
#pragma once

#include <pricescrape/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pricescrape::http {

using std::chrono::milliseconds;

// Which proxy a URL goes through, as curl decides it: one proxy URL per scheme and a
// list of hosts that bypass it. Empty everywhere (the default): every URL goes direct.
// proxy_options_from() fills it from the environment and --proxy / --noproxy.
struct proxy_options {
  std::string http;      // proxy for http:// URLs: "http://[user:pass@]host[:port]", socks5://...
  std::string https;     // proxy for https:// URLs (tunnelled: TLS runs end to end)
  std::string no_proxy;  // "shop.example,.corp,10.0.0.0/8" or "*": these hosts go direct
  // Where each value came from ("--proxy", "HTTPS_PROXY", ...), for messages and -v.
  std::string http_source;
  std::string https_source;
};

// curl's precedence: --proxy URL for every scheme ("" = no proxy at all), else
// http_proxy (lower case only) for http:// and https_proxy, HTTPS_PROXY for https://,
// each falling back to all_proxy, ALL_PROXY; --noproxy LIST, else no_proxy, NO_PROXY.
// An empty variable counts as unset. `getenv` is std::getenv outside tests.
proxy_options proxy_options_from(const std::function<const char*(const char*)>& getenv,
                                 const std::optional<std::string>& proxy_flag,
                                 const std::optional<std::string>& noproxy_flag);

// Why a proxy URL in `options` cannot be used ("HTTPS_PROXY: unsupported proxy scheme
// 'ftp'"), or nullopt when both are usable. The message never shows a password.
std::optional<std::string> proxy_options_problem(const proxy_options& options);

struct client_options {
  milliseconds timeout{30'000};          // one attempt, connect to last body byte
  milliseconds connect_timeout{10'000};  // DNS + TCP connect + TLS handshake
  int max_redirects = 10;
  std::size_t max_body = 16u << 20;    // decoded body bytes
  std::size_t max_header = 64u << 10;  // response header bytes
  std::string user_agent;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::string cacert;                    // PEM bundle trusted besides the system store
  bool insecure = false;                 // skip certificate verification
  std::size_t max_idle_per_origin = 10;  // idle keep-alive connections kept per origin
  std::size_t max_idle_total = 0;        // ... and overall; 0: a quarter of ulimit -n
  bool allow_downgrade = false;          // follow https -> http redirects
  milliseconds idle_timeout{30'000};     // idle connections older than this are dropped
  proxy_options proxy;                   // none by default; the app reads the environment
};

// One request: the URL and what it adds to the standard headers.
struct request {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // If-None-Match, ...
  // robots.txt and the like: any Content-Type is accepted (no HTML check).
  bool any_content = false;
};

// Response fields beyond the body, as received (Retry-After, RateLimit, X-RateLimit-*,
// cf-mitigated, ETag, Last-Modified: what the host policy and state store read).
using header_list = std::vector<std::pair<std::string, std::string>>;

// A refusal's body is kept up to this many decoded bytes: enough to recognise a bot
// challenge page, never a whole error page.
inline constexpr std::size_t error_body_bytes = 16u << 10;

// The outcome of fetch(): a failed GET still carries what is known (cpr's lesson).
struct fetch_result {
  int attempts = 1;           // the engine counts its retries here
  std::optional<int> status;  // last HTTP status seen, if any
  std::string final_url;      // where redirects ended (or the request URL), no user:pass@
  std::string content_type;   // the Content-Type header of the final response
  // Decoded (gzip/deflate/br undone): at most max_body bytes for a 2xx, and the first
  // error_body_bytes of a refusal (4xx/5xx), when it could be decoded.
  std::string body;
  header_list fields;  // of the final response
  std::optional<scrape_error> error;
  // The final response's body as received (before Content-Encoding is undone, before
  // any cap on what is kept): what the host sent, for --stats.
  std::uint64_t body_bytes = 0;

  bool ok() const noexcept { return !error.has_value(); }
};

struct client_stats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t tls_handshakes = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t decode_cpu_ns = 0;         // CPU time (io thread) spent undoing Content-Encoding
  std::uint64_t interim_responses = 0;     // 1xx responses skipped before the final one
  std::uint64_t closed_with_leftover = 0;  // bytes beyond a response: not reused
  std::uint64_t idle_unread_dropped = 0;   // bytes or FIN arrived while idle: not reused
  std::uint64_t idle_evicted = 0;          // idle connections closed to stay within a cap
  std::uint64_t out_of_descriptors = 0;    // connects that found no file descriptor (EMFILE)
  std::uint64_t proxy_connections = 0;     // of connections_opened: through a proxy
};

class client {
 public:
  // Runs on `io` (one thread). Throws std::runtime_error on fatal TLS setup, e.g. an
  // unreadable --cacert file.
  client(boost::asio::any_io_executor io, client_options options);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // One attempt, redirects followed. Never throws for a per-URL failure: the result
  // carries it. Call on the io thread.
  boost::asio::awaitable<fetch_result> fetch(request req);
  boost::asio::awaitable<fetch_result> fetch(std::string url);

  // Closes every connection and wakes every wait (DNS); fetches in progress
  // and later ones end with a `cancelled` error. Call on the io thread.
  void cancel_all();

  client_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pricescrape::http
