// The commands around the workers: enqueue, queue-status and collect. They run on the
// main thread of their own process, so they block on Redis directly.
#include "queue/keys.hpp"
#include "state/record_codec.hpp"

#include <pricescrape/output/reorder_buffer.hpp>

#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

namespace pricescrape::queue {

using namespace std::chrono_literals;

std::string field(const redis::reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2)
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  return {};
}

std::string encode(const output::record& r) { return state::detail::encode_record(r); }
std::optional<output::record> decode(std::string_view text) {
  return state::detail::decode_record(text);
}

void retry_pause(const std::string& why, std::size_t failures, std::size_t max_failures) {
  if (max_failures != 0 && failures >= max_failures)
    throw queue_error(why + " (gave up after " + std::to_string(failures) + " tries)");
  const auto wait = redis::backoff_after(failures);
  spdlog::warn("{}; retrying in {} ms", why, wait.count());
  std::this_thread::sleep_for(wait);
}

namespace {

constexpr std::size_t enqueue_batch = 1000;

// The consumer group, made with the stream if need be; an existing one is kept.
void ensure_group(redis::connection& c, const keys& k) {
  const auto r = c.command({"XGROUP", "CREATE", k.jobs, std::string(group), "0", "MKSTREAM"});
  if (r.is_error() && r.str.rfind("BUSYGROUP", 0) != 0) expect_ok(r, "creating the consumer group");
}

// One transaction: reserve the batch's indices and add its entries, so a queue never
// counts jobs it does not hold.
std::size_t add_batch(redis::connection& c, const keys& k, const std::vector<job>& batch) {
  std::vector<redis::command_args> cmds;
  cmds.push_back({"WATCH", k.meta});
  cmds.push_back({"HGET", k.meta, "enqueued"});
  auto read = c.pipeline(cmds);
  const auto base = static_cast<std::size_t>(read[1].as_integer(0));
  cmds.clear();
  cmds.push_back({"MULTI"});
  for (std::size_t i = 0; i < batch.size(); ++i) {
    redis::command_args add{"XADD", k.jobs, "*", "i", std::to_string(base + i), "u", batch[i].url};
    if (batch[i].invalid) {
      add.push_back("x");
      add.push_back(batch[i].invalid->message);
    }
    cmds.push_back(std::move(add));
  }
  cmds.push_back({"HSET", k.meta, "enqueued", std::to_string(base + batch.size())});
  cmds.push_back({"EXEC"});
  const auto replies = c.pipeline(cmds, 60s);
  const auto& exec = replies.back();
  if (exec.is_nil()) return SIZE_MAX;  // another enqueue took these indices: again
  expect_ok(exec, "adding jobs");
  for (const auto& r : exec.elements) expect_ok(r, "adding a job");
  return base;
}

}  // namespace

enqueue_result enqueue(const queue_ref& q, job_source& lines, bool replace) {
  const keys k(q.name);
  std::unique_ptr<redis::connection> conn;
  with_retry(q.where, conn, [&](redis::connection& c) {
    if (replace)
      expect_ok(c.command({"DEL", k.jobs, k.results, k.dead, k.meta, k.done, k.workers, k.errors}),
                "deleting the old queue");
    ensure_group(c, k);
    return 0;
  });
  enqueue_result out;
  bool first = true;
  std::vector<job> batch;
  auto flush = [&] {
    if (batch.empty()) return;
    std::size_t base = SIZE_MAX;
    while (base == SIZE_MAX)
      base =
          with_retry(q.where, conn, [&](redis::connection& c) { return add_batch(c, k, batch); });
    if (first) out.first_index = base;
    first = false;
    out.jobs += batch.size();
    batch.clear();
  };
  while (auto j = lines.next()) {
    batch.push_back(std::move(*j));
    if (batch.size() == enqueue_batch) flush();
  }
  flush();
  if (lines.read_failed())
    throw queue_error("reading the URLs failed; " + std::to_string(out.jobs) +
                      " jobs were enqueued");
  return out;
}

namespace {

std::vector<worker_status> worker_table(redis::connection& c, const keys& k) {
  std::vector<worker_status> out;
  const auto consumers = c.command({"XINFO", "CONSUMERS", k.jobs, std::string(group)});
  if (consumers.is_error()) return out;  // no group yet: nobody worked
  for (const auto& info : consumers.elements) {
    worker_status w;
    w.name = field(info, "name");
    for (std::size_t i = 0; i + 1 < info.elements.size(); i += 2) {
      const auto& name = info.elements[i].str;
      if (name == "pending")
        w.in_flight = static_cast<std::size_t>(info.elements[i + 1].as_integer());
      if (name == "idle") w.idle_ms = info.elements[i + 1].as_integer();
    }
    out.push_back(std::move(w));
  }
  const auto counts = c.command({"HGETALL", k.workers});
  for (std::size_t i = 0; i + 1 < counts.elements.size(); i += 2) {
    const auto& name = counts.elements[i].str;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const worker_status& w) { return w.name == name; });
    if (it == out.end()) it = out.insert(out.end(), worker_status{name, 0, 0, 0});
    it->records = static_cast<std::size_t>(counts.elements[i + 1].as_integer());
  }
  return out;
}

}  // namespace

