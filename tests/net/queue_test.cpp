// The work queue end to end (issue 13): a redis-server of the test's own on a loopback
// port, demo-shop serving the pages, and the real `pricescrape enqueue | work | collect |
// queue-status` processes. Counts come from the queue, the collected output and the
// shop's own request log.
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <pricescrape/queue/queue.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

namespace pricescrape::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path temp_dir() {
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("pricescrape-queue-test-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A child process with stdout and stderr in files.
class child {
 public:
  child(const std::vector<std::string>& argv, const std::string& tag) {
    out_ = temp_dir() / (tag + ".out");
    err_ = temp_dir() / (tag + ".err");
    pid_ = spawn_to_files(argv, out_.string(), err_.string());
  }
  ~child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  void signal(int sig) const { ::kill(pid_, sig); }
  pid_t pid() const { return pid_; }
  // The exit code, 128 + N when killed by signal N.
  int wait() {
    if (pid_ <= 0) return code_;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return code_;
  }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }

 private:
  pid_t pid_ = -1;
  int code_ = -1;
  fs::path out_, err_;
};

bool have_redis_server() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

// redis-server on a free loopback port, with an append-only file fsynced on every write
// so a restart keeps the queue; stopped (and its files removed) on destruction.
class redis_server {
 public:
  struct tls_only {};

  explicit redis_server(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
    port_ = unused_port();
    dir_ = temp_dir() / ("redis-" + std::to_string(port_));
    fs::create_directories(dir_);
    start();
  }
  // rediss:// only: a self-signed certificate for 127.0.0.1 made with openssl(1).
  explicit redis_server(tls_only) {
    port_ = unused_port();
    dir_ = temp_dir() / ("redis-" + std::to_string(port_));
    fs::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    const auto key = (dir_ / "key.pem").string();
    const auto cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert_ + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("openssl could not make a certificate");
    extra_ = {"--port",
              "0",
              "--tls-port",
              std::to_string(port_),
              "--tls-cert-file",
              cert_,
              "--tls-key-file",
              key,
              "--tls-ca-cert-file",
              cert_,
              "--tls-auth-clients",
              "no"};
    start();
  }
  const std::string& cert() const { return cert_; }
  ~redis_server() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void start() {
    std::vector<std::string> argv{"/usr/bin/redis-server",
                                  "--bind",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port_),
                                  "--dir",
                                  dir_.string(),
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "yes",
                                  "--appendfsync",
                                  "always",
                                  "--daemonize",
                                  "no"};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    proc_ = std::make_unique<child>(
        argv, "redis-" + std::to_string(port_) + "-" + std::to_string(starts_++));
    wait_ready();
  }
  // A graceful stop (SIGTERM: redis writes its append-only file and exits).
  void stop() {
    if (!proc_) return;
    proc_->signal(SIGTERM);
    proc_->wait();
    proc_.reset();
  }
  int port() const { return port_; }
  std::string url(const std::string& auth = "") const {
    return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/0";
  }

 private:
  void wait_ready() const {
    for (int i = 0; i < 200; ++i) {
      try {
        accepts_connections();
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(25ms);
      }
    }
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
  }
  // A TCP connect is enough: redis-server listens once it has loaded its data.
  void accepts_connections() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    if (rc != 0) throw std::runtime_error("not yet");
  }

  std::vector<std::string> extra_;
  std::string cert_;
  int port_ = 0;
  int starts_ = 0;
  fs::path dir_;
  std::unique_ptr<child> proc_;
};

#define REQUIRE_REDIS()                                                           \
  if (!have_redis_server())                                                       \
  GTEST_SKIP() << "redis-server is not installed (apt-get install redis-server; " \
                  "scripts/install-deps.sh does): the work-queue tests need it"

const demo_shop& shop() {
  static const demo_shop s;
  return s;
}

std::vector<std::string> cli(std::vector<std::string> args) {
  args.insert(args.begin(), PRICESCRAPE_CLI);
  return args;
}

