#include "engine/host_controller.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace pricescrape::engine {

namespace {

using seconds_f = std::chrono::duration<double>;

// The server says "too many": the pace is what it objects to.
bool is_refusal(int status) noexcept { return status == 429 || status == 503; }

// The server (or the path to it) struggles to do the work: fewer at once helps, a slower
// pace alone does not. A broken exchange (`protocol`: a reset, a truncated or garbled
// response) says nothing about load: cutting on it let a flaky proxy's 4 % of broken
// exchanges hold a host at one request in flight (the chaos soak, 3,216 of 5,000 URLs
// in 5 minutes). It is still retried.
bool is_overload(const attempt_outcome& o) noexcept {
  if (o.error) return *o.error == error_kind::timeout || *o.error == error_kind::connect;
  return o.status == 500 || o.status == 502 || o.status == 504;
}

bool is_transient_error(const attempt_outcome& o) noexcept {
  return o.error && (is_overload(o) || *o.error == error_kind::protocol);
}

bool is_retryable(const attempt_outcome& o) noexcept {
  if (o.challenge) return true;  // after the challenge pause; repeated ones block the host
  if (o.error) return is_transient_error(o);
  switch (o.status) {
    case 408:
    case 425:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::string whole_seconds(milliseconds d) {
  return std::to_string((d.count() + 999) / 1000) + " s";
}

}  // namespace

bool is_refused(const attempt_outcome& outcome) noexcept {
  return outcome.challenge || (!outcome.error && is_refusal(outcome.status));
}

std::optional<double> parse_rate_option(std::string_view text) {
  double per = 1;
  if (text.ends_with("/s")) {
    text.remove_suffix(2);
  } else if (text.ends_with("/m")) {
    text.remove_suffix(2);
    per = 60;
  }
  double n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || !(n > 0) || !std::isfinite(n))
    return std::nullopt;
  return n / per;
}

void latency_window::add(milliseconds latency) noexcept {
  samples_[next_] = latency.count();
  next_ = (next_ + 1) % capacity;
  size_ = std::min(size_ + 1, capacity);
}

milliseconds latency_window::quantile(double q) const {
  if (size_ == 0) return milliseconds(0);
  std::array<std::int64_t, capacity> copy = samples_;
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(std::clamp(q, 0.0, 1.0) * size_));
  const auto index = rank == 0 ? 0 : rank - 1;
  std::nth_element(copy.begin(), copy.begin() + index, copy.begin() + size_);
  return milliseconds(copy[index]);
}

host_controller::host_controller(host_settings settings, time_point now, std::uint64_t seed)
    : settings_(settings),
      start_(now),
      rng_(seed),
      // Adaptive starts at two in flight and doubles every 100 ms until trouble (a slow
      // start); the other modes leave concurrency to the engine's cap.
      in_flight_limit_(settings.mode == politeness_mode::adaptive ? 2.0 : 1e9),
      next_send_(now),
      last_growth_(now),
      paused_until_(now),
      last_cut_(time_point::min()),
      cubic_c_(settings.tuning.cubic_c) {
  if (settings_.max_in_flight == 0) settings_.max_in_flight = std::numeric_limits<int>::max();
}

std::size_t host_controller::in_flight_limit() const noexcept {
  const auto cap = static_cast<double>(settings_.max_in_flight);
  return static_cast<std::size_t>(std::clamp(std::floor(in_flight_limit_), 1.0, cap));
}

double host_controller::rate() const noexcept {
  double gap_s = 0;
  if (settings_.mode == politeness_mode::fixed) gap_s = seconds_f(settings_.delay).count();
  if (settings_.mode == politeness_mode::adaptive && rate_ > 0) gap_s = 1.0 / rate_;
  if (settings_.max_rate > 0) gap_s = std::max(gap_s, 1.0 / settings_.max_rate);
  gap_s = std::max(gap_s, seconds_f(crawl_delay_).count());
  return gap_s > 0 ? 1.0 / gap_s : 0.0;
}

