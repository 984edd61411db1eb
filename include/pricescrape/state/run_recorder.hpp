// A run with `--state`: the fetch hooks (conditional requests, `previous` and `changed`)
// and the record sink that commits each finished record under the run, both served by
// one state thread of its own, so SQLite never blocks the io thread.
#pragma once

#include <pricescrape/fetch_hooks.hpp>
#include <pricescrape/record_sink.hpp>
#include <pricescrape/state/store.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace pricescrape::state {

struct recorder_options {
  std::string min_change = "0";             // --min-change, canonical (parse_min_change)
  std::size_t batch = 64;                   // records a commit takes at most
  std::chrono::milliseconds interval{200};  // the longest a finished record waits uncommitted
  // Input indices whose records are committed already (a resumed run's): passed on by
  // the sinks, never committed again. Ascending.
  std::vector<std::size_t> committed;
};

// Owns the state thread; `db` is used on that thread only from construction until
// finish() or destruction. A record is committed at most `interval` after put(): a
// crash loses at most that much work, which a resume fetches again. The engine's
// done() acknowledgement does not wait for the commit (the file source needs none).
class run_recorder final : public fetch_hooks, public record_sink {
 public:
  run_recorder(store& db, std::int64_t run_id, recorder_options options);
  ~run_recorder() override;  // commits what is pending (an interrupted run stays resumable)
  run_recorder(const run_recorder&) = delete;
  run_recorder& operator=(const run_recorder&) = delete;

  // fetch_hooks: the lookup runs on the state thread.
  void before_fetch(const job& j, std::function<void(fetch_prior)> ready) override;
  void after_fetch(output::record& r, const fetch_prior& prior,
                   const header_fields& fields) override;

  // record_sink: queues the record for the next commit. Throws state_error once a
  // commit failed (the batch stops: a record that cannot be kept is lost output).
  void put(const output::record& r) override;
  // Commits the rest and waits for it. Throws state_error.
  void finish() override;

  // Counts for tests and --stats: commits made, records committed, lookups answered.
  std::size_t commits() const;
  std::size_t records_committed() const;
  std::size_t lookups() const;

 private:
  void run();
  void commit_pending(std::unique_lock<std::mutex>& lock);
  void check_failed() const;
  void stop_thread() noexcept;

  store& db_;
  std::int64_t run_id_;
  recorder_options options_;
  // io thread only: the validators of finished records until put() takes them.
  std::unordered_map<std::size_t, validators> validators_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> lookups_;
  std::vector<finished_record> pending_;
  std::chrono::steady_clock::time_point oldest_pending_{};
  bool stop_ = false;
  std::exception_ptr failure_;
  std::size_t commits_ = 0;
  std::size_t records_committed_ = 0;
  std::size_t lookups_done_ = 0;
  std::thread thread_;
};

// ETag and Last-Modified among response fields, as received (names in any case).
validators validators_from(const header_fields& fields);

}  // namespace pricescrape::state
