#include "engine/bucket_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace pricescrape::engine {

namespace {

using seconds_f = std::chrono::duration<double>;

// For one rate, the bursts that explain the answers: [lowest, below) is empty when none
// does. The bucket's excess after each accepted request is what a burst must hold; a
// refused request's would-be excess must be more than the burst.
struct burst_range {
  double lowest = 0;
  double below = std::numeric_limits<double>::infinity();
  bool any() const noexcept { return lowest < below; }
};

burst_range bursts_explaining(std::span<const sent_request> log, double rate) {
  burst_range range;
  double excess = 0;
  bool seen = false;
  auto last = log.front().at;
  for (const auto& r : log) {
    // ngx_http_limit_req_lookup: the excess leaks at `rate`, each request adds one, and
    // the first request of a key starts at 0.
    const double e = seen ? std::max(0.0, excess - rate * seconds_f(r.at - last).count() + 1) : 0.0;
    if (r.accepted) {
      range.lowest = std::max(range.lowest, e);
      excess = e;
      last = r.at;
      seen = true;
    } else {
      range.below = std::min(range.below, e);
    }
  }
  return range;
}

// How far apart our send times and the server's clock may be, in seconds: nginx reads a
// millisecond clock cached per turn of its event loop, and a request leaves our socket a
// little after we note it. At the limit's rate it is a fraction of a request of excess,
// which an accepted request may have over the whole burst. A refused one must be over it:
// requests sent together (a first burst) are refused at exactly B + 1, and allowing that
// read nginx's burst of 10 as 11 at a rate 4 % low.
constexpr double timing_slack_s = 0.001;

// Every request's excess falls as the rate rises (more leaks between them), so each bound
// below is one rate, found by halving [lo, hi] on a log scale.
template <class Holds>
double first_rate_where(double lo, double hi, Holds holds) {
  for (int i = 0; i < 48; ++i) {
    const double mid = std::sqrt(lo * hi);
    (holds(mid) ? hi : lo) = mid;
  }
  return hi;
}

// The rates in [from, to] at which a whole burst of `burst` explains the answers: every
// accepted request's excess at most burst plus the timing slack (from the first
// such rate up), and every refused one's more than it (up to the last such rate). Empty:
// nullopt.
std::optional<bucket_estimate> rates_for_burst(std::span<const sent_request> sorted, double burst,
                                               double from, double to) {
  const auto accepts = [&](double r) {
    return bursts_explaining(sorted, r).lowest - timing_slack_s * r <= burst;
  };
  const auto refuses = [&](double r) { return bursts_explaining(sorted, r).below > burst; };
  if (!accepts(to) || !refuses(from)) return std::nullopt;
  const double slowest = accepts(from) ? from : first_rate_where(from, to, accepts);
  const double fastest =
      refuses(to) ? to : first_rate_where(from, to, [&](double r) { return !refuses(r); });
  if (!(slowest < fastest)) return std::nullopt;
  return bucket_estimate{slowest, fastest, burst, true};
}

// The rates in [from, to] that a whole-number burst explains. A burst is below every
// refused request's excess, which is largest at the slowest rate, and at least the
// accepted ones' at the fastest, so few bursts need trying (more than 64: the answers say
// too little, no fit). When several explain the answers at different rates, the widest
// range wins: the timing slack lets a burst one too large explain them over a sliver of
// rates a few percent low (nginx's 10 read as 11 at 38.6/s once in ten runs, with 2 ms).
std::optional<bucket_estimate> fit_whole_burst(std::span<const sent_request> sorted, double from,
                                               double to) {
  const burst_range at_from = bursts_explaining(sorted, from);
  const burst_range at_to = bursts_explaining(sorted, to);
  const double largest = std::ceil(at_from.below) - 1;
  const double smallest = std::max(0.0, std::floor(at_to.lowest - timing_slack_s * to));
  if (!(largest - smallest <= 64)) return std::nullopt;
  std::optional<bucket_estimate> widest;
  for (double burst = largest; burst >= smallest; --burst) {
    const auto fit = rates_for_burst(sorted, burst, from, to);
    if (fit && (!widest || fit->fastest / fit->slowest > widest->fastest / widest->slowest))
      widest = fit;
  }
  return widest;
}

}  // namespace

std::optional<bucket_estimate> fit_leaky_bucket(std::span<const sent_request> log, double min_rate,
                                                double max_rate) {
  if (log.empty() || !(min_rate > 0) || !(max_rate >= min_rate)) return std::nullopt;
  if (std::none_of(log.begin(), log.end(), [](const sent_request& r) { return !r.accepted; }))
    return std::nullopt;
  // Answers arrive out of order; the bucket saw the requests in the order they were sent.
  std::vector<sent_request> sorted(log.begin(), log.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const sent_request& a, const sent_request& b) { return a.at < b.at; });
  if (auto whole = fit_whole_burst(sorted, min_rate, max_rate)) return whole;
  std::optional<bucket_estimate> fit;
  for (double rate = min_rate; rate <= max_rate; rate *= 1.01) {
    const burst_range range = bursts_explaining(sorted, rate);
    if (!range.any()) {
      if (fit) break;
      continue;
    }
    if (!fit) fit = bucket_estimate{rate, rate, range.lowest};
    fit->fastest = rate;
  }
  return fit;
}

}  // namespace pricescrape::engine
