#include "cli.hpp"
#include "words.hpp"

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/version.hpp>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

namespace pricescrape::cli {

namespace {

constexpr const char* examples_text = R"(
Examples:
  pricescrape urls.txt                       scrape to JSON on stdout
  pricescrape urls.txt -c 20 -f csv -o prices.csv
  cat urls.txt | pricescrape -f jsonl | jq -r 'select(.ok) | [.url, .price] | @tsv'
  pricescrape extract saved-page.html --explain
  pricescrape history --state prices.db -f csv    price history kept by earlier runs

Exit codes: 0 every URL gave a price (or no more failed than --max-errors allows), 1
some did not (all records are still written), 2 usage or input error (nothing was
fetched), 3 the output could not be written (disk full, closed stdout, ...), 130
interrupted by SIGINT and 143 by SIGTERM (what finished is written; -o FILE goes to
FILE.partial). When the reader of stdout goes away (| head), pricescrape ends quietly, as if
killed by SIGPIPE.

Every option can also be set in $XDG_CONFIG_HOME/pricescrape/config.toml (or --config FILE)
and as PRICESCRAPE_<OPTION> (e.g. PRICESCRAPE_CONCURRENCY=20, PRICESCRAPE_USER_AGENT);
the command line wins over the environment, the environment over the file.)";

constexpr double min_seconds = 0.001;
constexpr double max_seconds = 86400.0;  // a day: anything longer is a typo

// Every duration option: a finite number of seconds from 1 ms to a day ("inf" or "1e999"
// would overflow the conversion to milliseconds).
CLI::Validator seconds_check() { return number_in(min_seconds, max_seconds); }

// Seconds (fractions allowed) to milliseconds; seconds_check has checked the range.
http::milliseconds to_ms(double seconds) {
  return http::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

// A header value must not end the header line early: CR or LF would let it add headers
// of its own (or a body), NUL is refused by servers (RFC 9110 5.5). Shared by -H and -A.
std::optional<std::string> header_value_problem(std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) return "has a line break in its value";
  if (value.find('\0') != std::string_view::npos) return "has a NUL byte in its value";
  return std::nullopt;
}

// The options every command that logs shares; --no-progress only where a bar is drawn.
struct common_text {
  bool verbose = false;
  bool quiet = false;
  std::string log_format = "text";
  std::string color = "auto";
  bool no_progress = false;
};

void add_common(CLI::App& app, common_text& text, bool with_progress) {
  app.add_flag("-v,--verbose", text.verbose, "Log every failed URL and connection details");
  app.add_flag("-q,--quiet", text.quiet, "Only log errors; no summary line");
  app.add_option("--log-format", text.log_format, "Log lines on stderr as text or json")
      ->type_name("FORMAT")
      ->check(one_of({"text", "json"}));
  app.add_option("--color", text.color,
                 "Colour the log levels: auto (on for a terminal, off with NO_COLOR or "
                 "TERM=dumb), always or never")
      ->type_name("WHEN")
      ->check(one_of({"auto", "always", "never"}));
  // A plain flag (not CLI11's "!--no-progress"): a negated flag would read
  // PRICESCRAPE_NO_PROGRESS=1 as "draw the bar".
  if (with_progress) app.add_flag("--no-progress", text.no_progress, "Never draw the progress bar");
}

color_choice to_color_choice(const std::string& name) {
  return name == "always"  ? color_choice::always
         : name == "never" ? color_choice::never
                           : color_choice::automatic;
}

// Fills `common` from what was typed; a subcommand's own option wins, else the main
// command's (`pricescrape -v extract page.html` is verbose too).
void finish_common(common_options& common, const common_text& own, const CLI::App& sub,
                   const common_text& main) {
  auto pick = [&sub](const char* name, const auto& mine, const auto& theirs) {
    return sub.count(name) > 0 ? mine : theirs;
  };
  const bool verbose = pick("--verbose", own.verbose, main.verbose);
  const bool quiet = pick("--quiet", own.quiet, main.quiet);
  common.verbosity = quiet ? -1 : (verbose ? 1 : 0);
  common.logs = pick("--log-format", own.log_format, main.log_format) == "json" ? log_format::json
                                                                                : log_format::text;
  common.color = to_color_choice(pick("--color", own.color, main.color));
  common.progress = !own.no_progress;
}

}  // namespace

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return std::nullopt;
  std::uint64_t number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc{} || ptr != text.data() + i) return std::nullopt;
  std::string unit = detail::to_lower_ascii(text.substr(i));
  if (!unit.empty() && unit.back() == 'b' && unit.size() > 1 && unit[unit.size() - 2] == 'i')
    unit.pop_back();  // "kib" -> "ki"
  std::uint64_t multiplier = 0;
  if (unit.empty() || unit == "b")
    multiplier = 1;
  else if (unit == "k" || unit == "ki")
    multiplier = 1ull << 10;
  else if (unit == "m" || unit == "mi")
    multiplier = 1ull << 20;
  else if (unit == "g" || unit == "gi")
    multiplier = 1ull << 30;
  else if (unit == "kb")
    multiplier = 1000ull;
  else if (unit == "mb")
    multiplier = 1000ull * 1000;
  else if (unit == "gb")
    multiplier = 1000ull * 1000 * 1000;
  else
    return std::nullopt;
  if (number > (std::uint64_t{1} << 40) / multiplier) return std::nullopt;
  return static_cast<std::size_t>(number * multiplier);
}

