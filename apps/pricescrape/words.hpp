// The CLI's words and terminal manners: value checks that say what is wrong, the
// did-you-mean for unknown options, a help layout within 100 columns, the colour choice.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::cli {

// Help text is laid out within this many columns (terminals are 80-120 wide; 100 fits
// a man page and a split editor).
inline constexpr std::size_t help_columns = 100;

// A whole number from `low` to `high`: "'abc' is not a number", "'1.5' is not a whole
// number", "'0' is out of range (1-10000)". CLI11 prefixes the option's name.
CLI::Validator whole_number_in(long long low, long long high);
// A finite decimal number from `low` to `high` (NaN and "inf" are refused).
CLI::Validator number_in(double low, double high);
// One of `choices`: "'xml' is not one of json, jsonl, csv".
CLI::Validator one_of(std::vector<std::string> choices);

// Levenshtein distance (insert, delete, replace one character).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `typed` when close enough to be a typo (at most a third of
// its length away, and at most 3), else nothing.
std::optional<std::string> closest(std::string_view typed,
                                   const std::vector<std::string>& candidates);

// Every long option of `app` (and its subcommands' when `deep`), as "--name".
std::vector<std::string> long_options(const CLI::App& app);

// "--concurency 5" -> "unknown option '--concurency'; did you mean --concurrency?";
// a stray positional -> "unexpected argument 'x'". `rest` is what CLI11 left over.
std::string extras_message(const CLI::App& app, const std::vector<std::string>& rest);

// Words wrapped at `width` columns, every line after the first indented by `indent`.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width);

// Option lines as "  -c, --concurrency N     what it does (1-10000, default 10)": the
// type is a word (N, SECONDS, FILE), the default goes into the description, and every
// line is wrapped within help_columns.
class help_formatter : public CLI::Formatter {
 public:
  help_formatter();
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;
};

enum class color_choice { automatic, always, never };

// Colour on stderr: --color always or never decides; automatic means on for a
// terminal unless NO_COLOR is set to a non-empty value (no-color.org) or TERM is
// "dumb" (or unset). `no_color` and `term` are the variables' values or null.
bool colour_wanted(color_choice choice, bool stderr_is_terminal, const char* no_color,
                   const char* term);

}  // namespace pricescrape::cli
