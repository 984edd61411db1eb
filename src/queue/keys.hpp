// A queue's keys. One hash tag ({name}) puts them all in one Redis Cluster slot, so the
// transactions and scripts that touch several of them work there too.
#pragma once

#include "queue/redis.hpp"

#include <pricescrape/output/record.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::queue {

struct keys {
  explicit keys(const std::string& name)
      : prefix("pricescrape:{" + name + "}:"),
        jobs(prefix + "jobs"),
        results(prefix + "results"),
        dead(prefix + "dead"),
        meta(prefix + "meta"),
        done(prefix + "done"),
        workers(prefix + "workers"),
        errors(prefix + "errors") {}

  std::string host(std::string_view host_key) const {
    return prefix + "host:" + std::string(host_key);
  }
  // A sorted set: the host's in-flight slots shared with --per-host (token -> expiry).
  std::string host_slots(std::string_view host_key) const { return host(host_key) + ":in-flight"; }

  std::string prefix;
  std::string jobs;     // stream: i (index), u (url), x (why the line is not a URL)
  std::string results;  // stream: i, w (worker), r (the record, encoded)
  std::string dead;     // stream: i, u, deliveries, error
  std::string meta;     // hash: enqueued (jobs numbered so far)
  std::string done;     // bitmap: a set bit per index with a record in `results`
  std::string workers;  // hash: worker -> records it sent
  std::string errors;   // hash: index -> its last transient failure's record, encoded
};

inline constexpr std::string_view group = "workers";

// An entry's field, or empty.
std::string field(const redis::reply& fields, std::string_view name);

std::string encode(const output::record& r);
std::optional<output::record> decode(std::string_view text);

// Logs a lost connection and sleeps the backoff; throws queue_error after
// `max_failures` in a row (0 = never).
void retry_pause(const std::string& why, std::size_t failures, std::size_t max_failures);

// Runs `fn(conn)` on `conn` (connected first if need be), reconnecting with backoff
// (and saying so) while Redis is unreachable. `fn` must be safe to run again.
// `before_retry`, when given, runs after each loss and may throw to stop retrying.
template <class Fn>
auto with_retry(const address& where, std::unique_ptr<redis::connection>& conn, Fn&& fn,
                std::size_t max_failures = 20, const std::function<void()>& before_retry = {}) {
  std::size_t failures = 0;
  for (;;) {
    try {
      if (!conn) conn = std::make_unique<redis::connection>(where);
      return fn(*conn);
    } catch (const redis::connection_error& e) {
      conn.reset();
      if (before_retry) before_retry();
      retry_pause(e.what(), ++failures, max_failures);
    }
  }
}

}  // namespace pricescrape::queue