decision host_controller::ask(time_point now) const {
  decision d;
  if (failure_) {
    d.what = decision::action::fail;
    d.failure = *failure_;
    d.message = failure_message_;
  } else if (paused_until_ > now) {
    d.what = decision::action::wait_until;
    d.until = paused_until_;
  } else if (in_flight_ >= in_flight_limit()) {
    d.what = decision::action::wait_for_slot;
  } else if (next_send_ > now) {
    d.what = decision::action::wait_until;
    d.until = next_send_;
  }
  return d;
}

steady_clock::duration host_controller::gap(time_point now) {
  double gap_s = 0;
  if (settings_.mode == politeness_mode::fixed) {
    double delay = seconds_f(settings_.delay).count();
    if (settings_.jitter) delay *= std::uniform_real_distribution<double>(0.5, 1.5)(rng_);
    gap_s = delay;
  }
  if (settings_.mode == politeness_mode::adaptive && rate_ > 0) {
    gap_s = burst_credit_ > 0 ? 0.0 : 1.0 / rate_;
    if (burst_credit_ > 0) --burst_credit_;
    // In slow start the pace doubles every period: a gap longer than half of one would
    // hold the next send to a pace already left behind.
    if (rate_slow_start_)
      gap_s = std::min(gap_s, seconds_f(settings_.tuning.slow_start_doubling).count() / 2);
  }
  if (quota_rate_ > 0 && now < quota_until_) gap_s = std::max(gap_s, 1.0 / quota_rate_);
  gap_s = std::max(gap_s, seconds_f(crawl_delay_).count());
  // The ceiling is a minimum spacing rounded up, so no window ever holds more than it.
  if (settings_.max_rate > 0) gap_s = std::max(gap_s, 1.0 / settings_.max_rate);
  return std::chrono::ceil<steady_clock::duration>(seconds_f(gap_s));
}

void host_controller::sent(time_point now) {
  ++in_flight_;
  ++stats_.requests;
  stats_.peak_in_flight = std::max(stats_.peak_in_flight, in_flight_);
  next_send_ = now + gap(now);
  last_sent_ = now;
}

host_change host_controller::finished(time_point now, const attempt_outcome& outcome) {
  if (in_flight_ > 0) --in_flight_;
  latency_.add(std::chrono::duration_cast<milliseconds>(outcome.latency));
  if (outcome.status > 0) {
    ++stats_.responses;
    ++stats_.statuses[outcome.status >= 100 && outcome.status <= 599 ? outcome.status : 0];
  } else {
    ++stats_.transport_errors;
  }
  if (is_refusal(outcome.status)) ++stats_.refusals;

  host_change change;
  if (outcome.challenge) {
    ++stats_.challenges;
    ++consecutive_challenges_;
    pause(now, settings_.challenge_pause, "", change);
    if (consecutive_challenges_ >= settings_.challenges_to_block && !failure_) {
      failure_ = host_failure::blocked;
      failure_message_ = "the server answered " + std::to_string(consecutive_challenges_) +
                         " bot challenges in a row (status " + std::to_string(outcome.status) + ")";
      change.blocked = true;
    }
  } else if (outcome.status > 0) {
    consecutive_challenges_ = 0;
  }
  // Retry-After means something on a refusal; on a 3xx it is a redirect's hint.
  if (outcome.limits.retry_after && is_refusal(outcome.status))
    pause(now, *outcome.limits.retry_after, "Retry-After", change);
  apply_quota(now, outcome.limits, change);
  if (settings_.mode == politeness_mode::adaptive) adapt_to(now, outcome, change);
  // Reported (for -v and the counter) when the pace is cut, first set, or has grown by
  // a tenth since last reported: CUBIC moves it a little on every answer.
  const double now_rate = rate();
  const bool cut = now_rate < reported_rate_;
  const bool grew = now_rate >= reported_rate_ * 1.1 && now_rate != reported_rate_;
  if (cut || grew || (reported_rate_ > 0 && now_rate == 0)) {
    change.rate_changed = true;
    change.old_rate = reported_rate_;
    change.new_rate = now_rate;
    reported_rate_ = now_rate;
    ++stats_.rate_changes;
  } else {
    change.old_rate = change.new_rate = reported_rate_;
  }
  return change;
}

