// A worker's side of the queue: entries in (the engine's reader thread), records and
// acknowledgements out (a lane thread), leases kept and dead workers' entries reclaimed.
#include "queue/keys.hpp"

#include <pricescrape/url_source.hpp>

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <charconv>
#include <random>
#include <thread>
#include <unordered_map>

namespace pricescrape::queue {

namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long a flush waits for more records to join it.
constexpr std::chrono::milliseconds flush_linger{10};

std::string default_consumer() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
}

// Failures another try (here or on another worker, maybe another address) may cure.
bool is_transient(const output::record& r) {
  if (!r.error) return false;
  switch (r.error->kind) {
    case error_kind::dns:
    case error_kind::connect:
    case error_kind::timeout:
    case error_kind::rate_limited:
    case error_kind::blocked:
    case error_kind::cancelled:
    case error_kind::internal:
    case error_kind::proxy:
      return true;
    default:
      return false;
  }
}

// An entry this worker holds: what it needs to acknowledge it or to add it again.
struct entry {
  std::string id;
  std::string url;
  std::string invalid;       // the `x` field: why the line is not a URL
  long long deliveries = 1;  // this one included
};

std::optional<std::size_t> parse_number(std::string_view text) {
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

job job_of(std::size_t index, const redis::reply& fields) {
  const auto url = field(fields, "u");
  const auto invalid = field(fields, "x");
  if (invalid.empty()) return make_job(index, url);
  job j;
  j.index = index;
  j.url = url;
  j.invalid = scrape_error{error_kind::invalid_url, invalid};
  return j;
}

}  // namespace

struct worker::impl {
  impl(const queue_ref& q, worker_options o)
      : ref(q),
        opt(std::move(o)),
        k(q.name),
        consumer(opt.consumer.empty() ? default_consumer() : opt.consumer),
        out(q.where, "queue " + q.name + " (results)") {
    if (opt.prefetch == 0) opt.prefetch = 1;
    // A blocking read's wait: short, so a worker whose own last jobs finished sees the
    // queue drained soon after; a quarter of the lease at most, so leases are renewed.
    block = std::min<std::chrono::milliseconds>(
        200ms, std::max<std::chrono::milliseconds>(opt.lease / 4, 50ms));
  }

  queue_ref ref;
  worker_options opt;
  keys k;
  std::string consumer;
  std::chrono::milliseconds block{1000};

  // Reader side (the engine's reader thread; close() after the batch).
  std::mutex reader_mutex;
  std::unique_ptr<redis::connection> in;
  std::deque<job> buffer;
  steady::time_point next_renew{};
  steady::time_point next_reclaim{};
  bool failed = false;

  // Shared with the io thread and the lane.
  mutable std::mutex mutex;
  std::condition_variable room;
  std::unordered_map<std::size_t, entry> held;  // index -> read, not finished
  std::vector<std::pair<entry, output::record>> outbox;
  bool flush_posted = false;
  bool closing = false;
  worker_stats stats;

  redis::lane out;

  // --- reading --------------------------------------------------------------------
  struct stopping {};  // close() began while Redis was unreachable: read no more

  bool is_closing() const {
    std::lock_guard lock(mutex);
    return closing;
  }

  // `fn` on the reader's connection, reconnecting with backoff while Redis is away.
  template <class Fn>
  auto reading(Fn&& fn) {
    return with_retry(ref.where, in, std::forward<Fn>(fn), 0, [this] {
      if (is_closing()) throw stopping{};
    });
  }

  std::size_t free_room() {
    std::lock_guard lock(mutex);
    return held.size() >= opt.prefetch ? 0 : opt.prefetch - held.size();
  }

  // Takes entries (from XREADGROUP or XAUTOCLAIM) into the buffer. `delivered[i]` is
  // how often the group delivered entry i (1 for a new one); an entry's `d` field
  // carries the deliveries of the copies it replaced. One delivered too often goes to
  // the dead-letter stream instead; an index this worker holds already (its own entry
  // reclaimed) is not run twice. Returns the entries taken.
  std::size_t take(const redis::reply& entries, const std::vector<long long>& delivered) {
    std::size_t taken = 0;
    for (std::size_t n = 0; n < entries.elements.size(); ++n) {
      const auto& e = entries.elements[n];
      if (e.elements.size() < 2 || e.elements[1].is_nil()) continue;
      const auto& fields = e.elements[1];
      const auto index = parse_number(field(fields, "i"));
      if (!index) continue;  // not a job of ours
      entry got{e.elements[0].str, field(fields, "u"), field(fields, "x"),
                static_cast<long long>(parse_number(field(fields, "d")).value_or(0)) +
                    (n < delivered.size() ? delivered[n] : 1)};
      if (got.deliveries > opt.max_deliveries) {
        dead_letter(got, *index);
        continue;
      }
      std::lock_guard lock(mutex);
      if (held.count(*index)) continue;
      buffer.push_back(job_of(*index, fields));
      held[*index] = std::move(got);
      ++taken;
    }
    return taken;
  }

