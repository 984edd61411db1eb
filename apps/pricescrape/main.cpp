// pricescrape's entry point: parse the command line, wire the modules, map the exit code.
#include "cli.hpp"
#include "host_summary.hpp"
#include "logging.hpp"
#include "page_file.hpp"
#include "process_setup.hpp"
#include "progress.hpp"

#include <pricescrape/engine.hpp>
#include <pricescrape/extract/extractor.hpp>
#include <pricescrape/extract/price_parser.hpp>
#include <pricescrape/output/file_output.hpp>
#include <pricescrape/output/sink.hpp>
#include <pricescrape/output/writer.hpp>
#include <pricescrape/shard.hpp>
#include <pricescrape/state/resume_source.hpp>
#include <pricescrape/state/run_recorder.hpp>
#include <pricescrape/state/store.hpp>
#include <pricescrape/url_source.hpp>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <variant>
#include <vector>

#include <unistd.h>

namespace {

using namespace pricescrape;

constexpr int exit_all_ok = 0;
constexpr int exit_some_failed = 1;
constexpr int exit_usage = 2;   // usage or input error: nothing was fetched
constexpr int exit_output = 3;  // records could not be written (disk full, stdout closed)
// 75 (cli::exit_locked): the --state file is in use by another run.
// Interrupted: 128 + the signal, as the shell reports a death by it (130 SIGINT,
// 143 SIGTERM); what finished is written.

// What main learnt before parsing the command line.
cli::standard_fds closed_at_start;
cli::fd_limit fd_limit_at_start;

const char* const stdout_closed_message =
    "cannot write to stdout: Bad file descriptor (stdout is closed; use -o FILE or "
    "redirect it)";

// Stdout must be open to be written to; it was replaced by /dev/null at start, so
// without this check the records would vanish.
bool stdout_usable() {
  if (!closed_at_start.stdout_closed) return true;
  spdlog::error("{}", stdout_closed_message);
  return false;
}

// Reports the output failure and picks the exit code. A reader that went away
// (`pricescrape urls | head -1`) ends the run quietly, as a conventional filter does.
int output_failed(const output_failure& failure, bool to_stdout) {
  if (to_stdout && failure.error_number == EPIPE) {
    spdlog::debug("{}: the reader of stdout is gone; stopping quietly", failure.message);
    cli::die_of_sigpipe();
  }
  spdlog::error("{}", failure.message);
  return exit_output;
}

// Extraction threads that ignored the stop may still run: leave without running the
// static destructors their code may be using, once all output is out.
int end_process(int code, const batch_summary& summary) {
  if (summary.abandoned_extractions == 0) return code;
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

void log_fd_limit(const engine_options& engine) {
  const auto& l = fd_limit_at_start;
  if (l.error != 0)
    spdlog::debug("cannot raise the open-files limit from {}: {}", l.before,
                  std::strerror(l.error));
  else if (l.after != l.before)
    spdlog::debug("open-files limit raised from {} to {} (the hard limit)", l.before, l.after);
  // Each request holds a socket, and as many idle ones may be kept for reuse.
  if (l.after != 0 && 2 * engine.concurrency + 64 > l.after)
    spdlog::warn(
        "-c {}: the open-files limit is {}; connections may fail with 'Too many "
        "open files' (raise it with ulimit -n)",
        engine.concurrency, l.after);
}

std::string summary_line(const batch_summary& s) {
  const double seconds = static_cast<double>(s.elapsed.count()) / 1000.0;
  const double rate = seconds > 0 ? static_cast<double>(s.records) / seconds : 0.0;
  char head[160];
  std::snprintf(head, sizeof head, "%zu URLs in %.2f s (%.1f pages/s): %zu ok", s.records, seconds,
                rate, s.ok);
  std::string line = head;
  for (auto kind : all_error_kinds) {
    if (auto n = s.by_kind[static_cast<std::size_t>(kind)])
      line += ", " + std::to_string(n) + " " + std::string(to_string(kind));
  }
  line += "; " + std::to_string(s.http.connections_opened) + " connections opened, " +
          std::to_string(s.http.connections_reused) + " reused";
  if (s.interrupted) line += "; interrupted";
  return line;
}

// The --profile table: CPU time by stage, in total, per page and as a share of the
// process's CPU time. Plain aligned text, one stage per line, for people and for
// bench/run (which reads the lines back).
std::string profile_table(const batch_summary& s) {
  const auto& p = s.profile;
  const double pages = static_cast<double>(std::max<std::size_t>(s.records, 1));
  const double total_ms = static_cast<double>(p.process_ns) / 1e6;
  std::string text = "CPU time by stage over " + std::to_string(s.records) + " pages (" +
                     std::to_string(p.pages_extracted) + " extracted):\n";
  char line[160];
  std::snprintf(line, sizeof line, "  %-14s %12s %10s %8s\n", "stage", "total ms", "ms/page",
                "share");
  text += line;
  auto row = [&](const char* name, std::uint64_t ns) {
    const double ms = static_cast<double>(ns) / 1e6;
    const double share = total_ms > 0 ? 100.0 * ms / total_ms : 0.0;
    std::snprintf(line, sizeof line, "  %-14s %12.1f %10.3f %7.1f%%\n", name, ms, ms / pages,
                  share);
    text += line;
  };
  row("fetch+TLS", p.fetch_tls_ns);
  row("decompression", p.decode_ns);
  row("charset", p.charset_ns);
  row("parse", p.parse_ns);
  row("extraction", p.extract_ns);
  row("output", p.output_ns);
  row("other", p.other_ns());
  row("total CPU", p.process_ns);
  text += "  gumbo fallback: " + std::to_string(p.full_parse_pages) +
          " pages, visible scan: " + std::to_string(p.visible_scan_pages) + " pages\n";
  text += "  fetched pages held at once: at most " + std::to_string(s.peak_pages_held) + "\n";
  return text;
}

// Renames -o's file into place; an interrupted run's goes to FILE.partial instead, so
// yesterday's complete FILE is not replaced by a part of today's.
void commit_output(output::file_output& file, batch_summary& summary) {
  try {
    if (!summary.interrupted) {
      file.commit();
      return;
    }
    const auto landed = file.commit_partial();
    if (landed != file.final_path())
      spdlog::warn("interrupted: the records that finished are in '{}'; '{}' was left as it was",
                   landed.string(), file.final_path().string());
  } catch (const output::output_error& e) {
    summary.output_failed = output_failure{e.what(), e.error_number()};
  }
}

// --stats: written even when the run failed or was interrupted, as that is when it is
// read. A stats file that cannot be written is an output error.
int write_run_stats(cli::stats_output& target, const batch_summary& summary, int code,
                    const cli::nightly_options& nightly, const state::change_counts* changes) {
  const cli::run_stats stats{summary, code, nightly.max_errors ? &*nightly.max_errors : nullptr,
                             changes};
  try {
    target.write(cli::stats_json(stats));
  } catch (const output::output_error& e) {
    spdlog::error("{}", e.what());
    return code == exit_all_ok || code == exit_some_failed ? exit_output : code;
  }
  return code;
}

std::optional<std::size_t> count_for_progress(const std::string& input,
                                              const std::optional<shard_spec>& shard) {
  std::error_code ec;
  if (input == "-" || !std::filesystem::is_regular_file(input, ec)) return std::nullopt;
  std::ifstream again(input, std::ios::binary);
  return shard ? count_shard_jobs(again, *shard) : count_jobs(again);
}

// Waiting on a terminal's stdin looks like a hang: say what is wanted and how to end it.
void hint_if_terminal_stdin(const char* what) {
  if (::isatty(STDIN_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1)
    std::cerr << "pricescrape: reading " << what << " from the terminal; end with Ctrl-D\n"
              << std::flush;
}

std::ifstream open_input(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) spdlog::error("cannot read '{}': {}", path, std::strerror(errno));
  return file;
}

// --state: the lock, the store, and this run's id (a new run, or the unfinished one
// --resume continues). The lock comes first, so a locked run touches nothing.
struct state_session {
  state::run_lock lock;
  std::optional<state::store> db;
  std::int64_t run_id = 0;
  std::optional<state::unfinished_run> resumed;
};

std::variant<state_session, int> open_state(const cli::scrape_command& cmd) {
  auto locked = cli::lock_state_or_exit(*cmd.nightly.state);
  if (auto* code = std::get_if<int>(&locked)) return *code;
  state_session s{std::move(std::get<state::run_lock>(locked)), {}, 0, {}};
  try {
    s.db.emplace(*cmd.nightly.state);
    // Stdin cannot be resumed (refused with --resume); its runs are never found again.
    auto id =
        cmd.input == "-" ? state::input_identity{"-", 0, ""} : state::identify_input(cmd.input);
    // Each shard's run of a list is a run of its own: one shard's run neither resumes nor
    // abandons another's when shards share a state file.
    if (cmd.shard)
      id.path +=
          " --shard " + std::to_string(cmd.shard->index) + "/" + std::to_string(cmd.shard->count);
    if (cmd.nightly.resume) {
      s.resumed = s.db->find_unfinished_run(id);
      if (!s.resumed)
        spdlog::info("--resume: no unfinished run of '{}'; starting from the top", cmd.input);
    }
    s.run_id = s.resumed ? s.resumed->id : s.db->begin_run(id, std::chrono::system_clock::now());
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return exit_usage;
  }
  if (s.resumed)
    spdlog::info("resuming run {}: {} record(s) committed before, not fetched again", s.run_id,
                 s.resumed->committed.size());
  return s;
}

// Marks the run finished once its output is complete: not after an interrupt or a
// failed output, so the run stays resumable.
void finish_state_run(state_session& st, batch_summary& summary) {
  if (summary.output_failed || summary.interrupted) return;
  try {
    st.db->finish_run(st.run_id, std::chrono::system_clock::now());
  } catch (const output::output_error& e) {
    summary.output_failed = output_failure{e.what(), e.error_number()};
  }
}

// With --shard, the lines' source behind a filter that keeps this shard's jobs, and an
// ordered sink that follows the indices it keeps.
struct sharded_input {
  std::unique_ptr<job_source> lines;
  std::optional<shard_source> shard;

  job_source& source() { return shard ? *shard : *lines; }
  // After the batch, beside the summary line: the other workers' share is not missing.
  void log_skipped(const cli::scrape_command& cmd) const {
    if (shard)
      spdlog::info("--shard {}/{}: {} URL(s) of the list left to the other shards",
                   cmd.shard->index, cmd.shard->count, shard->skipped());
  }
  ordered_writer_sink ordered_sink(output::writer& out) {
    if (!shard) return ordered_writer_sink(out);
    return ordered_writer_sink(out, [this] { return shard->next_index(); });
  }
};

// The batch, with the state's hooks, sink and resume source when --state is given.
batch_summary scrape_batch(const cli::scrape_command& cmd, std::istream& in, output::writer& out,
                           state_session* st, const progress_fn& on_progress,
                           std::optional<state::change_counts>& changes) {
  sharded_input input;
  if (st && st->resumed)
    input.lines = std::make_unique<state::resume_source>(in, *cmd.nightly.state, st->run_id,
                                                         st->resumed->committed);
  else
    input.lines = std::make_unique<url_source>(in);
  if (cmd.shard) input.shard.emplace(*input.lines, *cmd.shard);
  if (!st) {
    auto ordered = input.ordered_sink(out);
    record_sink* const sinks[] = {&ordered};
    auto summary = run_batch(input.source(), sinks, cmd.engine, on_progress);
    input.log_skipped(cmd);
    return summary;
  }
  state::change_filter_writer filtered(out, cmd.nightly.only_changed);
  state::recorder_options options;
  options.min_change = cmd.nightly.min_change;
  if (st->resumed) options.committed = st->resumed->committed;
  std::optional<state::run_recorder> recorder(std::in_place, *st->db, st->run_id, options);
  engine_options engine = cmd.engine;
  engine.hooks = &*recorder;
  auto ordered = input.ordered_sink(filtered);
  record_sink* const sinks[] = {&ordered, &*recorder};
  auto summary = run_batch(input.source(), sinks, engine, on_progress);
  input.log_skipped(cmd);
  recorder.reset();  // the state thread ends here: the store is this thread's again
  changes = filtered.counts();
  return summary;
}

int run_scrape(const cli::scrape_command& cmd) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (cmd.input == "-" && closed_at_start.stdin_closed) {
    spdlog::error("cannot read stdin: Bad file descriptor (stdin is closed)");
    return exit_usage;
  }
  if (cmd.input == "-" && cmd.common.verbosity >= 0) hint_if_terminal_stdin("URLs");
  if (cmd.input != "-") {
    file = open_input(cmd.input);
    if (!file) return exit_usage;
    in = &file;
  }

  std::optional<state_session> st;
  if (cmd.nightly.state) {
    auto opened = open_state(cmd);
    if (auto* code = std::get_if<int>(&opened)) return *code;
    st.emplace(std::move(std::get<state_session>(opened)));
  }

  std::optional<output::file_output> out_file;
  std::optional<cli::stats_output> stats_out;
  output::fd_sink to_stdout(STDOUT_FILENO, "to stdout");
  output::byte_sink* out = &to_stdout;
  if (cmd.output || cmd.nightly.stats) {
    try {
      if (cmd.output) out_file.emplace(*cmd.output);
      if (cmd.nightly.stats) stats_out.emplace(*cmd.nightly.stats);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return exit_usage;
    }
  }
  if (out_file) {
    out = &out_file->sink();
    if (const auto n = out_file->stale_temps_removed())
      spdlog::debug("removed {} temporary file(s) of earlier runs that died", n);
  } else if (!stdout_usable()) {
    return exit_output;
  }
  log_fd_limit(cmd.engine);
  if (cmd.engine.http.insecure)
    spdlog::warn(
        "--insecure: TLS certificates are not verified; anyone on the path can "
        "impersonate the shops");

  std::optional<cli::progress_bar> bar;
  if (cmd.common.verbosity >= 0 && cli::progress_bar::wanted(cmd.common.progress))
    bar.emplace(count_for_progress(cmd.input, cmd.shard));
  progress_fn on_progress;
  if (bar) on_progress = [&bar](const progress_event& e) { bar->update(e); };
  // Records to the terminal the bar is drawn on: cleared before each write, redrawn after.
  std::optional<cli::bar_aware_sink> around_bar;
  if (bar && !out_file && cli::progress_bar::shares_terminal_with_stdout())
    out = &around_bar.emplace(to_stdout, *bar);

  auto writer = output::make_writer(cmd.format, output::schema::fetch, *out,
                                    {.change_fields = st.has_value(), .csv_safe = cmd.csv_safe});
  batch_summary summary;
  std::optional<state::change_counts> changes;
  try {
    summary = scrape_batch(cmd, *in, *writer, st ? &*st : nullptr, on_progress, changes);
  } catch (const std::exception& e) {
    bar.reset();
    spdlog::error("{}", e.what());
    return exit_usage;
  }
  bar.reset();
  if (!summary.output_failed && out_file) commit_output(*out_file, summary);
  if (st) finish_state_run(*st, summary);
  int code = cli::exit_code_for(summary, cmd.nightly.max_errors);
  if (summary.output_failed) {
    code = output_failed(*summary.output_failed, !out_file);
  } else {
    spdlog::info("{}", summary_line(summary));
    for (const auto& line : cli::host_summary_lines(summary.hosts, cmd.common.verbosity > 0))
      spdlog::info("{}", line);
    // Asked for explicitly, so printed even with --quiet, and not as a log line: the
    // table is read by people and by bench/run.
    if (cmd.profile) std::cerr << profile_table(summary) << std::flush;
  }
  if (stats_out)
    code = write_run_stats(*stats_out, summary, code, cmd.nightly, changes ? &*changes : nullptr);
  return end_process(code, summary);
}

std::string candidates_json(const std::vector<extract::candidate>& candidates) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& c : candidates) {
    list.push_back({{"source", c.source},
                    {"text", c.text},
                    {"price", c.price ? nlohmann::ordered_json(*c.price) : nullptr},
                    {"currency", c.currency ? nlohmann::ordered_json(*c.currency) : nullptr},
                    {"score", c.score},
                    {"why", c.why},
                    {"features", nlohmann::ordered_json(c.features)}});
  }
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int run_extract(const cli::extract_command& cmd) {
  if (!stdout_usable()) return exit_output;
  output::fd_sink to_stdout(STDOUT_FILENO, "to stdout");
  auto writer = output::make_writer(cmd.format, output::schema::file, to_stdout);
  std::size_t failed = 0;
  for (const auto& path : cmd.files) {
    output::record r;
    r.file = path;
    if (path == "-") hint_if_terminal_stdin("the page");
    auto bytes = cli::read_page_file(path);
    if (!bytes) {
      r.error = bytes.error();
    } else {
      auto found = extract::extract_product({*bytes, "", cmd.base_url}, {cmd.explain});
      if (cmd.explain) r.explain_json = candidates_json(found.candidates);
      fill_record(r, std::move(found));
    }
    if (!r.ok()) ++failed;
    writer->write(r);
    writer->flush();
  }
  writer->finish();
  return failed == 0 ? exit_all_ok : exit_some_failed;
}

