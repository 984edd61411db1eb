#include "cli.hpp"

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/version.hpp>

#include <CLI/CLI.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
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
killed by SIGPIPE.)";

constexpr double min_seconds = 0.001;
constexpr double max_seconds = 86400.0;  // a day: anything longer is a typo

// Every duration option: a finite number of seconds from 1 ms to a day. CLI11's Range
// alone lets NaN through (every comparison with it is false), and "inf" or "1e999"
// would overflow the conversion to milliseconds.
CLI::Validator seconds_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc{} && ptr == end && std::isfinite(value) && value >= min_seconds &&
            value <= max_seconds)
          return {};
        return "'" + text + "' is not a number of seconds from 0.001 to 86400";
      },
      "SECONDS");
}

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

void add_common(CLI::App& app, common_options& common, bool& verbose, bool& quiet,
                std::string& log_format_name) {
  app.add_flag("-v,--verbose", verbose, "Log every failed URL and connection details");
  app.add_flag("-q,--quiet", quiet, "Only log errors; no summary line");
  app.add_option("--log-format", log_format_name, "Log lines on stderr as text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
  app.add_flag("!--no-progress", common.progress, "Never draw the progress bar");
}

int usage_error(const std::string& message) {
  std::cerr << "pricescrape: error: " << message << " (see --help)\n";
  return 2;
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
      ->check(CLI::IsMember({"adaptive", "fixed", "off"}))
      ->default_str("adaptive");
  app.add_option("--rate", text.rate,
                 "Per-host ceiling, never exceeded in any mode: N, N/s or N/m requests")
      ->default_str("");
  app.add_option("--delay", text.delay_s, "Seconds between requests to one host (fixed mode)")
      ->check(CLI::Range(0.0, 3600.0))
      ->default_str("");
  app.add_flag("--jitter", text.jitter, "Vary each --delay gap uniformly in [0.5, 1.5] x delay");
  app.add_flag("--robots", p.robots,
               "Fetch each host's /robots.txt and honour its Disallow, Allow and Crawl-delay");
  app.add_option("--retries", p.retries,
                 "Extra attempts after a transport error or 5xx (429/503 get up to 8)")
      ->check(CLI::Range(0, 100));
  app.add_option("--retry-after-cap", text.retry_after_cap_s,
                 "Longest Retry-After pause waited for; a longer one fails the host's URLs")
      ->check(CLI::Range(0.0, 86400.0));
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

}  // namespace

parsed parse_command_line(int argc, char** argv) {
  CLI::App app{
      "pricescrape: fetch product pages concurrently and extract their prices.\n"
      "Reads one URL per line from INPUT (or stdin) and writes one record per line,\n"
      "in input order, as JSON, JSON Lines or CSV.",
      "pricescrape"};
  app.footer(examples_text);
  app.set_version_flag("--version", std::string("pricescrape ") + version);
  app.option_defaults()->always_capture_default();

  scrape_command scrape;
  auto& http = scrape.engine.http;
  bool verbose = false, quiet = false;
  std::string log_format_name = "text";
  std::string format_name = "json";
  double timeout_s = 30, connect_timeout_s = 10;
  std::string max_body_text = "16MiB";
  std::vector<std::string> header_lines;
  std::size_t per_host = 0;

  app.add_option("INPUT", scrape.input, "File of URLs, one per line; '-' or absent: stdin");
  app.add_option("-c,--concurrency", scrape.engine.concurrency, "Requests in flight at most")
      ->check(CLI::Range(1, 10000));
  app.add_option("--per-host", per_host, "Requests in flight per host at most (default: -c)")
      ->check(CLI::Range(1, 10000))
      ->default_str("");
  app.add_option("-f,--format", format_name, "Output format: json, jsonl or csv")
      ->check(CLI::IsMember({"json", "jsonl", "csv"}));
  app.add_option("-o,--output", scrape.output,
                 "Write to FILE (atomically: a temporary file renamed when complete)");
  app.add_option("--timeout", timeout_s, "Deadline of one attempt, in seconds")
      ->check(seconds_check());
  app.add_option("--connect-timeout", connect_timeout_s,
                 "Deadline for DNS + connect + TLS handshake, in seconds")
      ->check(seconds_check());
  app.add_option("--max-redirects", http.max_redirects, "Redirects followed at most")
      ->check(CLI::Range(0, 100));
  app.add_option("--max-body", max_body_text,
                 "Decoded body cap: bytes, or with K/M/G (binary) or KB/MB/GB (decimal)");
  app.add_option("-A,--user-agent", http.user_agent, "User-Agent header")
      ->default_str(std::string("pricescrape/") + version);
  // One value per -H, so `-H 'X: y' urls.txt` leaves urls.txt to INPUT.
  app.add_option("-H,--header", header_lines, "Extra request header \"Name: value\" (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--cacert", http.cacert, "Trust this PEM CA bundle besides the system's")
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
  add_common(app, scrape.common, verbose, quiet, log_format_name);

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
                 "none (default: $http_proxy, $https_proxy, $all_proxy)");
  app.add_option("--noproxy", noproxy_list,
                 "Hosts that go direct: names (with subdomains), IPs, CIDRs, or * "
                 "(default: $no_proxy)");
  // ---------------------------------------------------------------------------------

  extract_command extract;
  bool x_verbose = false, x_quiet = false;
  std::string x_log_format = "text";
  std::string x_format_name = "json";
  auto* sub = app.add_subcommand("extract", "Extract prices from saved pages (.html, .html.gz)");
  sub->add_option("FILE", extract.files, "Saved pages")->required()->check(CLI::ExistingFile);
  sub->add_option("-f,--format", x_format_name, "Output format: json, jsonl or csv")
      ->check(CLI::IsMember({"json", "jsonl", "csv"}));
  sub->add_option("--base-url", extract.base_url, "The URL the pages were saved from");
  sub->add_flag("--explain", extract.explain, "Add the candidates weighed and why one won");
  add_common(*sub, extract.common, x_verbose, x_quiet, x_log_format);

  parse_price_command parse_price;
  auto* pp = app.add_subcommand(
      "parse-price", "Parse price strings: one JSON line per TEXT with input, price, currency");
  pp->add_option("TEXT", parse_price.texts,
                 "Price strings, e.g. '1.234,56 €' (use -- before ones "
                 "starting with '-')")
      ->required();
  pp->add_option("--currency-hint", parse_price.currency_hint,
                 "Nearby text that may name the currency (e.g. 'EUR', 'Preis in €')");
  pp->add_option("--decimal-separator", parse_price.decimal_separator,
                 "Force the decimal separator: '.', ',' or '€'")
      ->check(CLI::IsMember({".", ",", "€"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  auto finish_common = [](common_options& common, bool v, bool q, const std::string& lf) {
    common.verbosity = q ? -1 : (v ? 1 : 0);
    common.logs = lf == "json" ? log_format::json : log_format::text;
  };

  if (*pp) {
    // CLI11 hands what follows a `--` placed between TEXTs to the main INPUT: refuse
    // rather than silently drop a text.
    if (app.count("INPUT") > 0)
      return usage_error("parse-price: put -- before the first TEXT, not between them");
    return parse_price;
  }
  if (*history_sub) {
    history.format = *output::parse_format(history_format);
    return history;
  }
  if (*sub) {
    finish_common(extract.common, x_verbose, x_quiet, x_log_format);
    extract.format = *output::parse_format(x_format_name);
    return extract;
  }

  finish_common(scrape.common, verbose, quiet, log_format_name);
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
  return scrape;
}

}  // namespace pricescrape::cli