void host_controller::pause(time_point now, milliseconds how_long, const char* what,
                            host_change& change) {
  if (failure_) return;
  if (how_long > settings_.retry_after_cap && *what) {
    failure_ = host_failure::rate_limited;
    failure_message_ = std::string("the server asked to wait ") + whole_seconds(how_long) + " (" +
                       what + "), over the " + whole_seconds(settings_.retry_after_cap) + " cap";
    change.blocked = true;
    return;
  }
  const auto until = now + how_long;
  if (until <= paused_until_) return;
  if (paused_until_ <= now) ++stats_.pauses;  // a new pause, not an extension
  paused_until_ = until;
  change.paused = true;
  change.paused_until = until;
}

void host_controller::apply_quota(time_point now, const rate_limit_info& limits,
                                  host_change& change) {
  if (!limits.remaining || !limits.reset) return;
  if (*limits.remaining <= 0) {
    // The window's quota is spent: nothing more until it resets, like a Retry-After.
    pause(now, *limits.reset, "RateLimit reset", change);
    return;
  }
  // Spread what is left over what is left of the window.
  const double reset_s = std::max(seconds_f(*limits.reset).count(), 0.001);
  quota_rate_ = static_cast<double>(*limits.remaining) / reset_s;
  quota_until_ = now + *limits.reset;
}

void host_controller::adapt_to(time_point now, const attempt_outcome& outcome,
                               host_change& change) {
  log_for_fit(now, outcome);
  if (is_refused(outcome)) {
    on_refusal(now, outcome, change);
  } else if (is_overload(outcome)) {
    on_overload(now, outcome);
  } else if (outcome.status > 0) {
    on_success(now);
  }
}

// Each answer of the rate limiter's kind (accepted, or refused with a 429/503) is kept
// with its send time, from the first request until the log is full (then freed for good):
// every refusal fits the server's bucket to all of them. A bot challenge or a broken
// exchange is no bucket's answer and is left out.
void host_controller::log_for_fit(time_point now, const attempt_outcome& outcome) {
  if (fit_log_overflow_ || outcome.challenge || outcome.status <= 0) return;
  if (is_overload(outcome)) return;
  if (fit_log_.size() >= settings_.tuning.fit_log_capacity) {
    fit_log_overflow_ = true;
    std::vector<sent_request>().swap(fit_log_);
    return;
  }
  fit_log_.push_back({now - outcome.latency, !is_refusal(outcome.status)});
}

// The server's bucket as our answers show it, read on a refusal: the pace then overshot
// the limit, so the limit lies below twice the pace.
std::optional<bucket_estimate> host_controller::fitted_bucket() const {
  if (fit_log_overflow_ || rate_ <= 0) return std::nullopt;
  return fit_leaky_bucket(fit_log_, std::max(settings_.tuning.min_rate, rate_ / 16), rate_ * 2);
}