int run_history(const cli::history_command& cmd) {
  if (!stdout_usable()) return exit_output;
  output::fd_sink to_stdout(STDOUT_FILENO, "to stdout");
  try {
    return cli::print_history(cmd, to_stdout);
  } catch (const state::state_error& e) {
    // A state_error is an output_error too: caught first, as here the state file is the
    // input (missing, not a database, newer schema).
    spdlog::error("{}", e.what());
    return exit_usage;
  }
}

int run_parse_price(const cli::parse_price_command& cmd) {
  if (!stdout_usable()) return exit_output;
  output::fd_sink to_stdout(STDOUT_FILENO, "to stdout");
  extract::price_parse_options options;
  options.currency_hint = cmd.currency_hint;
  options.decimal_separator = cmd.decimal_separator;
  std::size_t unparsed = 0;
  std::string line;
  auto parse_one = [&](const std::string& text) {
    const auto parsed = extract::parse_price(text, options);
    if (!parsed.amount) ++unparsed;
    line = "{\"input\": ";
    output::append_json_string(line, text);
    line += ", \"price\": ";
    if (parsed.amount)
      output::append_json_string(line, *parsed.amount);
    else
      line += "null";
    line += ", \"currency\": ";
    if (parsed.currency)
      output::append_json_string(line, *parsed.currency);
    else
      line += "null";
    line += "}\n";
    to_stdout.write(line);
  };
  for (const auto& text : cmd.texts) parse_one(text);
  if (cmd.texts.empty()) {
    // No TEXT: one per line from stdin, each answered as soon as it is read.
    hint_if_terminal_stdin("price strings (one per line)");
    std::string text;
    while (std::getline(std::cin, text)) {
      if (!text.empty() && text.back() == '\r') text.pop_back();
      parse_one(text);
      to_stdout.flush();
    }
  }
  to_stdout.flush();
  return unparsed == 0 ? exit_all_ok : exit_some_failed;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens a descriptor: a closed 0-2 would be taken by the next file
  // or socket.
  closed_at_start = cli::reserve_standard_fds();
  cli::ignore_sigpipe();
  cli::keep_page_buffers_in_the_heap();
  fd_limit_at_start = cli::raise_fd_limit();
  std::ios::sync_with_stdio(false);
  // std::cin is tied to std::cout: the reader thread's every read of stdin would flush
  // std::cout from that thread, racing the io thread's writes (records came out twice).
  std::cin.tie(nullptr);
  auto parsed = cli::parse_command_line(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  try {
    if (auto* scrape = std::get_if<cli::scrape_command>(&parsed)) {
      cli::setup_logging(scrape->common);
      return run_scrape(*scrape);
    }
    if (auto* history = std::get_if<cli::history_command>(&parsed)) {
      cli::setup_logging({.color = history->color});
      return run_history(*history);
    }
    if (auto* queued = std::get_if<cli::queue_run>(&parsed)) {
      cli::setup_logging(queued->scrape.common);
      if (queued->queue.what == cli::queue_action::work) log_fd_limit(queued->scrape.engine);
      return cli::run_queue_command(queued->queue, queued->scrape);
    }
    if (auto* pp = std::get_if<cli::parse_price_command>(&parsed)) {
      cli::setup_logging({.color = pp->color});
      return run_parse_price(*pp);
    }
    auto& extract = std::get<cli::extract_command>(parsed);
    cli::setup_logging(extract.common);
    return run_extract(extract);
  } catch (const output::output_error& e) {
    // extract and parse-price: the same quiet end as a scrape when the reader left.
    return output_failed({e.what(), e.error_number()}, true);
  } catch (const std::exception& e) {
    std::cerr << "pricescrape: error: " << e.what() << '\n';
    return exit_usage;
  }
}
