#include "engine/rate_limit_headers.hpp"

#include <pricescrape/detail/ascii.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace pricescrape::engine {

namespace {

using sys_clock = std::chrono::system_clock;
constexpr std::int64_t max_delay_s = 365LL * 24 * 3600;  // one year: absurd beyond

bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

using detail::iequals_ascii;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A non-negative integer made of digits only; nullopt for anything else or overflow.
std::optional<std::int64_t> parse_count(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), is_digit)) return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Seconds, possibly with a fraction ("1.5"), as some gateways send resets.
std::optional<double> parse_seconds(std::string_view s) noexcept {
  s = trim(s);
  const auto dot = s.find('.');
  const auto whole = parse_count(s.substr(0, dot));
  if (!whole) return std::nullopt;
  double v = static_cast<double>(*whole);
  if (dot != std::string_view::npos) {
    const auto frac = s.substr(dot + 1);
    if (frac.empty() || frac.size() > 9 || !std::all_of(frac.begin(), frac.end(), is_digit))
      return std::nullopt;
    double scale = 0.1;
    for (char c : frac) {
      v += (c - '0') * scale;
      scale /= 10;
    }
  }
  return v;
}

milliseconds clamp_delay(double seconds) {
  seconds = std::clamp(seconds, 0.0, static_cast<double>(max_delay_s));
  return milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

std::optional<unsigned> month_number(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < months.size(); ++i)
    if (name == months[i]) return i + 1;
  return std::nullopt;
}

// A fixed-width field of digits at s[pos, pos+n).
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<sys_clock::time_point> make_time(int y, unsigned mo, int d, int h, int mi, int sec) {
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(mo),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return std::chrono::time_point_cast<sys_clock::duration>(
      std::chrono::sys_days(date) + std::chrono::hours(h) + std::chrono::minutes(mi) +
      std::chrono::seconds(sec));
}

// "08:49:37" at pos.
bool clock_time(std::string_view s, std::size_t pos, int& h, int& mi, int& sec) {
  const auto a = digits(s, pos, 2), b = digits(s, pos + 3, 2), c = digits(s, pos + 6, 2);
  if (!a || !b || !c || s[pos + 2] != ':' || s[pos + 5] != ':') return false;
  h = *a;
  mi = *b;
  sec = *c;
  return true;
}

// One member of a Structured Fields list (RFC 8941): `"name";key=value;...`. Only what
// the RateLimit fields use is kept: the bare item as text and the parameters as text.
struct sf_item {
  std::string name;
  bool quoted = false;
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::int64_t> integer(std::string_view key) const {
    for (const auto& [k, v] : params)
      if (k == key) return parse_count(v);
    return std::nullopt;
  }
};

// A quoted sf-string starting at s[i] == '"'; advances i past it. False if unterminated.
bool read_string(std::string_view s, std::size_t& i, std::string& out) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[++i];
    } else if (s[i] == '"') {
      ++i;
      return true;
    } else {
      out += s[i];
    }
  }
  return false;
}

std::string read_token(std::string_view s, std::size_t& i) {
  const auto start = i;
  while (i < s.size() && s[i] != ';' && s[i] != ',' && !is_space(s[i])) ++i;
  return std::string(s.substr(start, i - start));
}

void skip_spaces(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_space(s[i])) ++i;
}

// One member at s[i]; false when it is malformed (the caller skips to the next comma).
bool read_member(std::string_view s, std::size_t& i, sf_item& item) {
  if (i < s.size() && s[i] == '"') {
    item.quoted = true;
    if (!read_string(s, i, item.name)) return false;
  } else {
    item.name = read_token(s, i);
    if (item.name.empty()) return false;
  }
  skip_spaces(s, i);
  while (i < s.size() && s[i] == ';') {
    ++i;
    skip_spaces(s, i);
    std::string key = read_token(s, i);
    std::string value = "?1";  // a bare key is boolean true
    const auto eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
      if (value.empty() && i < s.size() && s[i] == '"' && !read_string(s, i, value)) return false;
    }
    if (key.empty()) return false;
    for (auto& c : key) c = detail::to_lower_ascii(c);
    item.params.emplace_back(std::move(key), std::move(value));
    skip_spaces(s, i);
  }
  return i == s.size() || s[i] == ',';
}

