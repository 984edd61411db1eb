// One request of a job, politely: admitted by its host's policy, fetched once per
// attempt, each outcome fed back to the policy, retried when the policy says so; and
// robots.txt, when asked for.
#pragma once

#include "engine/scheduler.hpp"

#include <pricescrape/engine.hpp>
#include <pricescrape/http/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace pricescrape::engine {

// The per-host settings the options ask for.
host_settings host_settings_for(const engine_options& options);

// What the attempts of all jobs share.
struct attempt_context {
  attempt_context(const engine_options& opts, asio::any_io_executor ex, std::size_t body_slots);

  const engine_options& options;
  http::client client;
  scheduler sched;
  std::size_t in_flight = 0;
  bool stopping = false;
  // The highest index that produced a record or sent a request. On interrupt, jobs
  // above it that never started are dropped, so the output stays a prefix of the input.
  std::optional<std::size_t> max_started;

  void mark_started(std::size_t index) {
    if (!max_started || index > *max_started) max_started = index;
  }
  bool started_at_or_above(std::size_t index) const { return max_started && *max_started >= index; }
};

struct polite_fetch {
  http::fetch_result page;  // the last attempt's, with `attempts` counting them all
  slot_guard body_slot;     // held while the page waits for and goes through extraction
  bool never_sent = false;  // cancelled or failed before any request went out
};

// Attempts until one succeeds, the policy gives up, or the batch stops; every attempt
// sends `headers` besides the standard ones (a conditional request's validators).
asio::awaitable<polite_fetch> fetch_politely(attempt_context& c, host_policy& host,
                                             std::size_t index, const std::string& url,
                                             const http::header_list& headers = {});

// With --robots: fetches the host's robots.txt once (the host's other requests wait for
// it), then says whether `url` may be fetched; an error (robots, or cancelled) if not.
asio::awaitable<std::optional<scrape_error>> check_robots(attempt_context& c, host_policy& host,
                                                          const std::string& url);

// What the controller learns from one attempt; a bot challenge turns the result into a
// `blocked` error, whatever its status (a 200 challenge page must never be a price).
attempt_outcome assess(http::fetch_result& result, steady_clock::duration latency);

// The product token robots.txt groups are matched against: the User-Agent's first word.
std::string robots_token(const std::string& user_agent);

}  // namespace pricescrape::engine
