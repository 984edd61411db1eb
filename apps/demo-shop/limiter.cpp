#include "limiter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace pricescrape::demo_shop {

namespace {

using namespace std::chrono_literals;
using std::chrono::duration;
using std::chrono::seconds;

constexpr std::size_t max_log = 200000;  // entries per host name; the counters go on past it
// Float drift must not refuse a request sent exactly one interval after the last.
constexpr double epsilon = 1e-9;
// What "until the bucket frees up" means when it never drains (rate 0).
constexpr seconds never_free = 3600s;

double ms_since(steady_time epoch, steady_time t) {
  return std::round(duration<double, std::micro>(t - epoch).count()) / 1000.0;
}

seconds ceil_seconds(double s) { return seconds(static_cast<long>(std::ceil(s - epsilon))); }

std::uint64_t window_quota(const limit_config& config) {
  const double quota = std::floor(config.rate * static_cast<double>(config.window.count()));
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(quota));
}

}  // namespace

std::string_view verdict_name(verdict v) {
  switch (v) {
    case verdict::served:
      return "served";
    case verdict::accepted:
      return "accepted";
    case verdict::refused:
      return "refused";
    case verdict::banned:
      return "banned";
  }
  return "served";
}

void host_traffic::arrive(steady_time now, std::string_view path) {
  ++requests_;
  if (path == "/robots.txt") ++robots_fetches_;
  if (now < paused_until_) {
    ++in_pause_;
    if (now >= grace_ends_) ++pause_violations_;
  }
  if (auto it = paths_.find(path); it != paths_.end()) {
    ++it->second;
  } else {
    paths_.emplace(std::string(path), 1);
  }
  if (log_.size() < max_log) log_.push_back({now, std::string(path), verdict::served});
}

limit_decision host_traffic::decide(const limit_config& config, steady_time now,
                                    std::chrono::system_clock::time_point wall) {
  limit_decision d;
  if (now < banned_until_) {
    d.outcome = verdict::banned;
    ++ban_hits_;
  } else if (take(config, now)) {
    d.outcome = verdict::accepted;
    ++accepted_;
  } else {
    d.outcome = verdict::refused;
    ++refused_;
    note_refusal(config, now);
    announce(d, config, now, wall);
  }
  describe_quota(d, config, now);
  // The log is capped; only a request that made it in gets its verdict there.
  if (requests_ <= max_log && !log_.empty()) log_.back().outcome = d.outcome;
  return d;
}

void host_traffic::drain(double rate, steady_time now) {
  if (drained_at_ != steady_time{}) {
    level_ = std::max(0.0, level_ - rate * duration<double>(now - drained_at_).count());
  }
  drained_at_ = now;
}

// nginx's limit_req without delay: a request fits when the bucket holds at most `burst`.
// Or a fixed window's counter.
bool host_traffic::take(const limit_config& config, steady_time now) {
  if (config.window.count() > 0) {
    roll_window(config.window, now);
    if (config.rate <= 0 || window_used_ >= window_quota(config)) return false;
    ++window_used_;
    return true;
  }
  drain(config.rate, now);
  if (config.rate <= 0) return false;
  if (level_ > static_cast<double>(config.burst) + epsilon) return false;
  level_ += 1;
  return true;
}

// Windows follow each other from the host's first request on.
void host_traffic::roll_window(seconds window, steady_time now) {
  if (window_start_ == steady_time{}) {
    window_start_ = now;
    return;
  }
  const auto passed = (now - window_start_) / window;
  if (passed == 0) return;
  window_start_ += passed * window;
  window_used_ = 0;
}

// A leaky bucket has no window: its quota is stated as the rate over one second (or the
// time one request takes to leak, below one a second), what is left as the room in the
// bucket, and the reset as the time until it is empty. Coarse in whole seconds, but
// never more than the bucket takes.
void host_traffic::describe_quota(limit_decision& d, const limit_config& config,
                                  steady_time now) const {
  if (config.window.count() > 0) {
    d.quota = window_quota(config);
    d.window = config.window;
    d.remaining = d.quota - std::min(d.quota, window_used_);
    d.reset = ceil_seconds(duration<double>(window_start_ + config.window - now).count());
    return;
  }
  const bool slow = config.rate > 0 && config.rate < 1;
  d.quota = slow ? 1 : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(config.rate));
  d.window = slow ? ceil_seconds(1 / config.rate) : 1s;
  const double room = static_cast<double>(config.burst) + 1 - level_;
  d.remaining = static_cast<std::uint64_t>(std::max(0.0, std::floor(room + epsilon)));
  d.reset = config.rate > 0 ? ceil_seconds(level_ / config.rate) : never_free;
}

void host_traffic::note_refusal(const limit_config& config, steady_time now) {
  if (config.ban_after == 0) return;
  recent_refusals_.push_back(now);
  while (recent_refusals_.front() + config.ban_window <= now) recent_refusals_.pop_front();
  if (recent_refusals_.size() <= config.ban_after) return;
  banned_until_ = now + config.ban_for;
  ++bans_;
  recent_refusals_.clear();
}