  // New entries, at most `count`; waits up to `block` for some when `wait` is set.
  std::size_t read_new(std::size_t count, bool wait) {
    redis::command_args read{"XREADGROUP", "GROUP", std::string(group),
                             consumer,     "COUNT", std::to_string(count)};
    if (wait) read.insert(read.end(), {"BLOCK", std::to_string(block.count())});
    read.insert(read.end(), {"STREAMS", k.jobs, ">"});
    const auto r = reading([&](redis::connection& c) { return c.command(read, block + 10s); });
    if (r.is_error()) throw queue_error("reading jobs from queue '" + ref.name + "': " + r.str);
    std::size_t got = 0;
    for (const auto& stream : r.elements)
      if (stream.elements.size() == 2) got += take(stream.elements[1], {});
    std::lock_guard lock(mutex);
    stats.delivered += got;
    return got;
  }

  // Keeps this worker's entries from looking abandoned: claiming them again resets
  // their idle time (JUSTID: the delivery count stays).
  void renew_leases() {
    redis::command_args claim{"XCLAIM", k.jobs, std::string(group), consumer, "0"};
    {
      std::lock_guard lock(mutex);
      for (const auto& [index, e] : held) claim.push_back(e.id);
    }
    if (claim.size() == 5) return;
    claim.push_back("JUSTID");
    reading([&](redis::connection& c) { return expect_ok(c.command(claim), "renewing leases"); });
  }

  void reclaim(std::size_t count);
  void dead_letter(const entry& e, std::size_t index);
  bool drained();
  void wait_for_room();
  std::optional<job> next();

  // --- writing --------------------------------------------------------------------
  void post_flush();
  void send(const std::vector<std::pair<entry, output::record>>& batch, redis::connection& c);
  using held_entry = std::pair<std::size_t, entry>;  // index, entry
  void hand_back(std::vector<held_entry> entries, std::vector<output::record> failures,
                 bool counted);
};

void worker::impl::reclaim(std::size_t count) {
  const auto r = reading([&](redis::connection& c) {
    return c.command({"XAUTOCLAIM", k.jobs, std::string(group), consumer,
                      std::to_string(opt.lease.count()), "0-0", "COUNT", std::to_string(count)});
  });
  if (r.is_error() || r.elements.size() < 2 || r.elements[1].elements.empty()) return;
  const auto& claimed = r.elements[1];
  // Each entry's delivery count (the claim included), in one round trip.
  std::vector<redis::command_args> ask;
  for (const auto& e : claimed.elements) {
    const auto id = e.elements.empty() ? std::string("0-0") : e.elements[0].str;
    ask.push_back({"XPENDING", k.jobs, std::string(group), id, id, "1"});
  }
  const auto info = reading([&](redis::connection& c) { return c.pipeline(ask); });
  std::vector<long long> delivered;
  for (const auto& pending : info) {
    long long d = 1;
    if (!pending.elements.empty() && pending.elements[0].elements.size() >= 4)
      d = pending.elements[0].elements[3].as_integer(1);
    delivered.push_back(d);
  }
  const auto taken = take(claimed, delivered);
  std::lock_guard lock(mutex);
  stats.reclaimed += taken;
}

// The entry was delivered too often and never finished: its last failure (or a note
// that no worker lived through it) becomes its record, and a copy goes to the
// dead-letter stream. One transaction with the acknowledgement.
void worker::impl::dead_letter(const entry& e, std::size_t index) {
  const auto tried = e.deliveries - 1;
  const auto last = reading([&](redis::connection& c) {
    return c.command({"HGET", k.errors, std::to_string(index)});
  });
  output::record r;
  if (auto decoded = decode(last.str)) r = std::move(*decoded);
  r.index = index;
  r.url = e.url;
  const auto tries = " (gave up after " + std::to_string(tried) + " deliveries)";
  if (r.error)
    r.error->message += tries;
  else
    r.error = scrape_error{error_kind::internal,
                           "no worker finished this URL" + tries + ": each died or stopped"};
  const auto reason = std::string(to_string(r.error->kind)) + ": " + r.error->message;
  const auto encoded = encode(r);
  reading([&](redis::connection& c) {
    const auto replies = c.pipeline(
        {{"MULTI"},
         {"XADD", k.dead, "*", "i", std::to_string(index), "u", e.url, "deliveries",
          std::to_string(tried), "error", reason},
         {"XADD", k.results, "*", "i", std::to_string(index), "w", consumer, "r", encoded},
         {"SETBIT", k.done, std::to_string(index), "1"},
         {"XACK", k.jobs, std::string(group), e.id},
         {"HDEL", k.errors, std::to_string(index)},
         {"EXEC"}});
    return expect_ok(replies.back(), "dead-lettering a job");
  });
  spdlog::warn("queue {}: {} goes to the dead-letter stream: {}", ref.name, e.url,
               r.error->message);
  std::lock_guard lock(mutex);
  ++stats.dead_lettered;
}