// Refusals cut the pace, not the in-flight limit: a rate limiter counts requests per
// second, and fewer at once still arrive as fast when responses are quick. While the log
// lasts, every refusal after the first fits the server's bucket to all the answers: the
// fit leaving slow start sets the pace, and a later refusal (a probe, or a fit that read
// the limit high) adds seconds of answers at a known pace, which pin it closer still. A
// fit replaces CUBIC's cut; without one (another kind of limiter, a limit that changed)
// the cut applies.
void host_controller::on_refusal(time_point now, const attempt_outcome& outcome,
                                 host_change& change) {
  // A request sent before the last cut was paced by the old rate: its refusal is news
  // already acted on (TCP reacts once per window for the same reason).
  if (now - outcome.latency <= last_cut_ || outcome.earlier_refusals >= 2) return;
  const auto& t = settings_.tuning;
  last_cut_ = now;
  burst_credit_ = 0;
  if (rate_ <= 0) {
    start_paced(now);
    return;
  }
  const auto fit = fitted_bucket();
  change.fitted = fit;
  double found = fit ? fitted_limit(*fit) : limit_found(now);
  // CUBIC's fast convergence (RFC 9438 4.7): refused again at or below the rate
  // remembered last time, the limit is lower than that; settle lower.
  if (!fit && !rate_slow_start_ && found <= remembered_rate_ * 1.01) found *= (1 + t.decrease) / 2;
  remembered_rate_ = std::max(t.min_rate, found);
  successes_since_cut_ = 0;
  if (outcome.limits.retry_after) {
    // A server that pauses us makes each probe cost a pause (a second of nothing for a
    // gain of a few percent): probe gently, and not more often than keeps the pauses a
    // small share of the host's time (every 20 s for `Retry-After: 1`).
    cubic_c_ = t.cubic_c / 16;
    probe_after_ = now + std::chrono::duration_cast<steady_clock::duration>(
                             seconds_f(*outcome.limits.retry_after) / t.probe_pause_share);
  }
  // Leaving slow start, the rate found is a close estimate (fitted) or a lower bound: a
  // shallow cut leaves the bucket room to drain without starting the climb back far
  // below the limit. A challenge is the server's last warning before a ban: cut deep.
  double beta = fit                 ? exit_decrease_for(*fit)
                : !rate_slow_start_ ? t.decrease
                                    : t.slow_start_exit_decrease;
  if (outcome.challenge) beta = t.decrease / 2;
  rate_ = std::max(t.min_rate, beta * remembered_rate_);
  cubic_k_ = std::cbrt((1 - beta) / cubic_c_);
  rate_slow_start_ = false;
  if (fit) use_drained_burst(now, *fit);
  repace();
}

// The limit a fitted bucket shows. A whole-number burst pins the rate within ~2 %, and the
// slowest rate explaining the answers is at or just under the limit (nginx at 40/s:
// 39.7-39.9/s, the timing slack keeping it under): pacing there is not refused. Otherwise
// the range is ~5 % wide around the limit and its middle is the estimate.
double host_controller::fitted_limit(const bucket_estimate& fit) const noexcept {
  return fit.whole_burst ? fit.slowest : fit.rate();
}

double host_controller::exit_decrease_for(const bucket_estimate& fit) const noexcept {
  const auto& t = settings_.tuning;
  return fit.whole_burst ? t.whole_burst_exit_decrease : t.fitted_exit_decrease;
}

// A pause long enough for the fitted bucket to drain ends with its burst available. A
// whole-number burst B lets B + 1 through an empty bucket: B are sent at once (the send
// that opens the pause's end and B - 1 more), one kept for timing noise. An estimated
// burst is less sure and the pace may be a little over the limit: half of it is used.
void host_controller::use_drained_burst(time_point now, const bucket_estimate& fit) {
  const auto drain =
      std::chrono::duration_cast<steady_clock::duration>(seconds_f(fit.burst / fit.slowest));
  if (paused_until_ - now < drain) return;
  burst_credit_ = static_cast<int>(fit.whole_burst ? fit.burst - 1 : fit.burst / 2);
}

// The first refusal ends the unpaced start. The N requests accepted in the first E
// seconds say little when E is short: a bucket let a burst B through, and N = B + r*E
// holds for any limit r. What was accepted over a second is a floor under the limit for
// any burst up to a second's worth (nginx's and WAFs' usual set-ups), so slow start begins
// there and doubles the pace each second until the next refusal, when the server's bucket
// is fitted to the answers (bucket_fit.hpp). Starting higher (N/E and N/1s averaged) went
// down the pace in five cuts of one refusal each, and a WAF banning after seven refusals
// banned us one run in three. (measured_rate spans at least a second.) Refused before
// anything was accepted, there is no floor: start from 1/s.
void host_controller::start_paced(time_point now) {
  const auto& t = settings_.tuning;
  rate_ = std::max(1.0, measured_rate(now));
  first_burst_ = rate_;  // accepted over the last second, read as a count
  const double elapsed = seconds_f(now - start_).count();
  const double ceiling = elapsed > 0 && elapsed < 1 ? rate_ / elapsed : rate_;
  // The further apart floor and ceiling (N/E), the faster slow start climbs, within
  // bounds: faster still overshot by enough for a WAF's ban in the simulation.
  const double speed = std::clamp(0.5 * std::log2(ceiling / rate_), 1.0, t.max_slow_start_speed);
  slow_start_speed_ = speed / seconds_f(t.slow_start_doubling).count();
  rate_slow_start_ = true;
  last_rate_growth_ = now;
  paced_since_ = now;
  repace();
}

