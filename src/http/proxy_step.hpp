// The proxy step of a connection: once TCP reaches the proxy, before TLS to the origin.
#pragma once

#include <pricescrape/error.hpp>

#include "http/connection.hpp"
#include "http/proxy.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <optional>
#include <string>

namespace pricescrape::http {

// An HTTP CONNECT tunnel to `target` (2xx expected, nothing buffered after it) or a
// SOCKS5 handshake (RFC 1928, with RFC 1929 user/password when the proxy URL has one).
// The stream's deadline is already set. Errors are `proxy` (or `cancelled`), naming the
// proxy by host:port only.
boost::asio::awaitable<std::optional<scrape_error>> open_tunnel(
    boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, const proxy_server& proxy,
    const origin& target, std::optional<boost::asio::ip::address> target_address,
    std::string user_agent);

// A failure while reaching or talking to the proxy, as a `proxy` error (timeouts and
// cancellation keep their own words; cancellation keeps its kind).
scrape_error proxy_failure(const boost::system::error_code& ec, const proxy_server& proxy,
                           std::string_view doing);

}  // namespace pricescrape::http
