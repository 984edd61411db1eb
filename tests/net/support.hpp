// Test support for loopback tests: the demo-shop process, the CLI process, /__stats.
#pragma once

#include <pricescrape/http/client.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace pricescrape::testing {

// A host name that getaddrinfo rejects locally (a 64-byte label), so DNS failure is
// tested without a single packet leaving the machine.
inline const std::string unresolvable_host = std::string(64, 'a') + ".invalid";

// Starts apps/demo-shop on ephemeral loopback ports over examples/shop and stops it
// (SIGTERM) on destruction.
class demo_shop {
 public:
  explicit demo_shop(std::string host = "127.0.0.1", std::string root = "");
  ~demo_shop();
  demo_shop(const demo_shop&) = delete;
  demo_shop& operator=(const demo_shop&) = delete;

  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  const std::string& cert() const { return cert_; }
  const std::string& host() const { return host_; }

  std::string http_url(const std::string& target) const;
  std::string https_url(const std::string& target) const;
  std::string url(bool tls, const std::string& target) const {
    return tls ? https_url(target) : http_url(target);
  }

  // GET /__stats over plain HTTP.
  nlohmann::json stats() const;
  void reset_stats() const;

 private:
  std::string host_;
  int pid_ = -1;
  int http_port_ = 0;
  int https_port_ = 0;
  std::string cert_;
};

// Client options for loopback tests against `shop`: its certificate trusted, short
// deadlines so failure paths run in milliseconds.
http::client_options fast_client_options(const demo_shop& shop);

struct process_result {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
  long max_rss_kib = 0;  // the child's peak resident set (wait4)
};

// A helper server process (e.g. tests/soak's chaos-proxy) that prints one JSON line on
// stdout once ready. stop() sends SIGTERM and returns the rest of what it printed.
class helper_process {
 public:
  explicit helper_process(const std::vector<std::string>& argv);
  ~helper_process();
  helper_process(const helper_process&) = delete;
  helper_process& operator=(const helper_process&) = delete;

  const nlohmann::json& ready_line() const { return ready_; }
  std::string stop();

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  nlohmann::json ready_;
};

// Runs the pricescrape binary with `args`, feeding `input` on stdin. When
// `signal_after` is positive, sends SIGINT to it once that much time has passed.
process_result run_cli(const std::vector<std::string>& args, const std::string& input = "",
                       std::chrono::milliseconds signal_after = std::chrono::milliseconds(0),
                       int signal_count = 1);

// Starts `argv` with stdin from /dev/null and stdout and stderr written to the files
// `out` and `err` (created or truncated), for tests that watch a process while it
// runs. Throws when it cannot start.
int spawn_to_files(const std::vector<std::string>& argv, const std::string& out,
                   const std::string& err);

// run_cli under `prlimit --nofile=N:N`: soft and hard limit both N, so the binary cannot
// raise its way out of file-descriptor exhaustion.
process_result run_cli_with_fd_limit(int nofile, const std::vector<std::string>& args,
                                     const std::string& input = "");

// A blocking GET over plain HTTP (test use only). Returns the body.
std::string http_get(const std::string& host, int port, const std::string& target);

// A loopback TCP port with nothing listening on it (bound, then closed).
int unused_port();

// Parses a `json` array or `jsonl` text into a list of records.
std::vector<nlohmann::json> parse_records(const std::string& text, bool jsonl);

}  // namespace pricescrape::testing
