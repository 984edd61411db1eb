// --state end to end: the real binary against demo-shop's versioned pages (a price and
// ETag the test changes between runs), real SQLite files in a temp folder.
#include "support.hpp"

#include <pricescrape/state/store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace pricescrape::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

demo_shop& shop() {
  static demo_shop instance;
  return instance;
}

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / ("pricescrape-state-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// A fresh state file and URL list of `n` versioned pages (each page waits `delay_ms`).
struct scenario {
  std::string state;
  std::string urls;
  std::size_t n = 0;
};

scenario make_scenario(const std::string& name, std::size_t n, int delay_ms = 0) {
  scenario s;
  s.state = (temp_dir() / (name + ".db")).string();
  s.urls = (temp_dir() / (name + ".txt")).string();
  s.n = n;
  fs::remove(s.state);
  std::ofstream out(s.urls);
  for (std::size_t i = 0; i < n; ++i) {
    out << shop().http_url("/__fault/versioned/" + name + "/" + std::to_string(i));
    if (delay_ms) out << "?delay=" << delay_ms;
    out << '\n';
  }
  return s;
}

void set_version(const std::string& price, const std::string& etag) {
  http_get(shop().host(), shop().http_port(), "/__versioned/set?price=" + price + "&etag=" + etag);
}

json versioned_stats() {
  return json::parse(http_get(shop().host(), shop().http_port(), "/__versioned/stats"));
}

std::uint64_t hits(const json& stats, const std::string& url) {
  const auto path = url.substr(url.find("/__fault/"));
  const auto at = path.find('?');
  const auto& h = stats.at("hits");
  const auto key = path.substr(0, at);
  return h.contains(key) ? h.at(key).get<std::uint64_t>() : 0;
}

std::vector<json> records(const std::string& out) {
  std::vector<json> list;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) list.push_back(json::parse(line));
  return list;
}

