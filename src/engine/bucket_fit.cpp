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

// The whole-number burst that explains the answers at `rate`, if one does. The excess is
// summed in floating point, where nginx counts thousandths: a hair's tolerance.
std::optional<double> whole_burst_at(std::span<const sent_request> sorted, double rate) {
  const burst_range range = bursts_explaining(sorted, rate);
  const double whole = std::ceil(range.lowest - 1e-6);
  if (!range.any() || whole >= range.below) return std::nullopt;
  return whole;
}

// The first unbroken run of rates in [from, to] that a whole-number burst explains.
std::optional<bucket_estimate> fit_whole_burst(std::span<const sent_request> sorted, double from,
                                               double to) {
  std::optional<bucket_estimate> fit;
  for (double rate = from; rate <= to; rate *= 1.0005) {
    const auto burst = whole_burst_at(sorted, rate);
    if (!burst) {
      if (fit) break;
      continue;
    }
    if (!fit) fit = bucket_estimate{rate, rate, *burst, true};
    fit->fastest = rate;
  }
  return fit;
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
  if (!fit) return fit;
  // Whole bursts can lie a step beyond either end of the 1 % grid's run.
  const auto whole = fit_whole_burst(sorted, std::max(min_rate, fit->slowest / 1.01),
                                     std::min(max_rate, fit->fastest * 1.01));
  return whole ? whole : fit;
}

}  // namespace pricescrape::engine
