// `pricescrape enqueue | work | collect | queue-status`: many workers sharing one Redis
// (the work queue in include/pricescrape/queue/queue.hpp).
#pragma once

#include <pricescrape/output/record.hpp>
#include <pricescrape/queue/queue.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace pricescrape::cli {

struct scrape_command;

enum class queue_action { enqueue, work, collect, status };

// What every queue command names: where Redis is and which queue.
struct queue_text {
  std::string url;
  std::string name = "default";
  std::string cacert;
};

struct queue_command {
  queue_action what = queue_action::status;
  queue::queue_ref queue;
  std::string input = "-";                       // enqueue: FILE of URLs, '-' = stdin
  bool replace = false;                          // enqueue: drop the queue's old jobs first
  bool follow = false;                           // collect, work: keep waiting for new jobs
  std::optional<std::string> output;             // collect: -o FILE
  output::format format = output::format::json;  // collect
  queue::worker_options worker;                  // work
};

// The four subcommands, each with the queue options; `work` takes the main command's
// scraping options too (after its name: `work --queue URL -c 20 --rate 5`).
struct queue_parsers {
  CLI::App* enqueue = nullptr;
  CLI::App* work = nullptr;
  CLI::App* collect = nullptr;
  CLI::App* status = nullptr;
  queue_text text;
  std::string collect_format = "json";
  double lease_s = 30;
};
void add_queue_commands(CLI::App& app, queue_parsers& p, queue_command& cmd);

// The chosen command completed from what was parsed; a message when something is off.
std::optional<std::string> finish_queue_command(const queue_parsers& p, queue_command& cmd);

// Runs the command; returns the exit code. `scrape` holds the engine options for `work`.
int run_queue_command(const queue_command& cmd, const scrape_command& scrape);

}  // namespace pricescrape::cli
