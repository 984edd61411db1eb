#include "history.hpp"

#include <pricescrape/output/writer.hpp>

#include <set>

namespace pricescrape::cli {

namespace {

void append_optional_json(std::string& out, const std::optional<std::string>& value) {
  if (value)
    output::append_json_string(out, *value);
  else
    out += "null";
}

// The writers' CSV rule: quoted when needed, "" for an empty string, nothing for null.
void append_csv_cell(std::string& out, const std::optional<std::string>& value) {
  if (!value) return;
  if (!value->empty() && value->find_first_of(",\"\r\n") == std::string::npos) {
    out += *value;
    return;
  }
  out += '"';
  for (char c : *value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

CLI::App* add_history_command(CLI::App& app, history_command& cmd, std::string& format_name) {
  auto* sub = app.add_subcommand(
      "history", "Print the price history kept in a --state file (JSON Lines or CSV)");
  sub->add_option("--state", cmd.state, "The state file of earlier runs")
      ->type_name("FILE")
      ->envname("PRICESCRAPE_STATE")
      ->required();
  sub->add_option("URL", cmd.urls, "Only these URLs, in this order (default: every URL)");
  sub->add_option("-f,--format", format_name, "Output format: jsonl or csv")
      ->type_name("FORMAT")
      ->check(one_of({"jsonl", "csv"}));
  return sub;
}

std::string history_jsonl_line(const state::history_row& row) {
  std::string line = "{\"url\": ";
  output::append_json_string(line, row.url);
  line += ", \"price\": ";
  append_optional_json(line, row.price);
  line += ", \"currency\": ";
  append_optional_json(line, row.currency);
  line += ", \"availability\": ";
  append_optional_json(line, row.availability);
  line += ", \"first_seen\": ";
  output::append_json_string(line, row.first_seen);
  line += ", \"last_seen\": ";
  output::append_json_string(line, row.last_seen);
  line += "}\n";
  return line;
}

std::string history_csv_line(const state::history_row& row) {
  std::string line;
  append_csv_cell(line, row.url);
  for (const auto* cell : {&row.price, &row.currency, &row.availability}) {
    line += ',';
    append_csv_cell(line, *cell);
  }
  line += ',';
  append_csv_cell(line, row.first_seen);
  line += ',';
  append_csv_cell(line, row.last_seen);
  line += '\n';
  return line;
}

int print_history(const history_command& cmd, output::byte_sink& out) {
  // An existing file only: a typo must not create an empty state file.
  state::store store(cmd.state, state::store_options{.create = false});
  const bool csv = cmd.format == output::format::csv;
  if (csv) out.write(history_csv_header);
  std::set<std::string> seen;
  store.history(cmd.urls, [&](const state::history_row& row) {
    seen.insert(row.url);
    out.write(csv ? history_csv_line(row) : history_jsonl_line(row));
  });
  out.flush();
  for (const auto& url : cmd.urls) {
    if (seen.count(url) == 0) return 1;
  }
  return 0;
}

}  // namespace pricescrape::cli
