// Runs a batch: jobs from a source, admitted per host by its politeness policy, fetched
// and extracted concurrently, records to the sinks (DESIGN.md section 2).
#pragma once

#include <pricescrape/error.hpp>
#include <pricescrape/extract/extractor.hpp>
#include <pricescrape/fetch_hooks.hpp>
#include <pricescrape/host_gate.hpp>
#include <pricescrape/http/client.hpp>
#include <pricescrape/job_source.hpp>
#include <pricescrape/output/record.hpp>
#include <pricescrape/output/writer.hpp>
#include <pricescrape/record_sink.hpp>
#include <pricescrape/url_source.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape {

// How each host is treated (`--politeness`, `--rate`, `--delay`, `--robots`, ...).
struct politeness_options {
  enum class mode {
    adaptive,  // learn the pace each host accepts (default)
    fixed,     // `delay` between sends to a host, optionally jittered
    off,       // only the `max_rate` ceiling, Crawl-delay and the server's own pauses
  };
  mode how = mode::adaptive;
  double max_rate = 0;                 // requests/s per host, never exceeded; 0 = none
  std::chrono::milliseconds delay{0};  // fixed mode: gap between sends to one host
  bool jitter = false;                 // each gap uniform in [0.5, 1.5] x delay
  bool robots = false;                 // fetch and honour /robots.txt per host
  int retries = 2;                     // extra attempts after a transport error or 5xx
  int refusal_retries = 8;             // extra attempts after 429/503 (the pace adapts)
  std::chrono::milliseconds retry_after_cap{120'000};  // a longer pause fails the host
  std::chrono::milliseconds backoff_base{500};         // full jitter: U(0, base * 2^n), capped
  std::chrono::milliseconds backoff_cap{30'000};
};

// `--rate`'s value: "N", "N/s" or "N/m" (N > 0, decimals allowed) as requests per
// second; nullopt for anything else.
std::optional<double> parse_rate(std::string_view text);

// What one host's policy saw and settled at, for the summary and --stats.
struct host_report {
  std::string host;
  std::size_t requests = 0;    // attempts sent
  std::size_t refusals = 0;    // 429 and 503 answers
  std::size_t challenges = 0;  // bot challenge pages
  std::size_t pauses = 0;      // Retry-After / RateLimit pauses honoured
  std::size_t retries = 0;
  std::size_t rate_changes = 0;
  std::size_t peak_in_flight = 0;
  std::size_t robots_disallowed = 0;
  std::uint64_t bytes = 0;  // response bodies received, as sent (compressed), every attempt
  double settled_rate = 0;  // requests/s at the end; 0 = unpaced
  std::chrono::milliseconds latency_p50{0};
  std::chrono::milliseconds latency_p95{0};
  std::map<int, std::size_t> statuses;
  bool blocked = false;  // given up on (bot walls, or a pause over the cap)
};

struct engine_options {
  std::size_t concurrency = 10;     // requests in flight at most
  std::size_t per_host = 0;         // in flight per host at most; 0 = concurrency
  std::size_t extract_threads = 0;  // CPU pool for extraction; 0 = hardware threads
  // Jobs running at once (fetching, waiting at their host, extracting); bounds the
  // coroutines in memory. 0 = max(16 * concurrency, 1024).
  std::size_t max_active = 0;
  // Finished records held back by an ordered sink behind an unfinished earlier one. A
  // throttled host's slow URLs hold the output back, not the other hosts' work: these
  // are small, so many may wait. 0 = 65536 (about 40 MiB at most).
  std::size_t reorder_window = 0;
  bool handle_signals = true;    // SIGINT/SIGTERM stop the batch (off in tests)
  fetch_hooks* hooks = nullptr;  // conditional requests and change annotation (--state)
  host_gate* gate = nullptr;     // per-host pacing shared with other workers (a work queue)
  http::client_options http;
  politeness_options politeness;
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
  std::vector<host_report> hosts;  // busiest first

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
// job that was read has its record in every sink, after an interrupt, or after a sink
// failed (summary.output_failed). Every per-URL failure, a bug included, becomes that
// URL's record; a sink failure stops the batch at once. Unless one failed, every sink
// is finished (JSON array closed) before it returns.
batch_summary run_batch(job_source& input, std::span<record_sink* const> sinks,
                        const engine_options& options, const progress_fn& on_progress = {});

// The common case: one writer, in input order.
batch_summary run_batch(job_source& input, output::writer& out, const engine_options& options,
                        const progress_fn& on_progress = {});

}  // namespace pricescrape
