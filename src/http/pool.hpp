// Idle keep-alive connections: capped per origin and overall, oldest dropped first.
#pragma once

#include "http/connection.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace pricescrape::http {

// A default for the overall cap when none is set: a quarter of the soft RLIMIT_NOFILE
// (at least 4, at most 4096), so idle sockets never crowd out the ones in use. Each
// idle connection holds a file descriptor; 1,500 origins at one each once exhausted a
// 1,024 limit while half of them sat idle.
std::size_t default_max_idle_total() noexcept;

class pool {
 public:
  struct limits {
    std::size_t per_origin = 10;
    std::size_t total = 64;
    std::chrono::milliseconds max_age{30'000};  // idle longer than this: dropped
  };

  struct counters {
    std::uint64_t evicted = 0;         // closed to stay within a cap
    std::uint64_t unread_dropped = 0;  // closed at take: bytes or a FIN arrived while idle
    std::uint64_t expired = 0;         // closed at take: idle too long, or already closed
  };

  explicit pool(limits l) : limits_(l) {}
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  ~pool() { close_all(); }

  // The most recently used idle connection to `key` that can take a request, or null.
  // Connections found unusable on the way are closed.
  std::unique_ptr<connection> take(const std::string& key,
                                   std::chrono::steady_clock::time_point now);

  // Keeps `conn` idle for `key`; the caller has checked that it is clean for reuse.
  void put(const std::string& key, std::unique_ptr<connection> conn,
           std::chrono::steady_clock::time_point now);

  // Closes up to `n` of the oldest idle connections; returns how many were closed.
  std::size_t shed(std::size_t n);

  void close_all();

  std::size_t size() const noexcept { return lru_.size(); }
  const counters& stats() const noexcept { return counters_; }

 private:
  struct entry {
    std::string key;
    std::unique_ptr<connection> conn;
  };
  using lru_list = std::list<entry>;  // front: idle longest

  void drop(lru_list::iterator it);

  limits limits_;
  lru_list lru_;
  std::unordered_map<std::string, std::deque<lru_list::iterator>> by_origin_;  // back: newest
  counters counters_;
};

}  // namespace pricescrape::http
