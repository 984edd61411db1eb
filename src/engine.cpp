#include <pricescrape/detail/cpu_clock.hpp>
#include <pricescrape/engine.hpp>
#include <pricescrape/extract/extractor.hpp>
#include <pricescrape/output/reorder_buffer.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <pricescrape/output/sink.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <sys/resource.h>

namespace pricescrape {

namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

// A counting semaphore: a channel with N buffer slots. Sending takes a slot (and waits
// while all N are taken), receiving frees one. Waiters are served in FIFO order.
class async_semaphore {
 public:
  async_semaphore(asio::any_io_executor ex, std::size_t slots) : channel_(ex, slots) {}

  // False when the semaphore was closed (the batch is stopping).
  asio::awaitable<bool> acquire() {
    auto [ec] = co_await channel_.async_send(error_code{}, nothrow_awaitable);
    co_return !ec;
  }
  void release() {
    channel_.try_receive([](error_code) {});
  }
  // Fails every waiter and every later acquire().
  void close() {
    channel_.cancel();
    channel_.close();
  }

 private:
  asio::experimental::channel<void(error_code)> channel_;
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
  ~slot_guard() { reset(); }
  void reset() {
    if (sem_) std::exchange(sem_, nullptr)->release();
  }

 private:
  async_semaphore* sem_ = nullptr;
};

using job_channel = asio::experimental::concurrent_channel<void(error_code, std::optional<job>)>;

// Shared by the engine and the reader thread, which may outlive the batch.
struct reader_control {
  std::mutex mutex;
  bool stop = false;  // guarded by mutex
  std::atomic<bool> finished{false};
};

// Shared by the engine and the extraction tasks on the pool, which may outlive the batch
// (see run_batch): the stop flag the extractor checks and a count of tasks not yet done.
struct pool_state {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> unfinished{0};
};

// Counts one pool task from its submission until it has run or was discarded, so the
// count also covers tasks still queued.
class pool_task_token {
 public:
  explicit pool_task_token(std::shared_ptr<pool_state> s) : state_(std::move(s)) {
    ++state_->unfinished;
  }
  pool_task_token(pool_task_token&& other) noexcept = default;
  pool_task_token& operator=(pool_task_token&&) = delete;
  ~pool_task_token() {
    if (state_) --state_->unfinished;
  }

 private:
  std::shared_ptr<pool_state> state_;
};

// One extraction's hand-off between its pool task and the job waiting on the io thread.
// The job may stop waiting (the batch stopped) and be gone before the task ends: then
// `abandoned` is set and the task touches nothing of the io side.
struct pending_extraction {
  std::mutex mutex;
  std::optional<extract::extraction> result;  // guarded by mutex
  bool abandoned = false;                     // guarded by mutex
  asio::steady_timer* wake = nullptr;         // io thread only; null once abandoned
};

struct host_gate {
  host_gate(asio::any_io_executor ex, std::size_t slots) : sem(ex, slots) {}
  async_semaphore sem;
  std::size_t users = 0;
};

// Everything one run shares. Lives on the io thread; no member is touched elsewhere,
// except `jobs` (a concurrent channel fed by the reader thread).
struct batch {
  batch(asio::io_context& io_ctx, asio::thread_pool& pool, std::size_t pool_threads,
        const engine_options& opts, output::writer& writer, const progress_fn& progress,
        batch_summary& result)
      : io(io_ctx),
        cpu(pool),
        options(opts),
        client(io_ctx.get_executor(), opts.http),
        out(writer),
        reorder([this](output::record&& r) { emit(std::move(r)); }),
        global(io_ctx.get_executor(), opts.concurrency),
        bodies(io_ctx.get_executor(), opts.concurrency + pool_threads),
        jobs(std::make_shared<job_channel>(io_ctx.get_executor(), 64)),
        window_wake(io_ctx),
        on_progress(progress),
        summary(result) {
    window = opts.reorder_window ? opts.reorder_window
                                 : std::max<std::size_t>(4 * opts.concurrency, 256);
    per_host = opts.per_host == 0 ? opts.concurrency : std::min(opts.per_host, opts.concurrency);
  }

