// The pricescrape binary as users run it: options, exit codes, formats, files, signals.
#include "support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

namespace pricescrape::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

demo_shop& shop() {
  static demo_shop instance;
  return instance;
}

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / ("pricescrape-cli-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = temp_dir() / name;
  std::ofstream(path) << text;
  return path.string();
}

std::vector<std::string> with_cacert(std::vector<std::string> args) {
  args.push_back("--cacert");
  args.push_back(shop().cert());
  args.push_back("--no-progress");
  return args;
}

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST(Cli, HelpListsOptionsAndExitsZero) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (auto opt :
       {"--concurrency", "--per-host", "--format", "--output", "--timeout", "--connect-timeout",
        "--retries", "--max-redirects", "--max-body", "--user-agent", "--header", "--cacert",
        "--insecure", "--profile", "--quiet", "--log-format", "--no-progress", "extract"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

TEST(Cli, VersionPrintsTheVersion) {
  auto r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("pricescrape 0."), std::string::npos) << r.out;
}

struct bad_usage {
  std::vector<std::string> args;
  std::string mentions;
};

class CliBadUsage : public ::testing::TestWithParam<bad_usage> {};

TEST_P(CliBadUsage, ExitsTwoWithOneLineAndNoOutput) {
  const auto input = write_file("ok-urls.txt", shop().http_url("/products/widget.html") + "\n");
  auto args = GetParam().args;
  if (args.empty() || args.front() != "NOINPUT")
    args.insert(args.begin(), input);
  else
    args.erase(args.begin());
  const auto before = shop().stats().at("requests").get<int>();
  auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().mentions), std::string::npos) << r.err;
  EXPECT_EQ(shop().stats().at("requests").get<int>(), before) << "a request was sent";
}

INSTANTIATE_TEST_SUITE_P(
    Options, CliBadUsage,
    ::testing::Values(
        bad_usage{{"-c", "0"}, "--concurrency"}, bad_usage{{"-c", "10001"}, "--concurrency"},
        bad_usage{{"-c", "ten"}, "--concurrency"}, bad_usage{{"-f", "xml"}, "--format"},
        bad_usage{{"--timeout", "-1"}, "--timeout"},
        bad_usage{{"--max-body", "lots"}, "--max-body"},
        bad_usage{{"--retries", "-2"}, "--retries"}, bad_usage{{"-H", "no colon here"}, "--header"},
        bad_usage{{"--cacert", "/nonexistent/ca.pem"}, "--cacert"},
        bad_usage{{"--no-such-option"}, "no-such-option"},
        bad_usage{{"NOINPUT", "/nonexistent/urls.txt"}, "/nonexistent/urls.txt"},
        bad_usage{{"NOINPUT", "/tmp"}, "Is a directory"},
        bad_usage{{"-o", "/nonexistent/dir/out.json"}, "/nonexistent/dir/out.json"}),
    [](const auto& param_info) {
      std::string name;
      for (const auto& arg : param_info.param.args)
        for (char c : arg) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name + "_" + std::to_string(param_info.index);
    });

TEST(Cli, BadCaBundleContentExitsTwoBeforeAnyRequest) {
  const auto input = write_file("one.txt", shop().http_url("/products/widget.html") + "\n");
  const auto bogus = write_file("bogus.pem", "this is not a certificate\n");
  auto r = run_cli({input, "--cacert", bogus});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--cacert"), std::string::npos) << r.err;
}

TEST(Cli, StdinJsonlAndExitCodeOne) {
  const std::string input = shop().https_url("/products/widget.html") + "\n" + "# comment\n\n" +
                            shop().https_url("/missing.html") + "\nnot a url\n";
  auto r = run_cli(with_cacert({"-", "-f", "jsonl", "-q"}), input);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].at("price"), "19.99");
  EXPECT_EQ(records[1].at("error").at("kind"), "http_status");
  EXPECT_EQ(records[2].at("error").at("kind"), "invalid_url");
  EXPECT_EQ(records[2].at("index"), 2);
  EXPECT_TRUE(r.err.empty()) << "-q must keep stderr quiet: " << r.err;
}