// Nothing undelivered (the read just found none) and nothing pending anywhere.
bool worker::impl::drained() {
  {
    std::lock_guard lock(mutex);
    if (!held.empty()) return false;
  }
  const auto r = reading([&](redis::connection& c) {
    return c.command({"XPENDING", k.jobs, std::string(group)});
  });
  if (!r.is_error() && !r.elements.empty() && r.elements[0].as_integer() != 0) return false;
  // Nothing pending: but an entry handed back (acknowledged and added again, in one
  // transaction) after the last read is undelivered now. One more read, not blocking.
  const std::size_t got = read_new(std::max<std::size_t>(free_room(), 1), false);
  std::lock_guard lock(mutex);
  return got == 0 && held.empty();
}

// Reads again only when a quarter of `prefetch` is free, so entries come in batches
// rather than one round trip per finished job; leases are renewed meanwhile.
void worker::impl::wait_for_room() {
  const std::size_t batch = std::max<std::size_t>(1, opt.prefetch / 4);
  auto has_room = [&] { return closing || held.size() + batch <= opt.prefetch; };
  for (;;) {
    {
      std::unique_lock lock(mutex);
      if (has_room()) return;
      room.wait_for(lock, block, has_room);
      if (has_room()) return;
    }
    if (steady::now() >= next_renew) {
      renew_leases();
      next_renew = steady::now() + opt.lease / 3;
    }
  }
}

std::optional<job> worker::impl::next() {
  std::lock_guard reader(reader_mutex);
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (closing || failed) return std::nullopt;
    }
    if (!buffer.empty()) {
      auto j = std::move(buffer.front());
      buffer.pop_front();
      return j;
    }
    wait_for_room();
    const auto now = steady::now();
    if (now >= next_renew) {
      renew_leases();
      next_renew = now + opt.lease / 3;
    }
    const auto room_left = free_room();
    if (room_left == 0) continue;
    if (now >= next_reclaim) {
      reclaim(room_left);
      next_reclaim = now + std::max<std::chrono::milliseconds>(opt.lease / 2, 100ms);
      if (!buffer.empty()) continue;
    }
    // The queue's end is found without waiting out a blocking read.
    if (read_new(room_left, false) > 0) continue;
    if (!opt.follow && drained()) return std::nullopt;
    read_new(room_left, true);
  }
}

void worker::impl::send(const std::vector<std::pair<entry, output::record>>& batch,
                        redis::connection& c) {
  std::vector<redis::command_args> cmds;
  cmds.push_back({"MULTI"});
  redis::command_args ack{"XACK", k.jobs, std::string(group)};
  redis::command_args forget{"HDEL", k.errors};
  for (const auto& [e, r] : batch) {
    const auto index = std::to_string(r.index);
    cmds.push_back({"XADD", k.results, "*", "i", index, "w", consumer, "r", encode(r)});
    cmds.push_back({"SETBIT", k.done, index, "1"});
    ack.push_back(e.id);
    forget.push_back(index);
  }
  cmds.push_back(std::move(ack));
  cmds.push_back(std::move(forget));
  cmds.push_back({"HINCRBY", k.workers, consumer, std::to_string(batch.size())});
  cmds.push_back({"EXEC"});
  const auto replies = c.pipeline(cmds, 30s);
  expect_ok(replies.back(), "storing records");
}

// One flush task at a time takes everything put so far; a retry after a lost
// connection sends the same batch again (collect drops a job's second record).
void worker::impl::post_flush() {
  auto batch = std::make_shared<std::vector<std::pair<entry, output::record>>>();
  out.post({[this, batch](redis::connection& c) {
              if (batch->empty()) {
                // A moment for more records to join: one transaction carries several
                // rather than one per finished job.
                std::this_thread::sleep_for(flush_linger);
                std::lock_guard lock(mutex);
                batch->swap(outbox);
                flush_posted = false;
              }
              if (batch->empty()) return;
              send(*batch, c);
              std::lock_guard lock(mutex);
              stats.records_sent += batch->size();
            },
            false, nullptr});
}

