#include "engine/attempt.hpp"

#include <pricescrape/iri.hpp>

#include "engine/challenge.hpp"
#include "engine/rate_limit_headers.hpp"

#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include <vector>

namespace pricescrape::engine {

namespace {

using steady = std::chrono::steady_clock;

std::vector<header_field> field_views(const http::header_list& fields) {
  std::vector<header_field> views;
  views.reserve(fields.size());
  for (const auto& [name, value] : fields) views.emplace_back(name, value);
  return views;
}

std::string rate_text(double rate) {
  if (rate <= 0) return "unpaced";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3g requests/s", rate);
  return buf;
}

void log_change(const host_policy& h, const host_change& change) {
  if (change.rate_changed) {
    spdlog::debug("host {}: pace {} -> {}", h.key, rate_text(change.old_rate),
                  rate_text(change.new_rate));
  }
  if (change.paused) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(change.paused_until - steady::now());
    spdlog::debug("host {}: paused for {} ms", h.key, std::max<std::int64_t>(0, ms.count()));
  }
  if (change.fitted) {
    spdlog::debug("host {}: the server's limiter reads as {:.3g}-{:.3g} requests/s, burst {:.3g}",
                  h.key, change.fitted->slowest, change.fitted->fastest, change.fitted->burst);
  }
  if (change.blocked) spdlog::warn("host {}: giving up on it", h.key);
}

bool is_transport_failure(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::invalid_url:
    case error_kind::dns:
    case error_kind::connect:
    case error_kind::tls:
    case error_kind::timeout:
    case error_kind::protocol:
    case error_kind::cancelled:
    case error_kind::internal:
    // Below HTTP too; the controller neither retries it nor slows the host for it.
    case error_kind::proxy:
      return true;
    default:
      return false;
  }
}

void note_attempts(http::fetch_result& page, int attempts) {
  page.attempts = attempts;
  if (attempts > 1 && page.error && page.error->kind != error_kind::cancelled)
    page.error->message += " after " + std::to_string(attempts) + " attempts";
}

}  // namespace

attempt_context::attempt_context(const engine_options& opts, asio::any_io_executor ex,
                                 std::size_t body_slots)
    : options(opts),
      client(ex, opts.http),
      sched(ex, opts.concurrency, body_slots, host_settings_for(opts), opts.gate, opts.per_host) {}

host_settings host_settings_for(const engine_options& o) {
  const auto& p = o.politeness;
  host_settings s;
  s.mode = p.how == politeness_options::mode::adaptive ? politeness_mode::adaptive
           : p.how == politeness_options::mode::fixed  ? politeness_mode::fixed
                                                       : politeness_mode::off;
  s.max_rate = p.max_rate;
  s.delay = p.delay;
  s.jitter = p.jitter;
  s.max_in_flight = o.per_host == 0 ? o.concurrency : std::min(o.per_host, o.concurrency);
  s.retry_after_cap = p.retry_after_cap;
  s.max_retries = p.retries;
  s.max_refusal_retries = p.refusal_retries;
  s.backoff_base = p.backoff_base;
  s.backoff_cap = p.backoff_cap;
  return s;
}

attempt_outcome assess(http::fetch_result& result, steady_clock::duration latency) {
  attempt_outcome o;
  o.latency = latency;
  o.status = result.status.value_or(0);
  // A failure below HTTP tells the controller about the path, not the server's mood;
  // one the client found in a complete response (status, body, redirects) is not one.
  if (result.error && is_transport_failure(result.error->kind)) o.error = result.error->kind;
  const auto fields = field_views(result.fields);
  o.limits = parse_rate_limit(fields, std::chrono::system_clock::now());
  if (o.error) return o;
  const auto wall = detect_challenge(o.status, fields, result.body);
  if (wall.is_challenge()) {
    o.challenge = true;
    result.error = scrape_error{error_kind::blocked, "bot challenge instead of the page (" +
                                                         std::string(to_string(wall.wall)) + ": '" +
                                                         std::string(wall.marker) + "', HTTP " +
                                                         std::to_string(o.status) + ")"};
    result.body.clear();
  }
  return o;
}

asio::awaitable<polite_fetch> fetch_politely(attempt_context& c, host_policy& host,
                                             std::size_t index, const std::string& url,
                                             const http::header_list& headers) {
  polite_fetch out;
  time_point not_before{};
  int refusals = 0;  // of this URL so far
  for (int attempt = 1;; ++attempt) {
    auto admitted = co_await c.sched.admit(host, index, not_before);
    if (!admitted) {
      out.never_sent = attempt == 1;
      out.page.error = admitted.error();
      note_attempts(out.page, std::max(1, attempt - 1));
      co_return out;
    }
    c.mark_started(index);
    ticket t = std::move(*admitted);
    http::fetch_result page;
    {
      count_guard in_flight(c.in_flight);
      // A named request: g++ 12 destroys a temporary in a co_await expression twice.
      http::request req{url, headers, false};
      page = co_await c.client.fetch(std::move(req));
    }
    t.global.reset();
    t.shared.reset();
    host.bytes += page.body_bytes;
    auto outcome = assess(page, steady::now() - t.sent_at);
    outcome.earlier_refusals = refusals;
    if (is_refused(outcome)) ++refusals;
    log_change(host, c.sched.finished(host, outcome));
    const auto plan = host.controller.plan_retry(steady::now(), attempt, outcome);
    if (plan.retry && !c.stopping && page.error) {
      not_before = plan.not_before;
      out.page = std::move(page);  // kept in case the next admission fails
      continue;
    }
    if (plan.failure && page.error) page.error = host_failure_error(*plan.failure, plan.message);
    note_attempts(page, attempt);
    out.page = std::move(page);
    out.body_slot = std::move(t.body);
    co_return out;
  }
}

