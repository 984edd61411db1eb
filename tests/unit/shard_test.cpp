#include <pricescrape/output/writer.hpp>
#include <pricescrape/record_sink.hpp>
#include <pricescrape/shard.hpp>
#include <pricescrape/url_source.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace pricescrape {
namespace {

// --- parse_shard ----------------------------------------------------------------------

TEST(ParseShard, TakesKOfNCountingFromZero) {
  EXPECT_EQ(parse_shard("0/1").spec, (shard_spec{0, 1}));
  EXPECT_EQ(parse_shard("2/3").spec, (shard_spec{2, 3}));
  EXPECT_EQ(parse_shard("0/4").spec, (shard_spec{0, 4}));
  EXPECT_EQ(parse_shard("65535/65536").spec, (shard_spec{65535, 65536}));
  EXPECT_EQ(parse_shard("007/010").spec, (shard_spec{7, 10}));  // zeros are digits
  EXPECT_TRUE(parse_shard("2/3").problem.empty());
}

TEST(ParseShard, RefusesWhatIsNotKOfN) {
  for (const char* bad : {"", "3", "/", "1/", "/3", "1/3/4", "a/b", "-1/3", "+1/3", " 1/3", "1/3 ",
                          "1.0/3", "1 /3", "0x1/3", "99999999999/3"}) {
    const auto r = parse_shard(bad);
    EXPECT_FALSE(r.spec) << bad;
    EXPECT_EQ(r.problem, "not of the form K/N (whole numbers, e.g. 0/4)") << bad;
  }
}

TEST(ParseShard, RefusesOutOfRange) {
  for (const char* bad : {"0/0", "0/65537", "1/4294967296"})
    EXPECT_EQ(parse_shard(bad).problem, "out of range: N must be 1 to 65536") << bad;
  for (const char* bad : {"3/3", "1/1", "65536/65536"})
    EXPECT_EQ(parse_shard(bad).problem,
              "out of range: K must be below N (shards count from 0: 0/N to N-1/N)")
        << bad;
}

// --- the hash: pinned, as workers of different builds and versions must agree -------

TEST(ShardHash, Fnv1a64MatchesThePublishedVectorsAndPinnedHosts) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(fnv1a_64("shop.example"), 0xf88bb797961500e1ull);
  EXPECT_EQ(fnv1a_64("127.0.0.1:8080"), 0x1cf0caae52b457ccull);
}

