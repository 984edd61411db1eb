// Command-line parsing for pricescrape: options in, a validated configuration out.
#pragma once

#include "history.hpp"
#include "nightly.hpp"
#include "queue.hpp"
#include "words.hpp"

#include <pricescrape/engine.hpp>
#include <pricescrape/output/record.hpp>
#include <pricescrape/shard.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pricescrape::cli {

enum class log_format { text, json };

struct common_options {
  int verbosity = 0;  // -1 quiet, 0 normal, 1 verbose
  log_format logs = log_format::text;
  bool progress = true;
  color_choice color = color_choice::automatic;  // --color; NO_COLOR and TERM in auto
};

struct scrape_command {
  std::string input = "-";  // '-' = stdin
  std::optional<std::string> output;
  output::format format = output::format::json;
  engine_options engine;
  common_options common;
  bool profile = false;             // print CPU time by stage on stderr at the end
  bool csv_safe = false;            // --csv-safe: quote formula-like CSV cells
  nightly_options nightly;          // --max-errors, --stats (and --state & co. once wired)
  std::optional<shard_spec> shard;  // --shard K/N: only the URLs whose host hashes to K
};

struct extract_command {
  std::vector<std::string> files;
  output::format format = output::format::json;
  std::string base_url;
  bool explain = false;
  common_options common;
};

struct parse_price_command {
  std::vector<std::string> texts;
  std::string currency_hint;
  std::string decimal_separator;                 // ".", "," or "€"; empty = decide from the text
  color_choice color = color_choice::automatic;  // the main command's --color
};

// A work-queue command, with the scraping options `work` runs under.
struct queue_run {
  queue_command queue;
  scrape_command scrape;
};

// What main should do: run a command, or exit now with a code (help, version, errors:
// the message is already printed).
using parsed = std::variant<scrape_command, extract_command, parse_price_command, history_command,
                            queue_run, int>;

parsed parse_command_line(int argc, char** argv);

// "16MiB" -> 16777216, "500k" -> 512000, "2MB" -> 2000000, "1000" -> 1000.
std::optional<std::size_t> parse_size(std::string_view text);

}  // namespace pricescrape::cli
