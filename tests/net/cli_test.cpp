// The pricescrape binary as users run it: options, exit codes, formats, files, signals.
#include "support.hpp"

#include <pricescrape/state/store.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

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
  for (auto opt : {"--concurrency", "--per-host",        "--format",  "--output",
                   "--timeout",     "--connect-timeout", "--retries", "--max-redirects",
                   "--max-body",    "--user-agent",      "--header",  "--cacert",
                   "--insecure",    "--profile",         "--quiet",   "--log-format",
                   "--no-progress", "--max-errors",      "--stats",   "extract",
                   "history"})
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
        bad_usage{{"-o", "/nonexistent/dir/out.json"}, "/nonexistent/dir/out.json"},
        bad_usage{{"--stats", "/nonexistent/dir/stats.json"}, "/nonexistent/dir/stats.json"},
        bad_usage{{"--max-errors", "lots"}, "--max-errors"},
        bad_usage{{"--max-errors", "101%"}, "--max-errors"},
        bad_usage{{"NOINPUT", "history", "--state", "/nonexistent/state.db"},
                  "/nonexistent/state.db"},
        // A line break in -A would end the header early and inject one of its own.
        bad_usage{{"-A", "a\r\nX: y"}, "--user-agent"},
        bad_usage{{"-A", "a\nX: y"}, "--user-agent"},
        bad_usage{{"-H", "X-A: a\r\nX-B: b"}, "line break"},
        // Every duration option refuses what is not a finite, positive, sane number.
        bad_usage{{"--timeout", "nan"}, "--timeout"}, bad_usage{{"--timeout", "inf"}, "--timeout"},
        bad_usage{{"--timeout", "0"}, "--timeout"}, bad_usage{{"--timeout", "1e9"}, "--timeout"},
        bad_usage{{"--timeout", "-0"}, "--timeout"},
        bad_usage{{"--connect-timeout", "nan"}, "--connect-timeout"},
        bad_usage{{"--connect-timeout", "-inf"}, "--connect-timeout"},
        bad_usage{{"--connect-timeout", "0.0000001"}, "--connect-timeout"}),
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

// The reader thread reads stdin while the io thread writes records: with std::cin tied to
// std::cout (the default), each read flushed std::cout from the reader thread and records
// came out twice (222 lines for 200 URLs).
TEST(Cli, ManyUrlsOnStdinGiveEachRecordExactlyOnce) {
  std::string input;
  for (int i = 0; i < 600; ++i)
    input += shop().http_url("/products/widget.html?i=" + std::to_string(i)) + "\n";
  auto r = run_cli(with_cacert({"-", "-f", "jsonl", "-q", "-c", "8"}), input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 600u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].at("index"), i);
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

// --- Output that cannot be written, odd -o targets, signals, descriptors ------------

struct shell_result {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string err;
};

