// DNS for the client: getaddrinfo off the I/O thread, under a deadline, cached per run.
#pragma once

#include <pricescrape/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pricescrape::http {

using endpoint_list = std::vector<boost::asio::ip::tcp::endpoint>;

// Why not asio::ip::tcp::resolver: in Boost 1.81 it runs getaddrinfo on one private
// thread, so lookups queue behind each other, and a running lookup cannot be cancelled
// or timed out. Here each new host gets its own short-lived thread, waiters give up at
// their deadline, concurrent lookups of one host share a single getaddrinfo, and
// answers are reused for `ttl`.
class resolver {
 public:
  explicit resolver(boost::asio::any_io_executor io,
                    std::chrono::seconds ttl = std::chrono::seconds(300));
  ~resolver();
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  // IP literals resolve immediately. Errors: dns (no such host), timeout, cancelled.
  boost::asio::awaitable<outcome<endpoint_list>> resolve(
      std::string host, std::string port, std::chrono::steady_clock::time_point deadline);

  // Wakes every waiter with `cancelled`; later calls fail the same way.
  void cancel_all();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace pricescrape::http
