// The state of nightly runs (`--state FILE`): what each URL showed last, the history of
// its changes, and the journal that lets an interrupted run resume. SQLite underneath
// (kept out of this header); every call blocks, so callers keep it off the io thread.
#pragma once

#include <pricescrape/output/record.hpp>
#include <pricescrape/output/sink.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::state {

// The state file cannot be opened, read or written ("cannot write state 'x.db':
// database or disk is full"). An output_error: a record that cannot be committed is
// lost output, which the app reports with exit code 3 like a failed write. At open
// time (before any request) the app reports it as a usage error instead.
class state_error : public output::output_error {
 public:
  using output::output_error::output_error;
};

// HTTP validators of the last response, for conditional requests.
struct validators {
  std::optional<std::string> etag;           // sent back as If-None-Match
  std::optional<std::string> last_modified;  // sent back as If-Modified-Since

  bool empty() const noexcept { return !etag && !last_modified; }
  friend bool operator==(const validators&, const validators&) = default;
};

// The last observation of one URL (see state::observed for what counts as one).
struct observation {
  std::optional<std::string> price;  // exact canonical decimal, as in the record
  std::optional<std::string> currency;
  std::optional<std::string> availability;
  std::optional<std::string> title;
  std::optional<int> status;
  std::string fetched_at;  // RFC 3339 UTC
  validators cache;

  // What a record shows of it as `previous`.
  output::previous_observation as_previous() const;
  friend bool operator==(const observation&, const observation&) = default;
};

// What a run read, to find an unfinished run of the same input again on --resume: the
// same absolute path, size and content.
struct input_identity {
  std::string path;
  std::uint64_t size = 0;
  std::string sha256;  // lower-case hex of the whole file

  friend bool operator==(const input_identity&, const input_identity&) = default;
};

// Reads `file` once: its absolute path, size and SHA-256. Throws std::runtime_error
// ("cannot read 'urls.txt': No such file or directory").
input_identity identify_input(const std::filesystem::path& file);

// A run that began and never finished (crash, kill -9, power loss, SIGTERM).
struct unfinished_run {
  std::int64_t id = 0;
  std::string started_at;
  // Input indices (record.index) whose records are committed, ascending: not to be
  // fetched again, their records re-emitted from the store.
  std::vector<std::size_t> committed;
};

// One finished record to commit under a run: the record (kept to re-emit it on a
// resume) and the validators of its response.
struct finished_record {
  output::record record;  // record.index is the input index
  validators cache;
};

// One row of a URL's history: a span of time over which price, currency and
// availability stayed the same.
struct history_row {
  std::string url;
  std::optional<std::string> price;
  std::optional<std::string> currency;
  std::optional<std::string> availability;
  std::string first_seen;  // RFC 3339 UTC
  std::string last_seen;

  friend bool operator==(const history_row&, const history_row&) = default;
};

struct store_options {
  // Creates the file when missing (runs); `history` opens an existing file only.
  bool create = true;
  // true: every commit is fsynced (SQLite synchronous=FULL), so a power loss cannot
  // undo a commit and nothing committed is fetched again. false: synchronous=NORMAL,
  // safe against crashes and kill -9 but not power loss.
  bool durable = true;
  // true: SQLite's own file locks are taken once and kept (locking_mode=EXCLUSIVE), which
  // saves a few system calls per lookup and commit, but `pricescrape history` cannot read
  // the file until this store is closed. For a run that holds the run_lock anyway.
  bool exclusive = false;
};

// One SQLite connection. Not thread-safe: one thread at a time (a state thread, never
// the io thread). Other processes may read meanwhile (WAL); writers are kept apart by
// run_lock, not by this class.
class store {
 public:
  // The schema this build writes. Files of an older version are migrated on open.
  static constexpr int schema_version = 2;

  // Opens (or creates) `file` in WAL mode and migrates its schema. Throws state_error
  // when the file is not a database, is of a newer schema than this build knows, holds
  // tables that are not ours, or cannot be created.
  explicit store(const std::filesystem::path& file, store_options options = {});
  ~store();
  store(store&&) noexcept;
  store& operator=(store&&) noexcept;

  // PRAGMA user_version of the open file (schema_version after a successful open).
  int version() const;

  // The last observation of `url`, with its validators; nullopt for a URL never observed.
  std::optional<observation> lookup(std::string_view url);

  // Starts a run of `input`. Unfinished runs of the same input path are marked
  // abandoned (their journal dropped): only the latest run of a list can be resumed.
  std::int64_t begin_run(const input_identity& input, std::chrono::system_clock::time_point now);

  // The latest unfinished run of exactly this input (path, size and hash), if any.
  std::optional<unfinished_run> find_unfinished_run(const input_identity& input);

  // Commits a batch in one transaction: each record goes to the run's journal; each
  // observed one (state::observed) also replaces its URL's observation and extends or
  // grows its history. A 304 record keeps the stored validators unless it brings new
  // ones. Throws state_error, in which case nothing of the batch is stored.
  void commit(std::int64_t run_id, std::span<const finished_record> batch);

  // The committed record of `index` in run `run_id`, as it was committed.
  std::optional<output::record> stored_record(std::int64_t run_id, std::size_t index);
  // Every committed record of the run with index in [first, last), in index order.
  void for_each_record(std::int64_t run_id, std::size_t first, std::size_t last,
                       const std::function<void(output::record&&)>& each);

  // Marks the run finished and drops its journal (the records are in the output now).
  void finish_run(std::int64_t run_id, std::chrono::system_clock::time_point now);

  // History rows of `urls` (all URLs when empty), by URL and then in time order.
  void history(std::span<const std::string> urls,
               const std::function<void(const history_row&)>& each);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pricescrape::state
