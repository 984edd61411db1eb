// Reading a server's rate limiter off our own requests: which leaky buckets (nginx's
// limit_req, GCRA, a token bucket: a rate R and a burst B) would have accepted and
// refused exactly the requests the server accepted and refused. Pure, no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>

namespace pricescrape::engine {

struct sent_request {
  std::chrono::steady_clock::time_point at;  // when it went out
  bool accepted = false;                     // false: refused (429, 503)
};

struct bucket_estimate {
  double slowest = 0;  // requests/s: the slowest bucket that explains every answer
  double fastest = 0;  // ... and the fastest, of the range found (bucket_fit's comment)
  double burst = 0;    // the least excess the slowest one lets through
  // Limiters count whole requests (nginx's `burst=10`, a token bucket of 11): when a
  // whole-number burst explains the answers, only the rates that allow it are kept (on
  // nginx at 40/s, 0.6/s wide where any burst allowed 2/s), and `burst` is that number.
  bool whole_burst = false;
  // The middle of the range: the rate least far from any that explains the answers.
  double rate() const noexcept { return (slowest + fastest) / 2; }
};

// The rates in [min_rate, max_rate] (tried in steps of 1 %) for which some burst B makes a
// leaky bucket, starting empty at the first request, accept every accepted request and
// refuse every refused one: the first unbroken run of them. nullopt when no rate explains
// the answers (another kind of limiter, or answers reordered by the network) or when `log`
// has no refusal.
// Refused requests leave the bucket as it was, as nginx's do. But first, the rates a
// whole-number burst explains are found exactly (an accepted request may be 1 ms of
// timing noise over it; the widest range if several bursts do); if any are, they are the
// estimate. Work: ~100 halvings per whole burst tried (usually one or two), or 1 % steps
// over the range, times the log's length: a few hundred thousand steps for 1,024 answers.
std::optional<bucket_estimate> fit_leaky_bucket(std::span<const sent_request> log, double min_rate,
                                                double max_rate);

}  // namespace pricescrape::engine
