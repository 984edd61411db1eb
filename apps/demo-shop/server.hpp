// The demo shop's HTTP and HTTPS listeners, its routes and its counters.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "content.hpp"
#include "limiter.hpp"

namespace pricescrape::demo_shop {

// What GET /__stats reports. Requests, in_flight and peak leave /__stats itself out.
struct shop_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t tls_handshakes = 0;
  std::uint64_t requests = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t peak_in_flight = 0;
};

// Everything a connection needs besides its socket. Shared by every session, so frames
// that the io_context destroys at shutdown can still touch it after the server is gone.
// /__fault/versioned/ANY: pages that all show one price under one ETag, which a test
// changes between runs (/__versioned/set), with each path's requests counted.
struct versioned_pages {
  std::string price = "5.00";
  std::string etag = "\"v1\"";
  std::unordered_map<std::string, std::uint64_t> hits;  // requests per path
  std::uint64_t not_modified = 0;                       // 304s sent
};

struct shop_state {
  shop_state(content_store pages, boost::asio::ssl::context tls_context, bool log_requests)
      : content(std::move(pages)), tls(std::move(tls_context)), verbose(log_requests) {}

  content_store content;
  boost::asio::ssl::context tls;
  bool verbose = false;
  shop_stats stats;
  // The listening ports, for routes that redirect to the other scheme.
  std::uint16_t http_port = 0;
  std::uint16_t https_port = 0;
  // /__fault/status hits per key, for the server's life.
  std::unordered_map<std::string, std::uint64_t> status_hits;
  // What each Host name was sent, its /__limit/ buckets and its robots.txt settings.
  traffic_book traffic;
  versioned_pages versioned;
};

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t http_port = 8080;
  std::uint16_t https_port = 8443;
};

// Two listeners (plain and TLS) on one io_context; one coroutine per connection.
class server {
 public:
  server(boost::asio::io_context& ioc, std::shared_ptr<shop_state> state, server_options options);
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds both ports (throws std::runtime_error when a port is taken) and starts accepting
  // once the io_context runs.
  void start();
  // Closes the listeners; open connections end when the io_context stops.
  void stop();

  std::uint16_t http_port() const { return http_acceptor_.local_endpoint().port(); }
  std::uint16_t https_port() const { return https_acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context& ioc_;
  std::shared_ptr<shop_state> state_;
  server_options options_;
  boost::asio::ip::tcp::acceptor http_acceptor_;
  boost::asio::ip::tcp::acceptor https_acceptor_;
};

}  // namespace pricescrape::demo_shop
