// A blocking Redis client for the work queue's own threads (never the io thread):
// hiredis formats commands and parses replies; the socket, its deadlines and TLS
// (rediss://, which hiredis 0.14 lacks) are ours, with OpenSSL.
#pragma once

#include <pricescrape/queue/queue.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pricescrape::queue::redis {

using namespace std::chrono_literals;

// One RESP reply, as values.
struct reply {
  enum class type { nil, integer, string, status, error, array };
  type kind = type::nil;
  long long integer = 0;
  std::string str;  // string, status and error text
  std::vector<reply> elements;

  bool is_error() const noexcept { return kind == type::error; }
  bool is_nil() const noexcept { return kind == type::nil; }
  // The integer, or a string holding one (HGET); `fallback` otherwise.
  long long as_integer(long long fallback = 0) const;
};

// The connection failed (unreachable, reset, a deadline passed, a protocol error): the
// connection is unusable and the caller may reconnect. A server's error reply is a
// reply, not this.
class connection_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using command_args = std::vector<std::string>;

class connection {
 public:
  // Connects, authenticates and selects the database. Throws connection_error, or
  // queue_error when the server refuses the password or the database.
  explicit connection(const address& where);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Sends one command and reads its reply within `deadline` (a blocking read's block
  // time must be inside it).
  reply command(const command_args& args, std::chrono::milliseconds deadline = 10s);
  // Sends every command in one write and reads every reply, in order.
  std::vector<reply> pipeline(const std::vector<command_args>& commands,
                              std::chrono::milliseconds deadline = 10s);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The error reply's text, or nothing: for commands whose failure is a bug or a setup
// problem (a wrong key type), thrown as queue_error.
const reply& expect_ok(const reply& r, std::string_view what);

// A thread owning one connection that runs posted tasks in order. A task that loses the
// connection is retried after a reconnect, with backoff and a log line ("Redis is
// unreachable ... retrying"), until it succeeds or the lane is stopped; tasks with
// `once` set are not retried: their `failed` is called instead.
class lane {
 public:
  struct task {
    std::function<void(connection&)> run;
    bool once = false;
    std::function<void()> failed;  // for `once` tasks (also when the lane stops first)
  };

  lane(address where, std::string name);
  ~lane();  // stops: tasks not yet run are dropped (their `failed` called)
  lane(const lane&) = delete;
  lane& operator=(const lane&) = delete;

  void post(task t);
  // Waits until every posted task has run, at most `limit`. False when some did not
  // (Redis unreachable): they are dropped.
  bool drain(std::chrono::milliseconds limit);
  std::size_t reconnects() const;

 private:
  void run();
  bool run_one(task& t, std::unique_lock<std::mutex>& lock);
  bool connect(std::unique_lock<std::mutex>& lock);

  address where_;
  std::string name_;
  std::unique_ptr<connection> conn_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<task> tasks_;
  bool busy_ = false;
  bool stop_ = false;
  std::size_t failures_ = 0;  // consecutive failed connects, for the backoff
  std::size_t reconnects_ = 0;
  std::thread thread_;
};

// Reconnect backoff: 100 ms doubling to 5 s.
std::chrono::milliseconds backoff_after(std::size_t failures);

}  // namespace pricescrape::queue::redis
