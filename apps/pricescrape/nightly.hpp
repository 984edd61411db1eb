// What a nightly (cron, systemd timer) run needs beyond a scrape: the state options,
// the error budget and exit policy, run stats as JSON, and the state lock's exit code.
// Pure functions and CLI11 wiring, tested without the engine (tests/unit/app/).
#pragma once

#include <pricescrape/engine.hpp>
#include <pricescrape/output/file_output.hpp>
#include <pricescrape/state/change.hpp>
#include <pricescrape/state/lock.hpp>

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pricescrape::cli {

// Exit codes of a run, besides 0, 1, 2 and 128 + signal (see main.cpp).
inline constexpr int exit_output_error = 3;  // records or stats could not be written
inline constexpr int exit_locked = 75;       // EX_TEMPFAIL: the state file is in use

// `--max-errors N|P%`: how many failed URLs a run may have and still exit 0.
struct error_budget {
  std::optional<std::uint64_t> count;  // "N"
  std::optional<std::string> percent;  // "P%": canonical decimal 0..100, at most 6 decimals
  std::string text;                    // as given, for messages and stats
};
std::optional<error_budget> parse_max_errors(std::string_view text);
// failed <= N, or failed * 100 <= P * records, computed exactly.
bool within_budget(const error_budget& budget, std::size_t failed, std::size_t records) noexcept;

// The exit code of a finished batch: 3 when output failed, 128 + signal when
// interrupted, 0 when no URL failed or the failures are within the budget, else 1.
int exit_code_for(const batch_summary& summary, const std::optional<error_budget>& budget) noexcept;

// The options a nightly run adds to the scrape command.
struct nightly_options {
  std::optional<std::string> state;                  // --state FILE
  bool resume = false;                               // --resume
  std::optional<state::change_filter> only_changed;  // --only-changed [--skip-new] [--skip-failed]
  std::string min_change = "0";                      // --min-change PCT, canonical
  std::optional<error_budget> max_errors;            // --max-errors N|P%
  std::optional<std::string> stats;                  // --stats FILE|-  ('-' = stderr)
};

// --state, --resume, --only-changed, --skip-new, --skip-failed and --min-change need
// the engine to look up, annotate and commit records. Until it does, the binary does
// not offer them (a half-working --state would be worse than none); the lead sets this
// to true when engine wiring lands. --max-errors and --stats work today.
inline constexpr bool state_options_wired = false;

// Registers the nightly options on the scrape command (the state ones only when
// `with_state`), with the raw values kept in `raw` until finish_nightly_options.
struct nightly_raw {
  std::string max_errors;
  std::string min_change;
  bool skip_new = false;
  bool skip_failed = false;
  bool only_changed = false;
};
void add_nightly_options(CLI::App& app, nightly_options& out, nightly_raw& raw, bool with_state);
// Checks and completes them after parsing; a message for a usage error (exit 2).
std::optional<std::string> finish_nightly_options(const CLI::App& app, nightly_options& out,
                                                  const nightly_raw& raw, const std::string& input);

struct run_stats {
  const batch_summary& summary;  // its `hosts` give the per-host figures
  int exit_code = 0;
  const error_budget* max_errors = nullptr;
  const state::change_counts* changes = nullptr;  // with --state only
};

// One JSON object, one line: counts per outcome and error kind, elapsed, pages/s,
// connections, changes (with --state), per-host figures (batch_summary::hosts: requests,
// statuses, 304s, retries, latency, refusals and pauses), the exit code.
std::string stats_json(const run_stats& stats);
// Where --stats goes: opened before any request, so an unwritable path is a usage
// error like an unwritable -o; a file is replaced atomically when written.
class stats_output {
 public:
  // '-' is stderr. Throws std::runtime_error ("cannot write 'x': Permission denied").
  explicit stats_output(const std::string& target);
  ~stats_output();
  stats_output(const stats_output&) = delete;
  stats_output& operator=(const stats_output&) = delete;
  // Throws output::output_error.
  void write(const std::string& json);

 private:
  std::optional<output::file_output> file_;
};

// Takes the run lock of `state_file`, or prints "pricescrape: error: state 'x' is in
// use by another run (pid 1234)" on stderr and says to exit with exit_locked.
std::variant<state::run_lock, int> lock_state_or_exit(const std::string& state_file);

}  // namespace pricescrape::cli
