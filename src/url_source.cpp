#include <pricescrape/url_source.hpp>

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/iri.hpp>

#include <boost/url/parse.hpp>

#include <cstdio>
#include <istream>
#include <streambuf>

namespace pricescrape {

namespace {

// A line longer than this is not a URL anyone meant; it is reported, not kept.
constexpr std::size_t max_line_length = 64 * 1024;

// How much of an offending input a message or a record quotes.
constexpr std::size_t max_quoted_length = 200;

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7F; }

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view text, std::size_t limit) noexcept {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// The input as it appears in messages: quoted, shortened, control bytes made visible
// (a message is read on a terminal as well as in the output file).
std::string quote(std::string_view text) {
  std::string_view shown = truncate_utf8(text, max_quoted_length);
  std::string out = "'";
  for (char c : shown) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(u));
      out += buf;
    } else {
      out += c;
    }
  }
  if (shown.size() < text.size()) out += "...";
  out += '\'';
  return out;
}

scrape_error invalid(std::string_view what, std::string_view text) {
  std::string message(what);
  message += ": ";
  message += quote(text);
  return {error_kind::invalid_url, std::move(message)};
}

// The RFC 3986 scheme at the start of `text` (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
// followed by ':'), or empty when there is none.
std::string_view leading_scheme(std::string_view text) noexcept {
  auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (text.empty() || !is_alpha(text[0])) return {};
  for (std::size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == ':') return text.substr(0, i);
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return {};
  }
  return {};
}

enum class read_status { line, too_long, end };

// std::getline with a cap: a line longer than `max_line_length` is consumed but only
// its first `max_line_length` bytes are kept, so one endless line cannot exhaust memory.
// Stream state follows std::getline: eofbit at the end, failbit when nothing was read.
read_status read_bounded_line(std::istream& in, std::string& line) {
  line.clear();
  std::istream::sentry sentry(in, /*noskipws=*/true);
  if (!sentry) return read_status::end;

  std::streambuf* buf = in.rdbuf();
  std::ios_base::iostate state = std::ios_base::goodbit;
  bool any = false;
  bool too_long = false;
  try {
    for (;;) {
      int c = buf->sbumpc();
      if (c == std::char_traits<char>::eof()) {
        state |= std::ios_base::eofbit;
        break;
      }
      any = true;
      if (c == '\n') break;
      if (line.size() < max_line_length) {
        line.push_back(static_cast<char>(c));
      } else {
        too_long = true;
      }
    }
  } catch (...) {
    // The streambuf threw: report it the way the standard extractors do.
    in.setstate(std::ios_base::badbit);
    return read_status::end;
  }
  if (!any) state |= std::ios_base::failbit;
  in.setstate(state);
  if (!any) return read_status::end;
  return too_long ? read_status::too_long : read_status::line;
}

}  // namespace

std::string_view trim_line(std::string_view line) noexcept {
  // The BOM only appears at the start of a file, i.e. at the start of its first line.
  if (line.substr(0, utf8_bom.size()) == utf8_bom) line.remove_prefix(utf8_bom.size());
  while (!line.empty() && is_ascii_space(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_ascii_space(line.back())) line.remove_suffix(1);
  return line;
}

bool is_skipped_line(std::string_view trimmed) noexcept {
  return trimmed.empty() || trimmed.front() == '#';
}

namespace {

// validate_url's checks; on success `host` is the URL's host key (see job::host), so the
// engine need not parse the URL again for its per-host policy.
std::optional<scrape_error> check_url(std::string_view text, std::string& host) {
  // Checks run from the most to the least basic, so the message names the first thing
  // a user has to fix.
  std::string_view scheme = leading_scheme(text);
  if (scheme.empty()) return invalid("not a URL", text);
  if (!detail::iequals_ascii(scheme, "http") && !detail::iequals_ascii(scheme, "https")) {
    return invalid("not an http(s) URL", text);
  }
  for (char c : text) {
    if (is_control(static_cast<unsigned char>(c))) {
      return invalid("URL contains a control character", text);
    }
  }
  // An international URL is checked as the ASCII URL the fetch will send (the same
  // conversion: iri::to_uri); the job keeps the text as written.
  const auto ascii = iri::to_uri(text);
  if (!ascii) return invalid(ascii.error().message, text);
  auto parsed = boost::urls::parse_uri(*ascii);
  if (!parsed) return invalid("malformed URL", text);
  // "http:/p" has no authority at all; "http:///p" and "http://:80/" an empty host.
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    return invalid("URL has no host", text);
  }
  if (parsed->has_port()) {
    // Boost.URL 1.81 reads "http://h:-1/p" as an empty port and the path "-1/p"; after
    // an authority RFC 3986 allows only a path starting with '/', so that is the port.
    const auto path = parsed->encoded_path();
    if (!parse_port(parsed->port()) || (!path.empty() && path.front() != '/'))
      return invalid("URL has an invalid port (not 1-65535)", text);
  }
  host = detail::to_lower_ascii(parsed->encoded_host());
  // A port other than the scheme's default names another server (a second shop on
  // one machine, or loopback test servers): it gets its own policy. http and https on
  // their default ports are one shop.
  const auto port = parse_port(parsed->port()).value_or(0);
  const bool tls = detail::iequals_ascii(scheme, "https");
  if (port != 0 && port != (tls ? 443 : 80)) host += ":" + std::to_string(port);
  return std::nullopt;
}

}  // namespace

std::optional<std::uint16_t> parse_port(std::string_view text) noexcept {
  if (text.empty()) return std::uint16_t{0};
  if (text.size() > 5) {
    // Leading zeros are still digits; only the value decides.
    while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
    if (text.size() > 5) return std::nullopt;
  }
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<scrape_error> validate_url(std::string_view text) {
  std::string host;
  return check_url(text, host);
}

job make_job(std::size_t index, std::string_view trimmed) {
  job j;
  j.index = index;
  j.url = std::string(trimmed);
  j.invalid = check_url(trimmed, j.host);
  return j;
}

std::optional<job> url_source::next() {
  for (;;) {
    read_status status = read_bounded_line(in_, line_);
    if (status == read_status::end) return std::nullopt;

    std::string_view trimmed = trim_line(line_);
    // A comment stays a comment however long it is.
    if (is_skipped_line(trimmed)) continue;

    if (status == read_status::too_long) {
      job j;
      j.index = next_index_++;
      j.url = std::string(truncate_utf8(trimmed, max_quoted_length));
      j.invalid = invalid("line too long (over 64 KiB)", trimmed);
      return j;
    }
    return make_job(next_index_++, trimmed);
  }
}

std::size_t count_jobs(std::istream& in) {
  std::string line;
  std::size_t count = 0;
  while (read_bounded_line(in, line) != read_status::end) {
    if (!is_skipped_line(trim_line(line))) ++count;
  }
  return count;
}

}  // namespace pricescrape