  asio::io_context& io;
  asio::thread_pool& cpu;
  const engine_options& options;
  http::client client;
  output::writer& out;
  output::reorder_buffer reorder;
  async_semaphore global;
  // Pages admitted but not yet extracted: fetching, fetched and queued for the pool, or
  // being extracted. It bounds the bodies in memory; see run_job for its place.
  async_semaphore bodies;
  std::unordered_map<std::string, std::unique_ptr<host_gate>> hosts;
  std::shared_ptr<job_channel> jobs;
  std::shared_ptr<pool_state> pool_shared = std::make_shared<pool_state>();
  // Jobs waiting for their extraction: stop() wakes them so they end as cancelled.
  std::unordered_set<asio::steady_timer*> extracting;
  asio::steady_timer window_wake;
  std::optional<asio::signal_set> signals;
  const progress_fn& on_progress;
  batch_summary& summary;

  std::size_t window = 0;
  std::size_t pages_held = 0;  // fetched and not yet extracted (see batch_summary)
  std::size_t per_host = 0;
  std::size_t started = 0;
  std::size_t active = 0;
  std::size_t in_flight = 0;
  // The highest index that produced a record or sent a request. On interrupt, jobs
  // above it that never started are dropped, so the output stays a prefix of the input.
  std::optional<std::size_t> max_started;
  bool stopping = false;
  bool reading_done = false;
  std::exception_ptr failure;

  void emit(output::record&& r) {
    out.write(r);
    ++summary.records;
    if (r.ok())
      ++summary.ok;
    else
      ++summary.by_kind[static_cast<std::size_t>(r.error->kind)];
  }

  void mark_started(std::size_t index) {
    if (!max_started || index > *max_started) max_started = index;
  }

  void finish_record(output::record r) {
    // After a failed write nothing more can be written; the batch is stopping.
    if (summary.output_failed) return;
    const auto cpu_start = detail::thread_cpu_ns();
    // The counts say what was written: records handed to the writer but lost with a
    // failed flush are taken back out.
    const auto records_before = summary.records, ok_before = summary.ok;
    const auto by_kind_before = summary.by_kind;
    try {
      reorder.put(std::move(r));
      out.flush();
    } catch (const output::output_error& e) {
      fail_output({e.what(), e.error_number()});
    } catch (const std::exception& e) {
      fail_output({std::string("cannot write the output: ") + e.what(), 0});
    }
    if (summary.output_failed) {
      summary.records = records_before;
      summary.ok = ok_before;
      summary.by_kind = by_kind_before;
    }
    summary.profile.output_ns += detail::thread_cpu_ns() - cpu_start;
    window_wake.cancel();
    if (on_progress) on_progress({summary.records, summary.ok, in_flight});
  }

  void add_extraction_times(const extract::stage_times& t) {
    auto& p = summary.profile;
    p.charset_ns += t.charset_ns;
    p.parse_ns += t.parse_ns;
    p.extract_ns += t.extract_ns;
    ++p.pages_extracted;
    if (t.full_parse) ++p.full_parse_pages;
    if (t.visible_scan) ++p.visible_scan_pages;
  }

  // Every later record would be lost too: stop at once rather than fetch for nothing.
  void fail_output(output_failure what) {
    spdlog::debug("output failed: {}; stopping the batch", what.message);
    summary.output_failed = std::move(what);
    stop();
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    pool_shared->stop = true;
    for (auto* wake : extracting) wake->cancel();
    // close() fails waiting receivers only; cancel() then fails the reader's pending send
    // too, which would otherwise keep io.run() busy forever (a full channel is normal:
    // the reorder window holds the reader back). In this order, no send slips between.
    jobs->close();
    jobs->cancel();
    client.cancel_all();
    global.close();
    bodies.close();
    for (auto& [host, gate] : hosts) gate->sem.close();
    window_wake.cancel();
  }

  void maybe_done() {
    if (reading_done && active == 0 && signals) signals->cancel();
  }
};

output::record base_record(const job& j) {
  output::record r;
  r.index = j.index;
  r.url = j.url;
  return r;
}

}  // namespace

