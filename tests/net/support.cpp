#include "support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace pricescrape::testing {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct pipe_pair {
  int read_end = -1;
  int write_end = -1;
  pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    read_end = fds[0];
    write_end = fds[1];
  }
};

// Starts `argv` with the file actions given, which it destroys. Throws when it cannot.
pid_t launch(const std::vector<std::string>& argv, posix_spawn_file_actions_t& actions) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0) posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  return launch(argv, actions);
}

std::string read_line(int fd, std::chrono::milliseconds limit) {
  std::string line;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c;
    const auto n = ::read(fd, &c, 1);
    if (n <= 0) break;
    if (c == '\n') return line;
    line.push_back(c);
  }
  throw std::runtime_error("demo-shop did not print its ports in time (got '" + line + "')");
}

}  // namespace

demo_shop::demo_shop(std::string host, std::string root) : host_(std::move(host)) {
  if (root.empty()) root = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop";
  pipe_pair out;
  pid_ = spawn({PRICESCRAPE_DEMO_SHOP, "--root", root, "--host", host_, "--http-port", "0",
                "--https-port", "0"},
               -1, out.write_end, -1);
  ::close(out.write_end);
  const std::string line = read_line(out.read_end, std::chrono::seconds(20));
  ::close(out.read_end);
  const auto info = nlohmann::json::parse(line);
  http_port_ = info.at("http_port").get<int>();
  https_port_ = info.at("https_port").get<int>();
  cert_ = info.at("cert").get<std::string>();
}

demo_shop::~demo_shop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string demo_shop::http_url(const std::string& target) const {
  return "http://" + host_ + ":" + std::to_string(http_port_) + target;
}

std::string demo_shop::https_url(const std::string& target) const {
  return "https://" + host_ + ":" + std::to_string(https_port_) + target;
}

nlohmann::json demo_shop::stats() const {
  return nlohmann::json::parse(http_get(host_, http_port_, "/__stats"));
}

void demo_shop::reset_stats() const { http_get(host_, http_port_, "/__stats/reset"); }

pricescrape::http::client_options fast_client_options(const demo_shop& shop) {
  using namespace std::chrono_literals;
  pricescrape::http::client_options o;
  o.cacert = shop.cert();
  o.timeout = 5s;
  o.connect_timeout = 2s;
  return o;
}

std::string http_get(const std::string& host, int port, const std::string& target) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(
      asio::ip::tcp::endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port)));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  req.keep_alive(false);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return res.body();
}

int spawn_to_files(const std::vector<std::string>& argv, const std::string& out,
                   const std::string& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  return launch(argv, actions);
}

int unused_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

namespace {

process_result run_process(const std::vector<std::string>& argv, const std::string& input,
                           std::chrono::milliseconds signal_after, int signal_count) {
  pipe_pair in, out, err;
  const pid_t pid = spawn(argv, in.read_end, out.write_end, err.write_end);
  ::close(in.read_end);
  ::close(out.write_end);
  ::close(err.write_end);

  process_result result;
  std::size_t written = 0;
  int in_fd = in.write_end;
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  const auto start = std::chrono::steady_clock::now();
  int signals_sent = 0;
  bool out_open = true, err_open = true;
  const auto hard_limit = std::chrono::seconds(240);
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out.read_end, POLLIN, 0});
    if (err_open) fds.push_back({err.read_end, POLLIN, 0});
    if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
    ::poll(fds.data(), fds.size(), 50);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (signal_after.count() > 0 && signals_sent < signal_count &&
        elapsed >= signal_after + std::chrono::milliseconds(100) * signals_sent) {
      ::kill(pid, SIGINT);
      ++signals_sent;
    }
    if (elapsed > hard_limit) {
      ::kill(pid, SIGKILL);
      break;
    }
    for (const auto& p : fds) {
      if (p.fd == in_fd && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
        const auto n = ::write(in_fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n < 0 && errno != EAGAIN) written = input.size();
        if (written == input.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const auto n = ::read(p.fd, buf, sizeof buf);
      std::string& sink = p.fd == out.read_end ? result.out : result.err;
      if (n > 0) {
        sink.append(buf, static_cast<std::size_t>(n));
      } else {
        (p.fd == out.read_end ? out_open : err_open) = false;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out.read_end);
  ::close(err.read_end);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  result.max_rss_kib = usage.ru_maxrss;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace

process_result run_cli(const std::vector<std::string>& args, const std::string& input,
                       std::chrono::milliseconds signal_after, int signal_count) {
  std::vector<std::string> argv{PRICESCRAPE_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, input, signal_after, signal_count);
}

process_result run_cli_with_fd_limit(int nofile, const std::vector<std::string>& args,
                                     const std::string& input) {
  const std::string limit = std::to_string(nofile);
  std::vector<std::string> argv{"/usr/bin/prlimit", "--nofile=" + limit + ":" + limit, "--",
                                PRICESCRAPE_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, input, std::chrono::milliseconds(0), 1);
}

helper_process::helper_process(const std::vector<std::string>& argv) {
  pipe_pair out;
  pid_ = spawn(argv, -1, out.write_end, -1);
  ::close(out.write_end);
  out_fd_ = out.read_end;
  ready_ = nlohmann::json::parse(read_line(out_fd_, std::chrono::seconds(20)));
}

helper_process::~helper_process() { stop(); }

std::string helper_process::stop() {
  if (pid_ <= 0) return {};
  ::kill(pid_, SIGTERM);
  std::string rest;
  char buf[4096];
  for (;;) {
    const auto n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) break;
    rest.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out_fd_);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return rest;
}

std::vector<nlohmann::json> parse_records(const std::string& text, bool jsonl) {
  std::vector<nlohmann::json> records;
  if (!jsonl) {
    for (auto& r : nlohmann::json::parse(text)) records.push_back(r);
    return records;
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty()) records.push_back(nlohmann::json::parse(line));
  return records;
}

}  // namespace pricescrape::testing
