// A deterministic simulation (virtual clock) of rate-limited servers driven by N workers
// that ask a host controller before each request. It is how the adaptive algorithm was
// chosen: the same servers drive the shipped host_controller and the alternatives tried
// (AIMD on the pace, AIMD on the in-flight limit, Scrapy's AutoThrottle, Netflix's
// Gradient2), and the figures printed here are the ones quoted in the README.
#include "engine/bucket_fit.hpp"
#include "engine/host_controller.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace pricescrape::engine {
namespace {

using namespace std::chrono_literals;
using seconds_f = std::chrono::duration<double>;

// nginx's limit_req (ngx_http_limit_req_module): a leaky bucket of `rate` per second that
// lets `burst` requests of excess through; beyond that the request is refused. With
// `nodelay` the excess is served at once, without it (nginx's default) it is delayed
// until the bucket has leaked enough. Refused requests do not fill the bucket.
struct server_model {
  double rate = 40;
  double burst = 10;
  bool nodelay = true;
  int refuse_status = 429;
  std::optional<milliseconds> retry_after;
  // The limit changes to `new_rate` at `change_at` (a shop raising its limit).
  std::optional<milliseconds> change_at;
  double new_rate = 0;
  // Ban: `ban_refusals` refusals within `ban_window` refuse everything for `ban_length`
  // (fail2ban, WAF rate rules). 0 = no ban.
  int ban_refusals = 0;
  milliseconds ban_window{10s};
  milliseconds ban_length{60s};
  milliseconds service_min{15ms};  // time to answer, uniform in [min, max]
  milliseconds service_max{25ms};
};

struct server_state {
  server_model model;
  double excess = 0;
  bool seen = false;
  time_point last{};
  std::deque<time_point> recent_refusals;
  time_point banned_until{};
  int bans = 0;
  std::size_t refusals = 0;

  double rate_at(time_point now, time_point start) const {
    if (model.change_at && now - start >= *model.change_at) return model.new_rate;
    return model.rate;
  }

