// What one host has learned (its pace, in-flight limit, pause, block) and the decisions
// that follow: when the next request may go, and whether a failed one is retried.
// Pure and clock-injected: every call takes `now`; nothing sleeps, nothing is shared.
#pragma once

#include "engine/bucket_fit.hpp"
#include "engine/rate_limit_headers.hpp"

#include <pricescrape/error.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::engine {

using steady_clock = std::chrono::steady_clock;
using time_point = steady_clock::time_point;
using std::chrono::milliseconds;

// --politeness
enum class politeness_mode {
  adaptive,  // learn the pace the host accepts (default)
  fixed,     // --delay between sends, optionally --jitter
  off,       // only the --rate ceiling, Crawl-delay and server pauses
};

// The adaptive pace's constants, chosen by the simulation in host_simulation_test.cpp
// (the figures are in the README). The pace follows CUBIC (RFC 9438) in requests/s
// instead of a congestion window: after a refusal it drops to `decrease` x the rate the
// server was found to accept, climbs back quickly, lingers near that rate, then probes
// beyond it ever faster.
struct adaptive_tuning {
  double decrease = 0.85;                  // CUBIC's beta
  double slow_start_exit_decrease = 0.92;  // beta when slow start ends (a lower bound found)
  double cubic_c = 0.0056;                 // CUBIC's C, relative to the remembered rate, per unit^3
  double cubic_requests_per_s = 40;        // answers per unit of CUBIC's clock
  double min_rate = 0.2;                   // requests/s; a refused host still makes progress
  milliseconds measure_window{1000};       // accepted requests are counted over this window
  milliseconds slow_start_doubling{1000};  // pace doubling period between the first two
                                           // refusals
  double max_slow_start_speed = 1.5;       // doublings per period at most
  // ... and after the first period (the first pause): a slower climb near the limit fills
  // the server's bucket over more answers, so the fit pins the limit closer (on nginx at
  // 40/s the fitted range was 0.5/s wide, 0.75/s at 1.5; 0.91 of the limit instead of 0.90
  // with Retry-After: 1).
  double late_slow_start_speed = 1.0;
  std::size_t exit_slots = 6;  // eighths of the window measured when slow start ends
  double drain_slots = 1;      // send slots left empty after a refusal
  // Leaving slow start with the server's bucket fitted (bucket_fit.hpp): the fitted rate
  // is the middle of those that explain every answer, within a few percent of the limit
  // on nginx, so the cut is small.
  double fitted_exit_decrease = 0.98;
  // ... and when a whole-number burst pinned it to within ~2 % (its slowest rate). Not 1:
  // a limiter with no burst leaves no room for jitter (the simulation's burst-0 case was
  // refused 2.1 % at 1).
  double whole_burst_exit_decrease = 0.995;
  std::size_t fit_log_capacity = 1024;  // answers kept for the fit; more: no fit
  // A host that pauses us on a refusal makes every probe beyond the rate found cost a
  // pause: after a cut it is not probed before the pause would be this share of the time.
  double probe_pause_share = 0.05;
};