queue_status status(const queue_ref& q) {
  const keys k(q.name);
  std::unique_ptr<redis::connection> conn;
  return with_retry(
      q.where, conn,
      [&](redis::connection& c) {
        const auto r = c.pipeline({{"EXISTS", k.jobs},
                                   {"HGET", k.meta, "enqueued"},
                                   {"BITCOUNT", k.done},
                                   {"XLEN", k.dead},
                                   {"XLEN", k.results},
                                   {"XPENDING", k.jobs, std::string(group)}});
        if (r[0].as_integer() == 0)
          throw queue_error("no queue named '" + q.name + "' at " + q.where.display());
        queue_status s;
        s.enqueued = static_cast<std::size_t>(r[1].as_integer());
        s.done = static_cast<std::size_t>(expect_ok(r[2], "BITCOUNT").as_integer());
        s.dead = static_cast<std::size_t>(r[3].as_integer());
        s.results = static_cast<std::size_t>(r[4].as_integer());
        if (!r[5].is_error() && !r[5].elements.empty())
          s.in_flight = static_cast<std::size_t>(r[5].elements[0].as_integer());
        const auto accounted = s.done + s.in_flight;
        s.pending = s.enqueued > accounted ? s.enqueued - accounted : 0;
        s.workers = worker_table(c, k);
        return s;
      },
      3);
}

namespace {

// The results stream read in order from the start: each job's first record is written,
// in index order; later ones (at-least-once) are counted.
class result_reader {
 public:
  result_reader(output::writer& out, collect_result& tally)
      : out_(out), tally_(tally), order_([this](output::record&& r) { write(r); }) {}

  void take(const redis::reply& entries) {
    for (const auto& e : entries.elements) {
      if (e.elements.size() < 2) continue;
      last_id_ = e.elements[0].str;
      const auto text = field(e.elements[1], "r");
      auto r = decode(text);
      if (!r) throw queue_error("the results stream holds a damaged record (" + last_id_ + ")");
      if (r->index >= seen_.size()) seen_.resize(std::max(r->index + 1, seen_.size() * 2));
      if (seen_[r->index]) {
        ++tally_.duplicates;
        continue;
      }
      seen_[r->index] = true;
      order_.put(std::move(*r));
    }
  }
  const std::string& last_id() const { return last_id_; }

 private:
  void write(const output::record& r) {
    out_.write(r);
    ++tally_.written;
    if (!r.ok()) ++tally_.failed;
  }
  output::writer& out_;
  collect_result& tally_;
  output::reorder_buffer order_;
  std::vector<bool> seen_;
  std::string last_id_ = "0-0";
};

}  // namespace

collect_result collect(const queue_ref& q, output::writer& out, const collect_options& options) {
  const keys k(q.name);
  std::unique_ptr<redis::connection> conn;
  collect_result tally;
  result_reader reader(out, tally);
  with_retry(q.where, conn, [&](redis::connection& c) {
    if (c.command({"EXISTS", k.jobs}).as_integer() == 0)
      throw queue_error("no queue named '" + q.name + "' at " + q.where.display());
    return 0;
  });
  for (;;) {
    if (options.stop_requested && options.stop_requested()) {
      tally.stopped = true;
      break;
    }
    const auto [entries, enqueued] = with_retry(
        q.where, conn,
        [&](redis::connection& c) {
          auto r = c.pipeline(
              {{"XREAD", "COUNT", "1000", "BLOCK", "1000", "STREAMS", k.results, reader.last_id()},
               {"HGET", k.meta, "enqueued"}},
              15s);
          expect_ok(r[0], "reading results");
          return std::pair{std::move(r[0]), static_cast<std::size_t>(r[1].as_integer())};
        },
        0);
    if (!entries.is_nil())
      for (const auto& stream : entries.elements)
        if (stream.elements.size() == 2) reader.take(stream.elements[1]);
    out.flush();  // a pipeline (`collect | jq`) sees each batch at once
    if (!options.follow && tally.written >= enqueued) break;
  }
  out.finish();
  return tally;
}

}  // namespace pricescrape::queue