  // Returns the status and the extra delay (nodelay off) for a request arriving now.
  std::pair<int, steady_clock::duration> arrive(time_point now, time_point start) {
    if (now < banned_until) return {model.refuse_status, {}};
    const double rate = rate_at(now, start);
    // ngx_http_limit_req_lookup: excess = old excess - rate * elapsed + 1, floored at
    // 0; the first request of a key starts at 0.
    double e = 0;
    if (seen) e = std::max(0.0, excess - rate * seconds_f(now - last).count() + 1);
    if (e > model.burst) {
      ++refusals;
      recent_refusals.push_back(now);
      while (!recent_refusals.empty() && now - recent_refusals.front() > model.ban_window)
        recent_refusals.pop_front();
      if (model.ban_refusals > 0 &&
          static_cast<int>(recent_refusals.size()) >= model.ban_refusals) {
        banned_until = now + model.ban_length;
        ++bans;
      }
      return {model.refuse_status, {}};
    }
    seen = true;
    excess = e;
    last = now;
    if (model.nodelay || e <= 0) return {200, {}};
    return {200, std::chrono::ceil<steady_clock::duration>(seconds_f(e / rate))};
  }
};

struct sim_result {
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t requests = 0;
  std::size_t refused = 0;
  int bans = 0;
  double wall_s = 0;
  double achieved = 0;       // successes per second over the run
  double late_achieved = 0;  // successes per second after `late_from`
  double refused_share() const { return requests ? double(refused) / double(requests) : 0; }
};

struct job {
  int attempt = 1;
  time_point ready{};
};

struct completion {
  time_point at;
  time_point sent;
  int status;
  job j;
  bool operator>(const completion& o) const { return at > o.at; }
};

// Drives `jobs` requests through `workers` global slots to one host guarded by `ctl`.
// A request waiting on the host holds no slot, as DESIGN.md section 2's scheduler will.
template <class Controller>
sim_result simulate(Controller& ctl, server_model model, int jobs, int workers, time_point start,
                    std::uint64_t seed = 7, milliseconds late_from = 0ms) {
  server_state server;
  server.model = model;
  std::mt19937_64 rng(seed);
  std::deque<job> ready;
  for (int i = 0; i < jobs; ++i) ready.push_back(job{1, start});
  std::vector<job> backing_off;  // retries before their not_before
  std::priority_queue<completion, std::vector<completion>, std::greater<>> flying;
  sim_result r;
  time_point now = start;
  time_point last_done = start;
  std::size_t late_successes = 0;
  const auto end_guard = start + 3600s;

  while ((!ready.empty() || !backing_off.empty() || !flying.empty()) && now < end_guard) {
    // Retries whose backoff has passed rejoin the queue.
    for (auto it = backing_off.begin(); it != backing_off.end();) {
      if (it->ready <= now) {
        ready.push_back(*it);
        it = backing_off.erase(it);
      } else {
        ++it;
      }
    }
    time_point wake = time_point::max();
    while (!ready.empty() && static_cast<int>(flying.size()) < workers) {
      const decision d = ctl.ask(now);
      if (d.what == decision::action::fail) {
        ++r.failed;
        ready.pop_front();
        continue;
      }
      if (d.what == decision::action::wait_until) wake = std::min(wake, d.until);
      if (d.what != decision::action::send) break;
      ctl.sent(now);
      ++r.requests;
      const job j = ready.front();
      ready.pop_front();
      auto [status, delay] = server.arrive(now, start);
      const auto service = milliseconds(std::uniform_int_distribution<std::int64_t>(
          model.service_min.count(), model.service_max.count())(rng));
      flying.push(completion{now + service + delay, now, status, j});
    }
    for (const auto& b : backing_off) wake = std::min(wake, b.ready);
    if (!flying.empty()) wake = std::min(wake, flying.top().at);
    if (wake == time_point::max()) break;
    now = std::max(now, wake);
    while (!flying.empty() && flying.top().at <= now) {
      const completion c = flying.top();
      flying.pop();
      attempt_outcome o;
      o.status = c.status;
      o.latency = c.at - c.sent;
      o.earlier_refusals = c.j.attempt - 1;  // every failure here is a refusal
      if (c.status != 200) o.limits.retry_after = model.retry_after;
      ctl.finished(c.at, o);
      if constexpr (requires { ctl.rate(); }) {
        if (std::getenv("SIM_TRACE") && (c.status != 200 || r.succeeded % 20 == 0))
          std::printf("t=%.3f status=%d rate=%.1f limit=%zu\n", seconds_f(c.at - start).count(),
                      c.status, ctl.rate(), ctl.in_flight_limit());
      }
      if (c.status == 200) {
        ++r.succeeded;
        last_done = c.at;
        if (c.at - start >= late_from) ++late_successes;
        continue;
      }
      const retry_plan plan = ctl.plan_retry(c.at, c.j.attempt, o);
      if (plan.retry) {
        backing_off.push_back(job{c.j.attempt + 1, plan.not_before});
      } else {
        ++r.failed;
      }
    }
  }
  r.refused = server.refusals;
  r.bans = server.bans;
  r.wall_s = seconds_f(last_done - start).count();
  r.achieved = r.wall_s > 0 ? double(r.succeeded) / r.wall_s : 0;
  const double late_s = r.wall_s - seconds_f(late_from).count();
  r.late_achieved = late_s > 0 ? double(late_successes) / late_s : 0;
  return r;
}

void report(const char* algorithm, const char* setup, const sim_result& r, double limit) {
  std::printf(
      "[sim] %-22s %-26s ok %4zu/%zu failed %3zu requests %5zu refused %4zu (%5.1f %%) "
      "rate %5.1f/s (%.2f of limit) late %5.1f/s bans %d\n",
      algorithm, setup, r.succeeded, r.succeeded + r.failed, r.failed, r.requests, r.refused,
      100 * r.refused_share(), r.achieved, r.achieved / limit, r.late_achieved, r.bans);
}

// The alternatives share the mechanics (a pace, an in-flight limit, Retry-After pauses,
// full-jitter retries, 3 at most as host_controller's default) and differ in their rule.
class alternative {
 public:
  explicit alternative(time_point now) : next_(now), paused_until_(now), rng_(11) {}
  virtual ~alternative() = default;