struct host_settings {
  politeness_mode mode = politeness_mode::adaptive;
  double max_rate = 0;             // --rate in requests/s, never exceeded in any mode; 0 = none
  milliseconds delay{0};           // --delay (fixed mode): gap between sends
  bool jitter = false;             // --jitter: each gap uniform in [0.5, 1.5] x delay (wget2)
  std::size_t max_in_flight = 10;  // the engine's per-host cap; the adaptive limit stays below
  milliseconds retry_after_cap{120'000};  // longer pauses make the host fail fast
  int max_retries = 3;                    // attempts after the first
  int max_refusal_retries = 8;            // ... when the last answer was a 429/503
  milliseconds backoff_base{250};         // full-jitter backoff: uniform [0, base * 2^retry]
  milliseconds backoff_cap{30'000};
  int challenges_to_block = 3;           // consecutive challenge pages that block the host
  milliseconds challenge_pause{30'000};  // pause after a challenge page
  adaptive_tuning tuning;
};

// `--rate`'s value: "N", "N/s" or "N/m" (N > 0, decimals allowed) as requests per second;
// nullopt for anything else.
std::optional<double> parse_rate_option(std::string_view text);

// Why a host refuses further work: the engine maps this to the record's error kind.
enum class host_failure {
  rate_limited,  // the server asked for a pause over the cap
  blocked,       // bot challenges or captchas, over and over
};

// What to do with a request for this host now.
struct decision {
  enum class action {
    send,           // go now (then call sent())
    wait_until,     // ask again at `until` (pacing, pause)
    wait_for_slot,  // the host's in-flight limit is reached: ask again after finished()
    fail,           // the host is given up on: fail the request with `failure`
  };
  action what = action::send;
  time_point until{};
  host_failure failure = host_failure::rate_limited;
  std::string message;  // for fail: what the server asked, in words
};

// The result of one attempt, as the fetcher saw it.
struct attempt_outcome {
  int status = 0;                   // 0 when the attempt failed below HTTP
  std::optional<error_kind> error;  // a transport error (connect, timeout, ...)
  // From sent() to finished(): the difference of the two `now`s, exactly, so the
  // controller can tell which pace a request was sent under.
  steady_clock::duration latency{};
  rate_limit_info limits;  // Retry-After and RateLimit fields, parsed
  bool challenge = false;  // a bot challenge or captcha page (challenge.hpp)
  // How often this URL was refused before this attempt. Refusals cluster when a host is
  // over its limit: the first refusal of a URL and of its first retry say so, and cut.
  // A URL refused a third time is refused for itself (a page answering 503 for good):
  // cutting once per retry dragged a whole host to ~10 requests/s for one such page,
  // and cutting never on retries let a pace overshooting in slow start, whose refusals
  // fall on the retries served first, trip a WAF's ban.
  int earlier_refusals = 0;
};

// The server said "not now" to this attempt: a 429, a 503 or a bot challenge. The pace is
// what it objects to; such an attempt has its own retry budget.
bool is_refused(const attempt_outcome& outcome) noexcept;

// Whether and when a failed attempt is tried again.
struct retry_plan {
  bool retry = false;
  time_point not_before{};              // the retry then asks the host like any request
  std::optional<host_failure> failure;  // set when the host has been given up on
  std::string message;
};

// What a finished attempt changed, for -v logging.
struct host_change {
  // The pace was cut, first set, or grew by a tenth since last reported (not on every
  // small step of the adaptive climb).
  bool rate_changed = false;
  double old_rate = 0;  // requests/s; 0 = unpaced
  double new_rate = 0;
  bool paused = false;  // a pause started or was extended
  time_point paused_until{};
  bool blocked = false;                   // the host was given up on by this outcome
  std::optional<bucket_estimate> fitted;  // the server's bucket, read off this refusal
};

// The last `capacity` latencies, for p50/p95 in the summary: fixed memory per host.
class latency_window {
 public:
  static constexpr std::size_t capacity = 128;
  void add(milliseconds latency) noexcept;
  std::size_t size() const noexcept { return size_; }
  // The q-quantile (0..1) of the samples held; 0 when there are none.
  milliseconds quantile(double q) const;

 private:
  std::array<std::int64_t, capacity> samples_{};
  std::size_t size_ = 0;
  std::size_t next_ = 0;
};

struct host_stats {
  std::size_t requests = 0;          // attempts sent
  std::size_t responses = 0;         // attempts that got an HTTP status
  std::size_t transport_errors = 0;  // attempts that did not
  std::size_t refusals = 0;          // 429 and 503
  std::size_t challenges = 0;        // bot challenge pages
  std::size_t pauses = 0;            // Retry-After or RateLimit pauses honoured
  std::size_t retries = 0;           // retries planned
  std::size_t rate_changes = 0;      // adaptive pace adjustments
  std::size_t peak_in_flight = 0;
  std::map<int, std::size_t> statuses;  // by status code; at most 500 keys (100..599)
  double settled_rate = 0;              // the pace at the end, requests/s; 0 = unpaced
  milliseconds latency_p50{0};
  milliseconds latency_p95{0};
};

class host_controller {
 public:
  host_controller(host_settings settings, time_point now, std::uint64_t seed);

  decision ask(time_point now) const;
  // The request that ask() allowed has gone out.
  void sent(time_point now);
  // Its outcome: adjusts pace, limit, pause and block.
  host_change finished(time_point now, const attempt_outcome& outcome);
  // Whether the request whose attempt `attempt` (1 = first) ended so is tried again.
  retry_plan plan_retry(time_point now, int attempt, const attempt_outcome& outcome);

  // robots.txt Crawl-delay: a floor under the gap between sends, in every mode.
  void set_crawl_delay(milliseconds delay) noexcept { crawl_delay_ = delay; }

  double rate() const noexcept;  // the current pace in requests/s; 0 = unpaced
  std::size_t in_flight() const noexcept { return in_flight_; }
  std::size_t in_flight_limit() const noexcept;
  bool is_blocked() const noexcept { return failure_.has_value(); }
  time_point paused_until() const noexcept { return paused_until_; }
  host_stats stats() const;

 private:
  void adapt_to(time_point now, const attempt_outcome& outcome, host_change& change);
  void on_refusal(time_point now, const attempt_outcome& outcome, host_change& change);
  void start_paced(time_point now);
  double limit_found(time_point now);
  void on_success(time_point now);
  void on_overload(time_point now, const attempt_outcome& outcome);
  void repace();
  void log_for_fit(time_point now, const attempt_outcome& outcome);
  std::optional<bucket_estimate> fitted_bucket() const;
  double fitted_limit(const bucket_estimate& fit) const noexcept;
  double exit_decrease_for(const bucket_estimate& fit) const noexcept;
  void use_drained_burst(time_point now, const bucket_estimate& fit);
  // `what` names the server's request for the message; empty for our own pauses, which
  // the cap does not apply to.
  void pause(time_point now, milliseconds how_long, const char* what, host_change& change);
  void apply_quota(time_point now, const rate_limit_info& limits, host_change& change);
  steady_clock::duration gap(time_point now);
  void count_success(time_point now);
  double measured_rate(time_point now, std::size_t recent = slots);
  void roll_slots(std::int64_t slot);

  host_settings settings_;
  time_point start_;
  std::mt19937_64 rng_;
  milliseconds crawl_delay_{0};

  std::size_t in_flight_ = 0;
  double in_flight_limit_;    // adaptive, in [1, max_in_flight]
  double rate_ = 0;           // adaptive pace; 0 = unpaced until the first refusal
  double reported_rate_ = 0;  // the pace last reported in a host_change
  double quota_rate_ = 0;     // from RateLimit remaining/reset; 0 = none
  time_point quota_until_{};
  time_point next_send_{};
  time_point last_sent_{};
  time_point last_growth_{};  // of the in-flight limit in slow start
  time_point paused_until_{};
  time_point last_cut_{};       // refusals of requests sent before this do not cut again
  double remembered_rate_ = 0;  // CUBIC's W_max: the accept rate found at the last cut
  double successes_since_cut_ = 0;
  double cubic_k_ = 0;        // seconds from a cut back to the remembered rate
  double cubic_c_;            // lowered for hosts that answer probes with pauses
  time_point probe_after_{};  // no probe beyond remembered_rate_ before (pausing hosts)
  time_point last_rate_growth_{};
  time_point paced_since_{};      // when slow start's pacing began (the first refusal)
  double first_burst_ = 0;        // accepted in the second before the first refusal: >= the burst
  double slow_start_speed_ = 1;   // doublings per second in slow start
  bool rate_slow_start_ = false;  // between the first and second refusal: doubling per s
  // Every answered request until fit_log_capacity (then freed), to fit the server's bucket.
  std::vector<sent_request> fit_log_;
  bool fit_log_overflow_ = false;
  int burst_credit_ = 0;  // sends without pacing when a pause ends (a drained bucket)
  time_point last_overload_{};
  bool slow_start_ = true;  // in-flight limit doubling per 100 ms until trouble
  int consecutive_challenges_ = 0;
  std::optional<host_failure> failure_;
  std::string failure_message_;

  // Successes per slot of the measuring window: fixed memory however fast the host is.
  static constexpr std::size_t slots = 8;
  std::array<std::uint32_t, slots> success_slots_{};
  std::int64_t newest_slot_ = 0;  // slot number (time since start / slot length)

  host_stats stats_;
  latency_window latency_;
};

}  // namespace pricescrape::engine
