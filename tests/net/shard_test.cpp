// `--shard K/N` end to end: the real binary, three demo-shops on loopback addresses, N
// worker processes over one list.
#include "support.hpp"

#include <pricescrape/shard.hpp>
#include <pricescrape/url_source.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace pricescrape::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Three shops, six host keys: each shop's address and port, and the first shop's also as
// `localhost` (its certificate names 127.0.0.1 and localhost; the others are plain HTTP).
struct shops {
  demo_shop a{"127.0.0.1"};
  demo_shop b{"127.0.0.2"};
  demo_shop c{"127.0.0.3"};

  std::vector<std::string> origins() const {
    return {a.http_url(""),
            a.https_url(""),
            "http://localhost:" + std::to_string(a.http_port()),
            "https://localhost:" + std::to_string(a.https_port()),
            b.http_url(""),
            c.http_url("")};
  }
  int requests() const {
    return a.stats().at("requests").get<int>() + b.stats().at("requests").get<int>() +
           c.stats().at("requests").get<int>();
  }
};

shops& the_shops() {
  static shops instance;
  return instance;
}

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / ("pricescrape-shard-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

struct product {
  const char* path;
  const char* price;
};
constexpr product products[] = {{"/products/widget.html", "19.99"},
                                {"/products/espresso-machine.html", "1249"},
                                {"/products/studio-headphones.html", "199"}};

// A list and what each of its counted lines (by index) should give.
struct url_list {
  std::string path;
  std::string text;
  std::vector<std::string> lines;   // by index
  std::vector<std::string> prices;  // by index; empty for an invalid line
  std::vector<std::string> keys;    // by index: what the line is sharded by
};

// `tail` replaces the last lines: (line, price).
url_list make_list(const std::string& name, std::size_t count,
                   const std::vector<std::pair<std::string, std::string>>& tail = {}) {
  url_list list;
  list.path = (temp_dir() / name).string();
  list.text = "# prices, sharded\n\n";
  const auto origins = the_shops().origins();
  for (std::size_t i = 0; i < count; ++i) {
    std::string line, price;
    if (i % 17 == 5) {
      line = "not a url " + std::to_string(i);
    } else {
      const auto& p = products[i % 3];
      line = origins[(i * 7) % origins.size()] + p.path + "?i=" + std::to_string(i);
      price = p.price;
    }
    if (i + tail.size() >= count) std::tie(line, price) = tail[i + tail.size() - count];
    list.text += line + (i % 10 == 3 ? "\n\n# a comment\n" : "\n");
    list.keys.emplace_back(shard_key(make_job(i, line)));
    list.lines.push_back(std::move(line));
    list.prices.push_back(std::move(price));
  }
  std::ofstream(list.path) << list.text;
  return list;
}

std::vector<std::string> shard_args(const std::string& input, std::uint32_t k, std::uint32_t n,
                                    std::vector<std::string> more = {}) {
  std::vector<std::string> args{input,
                                "--shard",
                                std::to_string(k) + "/" + std::to_string(n),
                                "-f",
                                "jsonl",
                                "--cacert",
                                the_shops().a.cert(),
                                "--no-progress",
                                "-c",
                                "4"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Checks one shard's output against the list; returns the indices it wrote.
std::vector<std::size_t> check_shard_output(const url_list& list, const process_result& r,
                                            std::uint32_t k, std::uint32_t n) {
  std::vector<std::size_t> indices;
  for (const auto& rec : parse_records(r.out, true)) {
    const auto index = rec.at("index").get<std::size_t>();
    EXPECT_LT(index, list.lines.size());
    if (index >= list.lines.size()) continue;
    if (!indices.empty()) {
      EXPECT_GT(index, indices.back()) << "shard " << k << " out of order";
    }
    indices.push_back(index);
    EXPECT_EQ(rec.at("url"), list.lines[index]);
    EXPECT_EQ(shard_of(list.keys[index], n), k) << list.lines[index];
    if (list.prices[index].empty()) {
      EXPECT_EQ(rec.at("error").at("kind"), "invalid_url") << rec;
    } else {
      EXPECT_EQ(rec.at("ok"), true) << rec;
      EXPECT_EQ(rec.at("price"), list.prices[index]) << rec;
    }
  }
  return indices;
}

std::vector<std::size_t> expected_indices(const url_list& list, std::uint32_t k, std::uint32_t n) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < list.keys.size(); ++i)
    if (shard_of(list.keys[i], n) == k) out.push_back(i);
  return out;
}

TEST(ShardNet, ThreeWorkersWriteEveryLineExactlyOnceAndEachHostOnOne) {
  constexpr std::uint32_t n = 3;
  const auto list = make_list("three.txt", 150);
  std::vector<int> times_written(list.lines.size());
  std::map<std::string, std::set<std::uint32_t>> shards_of_host;
  std::size_t nonempty = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    const auto r = run_cli(shard_args(list.path, k, n, {"-q"}));
    const auto indices = check_shard_output(list, r, k, n);
    const auto expected = expected_indices(list, k, n);
    EXPECT_EQ(indices, expected) << "shard " << k;
    bool any_invalid = false;
    for (auto i : indices) {
      ++times_written[i];
      if (list.prices[i].empty())
        any_invalid = true;
      else
        shards_of_host[list.keys[i]].insert(k);
    }
    // 0 when every URL gave a price: an empty shard is a success too.
    EXPECT_EQ(r.exit_code, any_invalid ? 1 : 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    if (!indices.empty()) ++nonempty;
    std::cerr << "[ shard " << k << "/" << n << " ] " << indices.size() << " records\n";
  }
  for (std::size_t i = 0; i < times_written.size(); ++i)
    EXPECT_EQ(times_written[i], 1) << "line " << i << ": " << list.lines[i];
  EXPECT_EQ(shards_of_host.size(), 6u);
  for (const auto& [host, where] : shards_of_host) EXPECT_EQ(where.size(), 1u) << host;
  // Six hosts and the invalid lines' texts: at least two workers had work.
  EXPECT_GE(nonempty, 2u);
}

TEST(ShardNet, StdinGivesTheSameShardAsTheFile) {
  const auto list = make_list("stdin.txt", 60);
  for (std::uint32_t k = 0; k < 2; ++k) {
    const auto from_file = run_cli(shard_args(list.path, k, 2, {"-q"}));
    const auto from_stdin = run_cli(shard_args("-", k, 2, {"-q"}), list.text);
    const auto file_indices = check_shard_output(list, from_file, k, 2);
    EXPECT_EQ(check_shard_output(list, from_stdin, k, 2), file_indices);
    EXPECT_EQ(file_indices, expected_indices(list, k, 2));
    EXPECT_EQ(from_stdin.exit_code, from_file.exit_code) << from_stdin.err;
  }
}

// A shard's interrupted run resumes from its own state run, even after another shard ran
// on the same state file in between (it neither resumed nor abandoned the first).
TEST(ShardNet, InterruptedShardResumesItsOwnRun) {
  constexpr std::uint32_t n = 3;
  auto& s = the_shops();
  // Near the end, a slow line on the first host, and two more behind it at that host
  // (--per-host 1): the run is stopped while it waits, so they never start.
  const auto slow = s.a.http_url("/products/widget.html?slow=1&delay=6000");
  const auto list = make_list("resume.txt", 90,
                              {{slow, "19.99"},
                               {s.a.http_url("/products/widget.html?behind=1"), "19.99"},
                               {s.a.http_url("/products/widget.html?behind=2"), "19.99"}});
  const std::size_t slow_index = list.lines.size() - 3;
  const std::uint32_t k = shard_of(list.keys[slow_index], n);
  const auto expected = expected_indices(list, k, n);
  const auto state = (temp_dir() / "resume.db").string();
  fs::remove(state);

  const auto interrupted =
      run_cli(shard_args(list.path, k, n, {"--state", state, "--per-host", "1"}), "", 2500ms);
  ASSERT_EQ(interrupted.exit_code, 130) << interrupted.err;
  // Every line before the slow one was written; the slow one, in flight at the signal,
  // ended as cancelled; the two behind it never started and are left out.
  std::vector<std::size_t> first;
  for (const auto& rec : parse_records(interrupted.out, true)) {
    const auto index = rec.at("index").get<std::size_t>();
    first.push_back(index);
    if (index == slow_index) {
      EXPECT_EQ(rec.at("error").at("kind"), "cancelled") << rec;
    } else if (!list.prices[index].empty()) {
      EXPECT_EQ(rec.at("price"), list.prices[index]) << rec;
    }
  }
  ASSERT_EQ(first, std::vector<std::size_t>(expected.begin(), expected.end() - 2))
      << "stopped before the fast lines were done: raise the wait";

  const auto other = run_cli(shard_args(list.path, (k + 1) % n, n, {"--state", state, "-q"}));
  EXPECT_LE(other.exit_code, 1) << other.err;
  EXPECT_EQ(check_shard_output(list, other, (k + 1) % n, n),
            expected_indices(list, (k + 1) % n, n));

  const int before = s.requests();
  const auto resumed = run_cli(shard_args(list.path, k, n, {"--state", state, "--resume"}));
  EXPECT_LE(resumed.exit_code, 1) << resumed.err;
  std::vector<std::size_t> indices;
  for (const auto& rec : parse_records(resumed.out, true)) {
    const auto index = rec.at("index").get<std::size_t>();
    indices.push_back(index);
    EXPECT_EQ(rec.at("url"), list.lines.at(index));
    // The interrupted run's `cancelled` line was not committed: the resume fetched it.
    if (!list.prices[index].empty()) {
      EXPECT_EQ(rec.at("price"), list.prices[index]) << rec;
    }
  }
  EXPECT_EQ(indices, expected);
  // The resume found this shard's run: "resuming run N: X record(s) committed before".
  const auto said = resumed.err.find("resuming run ");
  ASSERT_NE(said, std::string::npos) << resumed.err;
  const auto colon = resumed.err.find(": ", said);
  const std::size_t committed = std::stoul(resumed.err.substr(colon + 2));
  // Everything the first run wrote but the cancelled record.
  EXPECT_EQ(committed + 1, first.size());
  // Only what was not committed was fetched (invalid lines are never fetched).
  std::size_t valid = 0, invalid = 0;
  for (auto i : expected) (list.prices[i].empty() ? invalid : valid) += 1;
  const std::size_t to_fetch = valid - (committed - invalid);
  EXPECT_EQ(to_fetch, 3u);  // the cancelled line and the two behind it
  EXPECT_EQ(static_cast<std::size_t>(s.requests() - before), to_fetch);
}

TEST(ShardNet, BadShardIsAUsageError) {
  for (const char* bad : {"3/3", "1", "-1/2", "0/0", "1/70000"}) {
    const auto r = run_cli({"-", "--shard=" + std::string(bad)}, "http://127.0.0.1:1/\n");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_TRUE(r.out.empty()) << bad;
    EXPECT_NE(r.err.find("--shard: '" + std::string(bad) + "' is "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace pricescrape::testing
