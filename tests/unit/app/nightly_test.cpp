// The app's parts for nightly runs, without the engine: the error budget and exit
// policy, the nightly options, --stats JSON, history lines, and exit 75 on a held lock.
#include "nightly.hpp"
#include "history.hpp"

#include <pricescrape/output/sink.hpp>
#include <pricescrape/state/store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>

namespace pricescrape::cli {
namespace {

namespace fs = std::filesystem;

// --- --max-errors and the exit policy ----------------------------------------------------

TEST(MaxErrors, ParsesACountOrAShare) {
  EXPECT_EQ(parse_max_errors("0")->count, 0u);
  EXPECT_EQ(parse_max_errors("25")->count, 25u);
  EXPECT_EQ(parse_max_errors("2.5%")->percent, "2.5");
  EXPECT_EQ(parse_max_errors("2.50%")->percent, "2.5");
  EXPECT_EQ(parse_max_errors("100%")->percent, "100");
  EXPECT_EQ(parse_max_errors("0%")->percent, "0");
  EXPECT_EQ(parse_max_errors("2.5%")->text, "2.5%");
  EXPECT_FALSE(parse_max_errors("2.5%")->count);
}

TEST(MaxErrors, RefusesOtherText) {
  for (const char* bad : {"", "-1", "+1", "1e3", "x", "5%%", "%", "100.000001%", "101%", "2.5",
                          " 5", "5 %", "18446744073709551616"}) {
    EXPECT_EQ(parse_max_errors(bad), std::nullopt) << bad;
  }
}

TEST(MaxErrors, ShareIsExact) {
  const auto share = *parse_max_errors("2.5%");
  EXPECT_TRUE(within_budget(share, 25, 1000));
  EXPECT_FALSE(within_budget(share, 26, 1000));
  const auto one = *parse_max_errors("1%");
  EXPECT_TRUE(within_budget(one, 0, 99));
  EXPECT_FALSE(within_budget(one, 1, 99));  // 1.0101 %
  EXPECT_TRUE(within_budget(one, 1, 100));
  const auto third = *parse_max_errors("33.333334%");
  EXPECT_TRUE(within_budget(third, 1, 3));
  EXPECT_FALSE(within_budget(*parse_max_errors("33.333333%"), 1, 3));
  EXPECT_TRUE(within_budget(*parse_max_errors("100%"), 7, 7));
  EXPECT_FALSE(within_budget(*parse_max_errors("0%"), 1, 1000000));
  EXPECT_TRUE(within_budget(*parse_max_errors("0%"), 0, 0));
  const auto huge = std::numeric_limits<std::size_t>::max();
  EXPECT_TRUE(within_budget(*parse_max_errors("100%"), huge, huge));
  EXPECT_FALSE(within_budget(*parse_max_errors("99.999999%"), huge, huge));
}

TEST(MaxErrors, CountIsInclusive) {
  const auto ten = *parse_max_errors("10");
  EXPECT_TRUE(within_budget(ten, 10, 11));
  EXPECT_FALSE(within_budget(ten, 11, 11));
}

batch_summary summary_of(std::size_t records, std::size_t ok) {
  batch_summary s;
  s.records = records;
  s.ok = ok;
  return s;
}

TEST(ExitPolicy, CodesInTheirOrder) {
  const auto budget = parse_max_errors("5");
  EXPECT_EQ(exit_code_for(summary_of(100, 100), std::nullopt), 0);
  EXPECT_EQ(exit_code_for(summary_of(100, 99), std::nullopt), 1);  // today's rule
  EXPECT_EQ(exit_code_for(summary_of(100, 95), budget), 0);
  EXPECT_EQ(exit_code_for(summary_of(100, 94), budget), 1);
  EXPECT_EQ(exit_code_for(summary_of(0, 0), budget), 0);
  auto interrupted = summary_of(10, 10);
  interrupted.interrupted = true;
  interrupted.signal = SIGTERM;
  EXPECT_EQ(exit_code_for(interrupted, budget), 143);
  auto failed_output = interrupted;
  failed_output.output_failed = output_failure{"cannot write to stdout: No space left", 28};
  EXPECT_EQ(exit_code_for(failed_output, budget), 3);
}

// --- the nightly options ---------------------------------------------------------------

struct parse_result {
  nightly_options options;
  std::optional<std::string> problem;
};

parse_result parse(std::vector<std::string> args, bool with_state,
                   const std::string& input = "urls.txt") {
  CLI::App app;
  parse_result r;
  nightly_raw raw;
  add_nightly_options(app, r.options, raw, with_state);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  app.parse(args);
  r.problem = finish_nightly_options(app, r.options, raw, input);
  return r;
}

TEST(NightlyOptions, BudgetAndStatsWithoutState) {
  const auto r = parse({"--max-errors", "2%", "--stats", "-"}, false);
  ASSERT_FALSE(r.problem) << *r.problem;
  EXPECT_EQ(r.options.max_errors->percent, "2");
  EXPECT_EQ(r.options.stats, "-");
  EXPECT_FALSE(r.options.state);
  EXPECT_EQ(parse({"--max-errors", "lots"}, false).problem,
            "--max-errors: 'lots' is not a count (10) or a share (2.5%)");
  EXPECT_EQ(parse({"--stats", ""}, false).problem, "--stats: the file name is empty");
  // Not offered until the engine is wired.
  EXPECT_THROW(parse({"--state", "s.db"}, false), CLI::ParseError);
}

TEST(NightlyOptions, StateOptions) {
  const auto r = parse(
      {"--state", "s.db", "--resume", "--only-changed", "--skip-failed", "--min-change", "0.50"},
      true);
  ASSERT_FALSE(r.problem) << *r.problem;
  EXPECT_EQ(r.options.state, "s.db");
  EXPECT_TRUE(r.options.resume);
  ASSERT_TRUE(r.options.only_changed);
  EXPECT_TRUE(r.options.only_changed->new_urls);
  EXPECT_FALSE(r.options.only_changed->failures);
  EXPECT_EQ(r.options.min_change, "0.5");
  EXPECT_EQ(parse({"--state", "s.db"}, true).options.min_change, "0");
  EXPECT_FALSE(parse({"--state", "s.db"}, true).options.only_changed);
}

TEST(NightlyOptions, StateOptionProblems) {
  EXPECT_EQ(parse({"--resume"}, true).problem, "--resume needs --state FILE");
  EXPECT_EQ(parse({"--only-changed"}, true).problem, "--only-changed needs --state FILE");
  EXPECT_EQ(parse({"--min-change", "5"}, true).problem, "--min-change needs --state FILE");
  EXPECT_EQ(parse({"--state", "s", "--min-change", "5%"}, true).problem,
            "--min-change: '5%' is not a percentage like 5 or 0.5");
  EXPECT_EQ(parse({"--state", "s", "--skip-new"}, true).problem,
            "--skip-new and --skip-failed go with --only-changed");
  EXPECT_EQ(parse({"--state", "s", "--resume"}, true, "-").problem,
            "--resume needs INPUT to be a file, not stdin");
}

// --- --stats ----------------------------------------------------------------------------

TEST(Stats, OneJsonObjectWithEveryCount) {
  auto s = summary_of(10, 7);
  s.by_kind[static_cast<std::size_t>(error_kind::timeout)] = 2;
  s.by_kind[static_cast<std::size_t>(error_kind::no_price)] = 1;
  s.elapsed = std::chrono::milliseconds(2500);
  s.http.connections_opened = 3;
  s.http.connections_reused = 7;
  const auto budget = *parse_max_errors("30%");
  const state::change_counts changes{2, 4, 1, 3};
  host_report host;
  host.host = "shop.example";
  host.requests = 12;
  host.statuses = {{200, 9}, {304, 1}, {503, 2}};
  host.retries = 2;
  host.latency_p50 = std::chrono::milliseconds(40);
  host.latency_p95 = std::chrono::milliseconds(300);
  host.refusals = 2;
  host.pauses = 1;
  host.settled_rate = 2.5;
  host.bytes = 123456;
  s.hosts = {host};
  const auto text = stats_json(run_stats{s, 0, &budget, &changes});
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j.at("records"), 10);
  EXPECT_EQ(j.at("ok"), 7);
  EXPECT_EQ(j.at("failed"), 3);
  EXPECT_EQ(j.at("errors").size(), all_error_kinds.size());
  EXPECT_EQ(j.at("errors").at("timeout"), 2);
  EXPECT_EQ(j.at("errors").at("no_price"), 1);
  EXPECT_EQ(j.at("errors").at("dns"), 0);
  EXPECT_DOUBLE_EQ(j.at("elapsed_s").get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(j.at("pages_per_s").get<double>(), 4.0);
  EXPECT_EQ(j.at("connections").at("opened"), 3);
  EXPECT_EQ(j.at("connections").at("reused"), 7);
  EXPECT_EQ(j.at("interrupted"), false);
  EXPECT_TRUE(j.at("signal").is_null());
  EXPECT_EQ(j.at("max_errors"), "30%");
  EXPECT_EQ(j.at("exit_code"), 0);
  EXPECT_EQ(j.at("changes"),
            nlohmann::json({{"changed", 2}, {"unchanged", 4}, {"new", 1}, {"not_observed", 3}}));
  ASSERT_EQ(j.at("hosts").size(), 1u);
  const auto& h = j.at("hosts")[0];
  EXPECT_EQ(h.at("host"), "shop.example");
  EXPECT_EQ(h.at("requests"), 12);
  EXPECT_EQ(h.at("statuses"), nlohmann::json({{"200", 9}, {"304", 1}, {"503", 2}}));
  EXPECT_EQ(h.at("retries"), 2);
  EXPECT_EQ(h.at("not_modified"), 1);
  EXPECT_EQ(h.at("bytes"), 123456);
  EXPECT_EQ(h.at("latency_p50_ms"), 40);
  EXPECT_EQ(h.at("latency_p95_ms"), 300);
  EXPECT_EQ(h.at("refusals"), 2);
  EXPECT_EQ(h.at("pauses"), 1);
  EXPECT_EQ(h.at("challenges"), 0);
  EXPECT_DOUBLE_EQ(h.at("settled_rate").get<double>(), 2.5);
  EXPECT_EQ(h.at("blocked"), false);
}

TEST(Stats, WithoutStateThereAreNoChanges) {
  auto s = summary_of(2, 1);
  s.interrupted = true;
  s.signal = SIGINT;
  const auto j = nlohmann::json::parse(stats_json(run_stats{s, 130, nullptr, nullptr}));
  EXPECT_FALSE(j.contains("changes"));
  EXPECT_EQ(j.at("hosts"), nlohmann::json::array());
  EXPECT_EQ(j.at("interrupted"), true);
  EXPECT_EQ(j.at("signal"), SIGINT);
  EXPECT_EQ(j.at("exit_code"), 130);
  EXPECT_TRUE(j.at("max_errors").is_null());
  EXPECT_DOUBLE_EQ(j.at("pages_per_s").get<double>(), 0.0);  // no time elapsed
}

// --- history ----------------------------------------------------------------------------

const state::history_row row{"https://shop.example/p/1?a=1,2",
                             "19.99",
                             "EUR",
                             std::nullopt,
                             "2026-11-01T03:00:00Z",
                             "2026-11-05T03:00:00Z"};

TEST(History, JsonLinesAndCsvLines) {
  EXPECT_EQ(history_jsonl_line(row),
            R"({"url": "https://shop.example/p/1?a=1,2", "price": "19.99", "currency": "EUR", )"
            R"("availability": null, "first_seen": "2026-11-01T03:00:00Z", )"
            R"("last_seen": "2026-11-05T03:00:00Z"})"
            "\n");
  EXPECT_EQ(history_csv_line(row),
            "\"https://shop.example/p/1?a=1,2\",19.99,EUR,,2026-11-01T03:00:00Z,"
            "2026-11-05T03:00:00Z\n");
}

class HistoryFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pricescrape-app-history-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(HistoryFile, PrintsTheStoredRowsAndSaysWhenAUrlHasNone) {
  const auto file = dir_ / "state.db";
  {
    state::store s(file);
    const auto run = s.begin_run({"/l", 1, "h"}, std::chrono::system_clock::now());
    output::record r;
    r.url = "https://shop.example/p/1";
    r.status = 200;
    r.price = "5";
    r.fetched_at = "2026-11-01T03:00:00Z";
    std::vector<state::finished_record> batch = {{r, {}}};
    s.commit(run, batch);
    batch[0].record.price = "6";
    batch[0].record.fetched_at = "2026-11-02T03:00:00Z";
    s.commit(run, batch);
  }
  std::ostringstream text;
  output::ostream_sink out(text);
  history_command cmd{file.string(), {}, output::format::csv};
  EXPECT_EQ(print_history(cmd, out), 0);
  EXPECT_EQ(text.str(),
            "url,price,currency,availability,first_seen,last_seen\n"
            "https://shop.example/p/1,5,,,2026-11-01T03:00:00Z,2026-11-01T03:00:00Z\n"
            "https://shop.example/p/1,6,,,2026-11-02T03:00:00Z,2026-11-02T03:00:00Z\n");
  text.str("");
  cmd = {file.string(),
         {"https://shop.example/p/1", "https://unknown.example/"},
         output::format::jsonl};
  EXPECT_EQ(print_history(cmd, out), 1);
  const auto lines = text.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);