TEST(Cli, AllOkExitsZeroWithSummaryOnStderrOnly) {
  const auto input = write_file("two.txt", shop().http_url("/products/widget.html?a=1") + "\n" +
                                               shop().http_url("/products/widget.html?a=2") + "\n");
  auto r = run_cli(with_cacert({input}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto records = parse_records(r.out, false);  // stdout is exactly one JSON array
  EXPECT_EQ(records.size(), 2u);
  EXPECT_NE(r.err.find("2 URLs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 ok"), std::string::npos) << r.err;
}

// Reads "  <stage>  <total ms>  <ms/page>  <share>%" back from the --profile table.
struct profile_line {
  double total_ms = -1;
  double ms_per_page = -1;
  double share = -1;
};

std::optional<profile_line> find_profile_line(const std::string& err, const std::string& stage) {
  std::istringstream lines(err);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("  " + stage + " ", 0) != 0) continue;
    std::istringstream fields(line.substr(2 + stage.size()));
    profile_line p;
    char percent = 0;
    if (fields >> p.total_ms >> p.ms_per_page >> p.share >> percent && percent == '%') return p;
  }
  return std::nullopt;
}

TEST(Cli, ProfilePrintsEveryStageWithinTheTotalCpu) {
  std::string urls;
  for (const char* page : {"widget", "ceramic-teapot", "espresso-machine", "oak-bookshelf",
                           "standmixer", "studio-headphones", "trail-backpack", "wool-scarf"})
    for (int i = 0; i < 3; ++i)
      urls += shop().https_url("/products/" + std::string(page) + ".html?p=" + std::to_string(i)) +
              "\n";
  const auto input = write_file("profile.txt", urls);
  // -q: the table is asked for explicitly, so it is printed even when logs are quiet.
  auto r = run_cli(with_cacert({input, "-c", "4", "-f", "jsonl", "-q", "--profile"}));
  EXPECT_EQ(parse_records(r.out, true).size(), 24u) << r.err;
  EXPECT_NE(r.err.find("over 24 pages"), std::string::npos) << r.err;

  double stages_ms = 0;
  for (const char* stage :
       {"fetch+TLS", "decompression", "charset", "parse", "extraction", "output", "other"}) {
    const auto p = find_profile_line(r.err, stage);
    ASSERT_TRUE(p) << "no line for " << stage << " in:\n" << r.err;
    EXPECT_GE(p->total_ms, 0) << stage;
    EXPECT_NEAR(p->ms_per_page, p->total_ms / 24, 0.01) << stage;
    if (std::string_view(stage) != "other") stages_ms += p->total_ms;
  }
  const auto total = find_profile_line(r.err, "total CPU");
  ASSERT_TRUE(total) << r.err;
  EXPECT_GT(total->total_ms, 0);
  EXPECT_NEAR(total->share, 100.0, 0.05);
  EXPECT_GT(find_profile_line(r.err, "fetch+TLS")->total_ms, 0) << r.err;
  // Each printed value is rounded to 0.1 ms: allow that much per stage.
  EXPECT_LE(stages_ms, total->total_ms + 6 * 0.05) << r.err;
  const auto other = find_profile_line(r.err, "other");
  EXPECT_NEAR(stages_ms + other->total_ms, total->total_ms, 7 * 0.05) << r.err;
  EXPECT_NE(r.err.find("gumbo fallback: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fetched pages held at once: at most "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" pages, visible scan: "), std::string::npos) << r.err;
}