TEST(ShardHash, ShardIsTheFinalizedHashModN) {
  // fmix64(fnv1a_64(key)), computed apart from this code (a few lines of Python).
  EXPECT_EQ(shard_hash(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(shard_hash("shop.example"), 0x0e2e31dff277e430ull);
  EXPECT_EQ(shard_hash("127.0.0.1:8080"), 0xfbf677dc0992301cull);
  EXPECT_EQ(shard_hash("not a url"), 0x51ce8f8660a52adfull);
  EXPECT_EQ(shard_of("shop.example", 2), 0u);
  EXPECT_EQ(shard_of("shop.example", 3), 0u);
  EXPECT_EQ(shard_of("shop.example", 10), 4u);
  EXPECT_EQ(shard_of("shop.example", 65536), 0xe430u);
  EXPECT_EQ(shard_of("127.0.0.1:8080", 3), 2u);
  EXPECT_EQ(shard_of("127.0.0.1:8080", 10), 2u);
  EXPECT_EQ(shard_of("not a url", 10), 5u);
  for (const char* key : {"", "a", "shop.example", "x.y:81"}) EXPECT_EQ(shard_of(key, 1), 0u);
}

TEST(ShardHash, TheKeyIsTheHostOrTheLine) {
  const auto https = make_job(0, "https://Shop.Example/p/1");
  const auto http = make_job(1, "http://shop.example:80/p/2?x=1");
  const auto port = make_job(2, "https://shop.example:8443/p/3");
  const auto bad = make_job(3, "ftp://shop.example/p/4");
  EXPECT_EQ(shard_key(https), "shop.example");
  // http and https on their default ports are one shop, on one worker.
  EXPECT_EQ(shard_key(http), "shop.example");
  EXPECT_EQ(shard_key(port), "shop.example:8443");
  EXPECT_EQ(shard_key(bad), "ftp://shop.example/p/4");
}

// Host families that plain FNV-1a splits badly: names differing in letters of like parity
// (FNV-1a mod 2 puts all 2197 on one worker, mod 4 leaves two shards empty) and ports
// differing in their last digits (FNV-1a's top bits scaled to 4 leave two shards empty).
TEST(ShardHash, SimilarHostsSpreadOverEveryShard) {
  std::vector<std::string> letters, ports;
  const std::string odd = "acegikmoqsuwy";  // every one's lowest bit is 1
  for (char a : odd)
    for (char b : odd)
      for (char c : odd) letters.push_back(std::string("shop") + a + b + c + ".example");
  for (int port = 8001; port < 8801; port += 2)
    ports.push_back("127.0.0.1:" + std::to_string(port));
  for (const auto* hosts : {&letters, &ports}) {
    for (std::uint32_t n : {2u, 3u, 4u, 8u}) {
      std::vector<std::size_t> per_shard(n);
      for (const auto& host : *hosts) ++per_shard[shard_of(host, n)];
      // Within half of an even share either way (plain FNV-1a left shards empty).
      const auto even = hosts->size() / n;
      for (std::uint32_t k = 0; k < n; ++k) {
        EXPECT_GT(per_shard[k], even / 2) << hosts->front() << " " << k << "/" << n;
        EXPECT_LT(per_shard[k], even * 3 / 2) << hosts->front() << " " << k << "/" << n;
      }
    }
  }
}

// --- shard_source over a generated list -----------------------------------------------

struct generated_list {
  std::string text;
  std::vector<std::string> lines;  // by index: the lines that count
  std::size_t invalid = 0;
};

// Many hosts (names, ports, schemes, case), blank lines, comments and invalid lines.
generated_list make_list(std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  generated_list list;
  for (std::size_t i = 0; i < count; ++i) {
    const auto pick = random() % 100;
    std::string line;
    if (pick < 5) {
      list.text += pick < 2 ? "\n" : "# a comment " + std::to_string(i) + "\n";
      continue;
    }
    if (pick < 12) {
      line = pick < 9 ? "not a url " + std::to_string(i) : "ftp://h" + std::to_string(i) + "/x";
      ++list.invalid;
    } else {
      const auto host = random() % 300;
      const std::string scheme = random() % 2 ? "http" : "https";
      std::string name = "shop" + std::to_string(host % 150) + (host % 3 ? ".example" : ".TEST");
      if (host >= 150)
        name = "127.0.0." + std::to_string(host % 150 + 1) + ":" + std::to_string(8000 + host % 7);
      line = scheme + "://" + name + "/p/" + std::to_string(i);
    }
    list.lines.push_back(line);
    list.text += "  " + line + "\r\n";
  }
  return list;
}

struct shard_run {
  std::vector<job> jobs;
  std::vector<std::size_t> order;  // what next_index() gave, in order
  std::size_t skipped = 0;
};

shard_run run_shard(const std::string& text, shard_spec spec) {
  std::istringstream in(text);
  url_source lines(in);
  shard_source shard(lines, spec);
  shard_run run;
  while (auto j = shard.next()) run.jobs.push_back(std::move(*j));
  while (auto i = shard.next_index()) run.order.push_back(*i);
  run.skipped = shard.skipped();
  EXPECT_FALSE(shard.read_failed());
  return run;
}

TEST(ShardSource, EveryLineLandsInExactlyOneShard) {
  const auto list = make_list(3000, 7);
  ASSERT_GT(list.invalid, 150u);
  for (std::uint32_t n : {1u, 2u, 3u, 7u, 16u}) {
    std::vector<int> times_taken(list.lines.size());
    std::map<std::string, std::uint32_t> shard_of_host;
    for (std::uint32_t k = 0; k < n; ++k) {
      const auto run = run_shard(list.text, {k, n});
      EXPECT_EQ(run.jobs.size() + run.skipped, list.lines.size());
      std::istringstream again(list.text);
      EXPECT_EQ(count_shard_jobs(again, {k, n}), run.jobs.size());
      std::vector<std::size_t> indices;
      for (const auto& j : run.jobs) {
        ASSERT_LT(j.index, list.lines.size());
        // The index stays the input's: the job is the line an unsharded run numbers so.
        EXPECT_EQ(j.url, list.lines[j.index]);
        ++times_taken[j.index];
        indices.push_back(j.index);
        if (j.invalid) continue;
        // One host, one worker.
        const auto [at, fresh] = shard_of_host.emplace(j.host, k);
        EXPECT_EQ(at->second, k) << j.host;
      }
      EXPECT_TRUE(std::is_sorted(indices.begin(), indices.end()));
      EXPECT_EQ(run.order, indices);  // the sink's order is the jobs' order
      if (n <= 3) {
        EXPECT_GT(run.jobs.size(), list.lines.size() / n / 2) << k << "/" << n;
      }
    }
    for (std::size_t i = 0; i < times_taken.size(); ++i)
      ASSERT_EQ(times_taken[i], 1) << "line " << i << " in " << n << " shards";
    EXPECT_GE(shard_of_host.size(), 290u);
  }
}

TEST(ShardSource, SameHostSameShardWhateverItsPathSchemeOrCase) {
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += (i % 2 ? "https://SHOP.example/p/" : "http://shop.example:80/q/") + std::to_string(i) +
            "\n";
    text += "https://other.example:8443/p/" + std::to_string(i) + "\n";
  }
  for (std::uint32_t n : {2u, 5u, 64u}) {
    const auto shop = shard_of("shop.example", n);
    const auto other = shard_of("other.example:8443", n);
    for (std::uint32_t k = 0; k < n; ++k) {
      const auto run = run_shard(text, {k, n});
      const std::size_t expected = (shop == k ? 50u : 0u) + (other == k ? 50u : 0u);
      EXPECT_EQ(run.jobs.size(), expected) << k << "/" << n;
    }
  }
}

TEST(ShardSource, InvalidLinesShardByTheirText) {
  const std::string text = "not a url\n  not a url  \nhttp:///no-host\nnot a url\n";
  const auto a = shard_of("not a url", 3);
  const auto b = shard_of("http:///no-host", 3);
  std::size_t total = 0;
  for (std::uint32_t k = 0; k < 3; ++k) {
    const auto run = run_shard(text, {k, 3});
    const std::size_t expected = (a == k ? 3u : 0u) + (b == k ? 1u : 0u);
    EXPECT_EQ(run.jobs.size(), expected);
    for (const auto& j : run.jobs) EXPECT_TRUE(j.invalid);
    total += run.jobs.size();
  }
  EXPECT_EQ(total, 4u);
}

// The shard source and the ordered sink together: records put in any order leave in
// index order, and the skipped indices hold nothing back.
TEST(ShardSource, OrderedSinkWritesTheShardInIndexOrder) {
  const auto list = make_list(600, 11);
  std::istringstream in(list.text);
  url_source lines(in);
  shard_source shard(lines, {1, 3});
  std::vector<std::size_t> taken;
  std::ostringstream bytes;
  output::ostream_sink to_bytes(bytes);
  auto writer = output::make_writer(output::format::jsonl, output::schema::fetch, to_bytes);
  ordered_writer_sink sink(*writer, [&shard] { return shard.next_index(); });
  // Like the engine: a few jobs read ahead, finished out of order.
  std::vector<output::record> running;
  std::mt19937 random(3);
  auto finish_one = [&] {
    const auto at = random() % running.size();
    sink.put(running[at]);
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(at));
  };
  while (auto j = shard.next()) {
    taken.push_back(j->index);
    output::record r;
    r.index = j->index;
    r.url = j->url;
    running.push_back(std::move(r));
    if (running.size() > 8) finish_one();
  }
  while (!running.empty()) finish_one();
  sink.finish();
  EXPECT_EQ(sink.held(), 0u);
  ASSERT_GT(taken.size(), 100u);
  ASSERT_EQ(sink.tally()->records, taken.size());
  std::istringstream written(bytes.str());
  std::string line;
  std::size_t at = 0;
  while (std::getline(written, line)) {
    ASSERT_LT(at, taken.size());
    EXPECT_NE(line.find("\"index\": " + std::to_string(taken[at]) + ","), std::string::npos)
        << line;
    ++at;
  }
  EXPECT_EQ(at, taken.size());
}

}  // namespace
}  // namespace pricescrape