// Releases entries for another try at once: each is acknowledged and added again at
// the stream's end in one transaction, carrying its deliveries (`d`; a stop's
// cancellation does not count one), so any worker reads it as new; each failure is kept
// as the entry's last one, for the dead letter.
void worker::impl::hand_back(std::vector<held_entry> entries, std::vector<output::record> failures,
                             bool counted) {
  if (entries.empty()) return;
  // Built and encoded on the lane's thread, not the io thread that put() runs on.
  out.post({[this, entries = std::move(entries), failures = std::move(failures),
             counted](redis::connection& c) {
              std::vector<redis::command_args> cmds;
              for (const auto& r : failures)
                cmds.push_back({"HSET", k.errors, std::to_string(r.index), encode(r)});
              cmds.push_back({"MULTI"});
              for (const auto& [index, e] : entries) {
                cmds.push_back({"XACK", k.jobs, std::string(group), e.id});
                const auto deliveries = counted ? e.deliveries : e.deliveries - 1;
                redis::command_args add{"XADD",
                                        k.jobs,
                                        "*",
                                        "i",
                                        std::to_string(index),
                                        "u",
                                        e.url,
                                        "d",
                                        std::to_string(deliveries)};
                if (!e.invalid.empty()) add.insert(add.end(), {"x", e.invalid});
                cmds.push_back(std::move(add));
              }
              cmds.push_back({"EXEC"});
              expect_ok(c.pipeline(cmds).back(), "handing back a job");
              std::lock_guard lock(mutex);
              stats.handed_back += entries.size();
            },
            false, nullptr});
}

worker::worker(const queue_ref& q, worker_options options)
    : impl_(std::make_unique<impl>(q, std::move(options))) {
  // Fails now, not at the first read, when the queue does not exist.
  std::unique_ptr<redis::connection> c;
  with_retry(q.where, c, [&](redis::connection& conn) {
    if (conn.command({"EXISTS", impl_->k.jobs}).as_integer() == 0)
      throw queue_error("no queue named '" + q.name + "' at " + q.where.display() +
                        " (enqueue first)");
    return 0;
  });
}

worker::~worker() = default;

std::optional<job> worker::next() {
  try {
    return impl_->next();
  } catch (const impl::stopping&) {
    return std::nullopt;
  } catch (const queue_error& e) {
    spdlog::error("{}", e.what());
    std::lock_guard lock(impl_->mutex);
    impl_->failed = true;
    return std::nullopt;
  }
}

bool worker::read_failed() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->failed;
}

void worker::put(const output::record& r) {
  auto& w = *impl_;
  entry e;
  bool post = false;
  {
    std::lock_guard lock(w.mutex);
    const auto it = w.held.find(r.index);
    if (it == w.held.end()) return;  // not ours (cannot happen): nothing to acknowledge
    e = std::move(it->second);
    w.held.erase(it);
    if (!is_transient(r)) {
      w.outbox.emplace_back(std::move(e), r);
      post = !std::exchange(w.flush_posted, true);
    }
  }
  w.room.notify_all();
  if (is_transient(r)) {
    // A stop's cancellations are not failures of the URL: neither the delivery nor an
    // error is counted for them.
    const bool failed = r.error->kind != error_kind::cancelled;
    w.hand_back({{r.index, std::move(e)}},
                failed ? std::vector<output::record>{r} : std::vector<output::record>{}, failed);
  } else if (post) {
    w.post_flush();
  }
}

void worker::finish() {
  if (!impl_->out.drain(30s))
    throw output::output_error(
        "cannot reach Redis at " + impl_->ref.where.display() +
            ": records not stored; their jobs stay pending for another worker",
        0);
}

std::size_t worker::close() {
  auto& w = *impl_;
  {
    std::lock_guard lock(w.mutex);
    w.closing = true;
  }
  w.room.notify_all();
  std::lock_guard reader(w.reader_mutex);
  std::vector<impl::held_entry> left;
  {
    std::lock_guard lock(w.mutex);
    for (auto& [index, e] : w.held) left.emplace_back(index, std::move(e));
    w.held.clear();
  }
  w.buffer.clear();
  w.hand_back(std::move(left), {}, false);
  w.out.drain(10s);
  return left.size();
}

const std::string& worker::consumer() const noexcept { return impl_->consumer; }

worker_stats worker::stats() const {
  std::lock_guard lock(impl_->mutex);
  auto s = impl_->stats;
  s.reconnects = impl_->out.reconnects();
  return s;
}

}  // namespace pricescrape::queue