// Writes `lines` to a file and enqueues it; returns the enqueue's JSON line.
json enqueue(const redis_server& r, const std::string& name, const std::string& lines) {
  const auto file = temp_dir() / (name + ".urls");
  std::ofstream(file) << lines;
  auto run =
      run_cli({"enqueue", file.string(), "--queue", r.url(), "--name", name, "--replace", "-q"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return json::parse(run.out);
}

json queue_status(const redis_server& r, const std::string& name) {
  auto run = run_cli({"queue-status", "--queue", r.url(), "--name", name});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return json::parse(run.out);
}

// Only once every job is done: collect waits for the missing ones otherwise.
std::vector<json> collect(const redis_server& r, const std::string& name, int expect_code = 0) {
  const auto status = queue_status(r, name);
  EXPECT_EQ(status["done"], status["enqueued"]) << status.dump();
  if (status["done"] != status["enqueued"]) return {};
  auto run = run_cli({"collect", "--queue", r.url(), "--name", name, "-f", "jsonl", "-q"});
  EXPECT_EQ(run.exit_code, expect_code) << run.err;
  return parse_records(run.out, true);
}

std::unique_ptr<child> start_worker(const redis_server& r, const std::string& name,
                                    const std::string& tag, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"work", "--queue", r.url(), "--name", name, "--no-progress"};
  if (std::find(extra.begin(), extra.end(), "--lease") == extra.end())
    extra.insert(extra.end(), {"--lease", "2"});
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<child>(cli(args), tag);
}

// Sums "N <what>" from the workers' closing lines ("... 12 reclaimed from idle workers").
std::size_t logged_count(const std::string& err, const std::string& what) {
  std::size_t total = 0;
  const std::regex pattern("(\\d+) " + what);
  for (std::sregex_iterator it(err.begin(), err.end(), pattern), end; it != end; ++it)
    total += std::stoul((*it)[1]);
  return total;
}

// demo-shop's limited route on `host`: /__limit/<family>/<i>?<config>&price=<i>.25.
std::string limit_url(const std::string& host, const std::string& family, int i,
                      const std::string& config) {
  return "http://" + host + ":" + std::to_string(shop().http_port()) + "/__limit/" + family + "/" +
         std::to_string(i) + "?" + config + "&price=" + std::to_string(i) + ".25";
}

// `n` lines of limit_url() on 127.0.0.1, one per line.
std::string limit_lines(const std::string& family, int n, const std::string& config) {
  std::string lines;
  for (int i = 0; i < n; ++i) lines += limit_url("127.0.0.1", family, i, config) + "\n";
  return lines;
}

// Each of the first `n` records carries the price its URL named, in input order.
void expect_own_prices(const std::vector<json>& records, int n) {
  ASSERT_EQ(records.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(records[i]["index"], i);
    EXPECT_EQ(records[i]["price"], std::to_string(i) + ".25") << records[i].dump();
  }
}

json limit_stats(const std::string& host) {
  return json::parse(http_get(shop().host(), shop().http_port(), "/__limit/stats?host=" + host));
}

// --- Addresses -----------------------------------------------------------------

TEST(QueueAddress, ParsesRedisUrls) {
  auto a = queue::parse_address("redis://127.0.0.1:6380/2");
  ASSERT_TRUE(a.where) << a.error;
  EXPECT_EQ(a.where->host, "127.0.0.1");
  EXPECT_EQ(a.where->port, 6380);
  EXPECT_EQ(a.where->db, 2);
  EXPECT_FALSE(a.where->tls);
  a = queue::parse_address("rediss://user:s%40cret@cache.example:6390");
  ASSERT_TRUE(a.where) << a.error;
  EXPECT_TRUE(a.where->tls);
  EXPECT_EQ(a.where->user, "user");
  EXPECT_EQ(a.where->password, "s@cret");
  EXPECT_EQ(a.where->db, 0);
  EXPECT_EQ(a.where->display(), "rediss://user:***@cache.example:6390/0");
  a = queue::parse_address("redis://[::1]/0");
  ASSERT_TRUE(a.where) << a.error;
  EXPECT_EQ(a.where->host, "::1");
  EXPECT_EQ(a.where->port, 6379);
  for (const char* bad : {"http://host/0", "redis://host:0/", "redis://host:99999/",
                          "redis://host/x", "redis://host/-1", "not a url"}) {
    const auto r = queue::parse_address(bad);
    EXPECT_FALSE(r.where) << bad;
    EXPECT_NE(r.error.find("invalid queue URL"), std::string::npos) << bad;
  }
  EXPECT_TRUE(queue::valid_queue_name("nightly-2026.11_30"));
  EXPECT_FALSE(queue::valid_queue_name(""));
  EXPECT_FALSE(queue::valid_queue_name("a b"));
  EXPECT_FALSE(queue::valid_queue_name("x}y"));
  EXPECT_FALSE(queue::valid_queue_name(std::string(65, 'a')));
}

TEST(QueueCli, BadQueueOptionsAreUsageErrors) {
  auto run = run_cli({"queue-status", "--queue", "http://127.0.0.1/0"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--queue: invalid queue URL"), std::string::npos) << run.err;
  run = run_cli({"work", "--queue", "redis://127.0.0.1:1/0", "--name", "bad name"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("is not a queue name"), std::string::npos) << run.err;
  run = run_cli({"work", "urls.txt", "--queue", "redis://127.0.0.1:1/0"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("work reads its URLs from the queue"), std::string::npos) << run.err;
}

// --- End to end ----------------------------------------------------------------

TEST(Queue, OneWorkerMatchesTheFileModeRecordForRecord) {
  REQUIRE_REDIS();
  redis_server r;
  auto lines = limit_lines("e2e", 40, "rate=10000");
  lines += "not a url\n# a comment\n\n" + shop().http_url("/products/widget.html") + "\n";
  const auto added = enqueue(r, "e2e", lines);
  EXPECT_EQ(added["enqueued"], 42);
  EXPECT_EQ(added["first_index"], 0);
  auto status = queue_status(r, "e2e");
  EXPECT_EQ(status["pending"], 42);
  EXPECT_EQ(status["done"], 0);

  auto w = start_worker(r, "e2e", "e2e-w", {"-c", "4"});
  EXPECT_EQ(w->wait(), 0) << w->err();
  const auto queued = collect(r, "e2e", 1);  // the invalid line's record is a failure
  const auto file_mode =
      parse_records(run_cli({"-f", "jsonl", "--no-progress", "-q"}, lines).out, true);
  ASSERT_EQ(queued.size(), 42u);
  ASSERT_EQ(file_mode.size(), 42u);
  for (std::size_t i = 0; i < queued.size(); ++i) {
    EXPECT_EQ(queued[i]["index"], i);
    for (const char* key : {"url", "ok", "price", "currency", "title", "availability"})
      EXPECT_EQ(queued[i][key], file_mode[i][key]) << key << " at " << i;
  }
  EXPECT_EQ(queued[40]["error"]["kind"], "invalid_url");
  EXPECT_EQ(queued[41]["price"], "19.99");
  status = queue_status(r, "e2e");
  EXPECT_EQ(status["done"], 42);
  EXPECT_EQ(status["pending"], 0);
  EXPECT_EQ(status["in_flight"], 0);
  EXPECT_EQ(status["dead"], 0);
  ASSERT_EQ(status["workers"].size(), 1u);
  EXPECT_EQ(status["workers"][0]["records"], 42);
}

// The test: three workers, 2,000 URLs, one SIGKILLed mid-run. Every URL gets
// exactly one record with its own price, the dead worker's entries are reclaimed,
// nothing stays pending, and the shop (its limiter at 220/s) saw at most the workers'
// --rate 200, which each of the three applies to the whole cluster: unshared, they
// would send 600/s.
TEST(Queue, ThreeWorkersOneKilledEveryUrlOnceAndTheLimitHeld) {
  REQUIRE_REDIS();
  redis_server r;
  http_get(shop().host(), shop().http_port(), "/__limit/reset");
  constexpr int n = 2000;
  enqueue(r, "kill", limit_lines("kill", n, "rate=220&burst=10&delay=15"));
  std::vector<std::unique_ptr<child>> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(
        start_worker(r, "kill", "kill-w" + std::to_string(i), {"-c", "6", "--rate", "200"}));

  // Killed once a fifth is done, while it holds entries.
  json status;
  for (int i = 0; i < 2000; ++i) {
    status = queue_status(r, "kill");
    if (status["done"].get<int>() >= n / 5) break;
    std::this_thread::sleep_for(20ms);
  }
  // A worker's name is "<hostname>-<pid>-<n>".
  const std::string dead_name = "-" + std::to_string(workers[0]->pid()) + "-";
  workers[0]->signal(SIGKILL);
  EXPECT_EQ(workers[0]->wait(), 128 + SIGKILL);
  status = queue_status(r, "kill");
  std::size_t held_by_dead = 0;
  for (const auto& w : status["workers"])
    if (w["name"].get<std::string>().find(dead_name) != std::string::npos)
      held_by_dead = w["in_flight"];
  EXPECT_GT(held_by_dead, 0u) << status.dump();
  ASSERT_LT(status["done"].get<int>(), n) << "the run ended before the kill: make it longer";

  std::string survivors_err;
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(workers[i]->wait(), 0) << workers[i]->err();
    survivors_err += workers[i]->err();
  }
  expect_own_prices(collect(r, "kill"), n);
  status = queue_status(r, "kill");
  EXPECT_EQ(status["done"], n);
  EXPECT_EQ(status["pending"], 0);
  EXPECT_EQ(status["in_flight"], 0);
  EXPECT_EQ(status["dead"], 0);
  // Whatever the dead worker held was taken over by the live ones.
  EXPECT_GE(logged_count(survivors_err, "reclaimed from idle workers"), held_by_dead)
      << survivors_err;
  for (const auto& w : status["workers"])
    if (w["name"].get<std::string>().find(dead_name) != std::string::npos) {
      EXPECT_EQ(w["in_flight"], 0);
    }

  // One GCRA slot every 5 ms: at most 201 sends in any second, give or take how late
  // the shop read each; over the whole run, no faster than the rate.
  const auto limit = limit_stats("127.0.0.1");
  const auto requests = limit["requests"].get<double>();
  EXPECT_GE(requests, n) << "every URL once, and the killed worker's unfinished ones again";
  EXPECT_EQ(limit["refused"], 0) << "the shop's limiter refused: the pace was not shared";
  EXPECT_LE(limit["peak_1s"].get<int>(), 210);
  const auto span_s = (limit["last_ms"].get<double>() - limit["first_ms"].get<double>()) / 1000;
  EXPECT_LE(requests / span_s, 205.0) << requests << " requests in " << span_s << " s";
  std::cerr << "[ queue ] killed holding " << held_by_dead << " entries; the shop saw " << requests
            << " requests, peak " << limit["peak_1s"] << " in 1 s, " << requests / span_s
            << "/s on average, " << limit["refused"] << " refused\n";
}

// --per-host holds across the workers: three workers with -c 6 and --per-host 2 never
// have more than two requests at the shop at once (unshared, they would have six).
TEST(Queue, PerHostInFlightLimitIsSharedByTheWorkers) {
  REQUIRE_REDIS();
  redis_server r;
  constexpr int n = 60;
  enqueue(r, "slots", limit_lines("slots", n, "rate=100000&delay=100"));
  shop().reset_stats();
  std::vector<std::unique_ptr<child>> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(
        start_worker(r, "slots", "slots-w" + std::to_string(i), {"-c", "6", "--per-host", "2"}));
  for (auto& w : workers) EXPECT_EQ(w->wait(), 0) << w->err();
  const auto stats = shop().stats();
  EXPECT_LE(stats["peak_in_flight"].get<int>(), 2) << stats.dump();
  EXPECT_GE(stats["peak_in_flight"].get<int>(), 2) << stats.dump();
  expect_own_prices(collect(r, "slots"), n);
}

TEST(Queue, AnEntryThatAlwaysFailsGoesToTheDeadLetterStream) {
  REQUIRE_REDIS();
  redis_server r;
  const std::string closed = "http://127.0.0.1:" + std::to_string(unused_port()) + "/gone";
  enqueue(r, "dead", shop().http_url("/products/widget.html") + "\n" + closed + "\n");
  auto w = start_worker(r, "dead", "dead-w", {"--max-deliveries", "3", "--retries", "0"});
  EXPECT_EQ(w->wait(), 0) << w->err();
  const auto records = collect(r, "dead", 1);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["price"], "19.99");
  EXPECT_EQ(records[1]["error"]["kind"], "connect") << records[1].dump();
  EXPECT_NE(records[1]["error"]["message"].get<std::string>().find("gave up after 3 deliveries"),
            std::string::npos)
      << records[1].dump();
  const auto status = queue_status(r, "dead");
  EXPECT_EQ(status["dead"], 1);
  EXPECT_EQ(status["done"], 2);
  EXPECT_EQ(status["in_flight"], 0);
  EXPECT_EQ(logged_count(w->err(), "handed back"), 3u) << w->err();
  EXPECT_EQ(logged_count(w->err(), "dead-lettered"), 1u) << w->err();
}

TEST(Queue, SigtermHandsBackWhatTheWorkerHeldAndExits143) {
  REQUIRE_REDIS();
  redis_server r;
  enqueue(r, "term", limit_lines("term", 200, "rate=100000&delay=300"));
  auto w = start_worker(r, "term", "term-w", {"-c", "5", "--lease", "600"});
  for (int i = 0; i < 400 && queue_status(r, "term")["done"].get<int>() < 10; ++i)
    std::this_thread::sleep_for(25ms);
  w->signal(SIGTERM);
  EXPECT_EQ(w->wait(), 143) << w->err();
  // No lease to wait out (600 s here): nothing is left in flight, and a second worker
  // finishes the queue at once.
  auto status = queue_status(r, "term");
  EXPECT_EQ(status["in_flight"], 0) << status.dump();
  EXPECT_GT(status["pending"].get<int>(), 0) << status.dump();
  auto second = start_worker(r, "term", "term-w2", {"-c", "20", "--lease", "600"});
  EXPECT_EQ(second->wait(), 0) << second->err();
  expect_own_prices(collect(r, "term"), 200);
  EXPECT_EQ(queue_status(r, "term")["dead"], 0);
}

TEST(Queue, WorkersRideOutARedisRestart) {
  REQUIRE_REDIS();
  redis_server r;
  constexpr int n = 600;
  enqueue(r, "restart", limit_lines("restart", n, "rate=100000&delay=10"));
  auto a = start_worker(r, "restart", "restart-a", {"-c", "4"});
  auto b = start_worker(r, "restart", "restart-b", {"-c", "4"});
  for (int i = 0; i < 400 && queue_status(r, "restart")["done"].get<int>() < n / 5; ++i)
    std::this_thread::sleep_for(20ms);
  r.stop();
  std::this_thread::sleep_for(1500ms);  // the workers lose Redis for a while
  r.start();
  EXPECT_EQ(a->wait(), 0) << a->err();
  EXPECT_EQ(b->wait(), 0) << b->err();
  EXPECT_NE((a->err() + b->err()).find("connected to Redis again"), std::string::npos)
      << a->err() << b->err();
  expect_own_prices(collect(r, "restart"), n);
  const auto status = queue_status(r, "restart");
  EXPECT_EQ(status["done"], n);
  EXPECT_EQ(status["in_flight"], 0);
}

// The widget page through enqueue, work and collect on the queue `where` names (the
// --queue options); each step must exit 0 and the one record carry the widget's price.
void widget_through_queue(const std::vector<std::string>& where, const std::string& tag) {
  const auto file = temp_dir() / (tag + ".urls");
  std::ofstream(file) << shop().http_url("/products/widget.html") << "\n";
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), where.begin(), where.end());
    return run_cli(args);
  };
  auto run = with({"enqueue", file.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  run = with({"work", "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  run = with({"collect"});  // JSON, as the main command writes by default
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto records = parse_records(run.out, false);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["price"], "19.99");
}

TEST(Queue, PasswordAndDatabaseNumber) {
  REQUIRE_REDIS();
  redis_server r({"--requirepass", "s3cret"});
  const auto url = "redis://:s3cret@127.0.0.1:" + std::to_string(r.port()) + "/3";
  widget_through_queue({"--queue", url, "--name", "auth"}, "auth");
  // The queue lives in database 3 only, and a wrong password is refused with a reason.
  auto run =
      run_cli({"queue-status", "--queue",
               "redis://:s3cret@127.0.0.1:" + std::to_string(r.port()) + "/0", "--name", "auth"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("no queue named 'auth'"), std::string::npos) << run.err;
  run = run_cli({"queue-status", "--queue",
                 "redis://:wrong@127.0.0.1:" + std::to_string(r.port()) + "/3", "--name", "auth"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("refused the password"), std::string::npos) << run.err;
}

TEST(Queue, RedissWithAPrivateCa) {
  REQUIRE_REDIS();
  redis_server r{redis_server::tls_only{}};
  const auto url = "rediss://127.0.0.1:" + std::to_string(r.port()) + "/0";
  // Not trusted without the CA: refused, with the reason.
  const auto run = run_cli({"queue-status", "--queue", url, "--name", "tls"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("TLS handshake failed"), std::string::npos) << run.err;
  widget_through_queue({"--queue", url, "--name", "tls", "--queue-cacert", r.cert()}, "tls");
}

}  // namespace
}  // namespace pricescrape::testing