void fill_record(output::record& r, extract::extraction&& ex) {
  r.price = std::move(ex.found.price);
  r.currency = std::move(ex.found.currency);
  r.title = std::move(ex.found.title);
  r.availability = std::move(ex.found.availability);
  r.source = std::move(ex.found.source);
  if (!r.price) {
    r.error = ex.error ? std::move(*ex.error)
                       : scrape_error{error_kind::no_price, "no price found on the page"};
  }
}

namespace {

scrape_error internal_error(std::string_view doing, std::string_view what) {
  std::string message = "internal error while ";
  message += doing;
  message += " (a bug, please report): ";
  message += what;
  return {error_kind::internal, std::move(message)};
}

// Runs on a pool thread. Extraction never throws on bad input; an exception is a bug
// (or memory ran out) and becomes this page's record like any other failure.
extract::extraction extract_page(const std::string& body, const std::string& content_type,
                                 const std::string& url, const std::atomic<bool>& stop) {
  extract::extraction ex;
  if (stop) {
    ex.error = scrape_error{error_kind::cancelled, "cancelled before the page was extracted"};
    return ex;
  }
  try {
    extract::extract_options options;
    options.stop = &stop;
    return extract::extract_product({body, content_type, url}, options);
  } catch (const std::bad_alloc&) {
    ex.error = scrape_error{error_kind::internal, "out of memory while extracting the page"};
  } catch (const std::exception& e) {
    ex.error = internal_error("extracting the page", e.what());
  } catch (...) {
    ex.error = internal_error("extracting the page", "unknown exception");
  }
  return ex;
}

// Whatever way the job leaves the wait (result, stop, exception, destruction of its
// frame), the pool task is told nobody waits any more and stop() forgets the timer.
class extraction_wait {
 public:
  extraction_wait(batch& b, std::shared_ptr<pending_extraction> p, asio::steady_timer& wake)
      : b_(b), pending_(std::move(p)), wake_(wake) {
    pending_->wake = &wake_;
    b_.extracting.insert(&wake_);
  }
  extraction_wait(const extraction_wait&) = delete;
  extraction_wait& operator=(const extraction_wait&) = delete;
  ~extraction_wait() {
    b_.extracting.erase(&wake_);
    std::lock_guard lock(pending_->mutex);
    pending_->abandoned = true;
    pending_->wake = nullptr;
  }

 private:
  batch& b_;
  std::shared_ptr<pending_extraction> pending_;
  asio::steady_timer& wake_;
};

// The DOM parse is the CPU-heavy step: it runs on the pool so the io thread keeps every
// connection moving. The job waits on a timer the task cancels when done, not on the
// task itself, so a stop ends the wait at once (nullopt) however long the page takes:
// an interrupt never waits for extraction.
asio::awaitable<std::optional<extract::extraction>> extract_on_pool(batch& b, std::string body,
                                                                    std::string content_type,
                                                                    std::string url) {
  auto pending = std::make_shared<pending_extraction>();
  asio::steady_timer wake(b.io, steady::time_point::max());
  extraction_wait waiting(b, pending, wake);
  asio::post(b.cpu, [pending, pool = b.pool_shared, token = pool_task_token(b.pool_shared),
                     io = b.io.get_executor(), body = std::move(body),
                     content_type = std::move(content_type), url = std::move(url)]() mutable {
    auto ex = extract_page(body, content_type, url, pool->stop);
    std::lock_guard lock(pending->mutex);
    // Abandoned: the job is gone, and the io_context may be too. Otherwise the job is
    // still suspended in its wait, so the io_context is alive to take the post.
    if (pending->abandoned) return;
    pending->result = std::move(ex);
    asio::post(io, [pending] {
      if (pending->wake) pending->wake->cancel();
    });
  });
  for (;;) {
    {
      std::lock_guard lock(pending->mutex);
      if (pending->result) co_return std::move(*pending->result);
    }
    if (b.stopping) co_return std::nullopt;
    co_await wake.async_wait(nothrow_awaitable);
  }
}

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

// Holds a job's place at its host's gate, and drops an idle gate on every path out.
class gate_user {
 public:
  gate_user(batch& b, std::string host) : b_(b), host_(std::move(host)) {
    auto& g = b_.hosts[host_];
    if (!g) g = std::make_unique<host_gate>(b_.io.get_executor(), b_.per_host);
    gate_ = g.get();
    ++gate_->users;
  }
  gate_user(const gate_user&) = delete;
  gate_user& operator=(const gate_user&) = delete;
  ~gate_user() {
    if (--gate_->users == 0 && !b_.stopping) b_.hosts.erase(host_);
  }
  host_gate& gate() { return *gate_; }

