#include "http/proxy_step.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace pricescrape::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

// CONNECT answers are short; a proxy sending more header than this is broken.
constexpr std::uint32_t connect_header_limit = 16u << 10;

scrape_error proxy_error(std::string message) { return {error_kind::proxy, std::move(message)}; }

asio::awaitable<std::optional<scrape_error>> http_connect(boost::beast::tcp_stream& stream,
                                                          boost::beast::flat_buffer& buffer,
                                                          const proxy_server& proxy,
                                                          const origin& target,
                                                          std::string user_agent) {
  const std::string authority = target.where();  // host:port, IPv6 in brackets
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, authority, 11};
  req.set(bhttp::field::host, authority);
  if (!user_agent.empty()) req.set(bhttp::field::user_agent, user_agent);
  if (proxy.has_credentials)
    req.set(bhttp::field::proxy_authorization, proxy.basic_authorization());
  auto [write_ec, written] = co_await bhttp::async_write(stream, req, nothrow_awaitable);
  (void)written;
  if (write_ec) co_return proxy_failure(write_ec, proxy, "sending CONNECT to");

  // A 2xx answer to CONNECT has no body whatever its fields say (RFC 9110 9.3.6): skip()
  // tells the parser so. Other answers' bodies are never read: the connection is closed.
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);
  parser.header_limit(connect_header_limit);
  auto [read_ec, read] =
      co_await bhttp::async_read_header(stream, buffer, parser, nothrow_awaitable);
  (void)read;
  if (read_ec) co_return proxy_failure(read_ec, proxy, "waiting for the CONNECT answer from");
  const auto& res = parser.get();
  const int status = static_cast<int>(res.result_int());
  if (status < 200 || status > 299) {
    std::string reason(res.reason());
    if (reason.empty()) reason = std::string(bhttp::obsolete_reason(res.result()));
    co_return proxy_error("proxy " + proxy.where() + " answered CONNECT with " +
                          std::to_string(status) + " " + reason);
  }
  // Bytes before our ClientHello are not the origin's: TLS would read them as its own.
  if (buffer.size() > 0)
    co_return proxy_error("proxy " + proxy.where() +
                          " sent data after its CONNECT answer, before the TLS handshake");
  co_return std::nullopt;
}

using bytes = std::vector<std::uint8_t>;

// The SOCKS5 CONNECT request's destination: a name for socks5h (the proxy resolves it),
// else the address resolved here. An IP literal host is sent as an address either way.
std::optional<scrape_error> put_destination(bytes& out, const proxy_server& proxy,
                                            const origin& target,
                                            std::optional<asio::ip::address> address) {
  boost::system::error_code ec;
  const auto literal = asio::ip::make_address(target.host, ec);
  if (!ec) address = literal;
  if (!address && proxy.kind == proxy_kind::socks5h) {
    if (target.host.size() > 255)
      return proxy_error("host name '" + target.host + "' is too long for SOCKS5");
    out.push_back(3);
    out.push_back(static_cast<std::uint8_t>(target.host.size()));
    out.insert(out.end(), target.host.begin(), target.host.end());
  } else if (address && address->is_v4()) {
    out.push_back(1);
    const auto b = address->to_v4().to_bytes();
    out.insert(out.end(), b.begin(), b.end());
  } else if (address) {
    out.push_back(4);
    const auto b = address->to_v6().to_bytes();
    out.insert(out.end(), b.begin(), b.end());
  } else {
    return proxy_error("no address for '" + target.host + "' to send to SOCKS5 proxy " +
                       proxy.where());
  }
  const int port = std::stoi(target.port);
  out.push_back(static_cast<std::uint8_t>(port >> 8));
  out.push_back(static_cast<std::uint8_t>(port & 0xff));
  return std::nullopt;
}

