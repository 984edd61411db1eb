// Runs a batch: reads jobs lazily, fetches and extracts concurrently, writes in order.
#pragma once

#include <pricescrape/error.hpp>
#include <pricescrape/extract/extractor.hpp>
#include <pricescrape/http/client.hpp>
#include <pricescrape/output/record.hpp>
#include <pricescrape/output/writer.hpp>
#include <pricescrape/url_source.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace pricescrape {

struct engine_options {
  std::size_t concurrency = 10;     // requests in flight at most
  std::size_t per_host = 0;         // in flight per host at most; 0 = concurrency
  std::size_t extract_threads = 0;  // CPU pool for extraction; 0 = hardware threads
  std::size_t reorder_window = 0;   // jobs started ahead of the oldest unfinished one;
                                    // 0 = max(4 * concurrency, 256)
  bool handle_signals = true;       // SIGINT/SIGTERM stop the batch (off in tests)
  http::client_options http;
};

// CPU time by stage over a batch (`pricescrape --profile`), from thread CPU clocks. The
// io thread's share is split into decompression, output and the rest (fetch+TLS:
// sockets, TLS, HTTP parsing, scheduling); the extraction pool reports its own stages.
struct stage_profile {
  std::uint64_t fetch_tls_ns = 0;
  std::uint64_t decode_ns = 0;
  std::uint64_t charset_ns = 0;
  std::uint64_t parse_ns = 0;
  std::uint64_t extract_ns = 0;
  std::uint64_t output_ns = 0;
  std::uint64_t process_ns = 0;  // user+sys of the whole process (getrusage) at the end
  std::size_t pages_extracted = 0;
  std::size_t full_parse_pages = 0;    // gumbo built the tree
  std::size_t visible_scan_pages = 0;  // the visible page was scanned

  std::uint64_t stages_ns() const noexcept {
    return fetch_tls_ns + decode_ns + charset_ns + parse_ns + extract_ns + output_ns;
  }
  // What no stage accounts for: start-up, the reader and DNS threads, pool hand-offs.
  std::uint64_t other_ns() const noexcept {
    return process_ns > stages_ns() ? process_ns - stages_ns() : 0;
  }
};

// A record that could not be written: the batch stopped there, as every later record
// would be lost too.
struct output_failure {
  std::string message;   // "cannot write to stdout: No space left on device"
  int error_number = 0;  // errno of the failed call (ENOSPC, EPIPE, ...), or 0
};

struct batch_summary {
  std::size_t records = 0;  // records written
  std::size_t ok = 0;
  std::array<std::size_t, all_error_kinds.size()> by_kind{};  // indexed by error_kind
  std::chrono::milliseconds elapsed{0};
  bool interrupted = false;
  int signal = 0;  // SIGINT or SIGTERM when interrupted by one
  std::optional<output_failure> output_failed;
  // Extractions that ignored the stop and were still running when the batch ended:
  // their pool threads were left running, so the process should end without waiting
  // for them (std::_Exit once the output is complete).
  std::size_t abandoned_extractions = 0;
  http::client_stats http;
  stage_profile profile;
  // Most fetched pages in memory at once (fetched, waiting for the pool, or being
  // extracted): never more than concurrency + extraction threads.
  std::size_t peak_pages_held = 0;

  std::size_t failed() const noexcept { return records - ok; }
};

// Called on the io thread after each record is written (progress display).
struct progress_event {
  std::size_t done = 0;
  std::size_t ok = 0;
  std::size_t in_flight = 0;
};
using progress_fn = std::function<void(const progress_event&)>;

// Copies what extraction found into a record; a missing price becomes the record's
// error (no_price), while title and availability are kept.
void fill_record(output::record& r, extract::extraction&& found);

// Runs the whole batch on the calling thread (the io thread) and returns when every
// job that was read has its record written, after an interrupt, or after a write
// failed (summary.output_failed). Every per-URL failure, a bug included, becomes that
// URL's record; a write failure stops the batch at once. Unless writing failed, the
// writer is finished (JSON array closed) before it returns.
batch_summary run_batch(url_source& input, output::writer& out, const engine_options& options,
                        const progress_fn& on_progress = {});

}  // namespace pricescrape