seconds host_traffic::until_free(const limit_config& config, steady_time now) const {
  if (config.rate <= 0) return never_free;
  if (config.window.count() > 0) {
    return std::max(1s,
                    ceil_seconds(duration<double>(window_start_ + config.window - now).count()));
  }
  const double excess = level_ - static_cast<double>(config.burst);
  return std::max(1s, ceil_seconds(excess / config.rate));
}

// Records the pause a refusal announces as the client will see it: a date counts from
// the whole second it names, which can make the pause up to a second shorter.
void host_traffic::announce(limit_decision& d, const limit_config& config, steady_time now,
                            std::chrono::system_clock::time_point wall) {
  seconds length{};
  switch (config.retry_after) {
    case retry_after_mode::none:
      return;
    case retry_after_mode::fixed:
      length = config.retry_after_value;
      break;
    case retry_after_mode::until_free:
      length = until_free(config, now);
      break;
  }
  std::chrono::steady_clock::duration pause = length;
  if (config.retry_after_date) {
    d.retry_after_at = std::chrono::floor<seconds>(wall + length);
    pause = std::max(std::chrono::steady_clock::duration{}, *d.retry_after_at - wall);
  } else {
    d.retry_after = length;
  }
  const steady_time until = now + pause;
  const bool fresh = now >= paused_until_;
  if (fresh) grace_ends_ = now + config.grace;
  paused_until_ = std::max(paused_until_, until);
  // The list of pauses is for the report, capped like the log.
  if (fresh && pauses_.size() < max_log) {
    pauses_.push_back({now, paused_until_});
  } else if (!fresh && !pauses_.empty()) {
    pauses_.back().until = paused_until_;
  }
}

// Most requests that arrived within any one second: a window (t - 1 s, t] ends at every
// arrival, so a client paced at exactly N per second shows at most N.
std::uint64_t host_traffic::peak_in_one_second() const {
  std::size_t first = 0, peak = 0;
  for (std::size_t last = 0; last < log_.size(); ++last) {
    while (log_[last].at - log_[first].at >= 1s) ++first;
    peak = std::max(peak, last - first + 1);
  }
  return peak;
}

nlohmann::ordered_json host_traffic::to_json(steady_time epoch, bool with_log) const {
  nlohmann::ordered_json j = {
      {"requests", requests_},
      {"accepted", accepted_},
      {"refused", refused_},
      {"banned", ban_hits_},
      {"served", requests_ - accepted_ - refused_ - ban_hits_},
      {"bans", bans_},
      {"in_pause", in_pause_},
      {"pause_violations", pause_violations_},
      {"robots_fetches", robots_fetches_},
      {"peak_1s", peak_in_one_second()},
      {"first_ms", log_.empty() ? 0.0 : ms_since(epoch, log_.front().at)},
      {"last_ms", log_.empty() ? 0.0 : ms_since(epoch, log_.back().at)},
      {"log_truncated", requests_ > log_.size()},
  };
  auto& pauses = j["pauses"] = nlohmann::ordered_json::array();
  for (const auto& p : pauses_) {
    pauses.push_back(
        {{"from_ms", ms_since(epoch, p.announced)}, {"until_ms", ms_since(epoch, p.until)}});
  }
  j["paths"] = paths_;
  if (!with_log) return j;
  auto& log = j["log"] = nlohmann::ordered_json::array();
  for (const auto& e : log_) {
    log.push_back(
        {{"t_ms", ms_since(epoch, e.at)}, {"path", e.path}, {"outcome", verdict_name(e.outcome)}});
  }
  return j;
}

const robots_rule* traffic_book::robots(const std::string& name) const {
  const auto it = robots_.find(name);
  return it == robots_.end() ? nullptr : &it->second;
}

void traffic_book::reset(const std::string& name) {
  if (name.empty()) {
    hosts_.clear();
    robots_.clear();
    return;
  }
  hosts_.erase(name);
  robots_.erase(name);
}

nlohmann::ordered_json traffic_book::stats(const std::string& name) const {
  if (name.empty()) {
    nlohmann::ordered_json all = nlohmann::ordered_json::object();
    for (const auto& [host, traffic] : hosts_) all[host] = traffic.to_json(epoch_, false);
    return {{"hosts", std::move(all)}};
  }
  static const host_traffic unseen;
  const auto it = hosts_.find(name);
  auto j = (it == hosts_.end() ? unseen : it->second).to_json(epoch_, true);
  j["host"] = name;
  return j;
}

std::string http_date(std::chrono::system_clock::time_point t) {
  // By hand rather than strftime, whose day and month names follow the locale.
  static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds_since_epoch = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&seconds_since_epoch, &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

}  // namespace pricescrape::demo_shop