// Method negotiation and, when the proxy asks for it, RFC 1929 user/password.
asio::awaitable<std::optional<scrape_error>> socks5_authenticate(boost::beast::tcp_stream& stream,
                                                                 const proxy_server& proxy) {
  const bytes greeting = proxy.has_credentials ? bytes{5, 2, 0, 2} : bytes{5, 1, 0};
  auto [ec1, n1] = co_await asio::async_write(stream, asio::buffer(greeting), nothrow_awaitable);
  if (ec1) co_return proxy_failure(ec1, proxy, "greeting SOCKS5");
  std::array<std::uint8_t, 2> choice{};
  auto [ec2, n2] = co_await asio::async_read(stream, asio::buffer(choice), nothrow_awaitable);
  if (ec2) co_return proxy_failure(ec2, proxy, "waiting for the SOCKS5 greeting of");
  (void)n1, (void)n2;
  if (choice[0] != 5)
    co_return proxy_error("proxy " + proxy.where() + " is not a SOCKS5 proxy (version " +
                          std::to_string(choice[0]) + " in its answer)");
  if (choice[1] == 0) co_return std::nullopt;
  if (choice[1] != 2 || !proxy.has_credentials) {
    co_return proxy_error(
        "SOCKS5 proxy " + proxy.where() + " accepts none of our authentication methods" +
        (choice[1] == 2 || choice[1] == 0xff
             ? std::string(proxy.has_credentials ? ""
                                                 : " (it may want a user name and "
                                                   "password: user:pass@ in the "
                                                   "proxy URL)")
             : std::string()));
  }
  bytes login{1, static_cast<std::uint8_t>(proxy.user.size())};
  login.insert(login.end(), proxy.user.begin(), proxy.user.end());
  login.push_back(static_cast<std::uint8_t>(proxy.password.size()));
  login.insert(login.end(), proxy.password.begin(), proxy.password.end());
  auto [ec3, n3] = co_await asio::async_write(stream, asio::buffer(login), nothrow_awaitable);
  if (ec3) co_return proxy_failure(ec3, proxy, "sending the SOCKS5 login to");
  std::array<std::uint8_t, 2> verdict{};
  auto [ec4, n4] = co_await asio::async_read(stream, asio::buffer(verdict), nothrow_awaitable);
  if (ec4) co_return proxy_failure(ec4, proxy, "waiting for the SOCKS5 login answer of");
  (void)n3, (void)n4;
  if (verdict[1] != 0)
    co_return proxy_error("SOCKS5 proxy " + proxy.where() + " rejected user name '" + proxy.user +
                          "' and its password");
  co_return std::nullopt;
}

asio::awaitable<std::optional<scrape_error>> socks5_connect(boost::beast::tcp_stream& stream,
                                                            const proxy_server& proxy,
                                                            const origin& target,
                                                            std::optional<asio::ip::address> to) {
  if (auto failed = co_await socks5_authenticate(stream, proxy)) co_return failed;
  bytes request{5, 1, 0};  // version, CONNECT, reserved
  if (auto bad = put_destination(request, proxy, target, to)) co_return bad;
  auto [ec1, n1] = co_await asio::async_write(stream, asio::buffer(request), nothrow_awaitable);
  if (ec1) co_return proxy_failure(ec1, proxy, "sending the SOCKS5 request to");
  std::array<std::uint8_t, 5> head{};  // version, reply, reserved, type, first address byte
  auto [ec2, n2] = co_await asio::async_read(stream, asio::buffer(head), nothrow_awaitable);
  if (ec2) co_return proxy_failure(ec2, proxy, "waiting for the SOCKS5 reply of");
  (void)n1, (void)n2;
  if (head[1] != 0)
    co_return proxy_error("SOCKS5 proxy " + proxy.where() + " could not connect to " +
                          target.where() + ": " + socks5_reply_text(head[1]));
  // The bound address that follows is of no use to us, but it must be read off the
  // stream: TLS or HTTP would take it for the origin's bytes.
  std::size_t rest = 0;
  if (head[3] == 1) {
    rest = 4 - 1 + 2;
  } else if (head[3] == 4) {
    rest = 16 - 1 + 2;
  } else if (head[3] == 3) {
    rest = std::size_t{head[4]} + 2;
  } else {
    co_return proxy_error("SOCKS5 proxy " + proxy.where() + " sent a malformed reply");
  }
  bytes bound(rest);
  auto [ec3, n3] = co_await asio::async_read(stream, asio::buffer(bound), nothrow_awaitable);
  (void)n3;
  if (ec3) co_return proxy_failure(ec3, proxy, "reading the SOCKS5 reply of");
  co_return std::nullopt;
}

}  // namespace

scrape_error proxy_failure(const boost::system::error_code& ec, const proxy_server& proxy,
                           std::string_view doing) {
  const std::string where = "proxy " + proxy.where();
  if (ec == asio::error::operation_aborted)
    return {error_kind::cancelled, "cancelled while " + std::string(doing) + " " + where};
  if (ec == boost::beast::error::timeout || ec == asio::error::timed_out)
    return proxy_error("timed out " + std::string(doing) + " " + where);
  if (ec == asio::error::eof || ec == bhttp::error::end_of_stream)
    return proxy_error(where + " closed the connection while we were " + std::string(doing) +
                       " it");
  if (doing == "connecting to")
    return proxy_error("cannot connect to " + where + ": " + ec.message());
  return proxy_error("error " + std::string(doing) + " " + where + ": " + ec.message());
}

asio::awaitable<std::optional<scrape_error>> open_tunnel(
    boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, const proxy_server& proxy,
    const origin& target, std::optional<asio::ip::address> address, std::string user_agent) {
  if (proxy.kind == proxy_kind::http)
    co_return co_await http_connect(stream, buffer, proxy, target, std::move(user_agent));
  co_return co_await socks5_connect(stream, proxy, target, address);
}

}  // namespace pricescrape::http
