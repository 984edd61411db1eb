#include "queue.hpp"

#include "cli.hpp"

#include <pricescrape/engine.hpp>
#include <pricescrape/output/file_output.hpp>
#include <pricescrape/output/sink.hpp>
#include <pricescrape/output/writer.hpp>
#include <pricescrape/url_source.hpp>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

#include <unistd.h>

namespace pricescrape::cli {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_some_failed = 1;
constexpr int exit_setup = 2;   // no queue, Redis refused us, bad input: nothing done
constexpr int exit_output = 3;  // records could not be written or stored

void add_queue_options(CLI::App& sub, queue_text& text) {
  sub.add_option("--queue", text.url,
                 "Redis holding the queue: redis://[:password@]host[:port][/db], rediss:// for TLS")
      ->type_name("URL")
      ->envname("PRICESCRAPE_QUEUE")
      ->required();
  sub.add_option("--name", text.name, "The queue's name (1-64 of A-Z a-z 0-9 . _ -)")
      ->type_name("NAME");
  sub.add_option("--queue-cacert", text.cacert,
                 "rediss://: trust this PEM CA file instead of the system's")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
}

volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int sig) { stop_signal = sig; }

}  // namespace

void add_queue_commands(CLI::App& app, queue_parsers& p, queue_command& cmd) {
  p.enqueue = app.add_subcommand("enqueue", "Add URLs to a work queue on Redis (one job per line)");
  p.enqueue->add_option("FILE", cmd.input, "File of URLs, one per line; '-' or absent: stdin");
  p.enqueue->add_flag("--replace", cmd.replace,
                      "Delete the queue's jobs and results first (a new night)");
  add_queue_options(*p.enqueue, p.text);

  p.work = app.add_subcommand(
      "work", "Fetch a queue's jobs until it is drained (the main options apply: -c, --rate, ...)");
  // -c, --rate, --cacert, ... are the main command's options (fallthrough, below).
  p.work
      ->add_option("--lease", p.lease_s,
                   "Seconds an entry may sit idle before live workers take it over (1-86400)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1.0, 86400.0));
  p.work
      ->add_option("--max-deliveries", cmd.worker.max_deliveries,
                   "Deliveries of one job before it goes to the dead-letter stream (1-100)")
      ->type_name("N")
      ->check(whole_number_in(1, 100));
  p.work->add_flag("--follow", cmd.follow, "Keep waiting for new jobs when the queue is drained");
  add_queue_options(*p.work, p.text);

  p.collect =
      app.add_subcommand("collect", "Write a queue's records in input order, each line once");
  p.collect->add_option("-o,--output", cmd.output, "Write to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  p.collect
      ->add_option("-f,--format", p.collect_format,
                   "Output format: json, jsonl or csv (default: json; jsonl with --follow)")
      ->type_name("FORMAT")
      ->check(one_of({"json", "jsonl", "csv"}));
  p.collect->add_flag("--follow", cmd.follow, "Keep writing records as more jobs are enqueued");
  add_queue_options(*p.collect, p.text);

  p.status = app.add_subcommand("queue-status", "Print a queue's counts as one JSON object");
  add_queue_options(*p.status, p.text);
  for (auto* sub : {p.enqueue, p.work, p.collect, p.status}) {
    sub->footer("");
    sub->fallthrough();  // -q, -v, --log-format and --color are the main command's
  }
}

std::optional<std::string> finish_queue_command(const queue_parsers& p, queue_command& cmd) {
  if (*p.enqueue) cmd.what = queue_action::enqueue;
  if (*p.work) cmd.what = queue_action::work;
  if (*p.collect) cmd.what = queue_action::collect;
  if (*p.status) cmd.what = queue_action::status;
  auto address = queue::parse_address(p.text.url);
  if (!address.where) return "--queue: " + address.error;
  cmd.queue.where = *address.where;
  cmd.queue.where.cacert = p.text.cacert;
  if (!queue::valid_queue_name(p.text.name))
    return "--name: '" + p.text.name + "' is not a queue name (1-64 of A-Z a-z 0-9 . _ -)";
  cmd.queue.name = p.text.name;
  cmd.worker.lease = std::chrono::milliseconds(static_cast<long long>(p.lease_s * 1000));
  cmd.worker.follow = cmd.follow;
  // As the main command: JSON, except that a followed queue never ends, so its array
  // would never close: JSON Lines unless -f says otherwise.
  cmd.format = *output::parse_format(p.collect_format);
  if (cmd.follow && p.collect->count("--format") == 0) cmd.format = output::format::jsonl;
  if (cmd.output && *cmd.output == "-") cmd.output.reset();
  if (cmd.output && p.collect->count("--format") == 0)
    if (const auto by_name = output::format_for_path(*cmd.output)) cmd.format = *by_name;
  return std::nullopt;
}

namespace {

int run_enqueue(const queue_command& cmd) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (cmd.input != "-") {
    file.open(cmd.input);
    if (!file) {
      spdlog::error("cannot read '{}': {}", cmd.input, std::strerror(errno));
      return exit_setup;
    }
    in = &file;
  }
  url_source lines(*in);
  const auto added = queue::enqueue(cmd.queue, lines, cmd.replace);
  spdlog::info("queue {}: {} jobs enqueued at {}", cmd.queue.name, added.jobs,
               cmd.queue.where.display());
  const nlohmann::json line = {
      {"queue", cmd.queue.name}, {"enqueued", added.jobs}, {"first_index", added.first_index}};
  std::cout << line.dump() << '\n' << std::flush;
  return std::cout ? exit_ok : exit_output;
}

int run_status(const queue_command& cmd) {
  const auto s = queue::status(cmd.queue);
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& w : s.workers)
    workers.push_back({{"name", w.name},
                       {"in_flight", w.in_flight},
                       {"records", w.records},
                       {"idle_ms", w.idle_ms}});
  const nlohmann::json out = {{"queue", cmd.queue.name}, {"enqueued", s.enqueued},
                              {"pending", s.pending},    {"in_flight", s.in_flight},
                              {"done", s.done},          {"dead", s.dead},
                              {"results", s.results},    {"workers", workers}};
  std::cout << out.dump() << '\n' << std::flush;
  return std::cout ? exit_ok : exit_output;
}

int run_work(const queue_command& cmd, const scrape_command& scrape) {
  auto options = cmd.worker;
  // Enough entries to keep every request slot busy, few enough that idle workers find
  // work: a worker holds about two rounds of its concurrency.
  options.prefetch = std::max<std::size_t>(2 * scrape.engine.concurrency, 4);
  queue::worker source(cmd.queue, options);
  queue::cluster_gate gate(cmd.queue);
  engine_options engine = scrape.engine;
  engine.gate = &gate;
  spdlog::info("worker {} on queue {} at {}", source.consumer(), cmd.queue.name,
               cmd.queue.where.display());
  record_sink* const sinks[] = {&source};
  const auto summary = run_batch(source, sinks, engine);
  const auto released = source.close();
  const auto s = source.stats();
  spdlog::info(
      "worker {}: {} records stored; {} entries read, {} reclaimed from idle workers, {} handed "
      "back, "
      "{} dead-lettered",
      source.consumer(), s.records_sent, s.delivered, s.reclaimed, s.handed_back + released,
      s.dead_lettered);
  if (summary.output_failed) {
    spdlog::error("{}", summary.output_failed->message);
    return exit_output;
  }
  if (summary.interrupted) return 128 + summary.signal;
  return source.read_failed() ? exit_setup : exit_ok;
}

int run_collect(const queue_command& cmd) {
  std::optional<output::file_output> file;
  output::fd_sink to_stdout(STDOUT_FILENO, "to stdout");
  output::byte_sink* out = &to_stdout;
  if (cmd.output) {
    file.emplace(*cmd.output);
    out = &file->sink();
  }
  auto writer = output::make_writer(cmd.format, output::schema::fetch, *out);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  queue::collect_options options;
  options.follow = cmd.follow;
  options.stop_requested = [] { return stop_signal != 0; };
  const auto got = queue::collect(cmd.queue, *writer, options);
  if (file) {
    if (got.stopped)
      file->commit_partial();
    else
      file->commit();
  }
  if (got.duplicates > 0)
    spdlog::debug("queue {}: {} second records of a job (at-least-once) left out", cmd.queue.name,
                  got.duplicates);
  spdlog::info("queue {}: {} records written, {} failed", cmd.queue.name, got.written, got.failed);
  if (got.stopped) return 128 + stop_signal;
  return got.failed > 0 ? exit_some_failed : exit_ok;
}

}  // namespace

int run_queue_command(const queue_command& cmd, const scrape_command& scrape) {
  try {
    switch (cmd.what) {
      case queue_action::enqueue:
        return run_enqueue(cmd);
      case queue_action::work:
        return run_work(cmd, scrape);
      case queue_action::collect:
        return run_collect(cmd);
      case queue_action::status:
        return run_status(cmd);
    }
  } catch (const queue::queue_error& e) {
    spdlog::error("{}", e.what());
    return exit_setup;
  } catch (const output::output_error& e) {
    spdlog::error("{}", e.what());
    return exit_output;
  }
  return exit_setup;
}

}  // namespace pricescrape::cli