namespace {

// The politeness options as typed, until they are checked together.
struct politeness_text {
  std::string mode;  // empty: adaptive, or fixed when --delay is given
  std::string rate;
  double delay_s = -1;
  bool jitter = false;
  double retry_after_cap_s = 120;
};

void add_politeness_options(CLI::App& app, politeness_text& text, politeness_options& p) {
  app.add_option("--politeness", text.mode,
                 "Per-host pacing: adaptive (learn what each host accepts), fixed (--delay "
                 "between requests) or off (default: adaptive; fixed when --delay is given)")
      ->type_name("MODE")
      ->check(one_of({"adaptive", "fixed", "off"}))
      ->default_str("adaptive");
  app.add_option("--rate", text.rate,
                 "Per-host ceiling, never exceeded in any mode: N, N/s or N/m requests")
      ->type_name("RATE")
      ->default_str("");
  app.add_option("--delay", text.delay_s, "Seconds between requests to one host (fixed mode)")
      ->type_name("SECONDS")
      ->check(number_in(0.0, 3600.0))
      ->default_str("");
  app.add_flag("--jitter", text.jitter, "Vary each --delay gap uniformly in [0.5, 1.5] x delay");
  app.add_flag("--robots", p.robots,
               "Fetch each host's /robots.txt and honour its Disallow, Allow and Crawl-delay");
  app.add_option("--retries", p.retries,
                 "Extra attempts after a transport error or 5xx (429/503 get up to 8)")
      ->type_name("N")
      ->check(whole_number_in(0, 100));
  app.add_option("--retry-after-cap", text.retry_after_cap_s,
                 "Longest Retry-After pause waited for; a longer one fails the host's URLs")
      ->type_name("SECONDS")
      ->check(number_in(0.0, 86400.0));
}

std::optional<std::string> finish_politeness(const politeness_text& text, politeness_options& p) {
  using mode = politeness_options::mode;
  const bool has_delay = text.delay_s >= 0;
  if (text.mode.empty())
    p.how = has_delay ? mode::fixed : mode::adaptive;
  else
    p.how = text.mode == "fixed" ? mode::fixed : text.mode == "off" ? mode::off : mode::adaptive;
  if (has_delay && p.how != mode::fixed)
    return std::string("--delay applies to --politeness fixed, not ") + text.mode;
  if (text.jitter && !has_delay) return std::string("--jitter needs --delay");
  if (has_delay) p.delay = to_ms(text.delay_s);
  p.jitter = text.jitter;
  if (!text.rate.empty()) {
    const auto rate = parse_rate(text.rate);
    if (!rate) return "--rate: '" + text.rate + "' is not a rate like 5, 5/s or 120/m";
    p.max_rate = *rate;
  }
  p.retry_after_cap = to_ms(text.retry_after_cap_s);
  return std::nullopt;
}

// --- Configuration: $XDG_CONFIG_HOME/pricescrape/config.toml, --config, PRICESCRAPE_* ---

std::string default_config_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/pricescrape/config.toml";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0')
    return std::string(home) + "/.config/pricescrape/config.toml";
  return {};
}

