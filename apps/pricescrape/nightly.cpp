#include "nightly.hpp"

#include <pricescrape/output/file_output.hpp>
#include <pricescrape/output/sink.hpp>
#include <pricescrape/state/change.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>

namespace pricescrape::cli {

namespace {

// "2.5" -> {25, 1}: the percentage as an integer over 10^scale.
struct scaled_percent {
  std::uint64_t value = 0;
  unsigned scale = 0;
};

scaled_percent scale_percent(std::string_view canonical) {
  scaled_percent p;
  for (char c : canonical) {
    if (c != '.') p.value = p.value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const auto dot = canonical.find('.');
  p.scale = dot == std::string_view::npos ? 0 : static_cast<unsigned>(canonical.size() - dot - 1);
  return p;
}

// 128 bits, a GCC/Clang extension (marked, so -Wpedantic accepts it).
__extension__ typedef unsigned __int128 uint128;

std::uint64_t pow10(unsigned n) {
  std::uint64_t r = 1;
  while (n-- > 0) r *= 10;
  return r;
}

}  // namespace

std::optional<error_budget> parse_max_errors(std::string_view text) {
  error_budget budget;
  budget.text = std::string(text);
  if (!text.empty() && text.back() == '%') {
    // The same exact decimal form as --min-change, limited to 100 %.
    auto percent = state::parse_min_change(text.substr(0, text.size() - 1));
    if (!percent) return std::nullopt;
    const auto p = scale_percent(*percent);
    if (p.value > 100 * pow10(p.scale)) return std::nullopt;
    budget.percent = std::move(percent);
    return budget;
  }
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  budget.count = n;
  return budget;
}

bool within_budget(const error_budget& budget, std::size_t failed, std::size_t records) noexcept {
  if (budget.count) return failed <= *budget.count;
  if (!budget.percent) return failed == 0;
  // failed / records <= value / 10^scale / 100, without division or floating point:
  // 128 bits hold 2^64 * 100 * 10^6 and value (<= 10^8) * 2^64.
  const auto p = scale_percent(*budget.percent);
  const auto left = static_cast<uint128>(failed) * 100 * pow10(p.scale);
  const auto right = static_cast<uint128>(p.value) * records;
  return left <= right;
}

int exit_code_for(const batch_summary& summary,
                  const std::optional<error_budget>& budget) noexcept {
  if (summary.output_failed) return exit_output_error;
  if (summary.interrupted) return 128 + summary.signal;
  if (summary.failed() == 0) return 0;
  return budget && within_budget(*budget, summary.failed(), summary.records) ? 0 : 1;
}

void add_nightly_options(CLI::App& app, nightly_options& out, nightly_raw& raw, bool with_state) {
  app.add_option("--max-errors", raw.max_errors,
                 "Failed URLs allowed before the exit code is 1: a count N or a share P%")
      ->type_name("N|P%");
  app.add_option("--stats", out.stats,
                 "At the end write run statistics as one JSON object to FILE ('-': stderr)")
      ->type_name("FILE|-");
  if (!with_state) return;
  app.add_option("--state", out.state,
                 "Remember prices, validators and history in this SQLite file (created on "
                 "first use; one run at a time)")
      ->type_name("FILE");
  app.add_flag("--resume", out.resume,
               "With --state: finish the unfinished run of this INPUT, fetching only what it "
               "had not committed");
  app.add_flag("--only-changed", raw.only_changed,
               "With --state: write only records that changed, new URLs and failures");
  app.add_flag("--skip-new", raw.skip_new,
               "With --only-changed: leave out URLs seen for the first time");
  app.add_flag("--skip-failed", raw.skip_failed, "With --only-changed: leave out failed URLs");
  app.add_option("--min-change", raw.min_change,
                 "With --state: a price move under PCT percent is not a change (e.g. 0.5)")
      ->type_name("PCT");
}

std::optional<std::string> finish_nightly_options(const CLI::App& app, nightly_options& out,
                                                  const nightly_raw& raw,
                                                  const std::string& input) {
  if (app.count("--max-errors") > 0) {
    out.max_errors = parse_max_errors(raw.max_errors);
    if (!out.max_errors)
      return "--max-errors: '" + raw.max_errors + "' is not a count (10) or a share (2.5%)";
  }
  if (out.stats && out.stats->empty()) return "--stats: the file name is empty";
  if (app.get_option_no_throw("--state") == nullptr) return std::nullopt;
  if (app.count("--min-change") > 0) {
    const auto pct = state::parse_min_change(raw.min_change);
    if (!pct) return "--min-change: '" + raw.min_change + "' is not a percentage like 5 or 0.5";
    out.min_change = *pct;
  }
  if (raw.only_changed) out.only_changed = state::change_filter{!raw.skip_new, !raw.skip_failed};
  if ((raw.skip_new || raw.skip_failed) && !raw.only_changed)
    return "--skip-new and --skip-failed go with --only-changed";
  if (!out.state) {
    for (const char* needs_state : {"--resume", "--only-changed", "--min-change"}) {
      if (app.count(needs_state) > 0) return std::string(needs_state) + " needs --state FILE";
    }
  }
  // A resume re-reads the same list: stdin cannot be read twice.
  if (out.resume && input == "-") return "--resume needs INPUT to be a file, not stdin";
  return std::nullopt;
}

std::string stats_json(const run_stats& stats) {
  const auto& s = stats.summary;
  nlohmann::ordered_json j;
  j["records"] = s.records;
  j["ok"] = s.ok;
  j["failed"] = s.failed();
  auto kinds = nlohmann::ordered_json::object();
  for (auto kind : all_error_kinds)
    kinds[std::string(to_string(kind))] = s.by_kind[static_cast<std::size_t>(kind)];
  j["errors"] = kinds;
  const double seconds = static_cast<double>(s.elapsed.count()) / 1000.0;
  j["elapsed_s"] = seconds;
  j["pages_per_s"] = seconds > 0 ? static_cast<double>(s.records) / seconds : 0.0;
  j["connections"] = {{"opened", s.http.connections_opened}, {"reused", s.http.connections_reused}};
  j["interrupted"] = s.interrupted;
  j["signal"] = s.interrupted && s.signal != 0 ? nlohmann::ordered_json(s.signal) : nullptr;
  j["max_errors"] = stats.max_errors ? nlohmann::ordered_json(stats.max_errors->text) : nullptr;
  j["exit_code"] = stats.exit_code;
  if (stats.changes) {
    j["changes"] = {{"changed", stats.changes->changed},
                    {"unchanged", stats.changes->unchanged},
                    {"new", stats.changes->new_urls},
                    {"not_observed", stats.changes->not_observed}};
  }
  auto hosts = nlohmann::ordered_json::array();
  for (const auto& h : s.hosts) {
    auto statuses = nlohmann::ordered_json::object();
    for (const auto& [status, n] : h.statuses) statuses[std::to_string(status)] = n;
    const auto not_modified = h.statuses.find(304);
    hosts.push_back({{"host", h.host},
                     {"requests", h.requests},
                     {"statuses", statuses},
                     {"not_modified", not_modified == h.statuses.end() ? 0 : not_modified->second},
                     {"retries", h.retries},
                     {"latency_p50_ms", h.latency_p50.count()},
                     {"latency_p95_ms", h.latency_p95.count()},
                     {"bytes", h.bytes},
                     {"refusals", h.refusals},
                     {"pauses", h.pauses},
                     {"challenges", h.challenges},
                     {"robots_disallowed", h.robots_disallowed},
                     {"settled_rate", h.settled_rate},
                     {"blocked", h.blocked}});
  }
  j["hosts"] = hosts;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

stats_output::stats_output(const std::string& target) {
  if (target != "-") file_.emplace(target);
}

stats_output::~stats_output() = default;

void stats_output::write(const std::string& json) {
  if (!file_) {
    output::fd_sink err(STDERR_FILENO, "to stderr");
    err.write(json);
    err.flush();
    return;
  }
  file_->sink().write(json);
  file_->commit();
}

std::variant<state::run_lock, int> lock_state_or_exit(const std::string& state_file) {
  auto lock = state::run_lock::try_acquire(state_file);
  if (auto* held = std::get_if<state::run_lock>(&lock)) return std::move(*held);
  const auto& busy = std::get<state::lock_busy>(lock);
  std::cerr << "pricescrape: error: state '" << state_file << "' is in use by another run";
  if (busy.holder_pid != 0)
    std::cerr << " (pid " << busy.holder_pid << ")";
  else
    std::cerr << " (see " << busy.lock_file.string() << ")";
  std::cerr << "; try again when it has finished\n";
  return exit_locked;
}

}  // namespace pricescrape::cli