// A Structured Fields list, leniently: a malformed member is dropped, not the field.
std::vector<sf_item> parse_sf_list(std::string_view s) {
  std::vector<sf_item> items;
  std::size_t i = 0;
  while (i < s.size() && items.size() < 16) {  // more policies than this is not a header
    skip_spaces(s, i);
    sf_item item;
    if (read_member(s, i, item)) {
      items.push_back(std::move(item));
    } else {
      bool quoted = false;  // skip to the next comma outside a string
      for (; i < s.size() && (quoted || s[i] != ','); ++i) {
        if (s[i] == '"') quoted = !quoted;
        if (s[i] == '\\') ++i;
      }
    }
    if (i < s.size()) ++i;  // the comma
  }
  return items;
}

struct fields {
  std::string rate_limit, policy;  // list fields: repeated lines joined with ", "
  std::optional<std::string_view> retry_after;
  std::optional<std::string_view> old_limit, old_remaining, old_reset;
  std::optional<std::string_view> x_limit, x_remaining, x_reset;
};

void append_list(std::string& to, std::string_view value) {
  if (!to.empty()) to += ", ";
  to += value;
}

fields collect(std::span<const header_field> headers) {
  fields f;
  const auto first = [](std::optional<std::string_view>& slot, std::string_view v) {
    if (!slot) slot = v;
  };
  for (const auto& [name, value] : headers) {
    if (iequals_ascii(name, "RateLimit"))
      append_list(f.rate_limit, value);
    else if (iequals_ascii(name, "RateLimit-Policy"))
      append_list(f.policy, value);
    else if (iequals_ascii(name, "Retry-After"))
      first(f.retry_after, value);
    else if (iequals_ascii(name, "RateLimit-Limit"))
      first(f.old_limit, value);
    else if (iequals_ascii(name, "RateLimit-Remaining"))
      first(f.old_remaining, value);
    else if (iequals_ascii(name, "RateLimit-Reset"))
      first(f.old_reset, value);
    else if (iequals_ascii(name, "X-RateLimit-Limit") || iequals_ascii(name, "X-Rate-Limit-Limit"))
      first(f.x_limit, value);
    else if (iequals_ascii(name, "X-RateLimit-Remaining") ||
             iequals_ascii(name, "X-Rate-Limit-Remaining"))
      first(f.x_remaining, value);
    else if (iequals_ascii(name, "X-RateLimit-Reset") || iequals_ascii(name, "X-Rate-Limit-Reset"))
      first(f.x_reset, value);
  }
  return f;
}

// draft-ietf-httpapi-ratelimit-headers-08 and later: `RateLimit: "p";r=0;t=10` with
// `RateLimit-Policy: "p";q=100;w=60`. Of several policies the most restrictive counts
// (fewest remaining, then the longest reset). Draft 07's `limit=, remaining=, reset=`
// and the `100;w=60` policies of drafts 03-06 are read too.
rate_limit_info from_structured(const fields& f) {
  rate_limit_info info;
  const auto items = parse_sf_list(f.rate_limit);
  const sf_item* chosen = nullptr;
  for (const auto& item : items) {
    const auto r = item.integer("r");
    if (!r) continue;
    const auto t = item.integer("t").value_or(0);
    if (!chosen || *r < *chosen->integer("r") ||
        (*r == *chosen->integer("r") && t > chosen->integer("t").value_or(0)))
      chosen = &item;
  }
  if (chosen) {
    info.remaining = chosen->integer("r");
    if (const auto t = chosen->integer("t")) info.reset = clamp_delay(static_cast<double>(*t));
  } else {
    for (const auto& item : items) {  // draft 07: a dictionary
      const auto eq = item.name.find('=');
      if (eq == std::string::npos || item.quoted) continue;
      const std::string_view key = std::string_view(item.name).substr(0, eq);
      const auto value = parse_count(std::string_view(item.name).substr(eq + 1));
      if (!value) continue;
      if (key == "limit") info.limit = value;
      if (key == "remaining") info.remaining = value;
      if (key == "reset") info.reset = clamp_delay(static_cast<double>(*value));
    }
  }
  for (const auto& p : parse_sf_list(f.policy)) {
    if (chosen && p.name != chosen->name) continue;
    const auto q = p.quoted ? p.integer("q") : parse_count(p.name);  // drafts 03-06: 100;w=60
    if (!q) continue;
    if (!info.limit) info.limit = q;
    if (const auto w = p.integer("w")) info.window = clamp_delay(static_cast<double>(*w));
    break;
  }
  return info;
}