std::string env_name(std::string_view subcommand, std::string_view long_name) {
  std::string name = "PRICESCRAPE_";
  if (!subcommand.empty()) name += std::string(subcommand) + "_";
  name += long_name;
  for (auto& c : name)
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// PRICESCRAPE_<OPTION> for every option of the main command. A subcommand's option
// shares the main command's variable when it means the same (--verbose, --state);
// --format, whose choices differ by command, and options of its own are
// PRICESCRAPE_<SUBCOMMAND>_<OPTION>.
void name_environment(CLI::App& app) {
  const CLI::Option* skip[] = {app.get_help_ptr(), app.get_version_ptr(), app.get_config_ptr()};
  for (auto* opt : app.get_options()) {
    if (opt->get_lnames().empty() ||
        std::find(std::begin(skip), std::end(skip), opt) != std::end(skip))
      continue;
    opt->envname(env_name("", opt->get_lnames().front()));
  }
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    for (auto* opt : sub->get_options()) {
      if (opt->get_lnames().empty() || opt == sub->get_help_ptr()) continue;
      const auto& name = opt->get_lnames().front();
      const bool shared = name != "format" && app.get_option_no_throw("--" + name) != nullptr;
      opt->envname(env_name(shared ? "" : sub->get_name(), name));
    }
  }
}

// The config file's values, less those an environment variable sets: CLI11 reads the
// file before the environment and keeps the first value, and we want env > file.
class env_first_toml final : public CLI::ConfigTOML {
 public:
  explicit env_first_toml(const CLI::App& app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    auto found = CLI::ConfigTOML::from_config(input);
    std::erase_if(found, [this](const CLI::ConfigItem& item) { return set_by_env(item); });
    return found;
  }

 private:
  bool set_by_env(const CLI::ConfigItem& item) const {
    const CLI::App* owner = &app_;
    if (item.parents.size() > 1) return false;
    if (item.parents.size() == 1) {
      owner = nullptr;
      for (const auto* sub : app_.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->get_name() == item.parents.front()) owner = sub;
      if (owner == nullptr) return false;
    }
    const auto* opt = owner->get_option_no_throw("--" + item.name);
    if (opt == nullptr || opt->get_envname().empty()) return false;
    const char* value = std::getenv(opt->get_envname().c_str());
    return value != nullptr && *value != '\0';
  }

  const CLI::App& app_;
};

// Option names as typed on the command line ("--timeout", "-c"), before any "--".
std::set<std::string> typed_options(int argc, char** argv) {
  std::set<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    if (arg[1] == '-') {
      names.insert(std::string(arg.substr(0, arg.find('='))));
      continue;
    }
    for (std::size_t k = 1; k < arg.size() && std::isalpha(static_cast<unsigned char>(arg[k])); ++k)
      names.insert(std::string("-") + arg[k]);
  }
  return names;
}

// Prints a usage error. A value that came from PRICESCRAPE_* or the config file is
// named by its source, so the user fixes the variable or the file, not the command.
class usage_reporter {
 public:
  usage_reporter(const CLI::App& app, int argc, char** argv)
      : app_(app), typed_(typed_options(argc, argv)) {}

  int operator()(const std::string& message) const {
    const auto source = source_of(message);
    std::cerr << "pricescrape: error: " << message
              << (source.empty() ? " (see --help)" : " (from " + source + ")") << '\n';
    return 2;
  }

 private:
  // The options the message is about (CLI11 and our checks start with "--name"): the
  // main command's and any subcommand's of that name.
  static void options_named_in(const std::string& message, const CLI::App& app,
                               std::vector<const CLI::Option*>& found, std::size_t& length) {
    for (const auto* opt : app.get_options()) {
      for (const auto& lname : opt->get_lnames()) {
        const std::string name = "--" + lname;
        const bool at_start =
            message.rfind(name, 0) == 0 || message.rfind("Could not convert: " + name, 0) == 0;
        const auto after = message.find(name) + name.size();
        const bool whole = after == message.size() ||
                           std::string_view(" :=").find(message[after]) != std::string_view::npos;
        if (!at_start || !whole || name.size() < length) continue;
        if (name.size() > length) found.clear();
        length = name.size();
        found.push_back(opt);
      }
    }
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      options_named_in(message, *sub, found, length);
  }

