// The rate-limited route family's state: a leaky bucket and a ban per Host name, the
// robots.txt each name serves, and a log of what each name was sent, so tests measure
// politeness at the server. Pure: the caller passes the clock, no sockets in here.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pricescrape::demo_shop {

using steady_time = std::chrono::steady_clock::time_point;

enum class retry_after_mode : std::uint8_t { none, fixed, until_free };

// One request's limiter settings, read from its query string. Every request to a host
// name drains and fills that name's one limiter with the settings it carries.
struct limit_config {
  double rate = 10;         // requests per second the bucket drains; 0 refuses every request
  std::uint64_t burst = 0;  // requests accepted back to back beyond the rate
  // 0: a leaky bucket (nginx's limit_req). Otherwise a fixed window of this length that
  // accepts rate x window requests, the limiter whose quota the RateLimit fields
  // describe exactly (GitHub's, most API gateways').
  std::chrono::seconds window{0};
  unsigned status = 429;  // a refusal's status
  retry_after_mode retry_after = retry_after_mode::none;
  std::chrono::seconds retry_after_value{0};  // for retry_after_mode::fixed
  bool retry_after_date = false;              // announce it as an HTTP-date
  bool ietf_headers = false;                  // RateLimit-Policy and RateLimit
  bool x_headers = false;                     // X-RateLimit-Limit/-Remaining/-Reset
  bool challenge = false;                     // refusals carry a bot-challenge page
  bool cf_mitigated = false;                  // and the cf-mitigated: challenge header
  std::uint64_t ban_after = 0;                // 0: never ban
  std::chrono::seconds ban_for{10};
  std::chrono::seconds ban_window{60};  // refusals counted towards a ban over this span
  unsigned ban_status = 403;
  // Requests that arrive this soon after a pause was announced were sent before the
  // client could read it, so they count as in_pause but not as pause violations.
  std::chrono::milliseconds grace{200};
};

enum class verdict : std::uint8_t { served, accepted, refused, banned };

std::string_view verdict_name(verdict v);

struct limit_decision {
  verdict outcome = verdict::accepted;
  std::optional<std::chrono::seconds> retry_after;  // what a refusal announces, as seconds
  std::optional<std::chrono::system_clock::time_point> retry_after_at;  // or as a date
  // The quota as the RateLimit fields state it: `quota` requests per `window`,
  // `remaining` of them usable now, the full quota back after `reset`.
  std::uint64_t quota = 1;
  std::chrono::seconds window{1};
  std::uint64_t remaining = 0;
  std::chrono::seconds reset{0};
};

// What a host name's /robots.txt answers once configured; unconfigured names get the
// file under --root.
struct robots_rule {
  unsigned status = 200;
  bool hang_up = false;  // close the connection without a response
  std::string body;
};

// Everything one host name was sent and how the limiter answered.
class host_traffic {
 public:
  // Every request under /__limit/ and to /robots.txt counts here (the admin routes never
  // reach it) before it is routed.
  void arrive(steady_time now, std::string_view path);
  // The limit route's verdict on the request that arrived last. `wall` is the same
  // instant on the system clock, for a Retry-After given as a date.
  limit_decision decide(const limit_config& config, steady_time now,
                        std::chrono::system_clock::time_point wall);

  nlohmann::ordered_json to_json(steady_time epoch, bool with_log) const;

 private:
  struct entry {
    steady_time at;
    std::string path;
    verdict outcome = verdict::served;
  };
  struct pause_span {
    steady_time announced;
    steady_time until;
  };

  void drain(double rate, steady_time now);
  void roll_window(std::chrono::seconds window, steady_time now);
  bool take(const limit_config& config, steady_time now);
  void describe_quota(limit_decision& d, const limit_config& config, steady_time now) const;
  void note_refusal(const limit_config& config, steady_time now);
  void announce(limit_decision& d, const limit_config& config, steady_time now,
                std::chrono::system_clock::time_point wall);
  std::chrono::seconds until_free(const limit_config& config, steady_time now) const;
  std::uint64_t peak_in_one_second() const;

  double level_ = 0;  // requests in the bucket
  steady_time drained_at_{};
  steady_time window_start_{};
  std::uint64_t window_used_ = 0;
  std::deque<steady_time> recent_refusals_;
  steady_time banned_until_{};
  std::vector<pause_span> pauses_;
  steady_time paused_until_{};  // the end of the pause the last refusals announced
  steady_time grace_ends_{};

  std::uint64_t requests_ = 0, accepted_ = 0, refused_ = 0, ban_hits_ = 0, bans_ = 0, in_pause_ = 0,
                pause_violations_ = 0, robots_fetches_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> paths_;
  std::vector<entry> log_;
};

// All host names the shop has seen on counted routes, and their robots.txt settings.
class traffic_book {
 public:
  traffic_book() : epoch_(std::chrono::steady_clock::now()) {}

  host_traffic& host(const std::string& name) { return hosts_[name]; }
  const robots_rule* robots(const std::string& name) const;
  void set_robots(const std::string& name, robots_rule rule) { robots_[name] = std::move(rule); }

  // Forgets the traffic and robots settings of one name, or of all when `name` is empty.
  void reset(const std::string& name);

  // One name with its request log, or every name's counters.
  nlohmann::ordered_json stats(const std::string& name) const;

 private:
  steady_time epoch_;  // timestamps are reported in ms since the shop started
  std::unordered_map<std::string, host_traffic> hosts_;
  std::unordered_map<std::string, robots_rule> robots_;
};

// IMF-fixdate (RFC 9110 5.6.7) of a time, whole seconds.
std::string http_date(std::chrono::system_clock::time_point t);

}  // namespace pricescrape::demo_shop
