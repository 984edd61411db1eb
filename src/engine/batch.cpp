// The batch: wires a job source, the scheduler (host policies), the fetcher, the
// extraction pool and the record sinks (DESIGN.md section 2). Everything here runs on
// the io thread, except the reader (job_feed) and the extractions (extraction_pool).
#include <pricescrape/detail/cpu_clock.hpp>
#include <pricescrape/engine.hpp>

#include "engine/async_tools.hpp"
#include "engine/attempt.hpp"
#include "engine/extraction_pool.hpp"
#include "engine/job_feed.hpp"
#include "engine/scheduler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

#include <sys/resource.h>

namespace pricescrape {

using namespace engine;

namespace {

using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

// Everything one run shares. Lives on the io thread.
struct batch : attempt_context {
  batch(asio::io_context& io_ctx, extraction_pool& extraction, job_feed& job_reader,
        job_source& source, std::span<record_sink* const> record_sinks, const engine_options& opts,
        const progress_fn& progress, batch_summary& result)
      : attempt_context(opts, io_ctx.get_executor(), opts.concurrency + extraction.threads()),
        io(io_ctx),
        pool(extraction),
        feed(job_reader),
        input(source),
        sinks(record_sinks),
        window_wake(io_ctx),
        on_progress(progress),
        summary(result) {
    max_active =
        opts.max_active ? opts.max_active : std::max<std::size_t>(16 * opts.concurrency, 1024);
    max_held = opts.reorder_window ? opts.reorder_window : 65536;
  }

  asio::io_context& io;
  extraction_pool& pool;
  job_feed& feed;
  job_source& input;
  std::span<record_sink* const> sinks;
  asio::steady_timer window_wake;
  std::optional<asio::signal_set> signals;
  const progress_fn& on_progress;
  batch_summary& summary;

  std::size_t max_active = 0;
  std::size_t max_held = 0;
  std::size_t pages_held = 0;  // fetched and not yet extracted (see batch_summary)
  std::size_t active = 0;
  bool reading_done = false;
  std::exception_ptr failure;

  // Records taken by a sink but held back: they count against the window as much as
  // running jobs do.
  std::size_t held() const {
    std::size_t most = 0;
    for (const auto* s : sinks) most = std::max(most, s->held());
    return most;
  }

  record_tally taken;  // records every sink has taken

  // The summary counts what the first sink really wrote, when it keeps count.
  void sync_counts() {
    const record_tally* t = sinks.empty() ? nullptr : sinks.front()->tally();
    const record_tally& use = t ? *t : taken;
    summary.records = use.records;
    summary.ok = use.ok;
    summary.by_kind = use.by_kind;
  }