  decision ask(time_point now) const {
    decision d;
    if (paused_until_ > now) {
      d.what = decision::action::wait_until;
      d.until = paused_until_;
    } else if (in_flight_ >= std::max(1.0, std::floor(limit_))) {
      d.what = decision::action::wait_for_slot;
    } else if (next_ > now) {
      d.what = decision::action::wait_until;
      d.until = next_;
    }
    return d;
  }
  void sent(time_point now) {
    ++in_flight_;
    next_ = now + (rate_ > 0 ? std::chrono::ceil<steady_clock::duration>(seconds_f(1 / rate_))
                             : steady_clock::duration{});
  }
  host_change finished(time_point now, const attempt_outcome& o) {
    --in_flight_;
    if (o.limits.retry_after) paused_until_ = std::max(paused_until_, now + *o.limits.retry_after);
    update(now, o);
    return {};
  }
  retry_plan plan_retry(time_point now, int attempt, const attempt_outcome&) {
    retry_plan p;
    if (attempt > 3) return p;
    p.retry = true;
    const auto ceiling = 250 << (attempt - 1);
    p.not_before = std::max(
        paused_until_, now + milliseconds(std::uniform_int_distribution<int>(0, ceiling)(rng_)));
    return p;
  }

 protected:
  virtual void update(time_point now, const attempt_outcome& o) = 0;
  // Once per round trip: a refusal of a request sent before the last cut is old news.
  bool first_since_cut(time_point now, const attempt_outcome& o) {
    if (now - o.latency < last_cut_) return false;
    last_cut_ = now;
    return true;
  }
  double rate_ = 0;    // requests/s; 0 = unpaced
  double limit_ = 10;  // in flight
  int in_flight_ = 0;

 private:
  time_point next_, paused_until_, last_cut_{};
  std::mt19937_64 rng_;
};

// Today's engine, roughly: ten at once, retries with backoff, no per-host learning.
class no_control : public alternative {
 public:
  using alternative::alternative;

 private:
  void update(time_point, const attempt_outcome&) override {}
};

// AIMD on the pace: slow start doubles per second until the first refusal, then +a
// requests/s per second, times beta on a refusal.
class aimd_rate : public alternative {
 public:
  aimd_rate(time_point now, double beta, double a) : alternative(now), beta_(beta), a_(a) {
    rate_ = 10;
  }

 private:
  void update(time_point now, const attempt_outcome& o) override {
    if (o.status == 200) {
      rate_ += slow_ ? 1.0 : a_ / rate_;
    } else if (first_since_cut(now, o)) {
      rate_ = std::max(0.2, rate_ * beta_);
      slow_ = false;
    }
  }
  double beta_, a_;
  bool slow_ = true;
};

// AIMD on the in-flight limit (TCP's window, concurrency-limits' AIMDLimit), no pace.
class aimd_in_flight : public alternative {
 public:
  using alternative::alternative;

 private:
  void update(time_point now, const attempt_outcome& o) override {
    if (o.status == 200) {
      limit_ = std::min(10.0, limit_ + 1 / limit_);
    } else if (first_since_cut(now, o)) {
      limit_ = std::max(1.0, limit_ * 0.5);
    }
  }
};

// Scrapy's AutoThrottle (scrapy/extensions/throttle.py): the delay moves halfway to
// latency / target concurrency; a non-200 response may not lower it. Start delay 5 s,
// 8 per domain, as Scrapy's defaults.
class autothrottle : public alternative {
 public:
  explicit autothrottle(time_point now) : alternative(now) {
    limit_ = 8;
    rate_ = 1 / delay_;
  }

 private:
  void update(time_point, const attempt_outcome& o) override {
    const double target = seconds_f(o.latency).count() / 1.0;
    const double next = std::clamp((delay_ + target) / 2, 0.0, 60.0);
    if (o.status != 200 && next < delay_) return;
    delay_ = next;
    rate_ = delay_ > 0 ? 1 / delay_ : 0;
  }
  double delay_ = 5;
};

// Netflix concurrency-limits' Gradient2Limit: the in-flight limit follows the ratio of
// the long-term to the current round-trip time; refusals are just samples.
class gradient2 : public alternative {
 public:
  using alternative::alternative;

