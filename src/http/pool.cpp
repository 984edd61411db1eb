#include "http/pool.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace pricescrape::http {

std::size_t default_max_idle_total() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 4096;
  return std::clamp<std::size_t>(static_cast<std::size_t>(limit.rlim_cur / 4), 4, 4096);
}

void pool::drop(lru_list::iterator it) {
  auto origin = by_origin_.find(it->key);
  if (origin != by_origin_.end()) {
    std::erase(origin->second, it);
    if (origin->second.empty()) by_origin_.erase(origin);
  }
  it->conn->close();
  lru_.erase(it);
}

std::unique_ptr<connection> pool::take(const std::string& key,
                                       std::chrono::steady_clock::time_point now) {
  auto origin = by_origin_.find(key);
  while (origin != by_origin_.end() && !origin->second.empty()) {
    auto it = origin->second.back();  // most recently used first: warmest
    origin->second.pop_back();
    std::unique_ptr<connection> conn = std::move(it->conn);
    lru_.erase(it);
    if (now - conn->idle_since >= limits_.max_age || !conn->lowest().socket().is_open()) {
      ++counters_.expired;
      conn->close();
      continue;
    }
    if (!conn->clean_for_reuse()) {
      ++counters_.unread_dropped;
      conn->close();
      continue;
    }
    if (origin->second.empty()) by_origin_.erase(origin);
    return conn;
  }
  if (origin != by_origin_.end()) by_origin_.erase(origin);
  return nullptr;
}

void pool::put(const std::string& key, std::unique_ptr<connection> conn,
               std::chrono::steady_clock::time_point now) {
  if (limits_.per_origin == 0 || limits_.total == 0) {
    ++counters_.evicted;
    conn->close();
    return;
  }
  auto& mine = by_origin_[key];
  if (mine.size() >= limits_.per_origin) {
    ++counters_.evicted;
    drop(mine.front());  // may erase `mine` itself: looked up again below
  }
  if (lru_.size() >= limits_.total) {
    ++counters_.evicted;
    drop(lru_.begin());
  }
  conn->idle_since = now;
  lru_.push_back(entry{key, std::move(conn)});
  by_origin_[key].push_back(std::prev(lru_.end()));
}

std::size_t pool::shed(std::size_t n) {
  std::size_t closed = 0;
  while (closed < n && !lru_.empty()) {
    drop(lru_.begin());
    ++closed;
  }
  counters_.evicted += closed;
  return closed;
}

void pool::close_all() {
  for (auto& e : lru_) e.conn->close();
  lru_.clear();
  by_origin_.clear();
}

}  // namespace pricescrape::http