  void finish_record(const output::record& r) {
    // After a failed write nothing more can be written; the batch is stopping.
    if (summary.output_failed) return;
    const auto cpu_start = detail::thread_cpu_ns();
    try {
      for (auto* s : sinks) s->put(r);
      taken.add(r);
      input.done(r.index);
    } catch (const output::output_error& e) {
      fail_output({e.what(), e.error_number()});
    } catch (const std::exception& e) {
      fail_output({std::string("cannot write the output: ") + e.what(), 0});
    }
    sync_counts();
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
    pool.stop();
    feed.stop();
    client.cancel_all();
    sched.stop();
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

std::string now_utc() { return output::format_utc(std::chrono::system_clock::now()); }

// The page, from the pool back to the record.
asio::awaitable<void> extract_into(batch& b, output::record& r, http::fetch_result fetched) {
  count_guard held(b.pages_held);
  b.summary.peak_pages_held = std::max(b.summary.peak_pages_held, b.pages_held);
  auto ex = co_await b.pool.extract(std::move(fetched.body), std::move(fetched.content_type),
                                    fetched.final_url);
  if (ex) {
    b.add_extraction_times(ex->times);
    fill_record(r, std::move(*ex));
  } else {
    r.error = scrape_error{error_kind::cancelled, "cancelled while the page was being extracted"};
  }
}

// Starts the hooks' before_fetch; its answer is posted to the io thread, on an executor
// that counts as outstanding work, so io.run() keeps going while the hooks look up.
// A named type, not a lambda: g++ 12 mishandles lambda temporaries in co_await.
struct hooks_initiation {
  fetch_hooks* hooks;
  const job* j;
  asio::any_io_executor io;

  template <class Handler>
  void operator()(Handler handler) const {
    auto held = std::make_shared<Handler>(std::move(handler));
    auto tracked = asio::prefer(io, asio::execution::outstanding_work.tracked);
    hooks->before_fetch(*j, [held, tracked](fetch_prior prior) {
      asio::post(tracked, [held, p = std::move(prior)]() mutable { (*held)(std::move(p)); });
    });
  }
};

// The hooks' before_fetch, awaited: they answer from their own thread, and the job
// resumes on the io thread.
asio::awaitable<fetch_prior> ask_hooks(fetch_hooks& hooks, const job& j) {
  const auto io = co_await asio::this_coro::executor;
  const hooks_initiation start{&hooks, &j, io};
  fetch_prior prior =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(fetch_prior)>(
          start, asio::use_awaitable);
  co_return prior;
}

// A 304 to our conditional request is a success that repeats what was stored.
void repeat_not_modified(output::record& r, http::fetch_result& page, const fetch_prior& prior) {
  const auto& stored = *prior.not_modified;
  page.error.reset();
  r.price = stored.price;
  r.currency = stored.currency;
  r.availability = stored.availability;
  r.title = stored.title;
  r.source = stored.source;
  if (!r.price) r.error = scrape_error{error_kind::no_price, "no price found on the page"};
}

bool is_not_modified(const http::fetch_result& page, const fetch_prior& prior) {
  return prior.not_modified && page.status == 304 && page.error &&
         page.error->kind == error_kind::http_status;
}

// One job from admission to its record; nullopt when the job is dropped (it never
// started and lies beyond every started one: see attempt_context::max_started).
asio::awaitable<std::optional<output::record>> process_job(batch& b, job j) {
  if (j.finished) {
    // A resumed run's committed record: written again, never fetched again.
    b.mark_started(j.index);
    j.finished->index = j.index;
    co_return std::move(j.finished);
  }
  output::record r = base_record(j);
  if (j.invalid) {
    b.mark_started(j.index);
    r.error = std::move(j.invalid);
    co_return r;  // never fetched: no fetched_at
  }
  auto& host = b.sched.host(j.host);
  const auto start = steady::now();
  if (b.options.politeness.robots) {
    if (auto refused = co_await check_robots(b, host, j.url)) {
      if (b.stopping && !b.started_at_or_above(j.index)) co_return std::nullopt;
      b.mark_started(j.index);
      r.error = std::move(refused);
      // Never sent, yet the URL may have been observed before (by a run without
      // --robots): its record shows that as `previous`, as any failure's does.
      if (b.options.hooks) {
        const fetch_prior prior = co_await ask_hooks(*b.options.hooks, j);
        b.options.hooks->after_fetch(r, prior, header_fields{});
      }
      co_return r;  // never fetched: no fetched_at
    }
  }
  // The body slot comes back with the page and is held until its extraction ends: it
  // bounds the pages in memory at concurrency + pool threads (see scheduler::admit).
  fetch_prior prior;
  if (b.options.hooks) prior = co_await ask_hooks(*b.options.hooks, j);
  auto fetched = co_await fetch_politely(b, host, j.index, j.url, prior.headers);
  // Only an interrupt drops a job; a host given up on still gives each URL its record.
  if (fetched.never_sent && b.stopping && !b.started_at_or_above(j.index)) co_return std::nullopt;
  b.mark_started(j.index);

  r.final_url =
      fetched.page.final_url.empty() ? std::nullopt : std::optional(fetched.page.final_url);
  r.status = fetched.page.status;
  r.attempts = fetched.page.attempts;
  auto fields = std::move(fetched.page.fields);
  if (is_not_modified(fetched.page, prior))
    repeat_not_modified(r, fetched.page, prior);
  else if (fetched.page.error)
    r.error = std::move(fetched.page.error);
  else
    co_await extract_into(b, r, std::move(fetched.page));
  fetched.body_slot.reset();  // the body is gone: moved to the pool and freed there
  if (b.options.hooks) b.options.hooks->after_fetch(r, prior, fields);
  r.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
  // fetched_at says when a request for this URL went out and ended: a URL whose host was
  // given up (or whose run stopped) before its first request has none.
  if (!fetched.never_sent) r.fetched_at = now_utc();
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
    // No fetched_at: whether a request went out before the failure is not known.
  }
  if (!r) co_return;
  if (!r->ok())
    spdlog::debug("#{} {}: {}: {}", r->index, r->url, to_string(r->error->kind), r->error->message);
  b.finish_record(*r);
}

asio::awaitable<void> read_jobs(batch& b) {
  for (;;) {
    // Memory is bounded twice: jobs running at once, and records held back behind the
    // oldest unfinished job, however slow that one is (a paused host included).
    while (!b.stopping && (b.active >= b.max_active || b.held() >= b.max_held)) {
      b.window_wake.expires_at(steady::time_point::max());
      co_await b.window_wake.async_wait(nothrow_awaitable);
    }
    if (b.stopping) break;
    auto [ec, next] = co_await b.feed.channel().async_receive(nothrow_awaitable);
    if (ec || !next || b.stopping) break;
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

void finish_sinks(std::span<record_sink* const> sinks, batch_summary& summary) {
  if (summary.output_failed) return;
  const auto cpu_start = detail::thread_cpu_ns();
  try {
    for (auto* s : sinks) s->finish();
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

void run_on_io(batch& b, job_feed& feed) {
  if (b.options.handle_signals) {
    b.signals.emplace(b.io, SIGINT, SIGTERM);
    wait_for_signals(b);
  }
  // read_jobs is spawned before the reader starts: the spawn is outstanding work, so a
  // send the reader completes on its own thread never finds the work count at zero.
  asio::co_spawn(b.io, read_jobs(b), [&b](std::exception_ptr e) {
    if (e && !b.failure) {
      b.failure = e;
      b.stop();
    }
  });
  feed.start();
  try {
    b.io.run();
  } catch (...) {
    if (!b.failure) b.failure = std::current_exception();
  }
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

batch_summary run_batch(job_source& input, std::span<record_sink* const> sinks,
                        const engine_options& options, const progress_fn& on_progress) {
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
  extraction_pool pool(io, threads);
  job_feed feed(io, input);
  std::exception_ptr failure;
  {
    batch b(io, pool, feed, input, sinks, options, on_progress, summary);
    run_on_io(b, feed);
    feed.end(b.stopping);
    pool.end(b.stopping, summary);
    summary.http = b.client.stats();
    summary.hosts = b.sched.reports();
    failure = b.failure;
  }
  if (input.read_failed())
    spdlog::error("reading the input failed part-way; later lines were not scraped");
  finish_sinks(sinks, summary);
  fill_profile(summary, io_cpu_start);
  summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
  if (failure) std::rethrow_exception(failure);
  return summary;
}

batch_summary run_batch(job_source& input, output::writer& out, const engine_options& options,
                        const progress_fn& on_progress) {
  ordered_writer_sink sink(out);
  record_sink* const sinks[] = {&sink};
  return run_batch(input, sinks, options, on_progress);
}

}  // namespace pricescrape
