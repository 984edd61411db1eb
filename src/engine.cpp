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
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>

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
    const auto cpu_start = detail::thread_cpu_ns();
    reorder.put(std::move(r));
    out.flush();
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

  void stop() {
    if (stopping) return;
    stopping = true;
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

// A plain coroutine with by-value parameters, not a capturing lambda: g++ 12 destroys
// the captures of a coroutine lambda handed to co_spawn twice.
asio::awaitable<extract::extraction> extract_task(std::string body, std::string content_type,
                                                  std::string url) {
  try {
    co_return extract::extract_product({body, content_type, url});
  } catch (const std::exception& e) {
    extract::extraction failed;
    failed.error = scrape_error{
        error_kind::no_price, std::string("extraction failed (a bug, please report): ") + e.what()};
    co_return failed;
  }
}

// The DOM parse is the CPU-heavy step: it runs on the pool so the io thread keeps every
// connection moving.
asio::awaitable<extract::extraction> extract_on_pool(batch& b, std::string body,
                                                     std::string content_type, std::string url) {
  co_return co_await asio::co_spawn(
      b.cpu.get_executor(), extract_task(std::move(body), std::move(content_type), std::move(url)),
      asio::use_awaitable);
}

asio::awaitable<void> run_job(batch& b, job j) {
  output::record r = base_record(j);
  if (j.invalid) {
    b.mark_started(j.index);
    r.error = std::move(j.invalid);
    r.fetched_at = output::format_utc(std::chrono::system_clock::now());
    b.finish_record(std::move(r));
    co_return;
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
  const std::string& host = j.host;
  host_gate* gate = nullptr;
  slot_guard host_slot;
  if (b.per_host < b.options.concurrency) {
    auto& g = b.hosts[host];
    if (!g) g = std::make_unique<host_gate>(b.io.get_executor(), b.per_host);
    gate = g.get();
    ++gate->users;
  }
  bool admitted = gate ? co_await gate->sem.acquire() : true;
  if (admitted && gate) host_slot = slot_guard(gate->sem);
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
    ++b.in_flight;
    fetched = co_await b.client.fetch(j.url);
    --b.in_flight;
  }
  global_slot.reset();
  host_slot.reset();
  if (gate && --gate->users == 0 && !b.stopping) b.hosts.erase(host);
  if (never_started && (!b.max_started || j.index > *b.max_started)) co_return;  // see max_started

  r.final_url = fetched.final_url.empty() ? std::nullopt : std::optional(fetched.final_url);
  r.status = fetched.status;
  r.attempts = fetched.attempts;
  if (fetched.error) {
    r.error = std::move(fetched.error);
  } else {
    b.summary.peak_pages_held = std::max(b.summary.peak_pages_held, ++b.pages_held);
    auto ex = co_await extract_on_pool(b, std::move(fetched.body), std::move(fetched.content_type),
                                       fetched.final_url);
    --b.pages_held;
    b.add_extraction_times(ex.times);
    fill_record(r, std::move(ex));
  }
  body_slot.reset();  // the body is gone: moved to the pool and freed there
  r.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
  r.fetched_at = output::format_utc(std::chrono::system_clock::now());
  if (!r.ok())
    spdlog::debug("#{} {}: {}: {}", r.index, r.url, to_string(r.error->kind), r.error->message);
  b.finish_record(std::move(r));
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
    if (b.stopping) {
      // A second signal: the user wants out now, whatever is unfinished.
      std::_Exit(130);
    }
    spdlog::warn("received {}: stopping; in-flight URLs end as 'cancelled' (again to quit now)",
                 signo == SIGINT ? "SIGINT" : "SIGTERM");
    b.summary.interrupted = true;
    b.stop();
    wait_for_signals(b);
  });
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
  asio::thread_pool cpu(threads);
  std::exception_ptr failure;
  {
    batch b(io, cpu, threads, options, out, on_progress, summary);
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
    // Reading runs on its own thread: a slow producer on stdin (`tail -f | pricescrape`)
    // must never stall the io thread. The channel's 64 slots keep it just ahead.
    auto reader_state = std::make_shared<reader_control>();
    std::thread reader([&input, reader_state, jobs = b.jobs] {
      try {
        for (;;) {
          auto next = input.next();
          const bool last = !next;
          std::unique_lock lock(reader_state->mutex);
          if (reader_state->stop) break;  // the io_context may be gone: touch nothing
          auto sent = jobs->async_send(error_code{}, std::move(next), asio::use_future);
          lock.unlock();
          sent.get();
          if (last) break;
        }
      } catch (const std::exception&) {
        // The channel was closed: the batch is stopping.
      }
      reader_state->finished = true;
    });

    try {
      io.run();
    } catch (...) {
      if (!b.failure) b.failure = std::current_exception();
    }
    b.jobs->close();
    {
      std::lock_guard lock(reader_state->mutex);
      reader_state->stop = true;
    }
    // After a normal end the reader has sent its last message. After an interrupt it may
    // sit in a read of stdin that never returns (a terminal, `tail -f`): give it a moment,
    // then leave it behind; once `stop` is set it touches neither the channel nor us.
    if (summary.interrupted || b.failure) {
      for (int i = 0; i < 20 && !reader_state->finished; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (reader_state->finished || (!summary.interrupted && !b.failure))
      reader.join();
    else
      reader.detach();
    cpu.join();
    summary.http = b.client.stats();
    failure = b.failure;
  }
  if (input.read_failed())
    spdlog::error("reading the input failed part-way; later lines were not scraped");
  {
    const auto cpu_start = detail::thread_cpu_ns();
    out.finish();
    summary.profile.output_ns += detail::thread_cpu_ns() - cpu_start;
  }
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
  summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
  if (failure) std::rethrow_exception(failure);
  return summary;
}

}  // namespace pricescrape
