// A work queue on Redis Streams (`pricescrape enqueue | work | collect | queue-status`):
// jobs are stream entries read through a consumer group, acknowledged only once their
// record is in the results stream; a dead worker's entries are reclaimed, an entry
// delivered too often goes to a dead-letter stream with its last error. Redis stays out
// of this header: the client runs on threads of its own, never the io thread.
#pragma once

#include <pricescrape/host_gate.hpp>
#include <pricescrape/job_source.hpp>
#include <pricescrape/output/writer.hpp>
#include <pricescrape/record_sink.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::queue {

// Where Redis is: `redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS.
struct address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  bool tls = false;
  std::string user;      // ACL user; empty = the default user
  std::string password;  // empty = no AUTH
  int db = 0;
  std::string cacert;  // rediss: a CA file to trust instead of the system's (--queue-cacert)

  // For messages: the URL without its password.
  std::string display() const;
};

// The address in `url`, or the reason it is not one.
struct parsed_address {
  std::optional<address> where;
  std::string error;
};
parsed_address parse_address(std::string_view url);

// A queue name is what `--name` says: 1-64 of [A-Za-z0-9._-].
bool valid_queue_name(std::string_view name);

// The queue cannot be used: Redis refused us (password, database, a missing queue) or
// answered what a queue never holds. Fatal for the command.
class queue_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct queue_ref {
  address where;
  std::string name = "default";
};

// --- enqueue ---------------------------------------------------------------------
struct enqueue_result {
  std::size_t jobs = 0;
  std::size_t first_index = 0;  // the queue's index of the first line enqueued
};
// Adds every job of `lines` (invalid lines too: their record says why), numbering them
// after what the queue holds; `replace` deletes the queue's earlier jobs and results
// first. Blocking. Throws queue_error; a lost connection is retried with backoff.
enqueue_result enqueue(const queue_ref& q, job_source& lines, bool replace);

// --- queue-status ----------------------------------------------------------------
struct worker_status {
  std::string name;
  std::size_t in_flight = 0;  // entries delivered to it, not acknowledged
  std::size_t records = 0;    // records it put in the results stream
  std::int64_t idle_ms = 0;   // since it last read or acknowledged
};
struct queue_status {
  std::size_t enqueued = 0;
  std::size_t pending = 0;    // not yet delivered to a worker
  std::size_t in_flight = 0;  // delivered, not acknowledged
  std::size_t done = 0;       // jobs with a record (dead-lettered ones included)
  std::size_t dead = 0;       // jobs given up on after too many deliveries
  std::size_t results = 0;    // entries in the results stream (duplicates included)
  std::vector<worker_status> workers;
};
queue_status status(const queue_ref& q);

// --- collect ---------------------------------------------------------------------
struct collect_options {
  bool follow = false;  // keep waiting for more jobs' records after catching up
  // Asked between reads (about once a second): true stops the collector (a signal).
  std::function<bool()> stop_requested;
};
struct collect_result {
  std::size_t written = 0;
  std::size_t failed = 0;      // written records that carry an error
  std::size_t duplicates = 0;  // a job's second record (at-least-once), not written
  bool stopped = false;        // stop_requested ended it before every record was in
};
// Writes each job's record once, in input order, as they arrive in the results stream;
// returns once every enqueued job's record is written (unless following). Throws
// queue_error, and output::output_error when a write fails.
collect_result collect(const queue_ref& q, output::writer& out, const collect_options& options);

// --- work ------------------------------------------------------------------------
struct worker_options {
  std::chrono::milliseconds lease{30'000};  // an entry idle this long is reclaimed
  int max_deliveries = 3;                   // then it goes to the dead-letter stream
  std::size_t prefetch = 20;                // entries held at once (fetching or waiting) at most
  bool follow = false;                      // wait for new jobs when the queue is drained
  std::string consumer;                     // empty: "<hostname>-<pid>-<random>"
};

struct worker_stats {
  std::size_t delivered = 0;     // new entries read
  std::size_t reclaimed = 0;     // entries taken over from idle workers
  std::size_t records_sent = 0;  // records in the results stream, acknowledged
  std::size_t handed_back = 0;   // entries released for another try (transient errors, stop)
  std::size_t dead_lettered = 0;
  std::size_t reconnects = 0;
};

// The engine's source and sink on a queue: next() reads entries (blocking, on the
// engine's reader thread); put() sends a record with its acknowledgement from a thread
// of its own. A record of a transient failure (timeout, connection, refusal, a stop)
// hands the entry back instead, for this or another worker to try again.
class worker final : public job_source, public record_sink {
 public:
  worker(const queue_ref& q, worker_options options);
  ~worker() override;
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  std::optional<job> next() override;
  void put(const output::record& r) override;
  void finish() override;
  bool read_failed() const noexcept override;

  // After the batch: hands back what was read but not finished (an interrupt), so no
  // entry waits for the lease. Returns how many.
  std::size_t close();
  const std::string& consumer() const noexcept;
  worker_stats stats() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

// Per-host pacing across every worker of a queue: a GCRA slot reservation per host in a
// Lua script, with the pace and pauses the workers learned.
class cluster_gate final : public host_gate {
 public:
  explicit cluster_gate(const queue_ref& q);
  ~cluster_gate() override;
  void reserve(const std::string& host, std::chrono::microseconds gap,
               std::function<void(std::chrono::milliseconds)> ready) override;
  void learned(const std::string& host, double rate, std::chrono::milliseconds pause) override;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace pricescrape::queue
