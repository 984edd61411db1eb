// One keep-alive connection (TCP or TLS) and how to open it.
#pragma once

#include <pricescrape/error.hpp>

#include "http/proxy.hpp"
#include "http/resolver.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace pricescrape::http {

namespace beast = boost::beast;

// scheme + host + port: the unit of connection reuse.
struct origin {
  bool tls = false;
  std::string host;  // without IPv6 brackets, lower case
  std::string port;  // always explicit: "443", "8080"

  std::string key() const { return (tls ? "https://" : "http://") + where(); }
  // "shop.example:443", "[::1]:8443": how messages name the peer.
  std::string where() const {
    return host.find(':') != std::string::npos ? '[' + host + "]:" + port : host + ':' + port;
  }
};

// Where a connection goes: the origin, and the proxy in between (if any). Connections
// are reused only for the same route, so the pool key names the proxy too.
struct route {
  origin target;
  const proxy_server* via = nullptr;  // owned by the client's proxy_router

  std::string key() const { return via ? target.key() + " via " + via->key() : target.key(); }
  // Plain http through an HTTP proxy: no tunnel, the request names the whole URL.
  bool absolute_form() const { return via && via->kind == proxy_kind::http && !target.tls; }
};

class connection {
 public:
  using plain_stream = beast::tcp_stream;
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;

  connection(boost::asio::any_io_executor ex, boost::asio::ssl::context* tls_ctx);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  beast::tcp_stream& lowest() noexcept;
  tls_stream* tls() noexcept { return std::get_if<tls_stream>(&stream_); }

  // Runs `f` with the concrete stream type, so Beast's templates see the real layer.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

  // Abortive close: pending operations on it fail at once.
  void close() noexcept;

  // Whether an idle connection can take a request: open, nothing buffered, and neither
  // unread bytes nor the peer's FIN waiting in the socket (or in OpenSSL). Bytes that
  // arrive while a connection is idle answer no request of ours: the next request would
  // read them as its response.
  bool clean_for_reuse() noexcept;

  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since{};
  std::uint64_t requests = 0;

 private:
  std::variant<plain_stream, tls_stream> stream_;
};

struct open_options {
  boost::asio::ssl::context* tls_ctx = nullptr;  // required for a TLS origin
  bool verify = true;
  std::chrono::steady_clock::time_point deadline;  // covers connect and handshake
  bool* out_of_descriptors = nullptr;              // set when no socket could be created (EMFILE)
  std::string user_agent;                          // sent with CONNECT
  // socks5 (not socks5h): the origin's address, resolved here.
  std::optional<boost::asio::ip::address> socks_target;
};

// The connection in steps, as curl's connection filters stack them: TCP to the first
// endpoint that answers (the proxy's when there is one), the proxy step (a CONNECT
// tunnel or a SOCKS5 handshake), then for https the TLS handshake with SNI and
// host-name verification against the ORIGIN. One deadline covers every step. Errors come
// classified: connect, tls, timeout; any failure of a step that involves the proxy is
// `proxy` (cancelled stays cancelled).
boost::asio::awaitable<outcome<std::unique_ptr<connection>>> open_connection(
    route path, endpoint_list endpoints, open_options options);

}  // namespace pricescrape::http
