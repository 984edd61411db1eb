// robots.txt (RFC 9309): which paths of a host our crawler may fetch, and its
// Crawl-delay. Pure: the engine fetches /robots.txt and hands over status and body.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::engine {

using std::chrono::milliseconds;

// The rules of the group that applies to one crawler.
class robots_rules {
 public:
  static constexpr std::size_t max_bytes = 500 * 1024;  // RFC 9309 2.5: at least 500 KiB
  static constexpr std::size_t max_rules = 10'000;      // of the group that applies
  static constexpr std::size_t max_pattern = 2'048;     // bytes; longer rules are ignored

  // How a robots.txt fetch ended decides the rules (RFC 9309 2.3.1):
  //   2xx: the body is parsed;
  //   4xx other than 429: "unavailable", so everything is allowed;
  //   429, 5xx, or no response (status 0: DNS, connect, timeout, TLS): "unreachable",
  //   so everything is disallowed for the run. (RFC 9309 names 429 nowhere; a server
  //   too busy for robots.txt is treated as one that is down, as Google does.)
  // 3xx never arrives here: the fetcher follows up to five redirects and reports what
  // it ended on, or 0 when it gave up.
  static robots_rules from_fetch(int status, std::string_view body, std::string_view product_token);

  // The rules for `product_token` (our user agent's name, e.g. "pricescrape"): the
  // groups naming it, case-insensitively, combined; else the `*` groups; else none.
  static robots_rules parse(std::string_view body, std::string_view product_token);
  static robots_rules allow_all() { return robots_rules(); }
  static robots_rules disallow_all();

  // Whether `path` (the URL's path and query, percent-encoded as sent) may be fetched:
  // the longest matching rule decides, Allow winning a tie; no match allows.
  // /robots.txt itself is always allowed.
  bool allowed(std::string_view path) const;

  std::optional<milliseconds> crawl_delay() const noexcept { return crawl_delay_; }
  std::size_t rule_count() const noexcept { return rules_.size(); }
  bool truncated() const noexcept { return truncated_; }  // the body passed max_bytes

 private:
  struct rule {
    std::string pattern;  // normalised; may hold `*` and end in `$`
    bool allow;
  };
  std::vector<rule> rules_;
  std::optional<milliseconds> crawl_delay_;
  bool truncated_ = false;
};

// The form paths and patterns are compared in (RFC 9309 2.2.2): octets outside
// US-ASCII and controls percent-encoded, percent-encoded unreserved characters decoded,
// hex digits upper-cased, so `/%62%61%7A` and `/baz` compare equal while `%2F` stays.
std::string normalise_robots_path(std::string_view path);

}  // namespace pricescrape::engine