  bool typed(const CLI::Option& opt) const {
    for (const auto& n : opt.get_lnames())
      if (typed_.count("--" + n)) return true;
    for (const auto& n : opt.get_snames())
      if (typed_.count("-" + n)) return true;
    return false;
  }

  // By precedence: the command line, then PRICESCRAPE_*, then the config file.
  std::string source_of(const std::string& message) const {
    std::vector<const CLI::Option*> options;
    std::size_t length = 0;
    options_named_in(message, app_, options, length);
    if (options.empty()) return {};
    for (const auto* opt : options)
      if (typed(*opt)) return {};
    for (const auto* opt : options) {
      const auto& env = opt->get_envname();
      if (const char* value = env.empty() ? nullptr : std::getenv(env.c_str()); value && *value)
        return env + "='" + value + "'";
    }
    if (const auto* config = app_.get_config_ptr()) {
      const auto files = config->as<std::vector<std::string>>();
      if (!files.empty() && !files.front().empty()) return "config file '" + files.front() + "'";
    }
    return {};
  }

  const CLI::App& app_;
  std::set<std::string> typed_;
};

// "INI was not able to parse concurency" -> "config file 'x': unknown option
// 'concurency'; did you mean 'concurrency'?"
std::string config_error_message(const CLI::App& app, const std::string& what) {
  const auto* config = app.get_config_ptr();
  const auto files = config->as<std::vector<std::string>>();
  const std::string file = files.empty() ? std::string("?") : files.front();
  const std::string prefix = "INI was not able to parse ";
  if (what.rfind(prefix, 0) != 0) return "config file '" + file + "': " + what;
  const std::string key = what.substr(prefix.size());
  std::string message = "config file '" + file + "': unknown option '" + key + "'";
  std::vector<std::string> keys;
  for (const auto& name : long_options(app)) keys.push_back(name.substr(2));
  if (auto guess = closest(key, keys)) message += "; did you mean '" + *guess + "'?";
  return message;
}

// The config file named by --config or PRICESCRAPE_CONFIG must exist; the default one
// may not.
std::optional<std::string> config_file_problem(const std::string& path, const char* named_by) {
  if (::access(path.c_str(), R_OK) == 0) return std::nullopt;
  return std::string(named_by) + ": cannot read config file '" + path +
         "': " + std::strerror(errno);
}

// `pricescrape two.txt extract page.html`: INPUT belongs to scraping; a subcommand
// takes its files after its name. Returns the position of the first argument that is
// `name`, to tell a stray INPUT before it from a `--` after it.
int position_of(int argc, char** argv, std::string_view name) {
  for (int i = 1; i < argc; ++i)
    if (name == argv[i]) return i;
  return argc;
}
int position_of_value(int argc, char** argv, const std::string& value, int from) {
  for (int i = from; i < argc; ++i)
    if (value == argv[i]) return i;
  return argc;
}

}  // namespace