// The limit a refusal shows when no bucket fits the answers (or after slow start).
// Leaving slow start, the last doubling overshot: the limit lies between half the pace and
// the pace, and what was accepted lately narrows it. Later the pace overshoots little and
// is the better estimate (the measured rate reads low when a pause fell in its window).
//
// Over the measured span W the bucket went from some level to full: A accepted means
// A/W >= r >= (A - B)/W. The burst B is at most what the first second took (the bucket
// was full at the first refusal), so the lower bound is taken: on an nginx bucket (40/s,
// burst 10) A/W read 53/s and the pace was cut to 45/s, over the limit again, one
// Retry-After pause more.
double host_controller::limit_found(time_point now) {
  if (!rate_slow_start_) return rate_;
  const auto& t = settings_.tuning;
  const double window_s = seconds_f(t.measure_window).count() * t.exit_slots / slots;
  const double accepted_lately = measured_rate(now, t.exit_slots) - first_burst_ / window_s;
  return std::max(rate_ / 2, std::min(rate_, accepted_lately));
}

// A new pace applies from the last send, not from the one after the next.
void host_controller::repace() {
  if (rate_ <= 0) return;
  // A refusal means the server's bucket is full: one send slot is left empty so that it
  // drains by one before the next request, which would otherwise be refused as well.
  double gap_s = (1.0 + settings_.tuning.drain_slots) / rate_;
  if (rate_slow_start_)
    gap_s = std::min(gap_s, seconds_f(settings_.tuning.slow_start_doubling).count() / 2);
  next_send_ = std::max(next_send_,
                        last_sent_ + std::chrono::ceil<steady_clock::duration>(seconds_f(gap_s)));
}

void host_controller::on_overload(time_point now, const attempt_outcome& outcome) {
  slow_start_ = false;
  if (now - outcome.latency < last_overload_) return;
  in_flight_limit_ = std::max(1.0, in_flight_limit_ * 0.75);
  last_overload_ = now;
}

void host_controller::on_success(time_point now) {
  count_success(now);
  const auto cap = static_cast<double>(settings_.max_in_flight);
  if (slow_start_) {
    // Doubling per 100 ms rather than per round trip: on loopback a round trip is a
    // millisecond, and a server's burst allowance would be spent before its first
    // refusal came back. An unlimited host still reaches 10 in flight in 250 ms.
    const double dt = std::min(1.0, seconds_f(now - last_growth_).count());
    in_flight_limit_ = std::min(cap, in_flight_limit_ * std::exp2(dt / 0.1));
    last_growth_ = now;
  } else {
    in_flight_limit_ = std::min(cap, in_flight_limit_ + 1.0 / in_flight_limit_);
  }
  if (rate_ <= 0) return;
  if (rate_slow_start_) {
    // Doubling with time, not per success: a host first found at 1/s would otherwise
    // take seconds to climb back. Only while the pace is used (a host with few URLs
    // left does not inflate it). The first period (mostly the first refusal's pause)
    // climbs at full speed from a floor known to be low; later growth, nearer the limit,
    // is slower (late_slow_start_speed says why).
    const double dt = std::min(1.0, seconds_f(now - last_rate_growth_).count());
    const bool late = last_rate_growth_ - paced_since_ >= settings_.tuning.slow_start_doubling;
    last_rate_growth_ = now;
    const double speed = late ? std::min(slow_start_speed_, settings_.tuning.late_slow_start_speed)
                              : slow_start_speed_;
    rate_ *= std::exp2(dt * speed);
    return;
  }
  // CUBIC: concave back to the remembered rate, flat near it, convex beyond it, so a
  // limit that rose is found within seconds while a steady one is rarely overshot.
  // CUBIC's clock runs on answered requests, not seconds: each probe costs about one
  // refusal, so probing per request keeps refusals the same share of the traffic on a
  // host allowing 10/s as on one allowing 200/s. 40 answers make one "second".
  ++successes_since_cut_;
  const double t = successes_since_cut_ / settings_.tuning.cubic_requests_per_s - cubic_k_;
  double next = remembered_rate_ * (1 + cubic_c_ * t * t * t);
  if (now < probe_after_) next = std::min(next, remembered_rate_);
  rate_ = std::max(settings_.tuning.min_rate, next);
}