std::vector<std::string> scrape_args(const scenario& s, std::vector<std::string> more = {}) {
  std::vector<std::string> args{s.urls, "--state", s.state, "-f", "jsonl", "--no-progress"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The binary in the background, its stdout to `out_file`.
pid_t start_cli(const std::vector<std::string>& args, const std::string& out_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDOUT_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(PRICESCRAPE_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(PRICESCRAPE_CLI, argv.data());
    ::_exit(127);
  }
  return pid;
}

// The committed count seen from outside while the run goes on: 0 until the state file
// exists and holds a first commit.
std::size_t committed_while_running(const scenario& s) {
  try {
    pricescrape::state::store db(s.state, {.create = false});
    auto run = db.find_unfinished_run(pricescrape::state::identify_input(s.urls));
    return run ? run->committed.size() : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

std::vector<std::size_t> committed_indices(const scenario& s) {
  pricescrape::state::store db(s.state, {.create = false});
  auto run = db.find_unfinished_run(pricescrape::state::identify_input(s.urls));
  return run ? run->committed : std::vector<std::size_t>{};
}

TEST(StateRun, SecondRunSendsIfNoneMatchAndRepeatsStoredValuesOn304) {
  const auto s = make_scenario("repeat", 20);
  set_version("5.00", "r1");
  auto first = run_cli(scrape_args(s));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto before = versioned_stats();
  auto second = run_cli(scrape_args(s));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto after = versioned_stats();
  // Every request of the second run was conditional and answered 304.
  EXPECT_EQ(after["not_modified"].get<int>() - before["not_modified"].get<int>(), 20);
  const auto list = records(second.out);
  ASSERT_EQ(list.size(), 20u);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& r = list[i];
    EXPECT_EQ(r["index"], i);
    EXPECT_EQ(r["status"], 304);
    EXPECT_EQ(r["ok"], true);
    EXPECT_EQ(r["price"], "5");
    EXPECT_EQ(r["currency"], "EUR");
    EXPECT_EQ(r["availability"], "InStock");
    EXPECT_EQ(r["title"], "Hostile Route Item");
    EXPECT_EQ(r["changed"], false);
    EXPECT_EQ(r["previous"]["price"], "5");
  }
  // The first run knew nothing: changed is null and there is no previous.
  const auto first_list = records(first.out);
  ASSERT_EQ(first_list.size(), 20u);
  EXPECT_TRUE(first_list[0]["changed"].is_null());
  EXPECT_FALSE(first_list[0].contains("previous"));
}

TEST(StateRun, ChangedPriceIsChangedWithPreviousAndOnlyChangedFilters) {
  const auto s = make_scenario("change", 10);
  set_version("5.00", "c1");
  ASSERT_EQ(run_cli(scrape_args(s)).exit_code, 0);
  set_version("6.00", "c2");
  auto changed = run_cli(scrape_args(s, {"--only-changed"}));
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  const auto list = records(changed.out);
  ASSERT_EQ(list.size(), 10u);
  for (const auto& r : list) {
    EXPECT_EQ(r["status"], 200);
    EXPECT_EQ(r["price"], "6");
    EXPECT_EQ(r["changed"], true);
    EXPECT_EQ(r["previous"]["price"], "5");
  }
  // Nothing changed since: --only-changed writes no record, and every answer was a 304.
  const auto before = versioned_stats();
  auto unchanged = run_cli(scrape_args(s, {"--only-changed"}));
  ASSERT_EQ(unchanged.exit_code, 0) << unchanged.err;
  EXPECT_EQ(records(unchanged.out).size(), 0u);
  EXPECT_EQ(versioned_stats()["not_modified"].get<int>() - before["not_modified"].get<int>(), 10);
  // --min-change: a 5 % move from 6.00 (6.30) is ignored at 10 %.
  set_version("6.30", "c3");
  auto small = run_cli(scrape_args(s, {"--min-change", "10"}));
  ASSERT_EQ(small.exit_code, 0) << small.err;
  const auto small_list = records(small.out);
  ASSERT_EQ(small_list.size(), 10u);
  for (const auto& r : small_list) {
    EXPECT_EQ(r["price"], "6.3");
    EXPECT_EQ(r["changed"], false);
  }
}

TEST(StateRun, SecondConcurrentRunOnOneStateFileExits75) {
  const auto s = make_scenario("lock", 40, 50);
  const auto out = (temp_dir() / "lock.out").string();
  const pid_t first = start_cli(scrape_args(s, {"-c", "2"}), out);
  // Until the first run holds the lock (it writes its pid into FILE.lock).
  const std::string pid_text = std::to_string(first);
  for (int i = 0; i < 400; ++i) {
    std::ifstream lock(s.state + ".lock");
    std::string holder;
    if (std::getline(lock, holder) && holder.find(pid_text) != std::string::npos) break;
    std::this_thread::sleep_for(25ms);
  }
  auto second = run_cli(scrape_args(s));
  EXPECT_EQ(second.exit_code, 75);
  EXPECT_NE(second.err.find("pid " + std::to_string(first)), std::string::npos) << second.err;
  EXPECT_EQ(second.out, "");
  ::kill(first, SIGKILL);
  int status = 0;
  ::waitpid(first, &status, 0);
}

TEST(StateRun, ResumeAfterSigkillFetchesNothingCommittedAndWritesEveryLineOnce) {
  constexpr std::size_t n = 300;
  const auto s = make_scenario("resume", n, 10);
  set_version("7.00", "k1");
  const auto out = (temp_dir() / "resume.out").string();
  const pid_t pid = start_cli(scrape_args(s, {"-c", "4"}), out);
  // Killed once the first records are committed (a fixed wait killed a run on a loaded
  // machine before its first commit); 300 URLs at 10 ms and -c 4 take far longer.
  for (int i = 0; i < 400 && committed_while_running(s) == 0; ++i)
    std::this_thread::sleep_for(25ms);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  const auto committed = committed_indices(s);
  ASSERT_GT(committed.size(), 0u) << "killed before any commit: raise the wait";
  ASSERT_LT(committed.size(), n) << "finished before the kill: lower the wait";
  const auto before = versioned_stats();

  auto resumed = run_cli(scrape_args(s, {"--resume", "-c", "4"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto after = versioned_stats();
  const auto list = records(resumed.out);
  ASSERT_EQ(list.size(), n);
  std::vector<std::string> urls;
  std::ifstream in(s.urls);
  for (std::string line; std::getline(in, line);) urls.push_back(line);
  std::size_t fetched_again = 0;
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(list[i]["index"], i);
    EXPECT_EQ(list[i]["url"], urls[i]);
    EXPECT_EQ(list[i]["price"], "7");
    const auto resumed_hits = hits(after, urls[i]) - hits(before, urls[i]);
    const bool was_committed = std::binary_search(committed.begin(), committed.end(), i);
    EXPECT_EQ(resumed_hits, was_committed ? 0u : 1u) << "line " << i;
    fetched_again += resumed_hits;
  }
  EXPECT_EQ(fetched_again, n - committed.size());
  // The run finished: nothing is left to resume.
  EXPECT_TRUE(committed_indices(s).empty());
  std::cerr << "[ resume ] " << committed.size() << " of " << n << " committed before SIGKILL; "
            << fetched_again << " fetched after\n";
}

}  // namespace
