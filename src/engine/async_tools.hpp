// Small waiting primitives for the io thread: a counting semaphore, a scoped slot, a
// list of sleepers that can be woken together, a scoped counter.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <unordered_set>
#include <utility>

namespace pricescrape::engine {

namespace asio = boost::asio;
inline constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

// A counting semaphore: a channel with N buffer slots. Sending takes a slot (and waits
// while all N are taken), receiving frees one. Waiters are served in FIFO order.
class async_semaphore {
 public:
  async_semaphore(asio::any_io_executor ex, std::size_t slots) : channel_(ex, slots) {}

  // False when the semaphore was closed (the batch is stopping).
  asio::awaitable<bool> acquire() {
    auto [ec] = co_await channel_.async_send(boost::system::error_code{}, nothrow_awaitable);
    co_return !ec;
  }
  void release() {
    channel_.try_receive([](boost::system::error_code) {});
  }
  // Fails every waiter and every later acquire().
  void close() {
    channel_.cancel();
    channel_.close();
  }

 private:
  asio::experimental::channel<void(boost::system::error_code)> channel_;
};

// Holds one slot of a semaphore and gives it back on every path out of a scope.
class slot_guard {
 public:
  slot_guard() = default;
  explicit slot_guard(async_semaphore& s) : sem_(&s) {}
  slot_guard(slot_guard&& other) noexcept : sem_(std::exchange(other.sem_, nullptr)) {}
  slot_guard& operator=(slot_guard&& other) noexcept {
    reset();
    sem_ = std::exchange(other.sem_, nullptr);
    return *this;
  }
  slot_guard(const slot_guard&) = delete;
  slot_guard& operator=(const slot_guard&) = delete;
  ~slot_guard() { reset(); }
  void reset() {
    if (sem_) std::exchange(sem_, nullptr)->release();
  }

 private:
  async_semaphore* sem_ = nullptr;
};

// Coroutines sleeping until a time or until woken: each sleeper has its own timer, so
// waking them all never disturbs one that starts sleeping afterwards.
class wait_list {
 public:
  explicit wait_list(asio::any_io_executor ex) : ex_(std::move(ex)) {}

  // Until `until`, wake_all() or close(). False once closed.
  asio::awaitable<bool> sleep_until(std::chrono::steady_clock::time_point until) {
    if (closed_) co_return false;
    asio::steady_timer timer(ex_, until);
    sleepers_.insert(&timer);
    co_await timer.async_wait(nothrow_awaitable);
    sleepers_.erase(&timer);
    co_return !closed_;
  }
  void wake_all() {
    for (auto* t : sleepers_) t->cancel();
  }
  void close() {
    closed_ = true;
    wake_all();
  }

 private:
  asio::any_io_executor ex_;
  std::unordered_set<asio::steady_timer*> sleepers_;
  bool closed_ = false;
};

// Counts a value up for as long as it lives, on every path out.
class count_guard {
 public:
  explicit count_guard(std::size_t& n) : n_(n) { ++n_; }
  count_guard(const count_guard&) = delete;
  count_guard& operator=(const count_guard&) = delete;
  ~count_guard() { --n_; }

 private:
  std::size_t& n_;
};

}  // namespace pricescrape::engine