void host_controller::roll_slots(std::int64_t slot) {
  if (slot <= newest_slot_) return;
  const auto stale = std::min<std::int64_t>(slot - newest_slot_, slots);
  for (std::int64_t k = 1; k <= stale; ++k) success_slots_[(newest_slot_ + k) % slots] = 0;
  newest_slot_ = slot;
}

void host_controller::count_success(time_point now) {
  const auto slot_length = settings_.tuning.measure_window / static_cast<int>(slots);
  const auto slot = (now - start_) / std::max(slot_length, milliseconds(1));
  roll_slots(slot);
  ++success_slots_[slot % slots];
}

// Successes per second over the measuring window (at least one second, so the first
// burst, which a server's bucket absorbs, does not read as its sustained rate).
// Successes per second over the newest `recent` slots of the measuring window. Over the
// whole window the span is at least a second, so the first burst, which a server's
// bucket absorbs, does not read as its sustained rate.
double host_controller::measured_rate(time_point now, std::size_t recent) {
  const auto slot_length =
      std::max(settings_.tuning.measure_window / static_cast<int>(slots), milliseconds(1));
  roll_slots((now - start_) / slot_length);
  recent = std::clamp<std::size_t>(recent, 1, slots);
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < recent; ++k) {
    const auto slot = newest_slot_ - static_cast<std::int64_t>(k);
    if (slot < 0) break;
    total += success_slots_[slot % slots];
  }
  const auto covered_from =
      start_ + slot_length * std::max<std::int64_t>(0, newest_slot_ - (recent - 1));
  double span = seconds_f(now - covered_from).count();
  if (recent == slots) span = std::max(1.0, span);
  return span > 0 ? static_cast<double>(total) / span : 0.0;
}

retry_plan host_controller::plan_retry(time_point now, int attempt,
                                       const attempt_outcome& outcome) {
  retry_plan plan;
  if (failure_) {
    plan.failure = failure_;
    plan.message = failure_message_;
    return plan;
  }
  // A refusal says "not now", and the pace has just adapted to it: it gets its own,
  // larger budget, so a URL refused while the pace converges is still fetched.
  const int budget = is_refused(outcome)
                         ? std::max(settings_.max_retries, settings_.max_refusal_retries)
                         : settings_.max_retries;
  if (!is_retryable(outcome) || attempt > budget) return plan;
  ++stats_.retries;
  plan.retry = true;
  // Full jitter (uniform in [0, min(cap, base * 2^n)]): retries of requests that failed
  // together spread out instead of arriving together.
  const int n = std::clamp(attempt - 1, 0, 20);
  const auto ceiling = std::min<std::int64_t>(
      settings_.backoff_cap.count(), settings_.backoff_base.count() * (std::int64_t{1} << n));
  const auto wait =
      std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(0, ceiling))(rng_);
  plan.not_before = std::max(now + milliseconds(wait), paused_until_);
  return plan;
}

host_stats host_controller::stats() const {
  host_stats s = stats_;
  s.settled_rate = rate();
  s.latency_p50 = latency_.quantile(0.5);
  s.latency_p95 = latency_.quantile(0.95);
  return s;
}

}  // namespace pricescrape::engine