// Runs `script` with /bin/sh, for the redirections run_cli cannot make (>/dev/full,
// >&-, pipes into head). Its stderr is captured; end the script with `exec` so the
// status is pricescrape's own.
shell_result run_shell(const std::string& script) {
  const auto err_path = temp_dir() / "shell-stderr.txt";
  fs::remove(err_path);
  const std::string command = "exec 2>'" + err_path.string() + "'; " + script;
  const int status = std::system(command.c_str());
  shell_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(err_path);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

std::string cli_command(const std::vector<std::string>& args) {
  std::string command = std::string("'") + PRICESCRAPE_CLI + "'";
  for (const auto& a : args) command += " '" + a + "'";
  return command;
}

int shop_requests() { return shop().stats().at("requests").get<int>(); }

// `count` URLs of the widget page, each `delay_ms` slow at the shop.
std::string widget_urls(const std::string& name, int count, int delay_ms = 0) {
  std::string text;
  for (int i = 0; i < count; ++i)
    text += shop().http_url("/products/widget.html?" + name + "=" + std::to_string(i) +
                            (delay_ms > 0 ? "&delay=" + std::to_string(delay_ms) : "")) +
            "\n";
  return write_file(name + ".txt", text);
}

TEST(CliOutput, StdoutOnAFullDeviceExitsThreeNamingTheCause) {
  // Each page 50 ms slow: job 0's write fails long before ten more pages could be
  // fetched, however long its extraction takes on a loaded machine (without the delay a
  // CI run once saw 16 requests out: pages fetched in a millisecond each outran job 0).
  const auto input = widget_urls("full", 50, 50);
  const int before = shop_requests();
  auto r = run_shell("exec " + cli_command({input, "-c", "1", "--no-progress"}) + " >/dev/full");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write to stdout: No space left on device"), std::string::npos)
      << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;  // the cause, and no "50 ok" summary
  // The batch stopped at the first failed write, not after the 50. Requests out by then:
  // job 0, the jobs that fetched while it was extracted (bounded by the body slots:
  // concurrency + extraction threads), and the jobs that took the slots of later jobs
  // finishing before job 0 (their records wait in the reorder buffer, unwritten). 10 of
  // 50 leaves that room and still fails a batch that goes on fetching.
  const int sent = shop_requests() - before;
  EXPECT_GE(sent, 1);
  EXPECT_LE(sent, 10);
}

// The system's CA bundle is read on the first TLS connection, not at start: with
// SSL_CERT_FILE naming a FIFO nobody writes to, reading it would block for good, so an
// http:// run finishing proves it was never opened; an https:// run still reads it
// (a bundle holding the shop's CA, without --cacert, verifies the shop).
TEST(CliTls, CaBundleIsReadOnlyWhenAnHttpsUrlIsFetched) {
  const auto fifo = temp_dir() / "ca-fifo";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const auto http_input = write_file("ca-lazy-http.txt", shop().http_url("/products/widget.html"));
  auto r =
      run_shell("SSL_CERT_FILE='" + fifo.string() + "' exec timeout 20 " +
                cli_command({http_input, "-q", "--no-progress", "-f", "jsonl"}) + " >/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto https_input =
      write_file("ca-lazy-https.txt", shop().https_url("/products/widget.html"));
  auto s =
      run_shell("SSL_CERT_FILE='" + shop().cert() + "' exec timeout 20 " +
                cli_command({https_input, "-q", "--no-progress", "-f", "jsonl"}) + " >/dev/null");
  EXPECT_EQ(s.exit_code, 0) << s.err;
  auto t =
      run_shell("SSL_CERT_FILE=/dev/null SSL_CERT_DIR=/nonexistent exec timeout 20 " +
                cli_command({https_input, "-q", "--no-progress", "-f", "jsonl"}) + " >/dev/null");
  EXPECT_EQ(t.exit_code, 1) << t.err;  // the shop's certificate is not trusted
}

TEST(CliOutput, ClosedStdoutIsRefusedBeforeAnyRequest) {
  const auto input = widget_urls("closed", 3);
  const int before = shop_requests();
  auto r = run_shell("exec " + cli_command({input, "--no-progress"}) + " >&-");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write to stdout"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stdout is closed"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(shop_requests() - before, 0);
}

TEST(CliOutput, ClosedStdinIsAnInputError) {
  const int before = shop_requests();
  auto r = run_shell("exec " + cli_command({"-", "--no-progress"}) + " <&-");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot read stdin"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(shop_requests() - before, 0);
}

TEST(CliOutput, ClosedStdoutIsFineWithAnOutputFile) {
  const auto input = widget_urls("closed-o", 2);
  const auto target = temp_dir() / "closed-stdout.json";
  fs::remove(target);
  auto r = run_shell("exec " + cli_command({input, "-q", "--no-progress", "-o", target.string()}) +
                     " >&-");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(target);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(parse_records(text, false).size(), 2u);
}

TEST(CliOutput, ReaderLeavingEndsTheRunQuietlyAndPromptly) {
  // 40 URLs at 100 ms each, two at a time: two seconds of work if nothing stopped it.
  const auto input = widget_urls("epipe", 40, 100);
  const int before = shop_requests();
  const auto status_path = temp_dir() / "epipe-status.txt";
  auto r = run_shell("{ " + cli_command({input, "-c", "2", "-f", "jsonl", "--no-progress"}) +
                     "; echo $? > '" + status_path.string() + "'; } | head -n 1 >/dev/null");
  std::ifstream status_in(status_path);
  int status = -1;
  status_in >> status;
  // The shell's status for death by SIGPIPE, what `cat`, `grep` and `yes` give too.
  EXPECT_EQ(status, 128 + SIGPIPE) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_LT(shop_requests() - before, 40);
}

TEST(CliOutput, OutputThroughASymlinkKeepsTheLinkAndTheMode) {
  const auto input = widget_urls("symlink", 2);
  const auto dir = temp_dir() / "symlink-target";
  fs::create_directories(dir);
  const auto real = dir / "prices.json";
  const auto link = temp_dir() / "prices-link.json";
  { std::ofstream(real) << "old\n"; }
  fs::permissions(real, fs::perms::owner_read | fs::perms::owner_write);
  fs::remove(link);
  fs::create_symlink(real, link);
  auto r = run_cli(with_cacert({input, "-q", "-o", link.string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), real);
  std::ifstream in(real);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(parse_records(text, false).size(), 2u);
  EXPECT_EQ(fs::status(real).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(CliOutput, OutputToDevNullLeavesItACharacterDevice) {
  const auto input = widget_urls("devnull", 2);
  auto r = run_cli(with_cacert({input, "-q", "-o", "/dev/null"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  for (const auto& entry : fs::directory_iterator("/dev"))
    EXPECT_EQ(entry.path().filename().string().find(".null.tmp"), std::string::npos);
}

TEST(CliOutput, OutputFileOnAFullDeviceExitsThree) {
  const auto input = widget_urls("full-o", 3);
  auto r = run_cli(with_cacert({input, "-o", "/dev/full"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write '/dev/full': No space left on device"), std::string::npos)
      << r.err;
}

// A small tmpfs, mounted for the test and unmounted after it.
class small_tmpfs {
 public:
  explicit small_tmpfs(const fs::path& where) : dir_(where) {
    fs::create_directories(dir_);
    const std::string command = "mount -t tmpfs -o size=64k tmpfs '" + dir_.string() + "' 2>&1";
    mounted_ = std::system(command.c_str()) == 0;
  }
  ~small_tmpfs() {
    if (mounted_) std::system(("umount '" + dir_.string() + "'").c_str());
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

TEST(CliOutput, FullFilesystemExitsThreeAndKeepsTheOldFile) {
  const auto dir = temp_dir() / "tiny-fs";
  small_tmpfs fs_guard(dir);
  if (!fs_guard.mounted())
    GTEST_SKIP() << "cannot mount a 64 KiB tmpfs at " << dir
                 << " (needs root with CAP_SYS_ADMIN, as in a privileged container)";
  const auto target = dir / "out.json";
  { std::ofstream(target) << "old\n"; }
  {
    // Leave about 8 KiB free: room for some records, not for 200.
    std::ofstream filler(dir / "filler", std::ios::binary);
    filler << std::string(56 * 1024, 'x');
  }
  const auto input = widget_urls("tmpfs", 200);
  const int before = shop_requests();
  auto r = run_cli(with_cacert({input, "-c", "2", "-o", target.string()}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write '" + target.string() + "': No space left on device"),
            std::string::npos)
      << r.err;
  std::ifstream in(target);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "old\n");
  // No temporary left behind: the old file and the filler only.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
  EXPECT_LT(shop_requests() - before, 200);  // it stopped at the failure
}

TEST(CliSignals, SigtermExits143WithValidJson) {
  const auto input = widget_urls("sigterm", 100, 300);
  const auto target = temp_dir() / "sigterm.json";
  const auto partial = temp_dir() / "sigterm.json.partial";
  fs::remove(partial);
  // Yesterday's complete output stays; what finished today goes beside it.
  std::ofstream(target) << "yesterday\n";
  auto r = run_shell(cli_command({input, "-c", "2", "--no-progress", "-o", target.string()}) +
                     " & pid=$!; sleep 1; kill -TERM $pid; wait $pid; exit $?");
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_NE(r.err.find("SIGTERM"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("interrupted: the records that finished are in '" + partial.string() +
                       "'; '" + target.string() + "' was left as it was"),
            std::string::npos)
      << r.err;
  {
    std::ifstream old(target);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(old)), {}), "yesterday\n");
  }
  std::ifstream in(partial);
  const auto records = parse_records(std::string((std::istreambuf_iterator<char>(in)), {}), false);
  EXPECT_GE(records.size(), 2u);
  EXPECT_LT(records.size(), 100u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].at("index"), i);
}

TEST(CliLimits, ConcurrencyAboveTheSoftFileLimitWorks) {
  // 300 requests at once need 300+ descriptors: more than a soft limit of 200, which
  // pricescrape raises to the hard limit at start.
  struct rlimit limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < 1024)
    GTEST_SKIP() << "the hard open-files limit (" << limit.rlim_max << ") is too low";
  const auto input = widget_urls("fdlimit", 300, 500);
  const auto target = temp_dir() / "fdlimit.json";
  auto r =
      run_shell("ulimit -S -n 200 && exec " +
                cli_command({input, "-c", "2000", "-v", "--no-progress", "-o", target.string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  EXPECT_NE(r.err.find("open-files limit raised from 200 to "), std::string::npos)
      << r.err.substr(0, 2000);
  std::ifstream in(target);
  const auto records = parse_records(std::string((std::istreambuf_iterator<char>(in)), {}), false);
  ASSERT_EQ(records.size(), 300u);
  std::size_t ok = 0;
  for (const auto& rec : records) ok += rec.at("ok").get<bool>() ? 1 : 0;
  EXPECT_EQ(ok, 300u);
}

// Starts the binary with stdout and stderr going to files, for tests that must watch
// the shop while it runs.
pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv{PRICESCRAPE_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_to_files(argv, out.string(), err.string());
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CliSignals, SigintDuringAHugeExtractionExitsPromptly) {
  // 40 MiB of paragraphs take several seconds of CPU to extract (the profile of this
  // page shows ~1.5 s parse + ~1.8 s extraction per 20 MiB on an idle machine): the
  // interrupt must not wait for that.
  // A shop of its own: its in-flight gauge must not count what other tests abandoned.
  demo_shop fresh;
  const auto input = write_file("huge.txt", fresh.http_url("/__fault/oversized?mb=40") + "\n");
  const auto out = temp_dir() / "huge.json", err = temp_dir() / "huge.err";
  const pid_t pid = spawn_cli({input, "--max-body", "64MiB", "--no-progress"}, out, err);
  ASSERT_GT(pid, 0);
  // Wait until the shop has sent the whole page (its one request is no longer in
  // flight), then give the client a moment to read the last bytes: from then on it
  // extracts, for seconds.
  const auto give_up = std::chrono::steady_clock::now() + 120s;
  for (;;) {
    const auto stats = fresh.stats();
    if (stats.at("requests").get<int>() == 1 && stats.at("in_flight").get<int>() == 0) break;
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << slurp(err);
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(1s);
  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const auto took = std::chrono::steady_clock::now() - signalled;
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(err);
  EXPECT_LT(took, 5s) << "the interrupt waited for the extraction";
  const auto records = parse_records(slurp(out), false);  // the array is closed
  ASSERT_EQ(records.size(), 1u) << slurp(out);
  EXPECT_EQ(records[0].at("index"), 0);
  EXPECT_EQ(records[0].at("status"), 200);
  EXPECT_EQ(records[0].at("error").at("kind"), "cancelled");
  EXPECT_EQ(records[0].at("error").at("message"), "cancelled while the page was being extracted");
  EXPECT_NE(slurp(err).find("interrupted"), std::string::npos) << slurp(err);
}

// --- nightly runs: -o's name, --max-errors, --stats, history ------------------------------

TEST(CliOutput, FormatFollowsTheOutputExtensionUnlessFormatIsGiven) {
  const auto input = widget_urls("ext", 2);
  for (const auto& [name, first_bytes] :
       std::vector<std::pair<std::string, std::string>>{{"out-ext.csv", "index,url,"},
                                                        {"out-ext.NDJSON", "{\"index\": 0,"},
                                                        {"out-ext.jsonl", "{\"index\": 0,"},
                                                        {"out-ext.json", "[{\"index\": 0,"},
                                                        {"out-ext.txt", "[{\"index\": 0,"}}) {
    const auto target = temp_dir() / name;
    auto r = run_cli(with_cacert({input, "-q", "-o", target.string()}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(target);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text.substr(0, first_bytes.size()), first_bytes) << name;
  }
  const auto forced = temp_dir() / "forced.csv";
  auto r = run_cli(with_cacert({input, "-q", "-f", "jsonl", "-o", forced.string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(forced);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(parse_records(text, true).size(), 2u);
}

TEST(CliOutput, DashOutputIsStdout) {
  const auto input = widget_urls("dash", 2);
  const bool dash_existed = fs::exists("-");
  auto r = run_cli(with_cacert({input, "-q", "-o", "-", "-f", "jsonl"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_records(r.out, true).size(), 2u);
  if (!dash_existed) {
    EXPECT_FALSE(fs::exists("-"));
  }
}

TEST(CliOutput, TempFilesOfKilledRunsAreRemoved) {
  const auto input = widget_urls("stale", 1);
  const auto target = temp_dir() / "stale.json";
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  const auto leftover = temp_dir() / (".stale.json.tmp-" + std::to_string(gone));
  std::ofstream(leftover) << "[{\"index\": 0";
  auto r = run_cli(with_cacert({input, "-q", "-o", target.string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_TRUE(fs::exists(target));
}

// Two good URLs and two lines that are not URLs: 2 failures in 4 records.
std::string half_bad_input(const std::string& name) {
  return write_file(name, shop().http_url("/products/widget.html?mx=1") + "\nnot a url\n" +
                              shop().http_url("/products/widget.html?mx=2") + "\nftp://x/\n");
}

TEST(CliNightly, MaxErrorsDecidesTheExitCode) {
  const auto input = half_bad_input("max-errors.txt");
  const std::vector<std::pair<std::vector<std::string>, int>> cases = {
      {{}, 1},
      {{"--max-errors", "2"}, 0},
      {{"--max-errors", "1"}, 1},
      {{"--max-errors", "50%"}, 0},
      {{"--max-errors", "49.9%"}, 1},
      {{"--max-errors", "0"}, 1}};
  for (const auto& [extra, code] : cases) {
    auto args = with_cacert({input, "-q", "-f", "jsonl"});
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, code) << (extra.empty() ? "" : extra[1]) << ": " << r.err;
    // The failures are in the records whatever the exit code.
    EXPECT_EQ(parse_records(r.out, true).size(), 4u);
  }
}

TEST(CliNightly, StatsFileHoldsOneJsonObject) {
  const auto input = half_bad_input("stats.txt");
  const auto stats = temp_dir() / "stats.json";
  fs::remove(stats);
  auto r = run_cli(
      with_cacert({input, "-q", "-f", "jsonl", "--max-errors", "50%", "--stats", stats.string()}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  std::ifstream in(stats);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(count_lines(text), 1);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j.at("records"), 4);
  EXPECT_EQ(j.at("ok"), 2);
  EXPECT_EQ(j.at("failed"), 2);
  EXPECT_EQ(j.at("errors").at("invalid_url"), 2);
  EXPECT_EQ(j.at("max_errors"), "50%");
  EXPECT_EQ(j.at("exit_code"), 0);
  EXPECT_EQ(j.at("interrupted"), false);
  EXPECT_GE(j.at("connections").at("opened").get<int>(), 1);
  EXPECT_TRUE(j.at("hosts").is_array());
}

TEST(CliNightly, StatsDashGoesToStderrEvenWhenQuiet) {
  const auto input = half_bad_input("stats-dash.txt");
  auto r = run_cli(with_cacert({input, "-q", "-f", "jsonl", "--stats", "-"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  const auto j = nlohmann::json::parse(r.err);
  EXPECT_EQ(j.at("failed"), 2);
  EXPECT_EQ(j.at("exit_code"), 1);
}

TEST(CliNightly, HistoryPrintsWhatTheStateFileHolds) {
  const auto file = temp_dir() / "history.db";
  fs::remove(file);
  {
    state::store s(file);
    const auto run = s.begin_run({"/lists/a", 1, "h"}, std::chrono::system_clock::now());
    output::record r;
    r.url = "https://shop.example/p/1";
    r.status = 200;
    r.currency = "CHF";
    std::vector<state::finished_record> batch = {{r, {}}};
    for (const auto& [price, day] : std::vector<std::pair<std::string, std::string>>{
             {"10", "01"}, {"10", "02"}, {"9.5", "03"}}) {
      batch[0].record.price = price;
      batch[0].record.fetched_at = "2026-11-" + day + "T03:00:00Z";
      s.commit(run, batch);
    }
  }
  auto r = run_cli({"history", "--state", file.string(), "-f", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "url,price,currency,availability,first_seen,last_seen\n"
            "https://shop.example/p/1,10,CHF,,2026-11-01T03:00:00Z,2026-11-02T03:00:00Z\n"
            "https://shop.example/p/1,9.5,CHF,,2026-11-03T03:00:00Z,2026-11-03T03:00:00Z\n");
  r = run_cli({"history", "--state", file.string(), "https://shop.example/p/1", "https://x/"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one URL has no history
  const auto rows = parse_records(r.out, true);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].at("price"), "9.5");
  EXPECT_EQ(rows[1].at("first_seen"), "2026-11-03T03:00:00Z");
  r = run_cli({"history", "--state", (temp_dir() / "nothing.db").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot open state"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(temp_dir() / "nothing.db"));
}

// --- Configuration, words and terminal manners (issue 12) -----------------------------

// Sets (or, with nullopt, unsets) environment variables for one scope: run_cli's child
// inherits them.
class scoped_env {
 public:
  using vars_t = std::map<std::string, std::optional<std::string>>;
  explicit scoped_env(vars_t vars) {
    for (auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      set(name, value);
    }
  }
  ~scoped_env() {
    for (auto& [name, value] : saved_) set(name, value);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  static void set(const std::string& name, const std::optional<std::string>& value) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

// A config directory of its own per test, so a developer's ~/.config is never read.
fs::path config_home(const std::string& name, const std::string& toml) {
  const auto dir = temp_dir() / ("xdg-" + name);
  fs::create_directories(dir / "pricescrape");
  if (!toml.empty()) std::ofstream(dir / "pricescrape" / "config.toml") << toml;
  return dir;
}

std::string one_url_file() {
  return write_file("one-url.txt", shop().http_url("/products/widget.html") + "\n");
}

enum class shape { json_array, jsonl, csv };
shape shape_of(const std::string& out) {
  if (out.rfind("[", 0) == 0) return shape::json_array;
  if (out.rfind("{", 0) == 0) return shape::jsonl;
  return shape::csv;
}

TEST(CliConfig, PrecedenceIsFlagThenEnvironmentThenFileThenDefault) {
  const auto xdg = config_home("precedence", "format = \"csv\"\nno-progress = true\n");
  const auto input = one_url_file();
  {
    scoped_env env({{"XDG_CONFIG_HOME", xdg.string()}, {"PRICESCRAPE_FORMAT", std::nullopt}});
    auto r = run_cli({input});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(shape_of(r.out), shape::csv) << r.out;  // the file over the default (json)
  }
  {
    scoped_env env({{"XDG_CONFIG_HOME", xdg.string()}, {"PRICESCRAPE_FORMAT", "jsonl"}});
    auto r = run_cli({input});
    EXPECT_EQ(shape_of(r.out), shape::jsonl) << r.out;  // the environment over the file
    r = run_cli({input, "-f", "json"});
    EXPECT_EQ(shape_of(r.out), shape::json_array) << r.out;  // the flag over both
  }
  {
    scoped_env env({{"XDG_CONFIG_HOME", (temp_dir() / "xdg-none").string()},
                    {"PRICESCRAPE_FORMAT", std::nullopt}});
    auto r = run_cli({input, "--no-progress"});
    EXPECT_EQ(r.exit_code, 0) << r.err;  // no default file: fine
    EXPECT_EQ(shape_of(r.out), shape::json_array) << r.out;
  }
}

TEST(CliConfig, ExplicitConfigFileHomeFallbackAndSubcommandSection) {
  const auto input = one_url_file();
  const auto file =
      write_file("explicit.toml", "format = \"jsonl\"\n[extract]\nformat = \"csv\"\n");
  const std::string page = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/widget.html";
  {
    scoped_env env({{"XDG_CONFIG_HOME", std::nullopt}, {"HOME", temp_dir().string()}});
    auto r = run_cli({"--config", file, input, "--no-progress"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(shape_of(r.out), shape::jsonl) << r.out;
    r = run_cli({"--config", file, "extract", page});
    EXPECT_EQ(shape_of(r.out), shape::csv) << r.out;
    {
      scoped_env sub(scoped_env::vars_t{{"PRICESCRAPE_EXTRACT_FORMAT", "jsonl"}});
      r = run_cli({"--config", file, "extract", page});
      EXPECT_EQ(shape_of(r.out), shape::jsonl) << r.out;
    }
    {
      scoped_env sub(scoped_env::vars_t{{"PRICESCRAPE_EXTRACT_FORMAT", "xml"}});
      r = run_cli({"--config", file, "extract", page});
      EXPECT_EQ(r.exit_code, 2);
      EXPECT_NE(r.err.find("'xml' is not one of json, jsonl, csv (from "
                           "PRICESCRAPE_EXTRACT_FORMAT='xml')"),
                std::string::npos)
          << r.err;
    }
    // No XDG_CONFIG_HOME: ~/.config/pricescrape/config.toml.
    fs::create_directories(temp_dir() / ".config" / "pricescrape");
    std::ofstream(temp_dir() / ".config" / "pricescrape" / "config.toml") << "format = \"csv\"\n";
    r = run_cli({input, "--no-progress"});
    EXPECT_EQ(shape_of(r.out), shape::csv) << r.out;
    fs::remove(temp_dir() / ".config" / "pricescrape" / "config.toml");
    // PRICESCRAPE_CONFIG names a file as --config does.
    scoped_env by_env(scoped_env::vars_t{{"PRICESCRAPE_CONFIG", file}});
    r = run_cli({input, "--no-progress"});
    EXPECT_EQ(shape_of(r.out), shape::jsonl) << r.out;
  }
}

TEST(CliConfig, FlagsFromTheEnvironment) {
  const auto input = one_url_file();
  scoped_env env({{"XDG_CONFIG_HOME", (temp_dir() / "xdg-none").string()},
                  {"PRICESCRAPE_QUIET", "1"},
                  {"PRICESCRAPE_NO_PROGRESS", "1"}});
  auto r = run_cli({input, "--cacert", shop().cert()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // quiet: no summary line
}

struct config_error_case {
  std::string name;
  std::map<std::string, std::optional<std::string>> env;
  std::string toml;               // written to the default file when not empty
  std::vector<std::string> args;  // after INPUT
  std::vector<std::string> mentions;
};

class CliConfigErrors : public ::testing::TestWithParam<config_error_case> {};

TEST_P(CliConfigErrors, ExitTwoNamingTheSource) {
  const auto& c = GetParam();
  const auto xdg = config_home("err-" + c.name, c.toml);
  auto vars = c.env;
  vars["XDG_CONFIG_HOME"] = xdg.string();
  scoped_env env(vars);
  std::vector<std::string> args{one_url_file()};
  args.insert(args.end(), c.args.begin(), c.args.end());
  const auto before = shop().stats().at("requests").get<int>();
  auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  for (const auto& m : c.mentions)
    EXPECT_NE(r.err.find(m), std::string::npos) << m << "\n" << r.err;
  EXPECT_EQ(shop().stats().at("requests").get<int>(), before) << "a request was sent";
}

INSTANTIATE_TEST_SUITE_P(
    Sources, CliConfigErrors,
    ::testing::Values(
        config_error_case{"env_timeout",
                          {{"PRICESCRAPE_TIMEOUT", "abc"}},
                          "",
                          {},
                          {"--timeout: 'abc' is not a number", "PRICESCRAPE_TIMEOUT"}},
        config_error_case{"env_concurrency",
                          {{"PRICESCRAPE_CONCURRENCY", "0"}},
                          "",
                          {},
                          {"out of range (1-10000)", "PRICESCRAPE_CONCURRENCY"}},
        config_error_case{"env_max_body",
                          {{"PRICESCRAPE_MAX_BODY", "lots"}},
                          "",
                          {},
                          {"--max-body", "PRICESCRAPE_MAX_BODY"}},
        config_error_case{"file_concurrency",
                          {},
                          "concurrency = 0\n",
                          {},
                          {"out of range (1-10000)", "config file", "config.toml"}},
        config_error_case{"file_typo",
                          {},
                          "concurency = 5\n",
                          {},
                          {"unknown option 'concurency'", "did you mean 'concurrency'?"}},
        config_error_case{"missing_config",
                          {},
                          "",
                          {"--config", "/nonexistent/p.toml"},
                          {"--config", "/nonexistent/p.toml", "No such file"}},
        config_error_case{"missing_env_config",
                          {{"PRICESCRAPE_CONFIG", "/nonexistent/e.toml"}},
                          "",
                          {},
                          {"PRICESCRAPE_CONFIG", "/nonexistent/e.toml"}},
        // The flag wins, but a bad flag is the flag's fault, not the file's.
        config_error_case{"flag_over_file",
                          {},
                          "timeout = 5\n",
                          {"--timeout", "x"},
                          {"--timeout: 'x' is not a number (see --help)"}}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(CliWords, UnknownOptionIsNamedWithADidYouMean) {
  const auto input = one_url_file();
  auto r = run_cli({"--concurency", "5", input});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option '--concurency'; did you mean --concurrency?"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(input), std::string::npos) << "blames the valid INPUT: " << r.err;
  const std::string page = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/widget.html";
  r = run_cli({"extract", "--explian", page});
  EXPECT_NE(r.err.find("did you mean --explain?"), std::string::npos) << r.err;
}

TEST(CliWords, NumbersAndRangesAreExplained) {
  const auto input = one_url_file();
  auto r = run_cli({input, "--timeout", "abc"});
  EXPECT_NE(r.err.find("--timeout: 'abc' is not a number"), std::string::npos) << r.err;
  r = run_cli({input, "-c", "0"});
  EXPECT_NE(r.err.find("--concurrency: '0' is out of range (1-10000)"), std::string::npos) << r.err;
  r = run_cli({input, "-c", "2.5"});
  EXPECT_NE(r.err.find("'2.5' is not a whole number"), std::string::npos) << r.err;
  r = run_cli({input, "-f", "xml"});
  EXPECT_NE(r.err.find("'xml' is not one of json, jsonl, csv"), std::string::npos) << r.err;
}

TEST(CliWords, EveryHelpLineFitsIn100ColumnsWithReadableTypes) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"extract", "--help"}, {"parse-price", "--help"}, {"history", "--help"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args.front();
    std::istringstream lines(r.out);
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line); ++count)
      EXPECT_LE(line.size(), 100u) << args.front() << ": " << line;
    EXPECT_GT(count, 8u);
    for (auto bad : {"UINT", "INT in", "{false}", "{true}", "TEXT:", "FLOAT"})
      EXPECT_EQ(r.out.find(bad), std::string::npos) << bad << " in " << r.out;
  }
  auto r = run_cli({"--help"});
  EXPECT_NE(
      r.out.find("-c, --concurrency N         Requests in flight at most (1-10000, default 10)"),
      std::string::npos)
      << r.out;
}

TEST(CliWords, SubcommandHelpListsOnlyWhatApplies) {
  auto extract = run_cli({"extract", "--help"}).out;
  for (auto yes : {"--format", "--base-url", "--explain", "--verbose", "--color"})
    EXPECT_NE(extract.find(yes), std::string::npos) << yes;
  for (auto no :
       {"--concurrency", "--timeout", "--no-progress", "--state", "--user-agent", "Exit codes"})
    EXPECT_EQ(extract.find(no), std::string::npos) << no;
  auto pp = run_cli({"parse-price", "--help"}).out;
  for (auto no : {"--concurrency", "--verbose", "--format", "--no-progress"})
    EXPECT_EQ(pp.find(no), std::string::npos) << no;
  EXPECT_NE(pp.find("--currency-hint"), std::string::npos);
  auto history = run_cli({"history", "--help"}).out;
  for (auto no : {"--concurrency", "--no-progress", "--resume"})
    EXPECT_EQ(history.find(no), std::string::npos) << no;
  EXPECT_NE(history.find("--state"), std::string::npos);
}

TEST(CliWords, ShortVersionFlag) {
  auto r = run_cli({"-V"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("pricescrape 0.", 0), 0u) << r.out;
}

TEST(CliWords, InputBeforeASubcommandIsAnError) {
  const std::string page = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/widget.html";
  auto r = run_cli({"two.txt", "extract", page});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("unexpected argument 'two.txt' before 'extract'"), std::string::npos)
      << r.err;
  r = run_cli({"two.txt", "parse-price", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'two.txt' before 'parse-price'"), std::string::npos) << r.err;
}

TEST(CliWords, ExtractDashReadsThePageFromStdin) {
  const std::string page = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/widget.html";
  std::ifstream in(page, std::ios::binary);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto r = run_cli({"extract", "-f", "jsonl", "-"}, html);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("file"), "-");
  EXPECT_EQ(records[0].at("price"), "19.99");
  EXPECT_EQ(records[0].at("currency"), "USD");
  // Gzip on stdin too.
  const auto gz = (temp_dir() / "stdin-page.html.gz").string();
  ASSERT_EQ(std::system(("gzip -c '" + page + "' > '" + gz + "'").c_str()), 0);
  std::ifstream gin(gz, std::ios::binary);
  const std::string packed((std::istreambuf_iterator<char>(gin)), std::istreambuf_iterator<char>());
  r = run_cli({"extract", "-f", "jsonl", "-"}, packed);
  records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("price"), "19.99");
}

TEST(CliWords, ParsePriceReadsLinesFromStdin) {
  auto r = run_cli({"parse-price"}, "1.234,56 €\r\n$3\nno price\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one line has no price
  auto records = parse_records(r.out, true);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].at("input"), "1.234,56 €");
  EXPECT_EQ(records[0].at("price"), "1234.56");
  EXPECT_EQ(records[1].at("price"), "3");
  EXPECT_EQ(records[1].at("currency"), "USD");
  EXPECT_TRUE(records[2].at("price").is_null());
}

TEST(CliWords, ColorAlwaysColoursEvenAPipeAndNeverNot) {
  const auto input = one_url_file();
  auto r = run_cli({input, "--no-progress", "--cacert", shop().cert(), "--color", "always"});
  EXPECT_NE(r.err.find("\033["), std::string::npos) << r.err;
  r = run_cli({input, "--no-progress", "--cacert", shop().cert()});
  EXPECT_EQ(r.err.find('\033'), std::string::npos) << r.err;  // auto, not a terminal
  r = run_cli({input, "--color", "sometimes"});
  EXPECT_NE(r.err.find("'sometimes' is not one of auto, always, never"), std::string::npos);
}

// The binary with some of its standard descriptors on a pseudo-terminal, as when run
// from an interactive shell. What the terminal shows is `screen`; descriptors not on the
// terminal are pipes (stdin gets `piped_input`).
struct pty_run {
  int exit_code = -1;
  std::string screen;
  std::string out;  // stdout when it is a pipe
  std::string err;  // stderr when it is a pipe
};

struct pty_setup {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // over a clean environment (PATH, HOME kept)
  bool stdin_tty = false, stdout_tty = true, stderr_tty = true;
  std::string piped_input;
  std::string wait_for;  // once the screen shows this, `then_type` is typed
  std::string then_type;
};

std::vector<std::string> clean_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view var = *e;
    if (var.rfind("NO_COLOR=", 0) == 0 || var.rfind("TERM=", 0) == 0 ||
        var.rfind("PRICESCRAPE_", 0) == 0 || var.rfind("XDG_CONFIG_HOME=", 0) == 0)
      continue;
    env.emplace_back(var);
  }
  env.push_back("XDG_CONFIG_HOME=" + (temp_dir() / "xdg-none").string());
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

pty_run run_on_pty(const pty_setup& setup) {
  int master = -1, slave = -1;
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 120;
  EXPECT_EQ(::openpty(&master, &slave, nullptr, nullptr, &size), 0);
  int in_pipe[2], out_pipe[2], err_pipe[2];
  EXPECT_EQ(::pipe(in_pipe), 0);
  EXPECT_EQ(::pipe(out_pipe), 0);
  EXPECT_EQ(::pipe(err_pipe), 0);
  std::vector<std::string> argv{PRICESCRAPE_CLI};
  argv.insert(argv.end(), setup.args.begin(), setup.args.end());
  const auto env = clean_environment(setup.env);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::ioctl(slave, TIOCSCTTY, 0);
    ::dup2(setup.stdin_tty ? slave : in_pipe[0], 0);
    ::dup2(setup.stdout_tty ? slave : out_pipe[1], 1);
    ::dup2(setup.stderr_tty ? slave : err_pipe[1], 2);
    for (int fd : {master, slave, in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0],
                   err_pipe[1]})
      ::close(fd);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  for (int fd : {slave, in_pipe[0], out_pipe[1], err_pipe[1]}) ::close(fd);
  if (!setup.piped_input.empty()) {
    EXPECT_EQ(::write(in_pipe[1], setup.piped_input.data(), setup.piped_input.size()),
              static_cast<ssize_t>(setup.piped_input.size()));
  }
  ::close(in_pipe[1]);
  pty_run run;
  bool typed = setup.then_type.empty();
  std::string* sinks[] = {&run.screen, &run.out, &run.err};
  int fds[] = {master, out_pipe[0], err_pipe[0]};
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  int open_fds = 3;
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd polls[3];
    for (int i = 0; i < 3; ++i) polls[i] = {fds[i], POLLIN, 0};
    if (::poll(polls, 3, 200) < 0) break;
    for (int i = 0; i < 3; ++i) {
      if (fds[i] < 0 || polls[i].revents == 0) continue;
      char buf[4096];
      const auto n = ::read(fds[i], buf, sizeof buf);
      if (n <= 0) {  // EIO on the master once the child's side is closed
        ::close(fds[i]);
        fds[i] = -1;
        --open_fds;
        continue;
      }
      sinks[i]->append(buf, static_cast<std::size_t>(n));
    }
    if (!typed && run.screen.find(setup.wait_for) != std::string::npos) {
      typed = true;
      EXPECT_EQ(::write(master, setup.then_type.data(), setup.then_type.size()),
                static_cast<ssize_t>(setup.then_type.size()));
    }
  }
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

std::string urls_file(const std::string& name, int count) {
  std::string text;
  for (int i = 0; i < count; ++i)
    text += shop().http_url("/products/widget.html?n=" + std::to_string(i)) + "\n";
  return write_file(name, text);
}

// The text after the last "erase line" (or carriage return) of a terminal line: what the
// terminal shows once the line is done.
std::string shown(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto erase = line.rfind("\033[K");
  if (erase != std::string::npos) line = line.substr(erase + 3);
  const auto cr = line.rfind('\r');
  if (cr != std::string::npos) line = line.substr(cr + 1);
  return line;
}

TEST(CliTerminal, RecordsNeverLandOnTheProgressBarsLine) {
  constexpr int urls = 25;
  pty_setup setup;
  setup.args = {urls_file("pty-urls.txt", urls), "-f", "jsonl", "-c", "2"};
  setup.env = {{"TERM", "xterm"}};
  const auto run = run_on_pty(setup);
  EXPECT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("in flight"), std::string::npos) << "no bar was drawn";
  std::istringstream lines(run.screen);
  int records = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"url\"") == std::string::npos) continue;
    const auto visible = shown(line);
    ASSERT_EQ(visible.rfind("{\"index\": ", 0), 0u) << "a record shares a line: " << line;
    EXPECT_NO_THROW(nlohmann::json::parse(visible)) << visible;
    ++records;
  }
  EXPECT_EQ(records, urls);
  // Once the run ends the bar is cleared: the last thing shown is the summary line.
  EXPECT_NE(run.screen.rfind("pricescrape: "), std::string::npos);
}

TEST(CliTerminal, NoBarWhenStderrIsNotATerminal) {
  pty_setup setup;
  setup.args = {urls_file("pty-nobar.txt", 5), "-f", "jsonl"};
  setup.env = {{"TERM", "xterm"}};
  setup.stderr_tty = false;
  const auto run = run_on_pty(setup);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.screen.find("in flight"), std::string::npos) << run.screen;
  EXPECT_EQ(run.err.find("in flight"), std::string::npos) << run.err;
  EXPECT_EQ(run.screen.find('\033'), std::string::npos) << run.screen;
  EXPECT_EQ(count_lines(run.screen), 5);
}

TEST(CliTerminal, DumbTerminalGetsTheBarWithoutEscapes) {
  pty_setup setup;
  setup.args = {urls_file("pty-dumb.txt", 5), "-f", "jsonl"};
  setup.env = {{"TERM", "dumb"}};
  const auto run = run_on_pty(setup);
  EXPECT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("in flight"), std::string::npos);
  EXPECT_EQ(run.screen.find('\033'), std::string::npos) << run.screen;
}

TEST(CliTerminal, ColoursFollowTermNoColorAndColorOption) {
  const auto input = one_url_file();
  auto coloured = [&](std::map<std::string, std::string> env, std::vector<std::string> extra) {
    pty_setup setup;
    setup.args = {input, "--no-progress", "-o", (temp_dir() / "pty-colour.json").string()};
    setup.args.insert(setup.args.end(), extra.begin(), extra.end());
    setup.env = std::move(env);
    const auto run = run_on_pty(setup);
    EXPECT_EQ(run.exit_code, 0) << run.screen;
    EXPECT_NE(run.screen.find("pricescrape: "), std::string::npos) << run.screen;
    return run.screen.find('\033') != std::string::npos;
  };
  EXPECT_TRUE(coloured({{"TERM", "xterm"}}, {}));
  EXPECT_FALSE(coloured({{"TERM", "xterm"}, {"NO_COLOR", "1"}}, {}));
  EXPECT_FALSE(coloured({{"TERM", "xterm"}, {"NO_COLOR", "0"}}, {}));
  EXPECT_FALSE(coloured({{"TERM", "dumb"}}, {}));
  EXPECT_FALSE(coloured({{"TERM", "xterm"}}, {"--color", "never"}));
  EXPECT_FALSE(coloured({{"TERM", "xterm"}, {"PRICESCRAPE_COLOR", "never"}}, {}));
  EXPECT_TRUE(coloured({{"TERM", "dumb"}, {"NO_COLOR", "1"}}, {"--color", "always"}));
}

TEST(CliTerminal, WaitingOnATerminalsStdinSaysSo) {
  pty_setup setup;
  setup.args = {"-f", "jsonl", "--no-progress"};
  setup.env = {{"TERM", "xterm"}};
  setup.stdin_tty = true;
  setup.stdout_tty = false;
  setup.wait_for = "end with Ctrl-D";
  setup.then_type = shop().http_url("/products/widget.html") + "\n\x04";
  const auto run = run_on_pty(setup);
  EXPECT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("pricescrape: reading URLs from the terminal; end with Ctrl-D"),
            std::string::npos)
      << run.screen;
  EXPECT_EQ(parse_records(run.out, true).size(), 1u) << run.out;
  // Piped stdin: no hint.
  auto piped =
      run_cli({"-f", "jsonl", "--no-progress"}, shop().http_url("/products/widget.html") + "\n");
  EXPECT_EQ(piped.err.find("Ctrl-D"), std::string::npos) << piped.err;
  // parse-price with no TEXT waits on the terminal too.
  setup.args = {"parse-price"};
  setup.wait_for = "end with Ctrl-D";
  setup.then_type = "5 EUR\n\x04";
  const auto pp = run_on_pty(setup);
  EXPECT_NE(pp.screen.find("reading price strings (one per line) from the terminal"),
            std::string::npos)
      << pp.screen;
  EXPECT_EQ(parse_records(pp.out, true).size(), 1u) << pp.out;
}

}  // namespace
}  // namespace pricescrape::testing