 private:
  void update(time_point, const attempt_outcome& o) override {
    const double rtt = std::max(1e-6, seconds_f(o.latency).count());
    long_rtt_ = long_rtt_ == 0 ? rtt : long_rtt_ + (rtt - long_rtt_) * (2.0 / 601);
    if (long_rtt_ / rtt > 2) long_rtt_ *= 0.95;
    if (in_flight_ + 1 < limit_ / 2) return;  // app-limited: no evidence either way
    const double gradient = std::clamp(1.5 * long_rtt_ / rtt, 0.5, 1.0);
    const double next = limit_ * gradient + 4;
    limit_ = std::clamp(limit_ * 0.8 + next * 0.2, 1.0, 10.0);
  }
  double long_rtt_ = 0;
};

const time_point t0 = time_point{} + 1000h;

// One request sent to `server` at `now` and answered at once, a refusal carrying the
// server's Retry-After: for tests that step a controller by hand.
struct answered {
  int status = 0;
  host_change change;
};

answered send_and_answer(host_controller& ctl, server_state& server, time_point now) {
  ctl.sent(now);
  attempt_outcome o;
  o.status = server.arrive(now, t0).first;
  if (o.status != 200) o.limits.retry_after = server.model.retry_after;
  return {o.status, ctl.finished(now, o)};
}

struct setup {
  const char* name;
  server_model model;
};

std::vector<setup> issue9_setups() {
  server_model m429;
  server_model m429_ra = m429;
  m429_ra.retry_after = 1s;
  server_model m503 = m429;
  m503.refuse_status = 503;
  server_model delayed = m503;
  delayed.nodelay = false;
  return {{"429", m429},
          {"429 + Retry-After: 1", m429_ra},
          {"503", m503},
          {"503, delaying (no nodelay)", delayed}};
}

sim_result run_chosen(const server_model& m, int jobs = 600, milliseconds late_from = 0ms) {
  host_controller ctl(host_settings{}, t0, 1);
  return simulate(ctl, m, jobs, 10, t0, 7, late_from);
}

struct scenario {
  std::string name;
  server_model model;
  int jobs;
  double min_share = 0.9;     // of the limit, achieved
  double max_refused = 0.02;  // of the requests
};

// Issue 9's set-ups, then other limits, bursts (nginx's default is none) and response
// times, 15 s of work each.
std::vector<scenario> all_scenarios() {
  std::vector<scenario> out;
  for (const auto& s : issue9_setups()) out.push_back({s.name, s.model, 600});
  struct variant {
    double rate, burst;
    milliseconds service_min, service_max;
  };
  for (const variant v :
       {variant{10, 5, 15ms, 25ms}, variant{40, 10, 2ms, 5ms}, variant{40, 10, 80ms, 120ms},
        variant{40, 0, 15ms, 25ms}, variant{100, 20, 15ms, 25ms}, variant{200, 50, 5ms, 10ms}}) {
    server_model m;
    m.rate = v.rate;
    m.burst = v.burst;
    m.service_min = v.service_min;
    m.service_max = v.service_max;
    char name[80];
    std::snprintf(name, sizeof name, "R=%.0f B=%.0f %lld-%lld ms", v.rate, v.burst,
                  static_cast<long long>(v.service_min.count()),
                  static_cast<long long>(v.service_max.count()));
    out.push_back({name, m, static_cast<int>(15 * v.rate)});
  }
  // Where the controller falls short, as measured (README, "How the controller
  // behaves"): at 10/s a 150-request run cannot amortise the ~5 refusals that finding
  // the limit costs; with no burst allowance (nginx's default) every probe is refused at
  // once, and slow start climbs from a floor of the one or two requests accepted.
  out[issue9_setups().size()].max_refused = 0.06;
  out[issue9_setups().size() + 3].min_share = 0.68;
  return out;
}

// Issue 9's targets at R=40/s, B=10, 600 requests, 10 workers, in every set-up.
TEST(HostSimulation, ChosenControllerMeetsIssue9Targets) {
  for (const auto& s : issue9_setups()) {
    const sim_result r = run_chosen(s.model);
    report("host_controller", s.name, r, s.model.rate);
    EXPECT_EQ(r.succeeded, 600u) << s.name;
    EXPECT_EQ(r.failed, 0u) << s.name;
    EXPECT_LE(r.refused_share(), 0.02) << s.name;
    EXPECT_EQ(r.bans, 0) << s.name;
    // With Retry-After each of the two refusals that finding the limit takes pauses the
    // host a second (7 % of this run), less the burst the drained bucket then takes:
    // about 0.93 at most, so the pace after them must sit within a few percent of the
    // limit (the bucket fit) for 0.9.
    EXPECT_GE(r.achieved, 0.9 * s.model.rate) << s.name;
  }
}

// Not tuned to one server: other limits, bursts (nginx's default is none) and response
// times, 15 s of work each.
TEST(HostSimulation, TargetsHoldAcrossLimitsAndResponseTimes) {
  const auto scenarios = all_scenarios();
  for (std::size_t i = issue9_setups().size(); i < scenarios.size(); ++i) {
    const auto& sc = scenarios[i];
    const sim_result r = run_chosen(sc.model, sc.jobs);
    report("host_controller", sc.name.c_str(), r, sc.model.rate);
    EXPECT_EQ(r.succeeded, static_cast<std::size_t>(sc.jobs)) << sc.name;
    EXPECT_EQ(r.bans, 0) << sc.name;
    EXPECT_LE(r.refused_share(), sc.max_refused) << sc.name;
    EXPECT_GE(r.achieved, sc.min_share * sc.model.rate) << sc.name;
  }
}

// A shop that raises its limit from 20/s to 40/s after 10 s: the controller probes
// upward and uses the new limit, still with few refusals.
TEST(HostSimulation, ProbesUpwardWhenTheLimitRises) {
  server_model m;
  m.rate = 20;
  m.change_at = 10s;
  m.new_rate = 40;
  const sim_result r = run_chosen(m, 1200, 20s);
  report("host_controller", "20/s, 40/s from 10 s", r, 40);
  EXPECT_EQ(r.succeeded, 1200u);
  EXPECT_LE(r.refused_share(), 0.02);
  // From 10 s after the rise to the end, close to the new limit.
  EXPECT_GE(r.late_achieved, 0.9 * 40);
}

// A server that bans a client for a minute after 8 refusals within 10 s (a WAF rule):
// the controller never gets there, where the uncontrolled client does at once.
TEST(HostSimulation, NeverTripsTheBan) {
  for (auto s : issue9_setups()) {
    s.model.ban_refusals = 8;
    const sim_result r = run_chosen(s.model);
    report("host_controller", (std::string(s.name) + ", ban").c_str(), r, s.model.rate);
    EXPECT_EQ(r.bans, 0) << s.name;
    EXPECT_EQ(r.succeeded, 600u) << s.name;
    no_control c(t0);
    const sim_result baseline = simulate(c, s.model, 600, 10, t0);
    if (s.model.nodelay) {
      EXPECT_GE(baseline.bans, 1) << s.name;
    }
  }
}

// The fit reads the simulated nginx bucket (40/s, burst 10) off what the controller sends:
// a burst at once until refused (the unpaced start), a second's pause, then a pace
// doubling each second from 10/s until refused again (slow start). The rates it finds
// hold the true one and lie within a few percent of it.
TEST(HostSimulation, BucketFitReadsNginxFromTheStartAndSlowStart) {
  server_state server;
  std::vector<sent_request> log;
  auto send = [&](time_point at) {
    log.push_back({at, server.arrive(at, t0).first == 200});
    return log.back().accepted;
  };
  while (send(t0) && log.size() < 100) {
  }
  time_point now = t0 + 1s;
  double pace = 10;  // requests/s
  while (send(now) && now < t0 + 10s) {
    pace *= std::exp2(1 / pace);
    now += std::chrono::duration_cast<steady_clock::duration>(seconds_f(1 / pace));
  }
  ASSERT_EQ(
      std::count_if(log.begin(), log.end(), [](const sent_request& r) { return !r.accepted; }), 2);
  const auto fit = fit_leaky_bucket(log, 1, 400);
  ASSERT_TRUE(fit.has_value());
  EXPECT_LE(fit->slowest, 40.0);
  EXPECT_GE(fit->fastest * 1.01, 40.0);
  EXPECT_LE(fit->fastest - fit->slowest, 0.1 * 40);
  EXPECT_NEAR(fit->burst, 10.0, 1.0);
}

// Against nginx with Retry-After: 1, answers at once: two refusals find the limit (two
// pauses) and a whole burst of 10, the pace then sits just under the limit, and the second
// pause ends with the burst sent at once, bar one kept, none of it refused, the bucket
// having drained.
TEST(HostSimulation, AfterTheFitThePauseEndsWithTheBurstBarOne) {
  server_state server;
  server.model.retry_after = 1s;
  host_controller ctl(host_settings{}, t0, 1);
  time_point now = t0;
  auto send = [&] { return send_and_answer(ctl, server, now).status; };
  for (int guard = 0; ctl.stats().pauses < 2 && guard < 10000; ++guard) {
    const decision d = ctl.ask(now);
    if (d.what == decision::action::send) {
      send();
    } else {
      ASSERT_EQ(d.what, decision::action::wait_until);
      now = d.until;
    }
  }
  ASSERT_EQ(ctl.stats().pauses, 2u);
  // Cut to 0.995 of the slowest rate the fit found, nothing answered since.
  const double found = ctl.rate() / host_settings{}.tuning.whole_burst_exit_decrease;
  EXPECT_GE(ctl.rate(), 0.97 * 40);
  EXPECT_LE(ctl.rate(), 1.0 * 40);
  now = ctl.paused_until();
  int at_once = 0;
  while (ctl.ask(now).what == decision::action::send) {
    EXPECT_EQ(send(), 200);
    ++at_once;
  }
  // The burst of 10: nginx lets 11 through an empty bucket.
  EXPECT_EQ(at_once, 10);
  EXPECT_EQ(ctl.stats().refusals, 2u);
  // Then no probe beyond the rate found for 20 pauses' length: CUBIC alone would climb
  // past it within seconds, and every refusal would cost this host another second.
  double fastest = 0;
  const time_point quiet_until = now + 19s;
  while (now < quiet_until) {
    const decision d = ctl.ask(now);
    if (d.what == decision::action::send) {
      send();
      fastest = std::max(fastest, ctl.rate());
    } else {
      now = d.until;
    }
  }
  EXPECT_LE(fastest, found * 1.001);
  EXPECT_GE(fastest, found * 0.999);  // back at the rate found, not below it
  EXPECT_EQ(ctl.stats().refusals, 2u);
}

// A refusal after slow start fits the bucket again, to every answer kept since the first
// request: seconds of pacing just over the limit, then the refusal, pin the limit far
// closer than slow start's second did. The pace is set 3 % over the fitted rate here to
// bring that refusal about.
TEST(HostSimulation, ALaterRefusalRefitsTheBucketToEveryAnswer) {
  server_state server;
  server.model.retry_after = 1s;
  host_settings settings;
  settings.tuning.whole_burst_exit_decrease = 1.03;
  host_controller ctl(settings, t0, 1);
  time_point now = t0;
  std::vector<bucket_estimate> fits;
  for (int guard = 0; ctl.stats().pauses < 3 && guard < 100000; ++guard) {
    const decision d = ctl.ask(now);
    if (d.what != decision::action::send) {
      ASSERT_EQ(d.what, decision::action::wait_until);
      now = d.until;
      continue;
    }
    const host_change change = send_and_answer(ctl, server, now).change;
    if (change.fitted) fits.push_back(*change.fitted);
  }
  ASSERT_EQ(ctl.stats().pauses, 3u);
  ASSERT_EQ(fits.size(), 2u);
  for (const auto& fit : fits) {
    EXPECT_TRUE(fit.whole_burst);
    EXPECT_EQ(fit.burst, 10.0);
    EXPECT_LE(fit.slowest, 40.0);
    EXPECT_GE(fit.fastest * 1.001, 40.0);
  }
  EXPECT_LT(fits[1].fastest - fits[1].slowest, (fits[0].fastest - fits[0].slowest) / 2);
}

// An unlimited host: the controller never paces it, and the slow start costs little.
TEST(HostSimulation, UnlimitedHostRunsAtFullSpeed) {
  server_model m;
  m.rate = 1e6;
  m.burst = 1e6;
  const sim_result r = run_chosen(m, 2000);
  no_control c(t0);
  const sim_result free = simulate(c, m, 2000, 10, t0);
  report("host_controller", "unlimited", r, free.achieved);
  EXPECT_EQ(r.refused, 0u);
  EXPECT_GE(r.achieved, 0.95 * free.achieved);  // slow start: 0.1 s of 4 s
}

// The grid the tuning defaults were picked from (run with --gtest_also_run_disabled_tests):
// per configuration, the worst achieved share of the limit and the worst refusal share
// over all_scenarios(), with and without Retry-After.
TEST(HostSimulation, DISABLED_TuningGrid) {
  const auto scenarios = all_scenarios();
  for (int doubling : {250, 500, 1000}) {
    for (std::size_t exit_slots : {2, 4, 8}) {
      for (double beta : {0.7, 0.85}) {
        for (double c : {0.0056, 0.02}) {
          double worst_rate = 10, worst_rate_ra = 10, worst_refused = 0;
          for (const auto& sc : scenarios) {
            host_settings hs;
            hs.tuning.decrease = beta;
            hs.tuning.cubic_c = c;
            hs.tuning.slow_start_doubling = milliseconds(doubling);
            hs.tuning.exit_slots = exit_slots;
            host_controller ctl(hs, t0, 1);
            const auto r = simulate(ctl, sc.model, sc.jobs, 10, t0);
            const double share = r.achieved / sc.model.rate;
            if (sc.model.retry_after)
              worst_rate_ra = std::min(worst_rate_ra, share);
            else
              worst_rate = std::min(worst_rate, share);
            worst_refused = std::max(worst_refused, r.refused_share());
          }
          std::printf(
              "[grid] doubling %4d ms exit %zu/8 s beta %.2f C %.4f: worst rate %.2f "
              "(Retry-After %.2f), worst refused %.1f %%\n",
              doubling, exit_slots, beta, c, worst_rate, worst_rate_ra, 100 * worst_refused);
        }
      }
    }
  }
}

TEST(HostSimulation, AlternativesCompared) {
  for (const auto& s : issue9_setups()) {
    const double limit = s.model.rate;
    {
      no_control c(t0);
      report("no control", s.name, simulate(c, s.model, 600, 10, t0), limit);
    }
    {
      aimd_rate c(t0, 0.5, 2);
      report("AIMD pace b0.5 +2/s", s.name, simulate(c, s.model, 600, 10, t0), limit);
    }
    {
      aimd_rate c(t0, 0.9, 2);
      report("AIMD pace b0.9 +2/s", s.name, simulate(c, s.model, 600, 10, t0), limit);
    }
    // Why they were not chosen, where the server refuses at once (nodelay, no pause):
    // an in-flight limit cannot go below one request per response time (50/s here),
    // latency says nothing when the server answers refusals as fast as pages, and
    // AutoThrottle's delay follows latency, not refusals.
    const bool refuses_at_once = s.model.nodelay && !s.model.retry_after;
    {
      aimd_in_flight c(t0);
      const auto r = simulate(c, s.model, 600, 10, t0);
      report("AIMD in-flight", s.name, r, limit);
      if (refuses_at_once) {
        EXPECT_GT(r.refused_share(), 0.2) << s.name;
      }
    }
    {
      autothrottle c(t0);
      const auto r = simulate(c, s.model, 600, 10, t0);
      report("AutoThrottle", s.name, r, limit);
      if (refuses_at_once) {
        EXPECT_GT(r.refused_share(), 0.1) << s.name;
      }
    }
    {
      gradient2 c(t0);
      const auto r = simulate(c, s.model, 600, 10, t0);
      report("Gradient2", s.name, r, limit);
      if (refuses_at_once) {
        EXPECT_GT(r.refused_share(), 0.5) << s.name;
      }
    }
  }
}

}  // namespace
}  // namespace pricescrape::engine
