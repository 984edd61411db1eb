#include "words.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>

namespace pricescrape::cli {

namespace {

std::string format_bound(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string in_quotes(const std::string& text) { return "'" + text + "'"; }

}  // namespace

CLI::Validator whole_number_in(long long low, long long high) {
  const std::string range = std::to_string(low) + "-" + std::to_string(high);
  return CLI::Validator(
      [low, high, range](std::string& text) -> std::string {
        long long value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc::result_out_of_range)
          return in_quotes(text) + " is out of range (" + range + ")";
        if (ec != std::errc{} || ptr != end) {
          double number = 0;
          const auto [p2, e2] = std::from_chars(text.data(), end, number);
          if (e2 == std::errc{} && p2 == end) return in_quotes(text) + " is not a whole number";
          return in_quotes(text) + " is not a number";
        }
        if (value < low || value > high)
          return in_quotes(text) + " is out of range (" + range + ")";
        return {};
      },
      "");
}

CLI::Validator number_in(double low, double high) {
  const std::string range = format_bound(low) + "-" + format_bound(high);
  return CLI::Validator(
      [low, high, range](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        // from_chars takes "nan" and "inf": a number of seconds is neither.
        if (ec == std::errc::invalid_argument || ptr != end || std::isnan(value))
          return in_quotes(text) + " is not a number";
        if (ec != std::errc{} || !(value >= low && value <= high))
          return in_quotes(text) + " is out of range (" + range + ")";
        return {};
      },
      "");
}

CLI::Validator one_of(std::vector<std::string> choices) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  return CLI::Validator(
      [choices = std::move(choices), list](std::string& text) -> std::string {
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) return {};
        return in_quotes(text) + " is not one of " + list;
      },
      "");
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the table at a time: O(|a|·|b|) time on names of a few dozen characters.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest(std::string_view typed,
                                   const std::vector<std::string>& candidates) {
  const std::size_t allowed = std::min<std::size_t>(3, std::max<std::size_t>(1, typed.size() / 3));
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const auto& c : candidates) {
    const auto d = edit_distance(typed, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::vector<std::string> long_options(const CLI::App& app) {
  std::set<std::string> names;
  for (const auto* opt : app.get_options())
    for (const auto& name : opt->get_lnames()) names.insert("--" + name);
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    for (const auto& name : long_options(*sub)) names.insert(name);
  return {names.begin(), names.end()};
}

std::string extras_message(const CLI::App& app, const std::vector<std::string>& rest) {
  for (const auto& arg : rest) {
    if (arg.size() < 2 || arg[0] != '-') continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::string message = "unknown option '" + name + "'";
    if (name.rfind("--", 0) == 0) {
      if (auto guess = closest(name, long_options(app)))
        message += "; did you mean " + *guess + "?";
    }
    return message;
  }
  if (rest.empty()) return "unexpected arguments";
  return "unexpected argument '" + rest.front() + "'";
}

std::string wrap(std::string_view text, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t column = indent;  // the caller has written the first line's indent
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    if (text[i] == '\n') {
      out += '\n' + std::string(indent, ' ');
      column = indent;
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\n') ++end;
    const auto word = text.substr(i, end - i);
    const bool first = column == indent;
    if (!first && column + 1 + word.size() > width) {
      out += '\n' + std::string(indent, ' ');
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    i = end;
  }
  return out;
}

help_formatter::help_formatter() { column_width(30); }

std::string help_formatter::make_option(const CLI::Option* opt, bool is_positional) const {
  std::string left = "  ";
  if (is_positional) {
    left += opt->get_name(true, false);
  } else {
    if (opt->get_snames().empty()) left += "    ";
    left += opt->get_name(false, true);
    for (std::size_t at = left.find(','); at != std::string::npos; at = left.find(',', at + 2))
      left.insert(at + 1, " ");
    left += make_option_opts(opt);
  }
  const std::size_t desc_column = get_column_width();
  std::string line = left;
  if (left.size() + 1 > desc_column)
    line += '\n' + std::string(desc_column, ' ');
  else
    line += std::string(desc_column - left.size(), ' ');
  return line + wrap(make_option_desc(opt), desc_column, help_columns) + "\n";
}

std::string help_formatter::make_option_opts(const CLI::Option* opt) const {
  if (opt->get_type_size() == 0) return {};
  std::string type = opt->get_type_name();
  type = type.substr(0, type.find(':'));
  if (type == "UINT" || type == "INT") type = "N";
  if (type == "FLOAT") type = "NUM";
  return type.empty() ? std::string{} : " " + type;
}

std::string help_formatter::make_option_desc(const CLI::Option* opt) const {
  std::string desc = opt->get_description();
  const std::string fallback = opt->get_default_str();
  if (opt->get_type_size() == 0 || fallback.empty() || fallback == "[]" ||
      desc.find("default") != std::string::npos)
    return desc;
  // "(1-10000)" becomes "(1-10000, default 10)"; other parentheses are left alone.
  const auto open = desc.rfind('(');
  const bool ends_in_range = open != std::string::npos && desc.back() == ')' &&
                             desc.find_first_not_of("0123456789.-", open + 1) == desc.size() - 1;
  if (ends_in_range)
    desc.insert(desc.size() - 1, ", default " + fallback);
  else
    desc += " (default " + fallback + ")";
  return desc;
}

std::string help_formatter::make_subcommand(const CLI::App* sub) const {
  std::string left = "  " + sub->get_display_name();
  const std::size_t desc_column = get_column_width();
  if (left.size() + 1 > desc_column)
    left += '\n' + std::string(desc_column, ' ');
  else
    left += std::string(desc_column - left.size(), ' ');
  return left + wrap(sub->get_description(), desc_column, help_columns) + "\n";
}

std::string help_formatter::make_description(const CLI::App* app) const {
  const std::string desc = app->get_description();
  return desc.empty() ? std::string{} : wrap(desc, 0, help_columns) + "\n\n";
}

bool colour_wanted(color_choice choice, bool stderr_is_terminal, const char* no_color,
                   const char* term) {
  if (choice != color_choice::automatic) return choice == color_choice::always;
  if (!stderr_is_terminal) return false;
  if (no_color != nullptr && *no_color != '\0') return false;
  return term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0;
}

}  // namespace pricescrape::cli
