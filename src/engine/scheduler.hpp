// Admission (DESIGN.md section 2): a request goes out when its host's policy says so
// and a global slot is free. A request that waits (paced, paused, backing off, or for
// its host's in-flight limit) holds no global slot and no body slot, so other hosts go
// on at full speed while one is throttled.
#pragma once

#include "engine/async_tools.hpp"
#include "engine/host_controller.hpp"
#include "engine/robots.hpp"

#include <pricescrape/engine.hpp>
#include <pricescrape/host_gate.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pricescrape::engine {

// A host's waiting requests in job order: only the lowest index asks the host, so the
// output's head is never starved by later jobs and an interrupt leaves a prefix. Each
// waiter sleeps on its own timer; a finished request wakes only the head.
class admission_queue {
 public:
  // Holds a job's place from construction to destruction; leaving wakes the next head.
  class place {
   public:
    place(admission_queue& q, std::size_t index, asio::any_io_executor ex);
    place(const place&) = delete;
    place& operator=(const place&) = delete;
    ~place();
    bool is_head() const;
    // Until `until` or a wake; false once the queue is closed.
    asio::awaitable<bool> sleep_until(time_point until);

   private:
    admission_queue& queue_;
    std::size_t index_;
    asio::steady_timer timer_;
  };

  void wake_head();
  void close();

 private:
  std::map<std::size_t, asio::steady_timer*> waiting_;  // by job index
  bool closed_ = false;
};

// Everything one host has learned, in one object: its controller (pace, in-flight
// limit, pauses, backoff, blocked), robots.txt, and the requests waiting for it.
struct host_policy {
  host_policy(std::string host_key, const host_settings& settings, asio::any_io_executor ex,
              std::uint64_t seed);

  enum class robots_state { unknown, fetching, known };

  std::string key;
  host_controller controller;
  admission_queue queue;  // requests of this host waiting for a pace, pause or slot
  wait_list waiting;      // requests backing off before they queue, or waiting for robots
  robots_state robots = robots_state::unknown;
  robots_rules rules;
  std::size_t robots_disallowed = 0;
  std::uint64_t bytes = 0;  // response bodies received, as sent (fetch_result::body_bytes)
};

// One in-flight slot shared through a host_gate, given back on every path out.
class shared_slot {
 public:
  shared_slot() = default;
  shared_slot(host_gate* gate, std::string host, std::string slot)
      : gate_(gate), host_(std::move(host)), slot_(std::move(slot)) {}
  shared_slot(shared_slot&& other) noexcept
      : gate_(std::exchange(other.gate_, nullptr)),
        host_(std::move(other.host_)),
        slot_(std::move(other.slot_)) {}
  shared_slot& operator=(shared_slot&& other) noexcept {
    reset();
    gate_ = std::exchange(other.gate_, nullptr);
    host_ = std::move(other.host_);
    slot_ = std::move(other.slot_);
    return *this;
  }
  shared_slot(const shared_slot&) = delete;
  shared_slot& operator=(const shared_slot&) = delete;
  ~shared_slot() { reset(); }
  void reset() {
    if (auto* gate = std::exchange(gate_, nullptr); gate && !slot_.empty())
      gate->release(host_, slot_);
  }

 private:
  host_gate* gate_ = nullptr;
  std::string host_;
  std::string slot_;
};

// A request allowed out: the slots it holds, and when it went.
struct ticket {
  slot_guard body;     // held until the page is extracted (bounds pages in memory)
  slot_guard global;   // held until the response is read
  shared_slot shared;  // the host's in-flight slot among all workers, held as long
  time_point sent_at{};
};

class scheduler {
 public:
  // `concurrency` requests in flight at most; `bodies` pages between fetch and the end
  // of their extraction at most.
  scheduler(asio::any_io_executor ex, std::size_t concurrency, std::size_t bodies,
            host_settings settings, host_gate* gate = nullptr, std::size_t shared_in_flight = 0);

  // The host's policy, made on first use; it lives as long as the batch.
  host_policy& host(const std::string& key);

  // Waits until `h` allows job `index`'s request and both slots are free, no earlier
  // than `not_before`; then counts the request as sent at its host. An error when the
  // host was given up on (rate_limited, blocked) or the batch is stopping (cancelled).
  asio::awaitable<outcome<ticket>> admit(host_policy& h, std::size_t index, time_point not_before);

  // One slot for a request that is not paced (robots.txt).
  asio::awaitable<outcome<slot_guard>> global_slot();

  // Feeds an attempt's outcome back to its host, wakes the host's waiters, and says
  // what changed (for -v).
  host_change finished(host_policy& h, const attempt_outcome& outcome);

  // Fails every wait, now and later.
  void stop();
  bool stopping() const noexcept { return stopping_; }

  // Per-host figures for the summary, busiest hosts first.
  std::vector<host_report> reports() const;

 private:
  asio::any_io_executor ex_;
  async_semaphore global_;
  async_semaphore bodies_;
  host_settings settings_;
  host_gate* gate_;               // pacing shared with other workers (a work queue), or null
  std::size_t shared_in_flight_;  // --per-host across the workers sharing gate_; 0 = none
  std::map<std::string, std::unique_ptr<host_policy>> hosts_;
  std::uint64_t next_seed_;
  bool stopping_ = false;
};

scrape_error host_failure_error(host_failure failure, const std::string& message);

}  // namespace pricescrape::engine