parsed parse_command_line(int argc, char** argv) {
  CLI::App app{
      "pricescrape: fetch product pages concurrently and extract their prices.\n"
      "Reads one URL per line from INPUT (or stdin) and writes one record per line,\n"
      "in input order, as JSON, JSON Lines or CSV.",
      "pricescrape"};
  app.footer(examples_text);
  app.formatter(std::make_shared<help_formatter>());
  app.set_version_flag("-V,--version", std::string("pricescrape ") + version,
                       "Print the version and exit");
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.option_defaults()->always_capture_default();
  // --config FILE, else PRICESCRAPE_CONFIG, else the XDG default when it exists.
  const char* config_env = std::getenv("PRICESCRAPE_CONFIG");
  const bool config_typed = typed_options(argc, argv).count("--config") > 0;
  const std::string config_default =
      config_env != nullptr && *config_env != '\0' ? config_env : default_config_path();
  app.set_config("--config", config_default,
                 "Read options from this TOML file (keys are long option names, e.g. "
                 "concurrency = 20; [extract] for the subcommand's); options and "
                 "PRICESCRAPE_<OPTION> variables override it")
      ->type_name("FILE");
  app.config_formatter(std::make_shared<env_first_toml>(app));
  app.allow_config_extras(CLI::config_extras_mode::error);

  scrape_command scrape;
  auto& http = scrape.engine.http;
  common_text common;
  std::string format_name = "json";
  double timeout_s = 30, connect_timeout_s = 10;
  std::string max_body_text = "16MiB";
  std::vector<std::string> header_lines;
  std::size_t per_host = 0;

  app.add_option("INPUT", scrape.input, "File of URLs, one per line; '-' or absent: stdin")
      ->default_str("");
  app.add_option("-c,--concurrency", scrape.engine.concurrency,
                 "Requests in flight at most (1-10000)")
      ->type_name("N")
      ->check(whole_number_in(1, 10000));
  app.add_option("--per-host", per_host,
                 "Requests in flight per host at most (1-10000, default: -c)")
      ->type_name("N")
      ->check(whole_number_in(1, 10000))
      ->default_str("");
  app.add_option("-f,--format", format_name, "Output format: json, jsonl or csv")
      ->type_name("FORMAT")
      ->check(one_of({"json", "jsonl", "csv"}));
  app.add_option("-o,--output", scrape.output,
                 "Write to FILE (atomically: a temporary file renamed when complete)")
      ->type_name("FILE");
  app.add_option("--timeout", timeout_s, "Deadline of one attempt, in seconds (0.001-86400)")
      ->type_name("SECONDS")
      ->check(seconds_check());
  app.add_option("--connect-timeout", connect_timeout_s,
                 "Deadline for DNS + connect + TLS handshake, in seconds (0.001-86400)")
      ->type_name("SECONDS")
      ->check(seconds_check());
  app.add_option("--max-redirects", http.max_redirects, "Redirects followed at most (0-100)")
      ->type_name("N")
      ->check(whole_number_in(0, 100));
  app.add_option("--max-body", max_body_text,
                 "Decoded body cap: bytes, or with K/M/G (binary) or KB/MB/GB (decimal)")
      ->type_name("SIZE");
  app.add_option("-A,--user-agent", http.user_agent, "User-Agent header")
      ->type_name("TEXT")
      ->default_str(std::string("pricescrape/") + version);
  // One value per -H, so `-H 'X: y' urls.txt` leaves urls.txt to INPUT.
  app.add_option("-H,--header", header_lines, "Extra request header \"Name: value\" (repeatable)")
      ->type_name("HEADER")
      ->allow_extra_args(false);
  app.add_option("--cacert", http.cacert, "Trust this PEM CA bundle besides the system's")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  app.add_flag("-k,--insecure", http.insecure, "Do not verify TLS certificates");
  app.add_flag("--allow-downgrade", http.allow_downgrade,
               "Follow redirects from https to plain http (refused by default)");
  app.add_flag("--profile", scrape.profile,
               "At the end, print CPU time by stage (fetch+TLS, decompression, charset, parse, "
               "extraction, output) on stderr");
  // --csv-safe (issue 12): off by default, as it changes data ("-5" becomes "'-5").
  app.add_flag("--csv-safe", scrape.csv_safe,
               "CSV: prefix cells starting with = + - @ tab or CR with ' (formula injection)");
  politeness_text politeness;
  add_politeness_options(app, politeness, scrape.engine.politeness);
  add_common(app, common, true);

  // --- Nightly runs (issue 10): error budget, stats, state; see nightly.hpp ---------
  nightly_raw nightly_values;
  add_nightly_options(app, scrape.nightly, nightly_values, state_options_wired);
  history_command history;
  std::string history_format = "jsonl";
  auto* history_sub = add_history_command(app, history, history_format);
  // ---------------------------------------------------------------------------------
  // --- Proxies (issue 12): curl's variables and precedence, see proxy_options_from ---
  std::string proxy_url, noproxy_list;
  app.add_option("--proxy", proxy_url,
                 "Proxy for every URL, [http|socks5|socks5h]://[user:pass@]host[:port]; '' for "
                 "none (default: $http_proxy, $https_proxy, $all_proxy)")
      ->type_name("URL");
  app.add_option("--noproxy", noproxy_list,
                 "Hosts that go direct: names (with subdomains), IPs, CIDRs, or * "
                 "(default: $no_proxy)")
      ->type_name("LIST");
  // ---------------------------------------------------------------------------------
  // --- Sharding (issue 13): a static split by host, see shard.hpp --------------------
  std::string shard_text;
  app.add_option("--shard", shard_text,
                 "Take only the URLs whose host hashes to K of N (K counts from 0: run 0/N to "
                 "N-1/N); records keep the input's index")
      ->type_name("K/N");
  // ---------------------------------------------------------------------------------

  extract_command extract;
  common_text x_common;
  std::string x_format_name = "json";
  auto* sub = app.add_subcommand("extract", "Extract prices from saved pages (.html, .html.gz)");
  sub->add_option("FILE", extract.files, "Saved pages; '-' reads one page from stdin")
      ->required()
      ->check(CLI::Validator(
          [](std::string& path) -> std::string {
            return path == "-" ? std::string{} : CLI::ExistingFile(path);
          },
          ""));
  sub->add_option("-f,--format", x_format_name, "Output format: json, jsonl or csv")
      ->type_name("FORMAT")
      ->check(one_of({"json", "jsonl", "csv"}));
  sub->add_option("--base-url", extract.base_url, "The URL the pages were saved from")
      ->type_name("URL");
  sub->add_flag("--explain", extract.explain, "Add the candidates weighed and why one won");
  add_common(*sub, x_common, false);

  parse_price_command parse_price;
  auto* pp = app.add_subcommand(
      "parse-price", "Parse price strings: one JSON line per TEXT with input, price, currency");
  pp->add_option("TEXT", parse_price.texts,
                 "Price strings, e.g. '1.234,56 €' (use -- before ones starting with '-'); "
                 "none: one per line from stdin");
  pp->add_option("--currency-hint", parse_price.currency_hint,
                 "Nearby text that may name the currency (e.g. 'EUR', 'Preis in €')")
      ->type_name("TEXT");
  pp->add_option("--decimal-separator", parse_price.decimal_separator,
                 "Force the decimal separator: '.', ',' or '€'")
      ->type_name("CHAR")
      ->check(one_of({".", ",", "€"}));
  // --- Work queue on Redis (issue 13): enqueue, work, collect, queue-status ---------
  queue_run queued;
  queue_parsers queue_subs;
  add_queue_commands(app, queue_subs, queued.queue);
  // ---------------------------------------------------------------------------------
  // The main command's examples and exit codes are not the subcommands'.
  for (auto* each : {sub, pp, history_sub}) each->footer("");
  name_environment(app);

  const usage_reporter usage_error(app, argc, argv);
  if (config_env != nullptr && *config_env != '\0' && !config_typed) {
    if (auto problem = config_file_problem(config_env, "PRICESCRAPE_CONFIG"))
      return usage_error(*problem);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError&) {
    return usage_error(extras_message(app, app.remaining(true)));
  } catch (const CLI::ConfigError& e) {
    return usage_error(config_error_message(app, e.what()));
  } catch (const CLI::FileError&) {
    const auto files = app.get_config_ptr()->as<std::vector<std::string>>();
    const std::string file = files.empty() ? std::string() : files.front();
    return usage_error(config_file_problem(file, "--config")
                           .value_or("--config: cannot read config file '" + file + "'"));
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  for (const CLI::App* chosen :
       {sub, pp, history_sub, queue_subs.enqueue, queue_subs.collect, queue_subs.status}) {
    if (!*chosen || app.count("INPUT") == 0) continue;
    const int at = position_of(argc, argv, chosen->get_name());
    if (position_of_value(argc, argv, scrape.input, 1) < at)
      return usage_error("unexpected argument '" + scrape.input + "' before '" +
                         chosen->get_name() + "': INPUT is for scraping; " + chosen->get_name() +
                         "'s arguments go after its name");
  }
  const color_choice main_color = to_color_choice(common.color);

  if (*pp) {
    // CLI11 hands what follows a `--` placed between TEXTs to the main INPUT: refuse
    // rather than silently drop a text.
    if (app.count("INPUT") > 0)
      return usage_error("parse-price: put -- before the first TEXT, not between them");
    parse_price.color = main_color;
    return parse_price;
  }
  if (*history_sub) {
    history.format = *output::parse_format(history_format);
    history.color = main_color;
    return history;
  }
  const bool working = queue_subs.work->parsed();
  if (*queue_subs.enqueue || *queue_subs.collect || *queue_subs.status || working) {
    if (auto problem = finish_queue_command(queue_subs, queued.queue)) return usage_error(*problem);
    if (working && app.count("INPUT") > 0)
      return usage_error("work reads its URLs from the queue: unexpected argument '" +
                         scrape.input + "' (enqueue it)");
  }
  if (*queue_subs.enqueue || *queue_subs.collect || *queue_subs.status) {
    finish_common(queued.scrape.common, common, app, common);
    return queued;
  }
  if (*sub) {
    finish_common(extract.common, x_common, *sub, common);
    extract.format = *output::parse_format(x_format_name);
    return extract;
  }

  finish_common(scrape.common, common, app, common);
  scrape.format = *output::parse_format(format_name);
  scrape.engine.per_host = per_host;
  http.timeout = to_ms(timeout_s);
  http.connect_timeout = to_ms(connect_timeout_s);
  http.max_idle_per_origin = scrape.engine.concurrency;
  auto max_body = parse_size(max_body_text);
  if (!max_body || *max_body == 0)
    return usage_error("--max-body: '" + max_body_text + "' is not a size like 16MiB or 500000");
  http.max_body = *max_body;
  if (auto problem = finish_politeness(politeness, scrape.engine.politeness))
    return usage_error(*problem);
  for (const auto& line : header_lines) {
    const auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    const bool token_ok =
        !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
          return std::isalnum(c) ||
                 std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                     std::string_view::npos;
        });
    if (colon == std::string::npos || !token_ok)
      return usage_error("--header: '" + line + "' is not of the form \"Name: value\"");
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    if (const auto problem = header_value_problem(value))
      return usage_error("--header: '" + name + "' " + *problem);
    http.headers.emplace_back(std::move(name), std::move(value));
  }
  if (const auto problem = header_value_problem(http.user_agent))
    return usage_error("--user-agent " + *problem);
  if (scrape.input != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(scrape.input, ec))
      return usage_error("cannot read '" + scrape.input + "': Is a directory");
  }
  // --- Proxies (issue 12) ------------------------------------------------------------
  http.proxy =
      http::proxy_options_from([](const char* name) { return std::getenv(name); },
                               app.count("--proxy") ? std::optional(proxy_url) : std::nullopt,
                               app.count("--noproxy") ? std::optional(noproxy_list) : std::nullopt);
  if (auto problem = http::proxy_options_problem(http.proxy)) return usage_error(*problem);
  // --- Sharding (issue 13) ----------------------------------------------------------
  if (app.count("--shard") > 0) {
    const auto shard = parse_shard(shard_text);
    if (!shard.spec)
      return usage_error("--shard: '" + shard_text + "' is " + std::string(shard.problem));
    scrape.shard = shard.spec;
  }
  // --- Nightly runs (issue 10) -------------------------------------------------------
  if (auto problem = finish_nightly_options(app, scrape.nightly, nightly_values, scrape.input))
    return usage_error(*problem);
  // `-o -` is stdout; the format follows -o's extension (.csv, .jsonl, .ndjson, .json)
  // unless -f says otherwise.
  if (scrape.output && *scrape.output == "-") scrape.output.reset();
  if (scrape.output && app.count("--format") == 0) {
    if (const auto by_name = output::format_for_path(*scrape.output)) scrape.format = *by_name;
  }
  // ---------------------------------------------------------------------------------
  if (working) {
    if (scrape.nightly.state || scrape.output || app.count("--format") > 0)
      return usage_error(
          "work stores its records in the queue: --state, -o and -f are not for it "
          "(collect writes the output)");
    queued.scrape = std::move(scrape);
    return queued;
  }
  return scrape;
}

}  // namespace pricescrape::cli