std::string robots_token(const std::string& user_agent) {
  std::string token;
  for (char ch : user_agent) {
    if (ch == '/' || ch == ' ' || ch == ';' || ch == '(') break;
    token += ch;
  }
  return token.empty() ? std::string("pricescrape") : token;
}

namespace {

struct robots_target {
  std::string robots_url;  // scheme://host[:port]/robots.txt
  std::string path;        // what the rules are matched against: path and query
};

std::optional<robots_target> robots_target_of(const std::string& url) {
  // The ASCII URL the fetch sends: an IDNA host, a percent-encoded path (RFC 9309 matches
  // rules against the encoded path).
  const auto ascii = iri::to_uri(url);
  if (!ascii) return std::nullopt;
  auto parsed = boost::urls::parse_uri(*ascii);
  if (!parsed) return std::nullopt;
  robots_target t;
  t.robots_url = std::string(parsed->scheme()) + "://" +
                 std::string(parsed->encoded_host_and_port()) + "/robots.txt";
  t.path = std::string(parsed->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
  return t;
}

asio::awaitable<void> fetch_robots(attempt_context& c, host_policy& host,
                                   const std::string& robots_url) {
  host.robots = host_policy::robots_state::fetching;
  auto slot = co_await c.sched.global_slot();
  if (!slot) {
    host.robots = host_policy::robots_state::unknown;
    host.waiting.wake_all();
    co_return;
  }
  http::request req{robots_url, {}, true};
  auto res = co_await c.client.fetch(std::move(req));
  slot->reset();
  if (res.error && res.error->kind == error_kind::cancelled) {
    host.robots = host_policy::robots_state::unknown;
    host.waiting.wake_all();
    co_return;
  }
  // A status with a body the client could not take (too large, undecodable) is read as
  // no answer: RFC 9309 makes an unreachable file "disallow all".
  const bool answered = res.status && (!res.error || res.error->kind == error_kind::http_status ||
                                       res.error->kind == error_kind::rate_limited);
  // The proxy, not the host, failed: read as "no robots.txt" (allow all, like a 404), so
  // each URL goes on to report the proxy error itself rather than a robots refusal.
  const bool proxy_failed = res.error && res.error->kind == error_kind::proxy;
  const int status = proxy_failed ? 404 : answered ? *res.status : 0;
  host.rules = robots_rules::from_fetch(status, res.body, robots_token(c.options.http.user_agent));
  if (auto delay = host.rules.crawl_delay()) host.controller.set_crawl_delay(*delay);
  spdlog::debug("host {}: robots.txt {} ({} rules{})", host.key,
                proxy_failed ? std::string("not fetched (proxy error: allowed)")
                : status     ? "HTTP " + std::to_string(status)
                             : std::string("unreachable"),
                host.rules.rule_count(),
                host.rules.crawl_delay()
                    ? ", Crawl-delay " + std::to_string(host.rules.crawl_delay()->count()) + " ms"
                    : std::string());
  host.robots = host_policy::robots_state::known;
  host.waiting.wake_all();
}

}  // namespace

asio::awaitable<std::optional<scrape_error>> check_robots(attempt_context& c, host_policy& host,
                                                          const std::string& url) {
  const auto target = robots_target_of(url);
  if (!target) co_return std::nullopt;  // the fetch will report the bad URL
  while (host.robots != host_policy::robots_state::known) {
    if (c.stopping)
      co_return scrape_error{error_kind::cancelled, "cancelled before the request was sent"};
    if (host.robots == host_policy::robots_state::unknown) {
      co_await fetch_robots(c, host, target->robots_url);
    } else if (!co_await host.waiting.sleep_until(time_point::max())) {
      co_return scrape_error{error_kind::cancelled, "cancelled before the request was sent"};
    }
  }
  if (host.rules.allowed(target->path)) co_return std::nullopt;
  ++host.robots_disallowed;
  co_return scrape_error{error_kind::robots, "robots.txt of " + host.key + " disallows " +
                                                 target->path + " for " +
                                                 robots_token(c.options.http.user_agent)};
}

}  // namespace pricescrape::engine

namespace pricescrape {

std::optional<double> parse_rate(std::string_view text) { return engine::parse_rate_option(text); }

}  // namespace pricescrape