rate_limit_info from_singletons(std::optional<std::string_view> limit,
                                std::optional<std::string_view> remaining,
                                std::optional<std::string_view> reset, sys_clock::time_point now) {
  rate_limit_info info;
  if (limit) info.limit = parse_count(*limit);
  if (remaining) info.remaining = parse_count(*remaining);
  if (reset) info.reset = parse_reset(*reset, now);
  return info;
}

}  // namespace

std::optional<sys_clock::time_point> parse_http_date(std::string_view v) {
  v = trim(v);
  int h = 0, mi = 0, sec = 0;
  const auto comma = v.find(',');
  if (comma == 3 && v.size() == 29) {  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    const auto d = digits(v, 5, 2), y = digits(v, 12, 4);
    const auto mo = month_number(v.substr(8, 3));
    if (!d || !y || !mo || v.substr(25) != " GMT" || !clock_time(v, 17, h, mi, sec))
      return std::nullopt;
    return make_time(*y, *mo, *d, h, mi, sec);
  }
  if (comma != std::string_view::npos && comma > 3) {  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    const auto rest = v.substr(comma + 1);
    if (rest.size() != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' ||
        rest.substr(19) != " GMT")
      return std::nullopt;
    const auto d = digits(rest, 1, 2), yy = digits(rest, 8, 2);
    const auto mo = month_number(rest.substr(4, 3));
    if (!d || !yy || !mo || !clock_time(rest, 11, h, mi, sec)) return std::nullopt;
    // RFC 9110 5.6.7: a two-digit year is read as within 50 years of now; for the dates
    // a server sends, 70 and over is the 1900s.
    return make_time(*yy >= 70 ? 1900 + *yy : 2000 + *yy, *mo, *d, h, mi, sec);
  }
  if (v.size() == 24 && v[3] == ' ' && v[7] == ' ') {  // asctime: Sun Nov  6 08:49:37 1994
    const auto mo = month_number(v.substr(4, 3));
    const auto d = v[8] == ' ' ? digits(v, 9, 1) : digits(v, 8, 2);
    const auto y = digits(v, 20, 4);
    if (!mo || !d || !y || v[19] != ' ' || !clock_time(v, 11, h, mi, sec)) return std::nullopt;
    return make_time(*y, *mo, *d, h, mi, sec);
  }
  return std::nullopt;
}

std::optional<milliseconds> parse_retry_after(std::string_view value, sys_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), is_digit)) {
    // Too many digits to fit is still "a very long time": clamp rather than ignore.
    const auto n = parse_count(value);
    return milliseconds(std::min(n.value_or(max_delay_s), max_delay_s) * 1000);
  }
  const auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds(0);
  return clamp_delay(std::chrono::duration<double>(*when - now).count());
}

std::optional<milliseconds> parse_reset(std::string_view value, sys_clock::time_point now) {
  const auto v = parse_seconds(value);
  if (!v) return std::nullopt;
  double seconds = *v;
  if (seconds >= 1e12) seconds /= 1000;  // a timestamp in milliseconds
  if (seconds >= 1e9) {
    // An epoch timestamp: the delay is what is left of it.
    const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
    return clamp_delay(seconds - now_s);
  }
  return clamp_delay(seconds);
}

rate_limit_info parse_rate_limit(std::span<const header_field> headers, sys_clock::time_point now) {
  const fields f = collect(headers);
  // One family, the newest present: mixing a remaining from one with a reset from
  // another would describe a window nobody announced.
  rate_limit_info info = from_structured(f);
  if (info.empty()) info = from_singletons(f.old_limit, f.old_remaining, f.old_reset, now);
  if (info.empty()) info = from_singletons(f.x_limit, f.x_remaining, f.x_reset, now);
  if (f.retry_after) info.retry_after = parse_retry_after(*f.retry_after, now);
  return info;
}

}  // namespace pricescrape::engine
