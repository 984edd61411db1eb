#include "engine/robots.hpp"

#include <pricescrape/detail/ascii.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace pricescrape::engine {

namespace {

using detail::iequals_ascii;

std::string_view trim(std::string_view s) noexcept {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void append_encoded(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789ABCDEF";
  out += '%';
  out += hex[c >> 4];
  out += hex[c & 15];
}

// The product token of a User-agent line: RFC 9309 2.2.1 allows [A-Za-z_-]; a line such
// as "Googlebot/2.1 (+http://...)" names "Googlebot".
std::string_view product_token_of(std::string_view value) noexcept {
  std::size_t n = 0;
  while (n < value.size() &&
         ((value[n] >= 'a' && value[n] <= 'z') || (value[n] >= 'A' && value[n] <= 'Z') ||
          value[n] == '_' || value[n] == '-'))
    ++n;
  return value.substr(0, n);
}

// Glob match of a normalised pattern against a normalised path: `*` is any run of
// octets, a final `$` anchors the end, otherwise the pattern need only match a prefix.
// The classic greedy scan that backtracks only to the last `*`: at most
// |pattern| x |path| steps, and linear for patterns without stars.
bool matches(std::string_view pattern, std::string_view path) noexcept {
  bool anchored = false;
  if (!pattern.empty() && pattern.back() == '$') {
    anchored = true;
    pattern.remove_suffix(1);
  }
  std::size_t p = 0, s = 0;
  std::size_t star = std::string_view::npos, star_s = 0;
  while (s < path.size()) {
    if (p == pattern.size() && !anchored) return true;  // a prefix matched
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_s = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<milliseconds> parse_delay(std::string_view v) {
  // Decimal seconds ("10", "0.5"); anything else is ignored.
  double seconds = 0, scale = 0;
  bool any = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      any = true;
      if (scale == 0) {
        seconds = seconds * 10 + (c - '0');
      } else {
        seconds += (c - '0') * scale;
        scale /= 10;
      }
    } else if (c == '.' && scale == 0) {
      scale = 0.1;
    } else {
      return std::nullopt;
    }
    if (seconds > 86'400) return std::nullopt;  // over a day is not a delay, it is a ban
  }
  if (!any) return std::nullopt;
  return milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

struct group {
  std::vector<std::string_view> agents;
  std::vector<std::pair<std::string_view, bool>> rules;  // raw value, allow
  std::optional<milliseconds> crawl_delay;
};

std::vector<group> read_groups(std::string_view body) {
  std::vector<group> groups;
  bool in_rules = false;  // a rule line ends the run of User-agent lines
  while (!body.empty()) {
    auto end = body.find_first_of("\r\n");
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos)
      line.remove_suffix(line.size() - hash);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto key = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    if (iequals_ascii(key, "user-agent")) {
      if (groups.empty() || in_rules) groups.emplace_back();
      in_rules = false;
      groups.back().agents.push_back(value);
    } else if (iequals_ascii(key, "allow") || iequals_ascii(key, "disallow")) {
      in_rules = true;
      if (groups.empty() || value.empty()) continue;  // before any group, or "Disallow:"
      groups.back().rules.emplace_back(value, iequals_ascii(key, "allow"));
    } else if (iequals_ascii(key, "crawl-delay")) {
      in_rules = true;
      if (!groups.empty() && !groups.back().crawl_delay)
        groups.back().crawl_delay = parse_delay(value);
    }
    // Other lines (Sitemap, Host, typos) neither start nor end a group.
  }
  return groups;
}

}  // namespace

std::string normalise_robots_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && hex_value(path[i + 1]) >= 0 &&
        hex_value(path[i + 2]) >= 0) {
      const auto decoded =
          static_cast<unsigned char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      if (is_unreserved(decoded))
        out += static_cast<char>(decoded);
      else
        append_encoded(out, decoded);
      i += 2;
    } else if (c >= 0x80 || c <= 0x20 || c == 0x7f) {
      append_encoded(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

robots_rules robots_rules::disallow_all() {
  robots_rules r;
  r.rules_.push_back(rule{"/", false});
  return r;
}

robots_rules robots_rules::from_fetch(int status, std::string_view body,
                                      std::string_view product_token) {
  if (status >= 200 && status < 300) return parse(body, product_token);
  if (status >= 400 && status < 500 && status != 429) return allow_all();
  return disallow_all();
}

robots_rules robots_rules::parse(std::string_view body, std::string_view product_token) {
  robots_rules result;
  if (body.size() > max_bytes) {
    // Only whole lines within the limit count: a rule cut in half could widen.
    body = body.substr(0, max_bytes);
    body = body.substr(0, body.find_last_of("\r\n") + 1);
    result.truncated_ = true;
  }
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);  // UTF-8 byte order mark

  const auto groups = read_groups(body);
  const auto names_us = [&](const group& g) {
    return std::any_of(g.agents.begin(), g.agents.end(), [&](std::string_view a) {
      const auto token = product_token_of(a);
      return !token.empty() && iequals_ascii(token, product_token);
    });
  };
  const auto names_all = [](const group& g) {
    return std::any_of(g.agents.begin(), g.agents.end(),
                       [](std::string_view a) { return a == "*"; });
  };
  const bool ours_exist = std::any_of(groups.begin(), groups.end(), names_us);
  for (const auto& g : groups) {
    if (ours_exist ? !names_us(g) : !names_all(g)) continue;
    if (!result.crawl_delay_) result.crawl_delay_ = g.crawl_delay;
    for (const auto& [value, allow] : g.rules) {
      if (value.size() > max_pattern || result.rules_.size() >= max_rules) continue;
      result.rules_.push_back(rule{normalise_robots_path(value), allow});
    }
  }
  return result;
}

bool robots_rules::allowed(std::string_view path) const {
  const std::string target = normalise_robots_path(path.empty() ? std::string_view("/") : path);
  if (target == "/robots.txt") return true;
  std::size_t best = 0;
  bool verdict = true, found = false;
  for (const auto& r : rules_) {
    const auto length = r.pattern.size();
    if (found && (length < best || (length == best && (verdict || !r.allow)))) continue;
    if (!matches(r.pattern, target)) continue;
    // Longest wins; at equal length Allow wins (RFC 9309 2.2.2).
    if (!found || length > best || r.allow) verdict = r.allow;
    best = length;
    found = true;
  }
  return verdict;
}

}  // namespace pricescrape::engine
