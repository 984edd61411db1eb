#include "http/resolver.hpp"

#include <pricescrape/url_source.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace pricescrape::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

struct lookup {
  bool done = false;
  outcome<endpoint_list> result{scrape_error{error_kind::dns, "lookup not finished"}};
  std::vector<asio::steady_timer*> waiters;
};

outcome<endpoint_list> blocking_lookup(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
  if (rc == EAI_SYSTEM && (errno == EMFILE || errno == ENFILE)) {
    // The lookup needed a socket and got none: a resource problem, not a bad name.
    return scrape_error{error_kind::connect,
                        "cannot resolve host '" + host +
                            "': the process ran out of file descriptors; lower -c or raise "
                            "ulimit -n"};
  }
  if (rc != 0) {
    return scrape_error{error_kind::dns,
                        "cannot resolve host '" + host + "': " + ::gai_strerror(rc)};
  }
  endpoint_list out;
  for (auto* ai = list; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    tcp::endpoint ep;
    std::memcpy(ep.data(), ai->ai_addr, ai->ai_addrlen);
    ep.resize(ai->ai_addrlen);
    if (std::find(out.begin(), out.end(), ep) == out.end()) out.push_back(ep);
  }
  ::freeaddrinfo(list);
  if (out.empty())
    return scrape_error{error_kind::dns, "host '" + host + "' has no IPv4 or IPv6 address"};
  return out;
}

}  // namespace

struct resolver::impl : std::enable_shared_from_this<impl> {
  struct cached {
    endpoint_list endpoints;
    steady::time_point expires;
  };

  asio::any_io_executor io;
  std::chrono::seconds ttl;
  bool cancelled = false;
  std::unordered_map<std::string, cached> cache;
  std::unordered_map<std::string, std::shared_ptr<lookup>> pending;
  // Lookup threads post their answer back only while the resolver lives: the mutex
  // makes "check alive, then post" atomic against the destructor.
  std::mutex alive_mutex;
  bool alive = true;

  void finish(const std::string& key, outcome<endpoint_list> result) {
    auto it = pending.find(key);
    if (it == pending.end()) return;
    auto lk = it->second;
    pending.erase(it);
    if (result) cache[key] = cached{*result, steady::now() + ttl};
    lk->result = std::move(result);
    lk->done = true;
    for (auto* t : lk->waiters) t->cancel();
  }

  void start(const std::string& key, const std::string& host, const std::string& port) {
    std::thread([self = shared_from_this(), key, host, port] {
      auto result = blocking_lookup(host, port);
      std::lock_guard lock(self->alive_mutex);
      if (!self->alive) return;
      asio::post(self->io, [self, key, result = std::move(result)]() mutable {
        self->finish(key, std::move(result));
      });
    }).detach();
  }
};

resolver::resolver(asio::any_io_executor io, std::chrono::seconds ttl)
    : impl_(std::make_shared<impl>()) {
  impl_->io = std::move(io);
  impl_->ttl = ttl;
}

resolver::~resolver() {
  std::lock_guard lock(impl_->alive_mutex);
  impl_->alive = false;
}

void resolver::cancel_all() {
  impl_->cancelled = true;
  for (auto& [key, lk] : impl_->pending)
    for (auto* t : lk->waiters) t->cancel();
}

asio::awaitable<outcome<endpoint_list>> resolver::resolve(std::string host, std::string port,
                                                          steady::time_point deadline) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  const auto port_number = parse_port(port);
  if (!port_number || *port_number == 0)  // callers pass checked ports; never throw on one
    co_return scrape_error{error_kind::invalid_url, "invalid port '" + port + "'"};
  if (!ec) co_return endpoint_list{tcp::endpoint(address, *port_number)};
  auto self = impl_;  // the frame keeps the state alive across suspension
  if (self->cancelled) co_return scrape_error{error_kind::cancelled, "cancelled before DNS lookup"};

  const std::string key = host + ':' + port;
  if (auto it = self->cache.find(key); it != self->cache.end()) {
    if (it->second.expires > steady::now()) co_return it->second.endpoints;
    self->cache.erase(it);
  }
  auto& slot = self->pending[key];
  if (!slot) {
    slot = std::make_shared<lookup>();
    self->start(key, host, port);
  }
  auto lk = slot;
  while (!lk->done) {
    asio::steady_timer timer(self->io, deadline);
    lk->waiters.push_back(&timer);
    auto [wait_ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase(lk->waiters, &timer);
    if (lk->done) break;
    if (self->cancelled)
      co_return scrape_error{error_kind::cancelled,
                             "cancelled during DNS lookup of '" + host + "'"};
    if (!wait_ec)
      co_return scrape_error{error_kind::timeout, "timed out resolving host '" + host + "'"};
  }
  co_return lk->result;
}

}  // namespace pricescrape::http
