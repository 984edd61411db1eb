// `pricescrape history`: the price history a state file holds, as JSON Lines or CSV.
#pragma once

#include "words.hpp"

#include <pricescrape/output/record.hpp>
#include <pricescrape/output/sink.hpp>
#include <pricescrape/state/store.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace pricescrape::cli {

struct history_command {
  std::string state;              // --state FILE (or $PRICESCRAPE_STATE)
  std::vector<std::string> urls;  // none: every URL
  output::format format = output::format::jsonl;
  color_choice color = color_choice::automatic;  // the main command's --color
};

// Registers the subcommand; the raw format name is checked by CLI11 (jsonl or csv).
CLI::App* add_history_command(CLI::App& app, history_command& cmd, std::string& format_name);

// One row as a JSON Lines line or a CSV line (LF-terminated), and the CSV header line.
std::string history_jsonl_line(const state::history_row& row);
std::string history_csv_line(const state::history_row& row);
inline constexpr std::string_view history_csv_header =
    "url,price,currency,availability,first_seen,last_seen\n";

// Prints the rows to `out`. Exit code: 0, or 1 when a URL asked for has no history.
// Throws state_error (cannot open: the app's exit 2) and output_error (exit 3).
int print_history(const history_command& cmd, output::byte_sink& out);

}  // namespace pricescrape::cli