TEST(Cli, RepeatedHeaderOptionsLeaveTheInputAlone) {
  const auto input = write_file("hdr.txt", shop().http_url("/products/widget.html") + "\n");
  auto r = run_cli(with_cacert({"-H", "X-One: 1", "-H", "X-Two: 2", input, "-q"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_records(r.out, false).size(), 1u);
}

TEST(Cli, CsvHasHeaderAndQuoting) {
  const auto input = write_file("csv.txt", shop().http_url("/products/widget.html") + "\n");
  auto r = run_cli(with_cacert({input, "-f", "csv", "-q"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("index,url,final_url,ok,status,price,currency,title,availability,source,"
                        "attempts,elapsed_ms,fetched_at,error_kind,error_message\n",
                        0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find(",19.99,USD,Acme Widget,InStock,"), std::string::npos) << r.out;
}

TEST(Cli, OutputFileIsWrittenAtomically) {
  const auto input = write_file("file.txt", shop().http_url("/products/widget.html") + "\n");
  const auto target = temp_dir() / "out.json";
  fs::remove(target);
  auto r = run_cli(with_cacert({input, "-o", target.string(), "-q"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(parse_records(text, false).size(), 1u);
  for (const auto& entry : fs::directory_iterator(temp_dir()))
    EXPECT_EQ(entry.path().filename().string().find(".out.json.tmp"), std::string::npos);
}

TEST(Cli, SigintMidRunLeavesValidJsonAndExits130) {
  std::string input;
  for (int i = 0; i < 200; ++i)
    input += shop().http_url("/products/widget.html?delay=400&i=" + std::to_string(i)) + "\n";
  const auto file = write_file("slow.txt", input);
  auto r = run_cli(with_cacert({file, "-c", "4"}), "", 1500ms);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  auto records = parse_records(r.out, false);  // throws if the array is not closed
  // Finished URLs, then the in-flight ones as cancelled; URLs never started are left out.
  ASSERT_GT(records.size(), 4u);
  ASSERT_LT(records.size(), 40u);
  std::size_t cancelled = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].at("index"), i);  // a prefix of the input, in order
    if (!records[i].at("ok").get<bool>()) {
      EXPECT_EQ(records[i].at("error").at("kind"), "cancelled");
      ++cancelled;
    }
  }
  EXPECT_GE(cancelled, 1u);
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
}

// The reader runs ahead of the jobs until the reorder window and the job channel are
// full, then blocks in a send: a stop must fail that send too, or io.run() never returns.
TEST(Cli, SigintWithTheReaderBlockedOnAFullQueueStillExits) {
  std::string input;
  for (int i = 0; i < 2000; ++i)
    input += shop().http_url("/products/widget.html?delay=300&i=" + std::to_string(i)) + "\n";
  const auto file = write_file("long.txt", input);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_cli(with_cacert({file, "-c", "2", "-f", "jsonl"}), "", 1000ms);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);  // a hang meets run_cli's 240 s kill
  const auto records = parse_records(r.out, true);
  ASSERT_GE(records.size(), 2u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].at("index"), i);
}

TEST(Cli, SecondSigintExitsAtOnce) {
  std::string input;
  for (int i = 0; i < 50; ++i)
    input += shop().http_url("/__fault/slow-headers?ms=20000&i=" + std::to_string(i)) + "\n";
  const auto file = write_file("stuck.txt", input);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_cli(with_cacert({file, "-c", "2"}), "", 800ms, 2);
  EXPECT_EQ(r.exit_code, 130);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(Cli, ExtractReadsSavedPagesIncludingGzip) {
  const std::string page = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/widget.html";
  const auto gz = (temp_dir() / "widget.html.gz").string();
  ASSERT_EQ(std::system(("gzip -c '" + page + "' > '" + gz + "'").c_str()), 0);
  auto r = run_cli({"extract", "-f", "jsonl", page, gz});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 2u);
  for (const auto& rec : records) {
    EXPECT_EQ(rec.at("price"), "19.99");
    EXPECT_EQ(rec.at("currency"), "USD");
  }
  EXPECT_EQ(records[1].at("file"), gz);
}

TEST(Cli, ExtractExplainListsCandidates) {
  const std::string page = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/widget.html";
  auto r = run_cli({"extract", "--explain", "-f", "jsonl", page});
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].at("explain").is_array());
  EXPECT_FALSE(records[0].at("explain").empty());
}

TEST(Cli, ParsePricePrintsOneJsonLinePerText) {
  auto r =
      run_cli({"parse-price", "--", "1.234,56 €", "CHF 1'234.50", "₹1,23,456", "-5 €", "no price"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one text has no price
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0],
            nlohmann::json::parse(R"({"input":"1.234,56 €","price":"1234.56","currency":"EUR"})"));
  EXPECT_EQ(records[1].at("price"), "1234.5");
  EXPECT_EQ(records[1].at("currency"), "CHF");
  EXPECT_EQ(records[2].at("price"), "123456");
  EXPECT_EQ(records[2].at("currency"), "INR");
  EXPECT_EQ(records[3].at("input"), "-5 €");
  EXPECT_TRUE(records[4].at("price").is_null());
}

TEST(Cli, ParsePriceHonoursSeparatorAndHint) {
  auto r = run_cli({"parse-price", "--decimal-separator", ",", "--currency-hint", "Preis in EUR",
                    "--", "1.234", "12,99"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("price"), "1234");
  EXPECT_EQ(records[1].at("price"), "12.99");
  EXPECT_EQ(records[1].at("currency"), "EUR");
  EXPECT_EQ(run_cli({"parse-price", "--decimal-separator", ";", "1"}).exit_code, 2);
}

TEST(Cli, JsonLogFormatWritesJsonLinesOnStderr) {
  const auto input = write_file("log.txt", "not a url\n");
  auto r = run_cli({input, "--log-format", "json", "--no-progress"});
  EXPECT_EQ(r.exit_code, 1);
  std::istringstream lines(r.err);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("level"));
    EXPECT_TRUE(j.contains("message"));
    ++n;
  }
  EXPECT_GE(n, 1);
}

}  // namespace
}  // namespace pricescrape::testing
