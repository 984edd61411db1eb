#include "http/connection.hpp"

#include "http/classify.hpp"
#include "http/proxy_step.hpp"
#include "http/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>

namespace pricescrape::http {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

std::variant<connection::plain_stream, connection::tls_stream> make_stream(asio::any_io_executor ex,
                                                                           ssl::context* tls_ctx) {
  if (tls_ctx)
    return std::variant<connection::plain_stream, connection::tls_stream>(
        std::in_place_type<connection::tls_stream>, ex, *tls_ctx);
  return std::variant<connection::plain_stream, connection::tls_stream>(
      std::in_place_type<connection::plain_stream>, ex);
}

}  // namespace

connection::connection(asio::any_io_executor ex, ssl::context* tls_ctx)
    : stream_(make_stream(std::move(ex), tls_ctx)) {}

beast::tcp_stream& connection::lowest() noexcept {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                    stream_);
}

void connection::close() noexcept {
  boost::system::error_code ignored;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  lowest().close();
}

bool connection::clean_for_reuse() noexcept {
  auto& socket = lowest().socket();
  if (!socket.is_open() || buffer.size() > 0) return false;
  if (auto* t = tls(); t && SSL_pending(t->native_handle()) > 0) return false;
  boost::system::error_code ec;
  if (socket.available(ec) > 0 || ec) return false;
  // available() is 0 for a peer that closed too; a one-byte peek tells the two apart.
  char byte;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

namespace {

// Tries each endpoint in turn. The socket is opened here rather than by Asio's range
// connect, which reports a socket it could not open (EMFILE) as operation_aborted, so a
// process out of file descriptors once saw its URLs end as `cancelled`.
asio::awaitable<boost::system::error_code> connect_any(beast::tcp_stream& stream,
                                                       const endpoint_list& endpoints) {
  boost::system::error_code last = asio::error::host_not_found;
  for (const auto& ep : endpoints) {
    boost::system::error_code ec;
    stream.socket().close(ec);
    stream.socket().open(ep.protocol(), ec);
    if (ec) co_return ec;  // no socket at all: another endpoint will not help
    auto [connect_ec] = co_await stream.async_connect(ep, nothrow_awaitable);
    if (!connect_ec) co_return connect_ec;
    last = connect_ec;
    if (connect_ec == beast::error::timeout) break;  // the deadline covers every endpoint
  }
  co_return last;
}

}  // namespace

asio::awaitable<outcome<std::unique_ptr<connection>>> open_connection(route path,
                                                                      endpoint_list endpoints,
                                                                      open_options options) {
  const origin& where = path.target;
  auto ex = co_await asio::this_coro::executor;
  auto conn = std::make_unique<connection>(ex, where.tls ? options.tls_ctx : nullptr);

  conn->lowest().expires_at(options.deadline);
  const auto connect_ec = co_await connect_any(conn->lowest(), endpoints);
  if (connect_ec) {
    const bool no_descriptor = is_out_of_descriptors(connect_ec);
    if (options.out_of_descriptors && no_descriptor) *options.out_of_descriptors = true;
    if (path.via && !no_descriptor) co_return proxy_failure(connect_ec, *path.via, "connecting to");
    co_return classify(connect_ec, phase::connect, where.where());
  }
  boost::system::error_code ignored;  // a peer that already hung up shows at the first read
  conn->lowest().socket().set_option(asio::ip::tcp::no_delay(true), ignored);

  // Plain http through an HTTP proxy needs no tunnel: each request names its URL.
  if (path.via && !path.absolute_form()) {
    if (auto failed = co_await open_tunnel(conn->lowest(), conn->buffer, *path.via, where,
                                           options.socks_target, options.user_agent))
      co_return std::move(*failed);
  }

  if (auto* tls = conn->tls()) {
    boost::system::error_code ec;
    const bool is_ip = (asio::ip::make_address(where.host, ec), !ec);
    // RFC 6066: SNI carries host names only, never IP literals.
    if (!is_ip && !SSL_set_tlsext_host_name(tls->native_handle(), where.host.c_str()))
      co_return scrape_error{error_kind::tls, "cannot set TLS server name for " + where.where()};
    if (options.verify) tls->set_verify_callback(ssl::host_name_verification(where.host));

    auto [hs_ec] = co_await tls->async_handshake(ssl::stream_base::client, nothrow_awaitable);
    if (hs_ec) {
      auto error = classify(hs_ec, phase::handshake, where.where());
      if (error.kind == error_kind::tls) {
        const std::string reason =
            verify_failure_reason(SSL_get_verify_result(tls->native_handle()));
        if (!reason.empty()) {
          error.message = "TLS certificate of " + where.where() + " is not trusted: " + reason +
                          " (use --cacert FILE to trust a private CA)";
        } else if (hs_ec.message().find("certificate verify failed") != std::string::npos) {
          error.message =
              "TLS certificate of " + where.where() + " does not match host '" + where.host + "'";
        }
      }
      co_return error;
    }
  }
  conn->lowest().expires_never();
  co_return conn;
}

}  // namespace pricescrape::http