 private:
  batch& b_;
  std::string host_;
  host_gate* gate_ = nullptr;
};

// One job from admission to its record; nullopt when the job is dropped (it never
// started and lies beyond every started one: see batch::max_started).
asio::awaitable<std::optional<output::record>> process_job(batch& b, job j) {
  output::record r = base_record(j);
  if (j.invalid) {
    b.mark_started(j.index);
    r.error = std::move(j.invalid);
    r.fetched_at = output::format_utc(std::chrono::system_clock::now());
    co_return r;
  }

  // Per-host gate first, then a body slot, then a global slot: a job waiting for a busy
  // host must not sit on a body or global slot that a job for another host could use.
  //
  // The body slot bounds memory. The global slot is given back right after the fetch, so
  // without it every fetched page (~230 KiB decoded) could queue for the extraction pool,
  // up to the reorder window (256+ pages) when extraction is the slower side. Taking it
  // before the fetch and keeping it until extraction ends caps the bodies held at
  // concurrency + pool threads: the pool always has up to `concurrency` pages ready, so it
  // never starves, and fetching goes on at full concurrency whenever the pool keeps up.
  // Taking it after the fetch instead would leave the fetched pages themselves unbounded
  // (or, holding the global slot while waiting, idle the connections for nothing).
  // No deadlock: every job takes host -> body -> global in that order, and a holder of a
  // body slot waits only for a global slot (held by fetches, which end under deadlines)
  // or for the pool (which needs no slot).
  std::optional<gate_user> gate;
  if (b.per_host < b.options.concurrency) gate.emplace(b, j.host);
  slot_guard host_slot;
  bool admitted = gate ? co_await gate->gate().sem.acquire() : true;
  if (admitted && gate) host_slot = slot_guard(gate->gate().sem);
  slot_guard body_slot;
  if (admitted) {
    admitted = co_await b.bodies.acquire();
    if (admitted) body_slot = slot_guard(b.bodies);
  }
  slot_guard global_slot;
  if (admitted) {
    admitted = co_await b.global.acquire();
    if (admitted) global_slot = slot_guard(b.global);
  }

  const auto start = steady::now();
  http::fetch_result fetched;
  const bool never_started = !admitted || b.stopping;
  if (never_started) {
    fetched.error = scrape_error{error_kind::cancelled, "cancelled before the request was sent"};
  } else {
    b.mark_started(j.index);
    count_guard in_flight(b.in_flight);
    fetched = co_await b.client.fetch(j.url);
  }
  global_slot.reset();
  host_slot.reset();
  gate.reset();
  if (never_started && (!b.max_started || j.index > *b.max_started)) co_return std::nullopt;

  r.final_url = fetched.final_url.empty() ? std::nullopt : std::optional(fetched.final_url);
  r.status = fetched.status;
  r.attempts = fetched.attempts;
  if (fetched.error) {
    r.error = std::move(fetched.error);
  } else {
    count_guard held(b.pages_held);
    b.summary.peak_pages_held = std::max(b.summary.peak_pages_held, b.pages_held);
    auto ex = co_await extract_on_pool(b, std::move(fetched.body), std::move(fetched.content_type),
                                       fetched.final_url);
    if (ex) {
      b.add_extraction_times(ex->times);
      fill_record(r, std::move(*ex));
    } else {
      r.error = scrape_error{error_kind::cancelled, "cancelled while the page was being extracted"};
    }
  }
  body_slot.reset();  // the body is gone: moved to the pool and freed there
  r.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
  r.fetched_at = output::format_utc(std::chrono::system_clock::now());
  co_return r;
}

// No exception escapes a job: one becomes the job's record (kind internal), and a write
// failure becomes the batch's output failure (in finish_record).
asio::awaitable<void> run_job(batch& b, job j) {
  const std::size_t index = j.index;
  std::string url = j.url;
  std::optional<output::record> r;
  std::optional<scrape_error> failure;
  try {
    r = co_await process_job(b, std::move(j));
  } catch (const std::bad_alloc&) {
    failure = scrape_error{error_kind::internal, "out of memory while handling the URL"};
  } catch (const std::exception& e) {
    failure = internal_error("handling the URL", e.what());
  } catch (...) {
    failure = internal_error("handling the URL", "unknown exception");
  }
  if (failure) {
    // Its record keeps the output a gap-free prefix of the input.
    b.mark_started(index);
    r.emplace();
    r->index = index;
    r->url = std::move(url);
    r->error = std::move(failure);
    r->fetched_at = output::format_utc(std::chrono::system_clock::now());
  }
  if (!r) co_return;
  if (!r->ok())
    spdlog::debug("#{} {}: {}: {}", r->index, r->url, to_string(r->error->kind), r->error->message);
  b.finish_record(std::move(*r));
}

asio::awaitable<void> read_jobs(batch& b) {
  for (;;) {
    // The reorder window bounds memory: never run further ahead of the oldest
    // unfinished job than `window` jobs, however slow that one is.
    while (!b.stopping && b.started - b.reorder.next_index() >= b.window) {
      b.window_wake.expires_at(steady::time_point::max());
      co_await b.window_wake.async_wait(nothrow_awaitable);
    }
    if (b.stopping) break;
    auto [ec, next] = co_await b.jobs->async_receive(nothrow_awaitable);
    if (ec || !next || b.stopping) break;
    ++b.started;
    ++b.active;
    asio::co_spawn(b.io, run_job(b, std::move(*next)), [&b](std::exception_ptr e) {
      --b.active;
      if (e && !b.failure) {
        b.failure = e;
        b.stop();
      }
      b.maybe_done();
    });
  }
  b.reading_done = true;
  b.maybe_done();
}

void wait_for_signals(batch& b) {
  b.signals->async_wait([&b](const error_code& ec, int signo) {
    if (ec) return;
    if (b.summary.interrupted) {
      // A second signal: the user wants out now, whatever is unfinished. The shell's
      // convention for death by a signal, as the first signal's exit code has it too.
      std::_Exit(128 + signo);
    }
    spdlog::warn("received {}: stopping; in-flight URLs end as 'cancelled' (again to quit now)",
                 signo == SIGINT ? "SIGINT" : "SIGTERM");
    b.summary.interrupted = true;
    b.summary.signal = signo;
    b.stop();
    wait_for_signals(b);
  });
}

// Reading runs on its own thread: a slow producer on stdin (`tail -f | pricescrape`)
// must never stall the io thread. The channel's 64 slots keep it just ahead.
std::thread start_reader(url_source& input, std::shared_ptr<reader_control> state,
                         std::shared_ptr<job_channel> jobs) {
  return std::thread([&input, state = std::move(state), jobs = std::move(jobs)] {
    try {
      for (;;) {
        auto next = input.next();
        const bool last = !next;
        std::unique_lock lock(state->mutex);
        if (state->stop) break;  // the io_context may be gone: touch nothing
        auto sent = jobs->async_send(error_code{}, std::move(next), asio::use_future);
        lock.unlock();
        sent.get();
        if (last) break;
      }
    } catch (const std::exception&) {
      // The channel was closed: the batch is stopping.
    }
    state->finished = true;
  });
}

// After a normal end the reader has sent its last message. After a stop it may sit in
// a read of stdin that never returns (a terminal, `tail -f`): give it a moment, then
// leave it behind; once `stop` is set it touches neither the channel nor us.
void end_reader(std::thread& reader, reader_control& state, bool stopped) {
  {
    std::lock_guard lock(state.mutex);
    state.stop = true;
  }
  if (stopped) {
    for (int i = 0; i < 20 && !state.finished; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (state.finished || !stopped)
    reader.join();
  else
    reader.detach();
}

// Waits for the extraction pool. After a stop, extractions check the stop flag and end
// within moments; one that does not (a page the extractor cannot interrupt) is left
// running with its pool: the pool is deliberately leaked, as destroying it would join
// the thread, and the summary says so, so the app can exit without waiting for it.
void end_pool(std::unique_ptr<asio::thread_pool>& cpu, const pool_state& state, bool stopped,
              batch_summary& summary) {
  if (stopped) {
    for (int i = 0; i < 50 && state.unfinished > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (const std::size_t left = state.unfinished; left > 0) {
      spdlog::debug("{} extraction(s) still running after the stop: not waiting for them", left);
      summary.abandoned_extractions = left;
      static_cast<void>(cpu.release());
      return;
    }
  }
  cpu->join();
}

void finish_output(output::writer& out, batch_summary& summary) {
  if (summary.output_failed) return;
  const auto cpu_start = detail::thread_cpu_ns();
  try {
    out.finish();
  } catch (const output::output_error& e) {
    summary.output_failed = output_failure{e.what(), e.error_number()};
  } catch (const std::exception& e) {
    summary.output_failed = output_failure{std::string("cannot write the output: ") + e.what(), 0};
  }
  summary.profile.output_ns += detail::thread_cpu_ns() - cpu_start;
}

void fill_profile(batch_summary& summary, std::uint64_t io_cpu_start) {
  auto& profile = summary.profile;
  profile.decode_ns = summary.http.decode_cpu_ns;
  const std::uint64_t io_cpu = detail::thread_cpu_ns() - io_cpu_start;
  const std::uint64_t io_accounted = profile.decode_ns + profile.output_ns;
  profile.fetch_tls_ns = io_cpu > io_accounted ? io_cpu - io_accounted : 0;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto to_ns = [](const timeval& tv) {
    return static_cast<std::uint64_t>(tv.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(tv.tv_usec) * 1000u;
  };
  profile.process_ns = to_ns(usage.ru_utime) + to_ns(usage.ru_stime);
}

}  // namespace

batch_summary run_batch(url_source& input, output::writer& out, const engine_options& options,
                        const progress_fn& on_progress) {
  const auto t0 = steady::now();
  // This thread is the io thread: its CPU time from here on is fetch+TLS, decompression
  // and output (the profile's io side).
  const auto io_cpu_start = detail::thread_cpu_ns();
  batch_summary summary;
  // Default concurrency hint on purpose: other threads (the reader, the extraction pool,
  // DNS lookups) start and finish work on this io_context, and the single-thread hint's
  // work accounting lost a batch to that in our stress runs.
  asio::io_context io;
  const std::size_t threads = options.extract_threads
                                  ? options.extract_threads
                                  : std::max(1u, std::thread::hardware_concurrency());
  auto cpu = std::make_unique<asio::thread_pool>(threads);
  std::exception_ptr failure;
  {
    batch b(io, *cpu, threads, options, out, on_progress, summary);
    if (options.handle_signals) {
      b.signals.emplace(io, SIGINT, SIGTERM);
      wait_for_signals(b);
    }

    // read_jobs is spawned before the reader thread starts: the spawn is outstanding
    // work, so a send that the reader completes on its own thread can never see the
    // work count at zero, which would stop the io_context before run() begins.
    asio::co_spawn(io, read_jobs(b), [&b](std::exception_ptr e) {
      if (e && !b.failure) {
        b.failure = e;
        b.stop();
      }
    });
    auto reader_state = std::make_shared<reader_control>();
    std::thread reader = start_reader(input, reader_state, b.jobs);

    try {
      io.run();
    } catch (...) {
      if (!b.failure) b.failure = std::current_exception();
    }
    b.jobs->close();
    end_reader(reader, *reader_state, b.stopping);
    end_pool(cpu, *b.pool_shared, b.stopping, summary);
    summary.http = b.client.stats();
    failure = b.failure;
  }
  if (input.read_failed())
    spdlog::error("reading the input failed part-way; later lines were not scraped");
  finish_output(out, summary);
  fill_profile(summary, io_cpu_start);
  summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
  if (failure) std::rethrow_exception(failure);
  return summary;
}

}  // namespace pricescrape