  // A missing file is an error, and is not created.
  cmd.state = (dir_ / "typo.db").string();
  EXPECT_THROW(print_history(cmd, out), state::state_error);
  EXPECT_FALSE(fs::exists(dir_ / "typo.db"));
}

// --- the state lock's exit code -----------------------------------------------------------

TEST_F(HistoryFile, ALockedStateFileGives75NamingTheHolder) {
  const auto file = (dir_ / "state.db").string();
  int ready[2];
  int hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(hold[1]);
    auto lock = state::run_lock::try_acquire(file);
    const char ok = std::holds_alternative<state::run_lock>(lock) ? 'L' : 'B';
    if (::write(ready[1], &ok, 1) != 1) ::_exit(2);
    char byte = 0;
    while (::read(hold[0], &byte, 1) > 0) {
    }
    ::_exit(0);
  }
  ::close(hold[0]);
  ::close(ready[1]);
  char answer = 0;
  ASSERT_EQ(::read(ready[0], &answer, 1), 1);
  ASSERT_EQ(answer, 'L');

  ::testing::internal::CaptureStderr();
  auto result = lock_state_or_exit(file);
  const auto err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(std::holds_alternative<int>(result));
  EXPECT_EQ(std::get<int>(result), exit_locked);
  EXPECT_EQ(std::get<int>(result), 75);
  EXPECT_EQ(err, "pricescrape: error: state '" + file + "' is in use by another run (pid " +
                     std::to_string(child) + "); try again when it has finished\n");

  ::close(hold[1]);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  EXPECT_TRUE(std::holds_alternative<state::run_lock>(lock_state_or_exit(file)));
}

}  // namespace
}  // namespace pricescrape::cli
