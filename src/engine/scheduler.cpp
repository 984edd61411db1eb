#include "engine/scheduler.hpp"

#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include <memory>
#include <random>

namespace pricescrape::engine {

namespace {

using steady = std::chrono::steady_clock;

scrape_error cancelled_before_sending() {
  return {error_kind::cancelled, "cancelled before the request was sent"};
}

// Starts the gate's reservation; its answer is posted to the io thread on an executor
// that counts as outstanding work. A named type: g++ 12 mishandles lambda temporaries
// in co_await.
struct gate_initiation {
  host_gate* gate;
  const std::string* host;
  std::chrono::microseconds gap;
  asio::any_io_executor io;

  template <class Handler>
  void operator()(Handler handler) const {
    auto held = std::make_shared<Handler>(std::move(handler));
    auto tracked = asio::prefer(io, asio::execution::outstanding_work.tracked);
    gate->reserve(*host, gap, [held, tracked](std::chrono::milliseconds wait) {
      asio::post(tracked, [held, wait]() mutable { (*held)(wait); });
    });
  }
};

// The host's own gap between sends: what its pace allows.
std::chrono::microseconds own_gap(const host_controller& c) {
  const double rate = c.rate();
  if (rate <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(static_cast<std::int64_t>(1e6 / rate));
}

// When the gate lets this process send to `h` next (shared with other workers).
asio::awaitable<time_point> reserve_at_gate(host_gate& gate, const host_policy& h) {
  const auto io = co_await asio::this_coro::executor;
  const gate_initiation start{&gate, &h.key, own_gap(h.controller), io};
  const std::chrono::milliseconds wait =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::chrono::milliseconds)>(
          start, asio::use_awaitable);
  co_return steady::now() + wait;
}

}  // namespace

scrape_error host_failure_error(host_failure failure, const std::string& message) {
  if (failure == host_failure::blocked) return {error_kind::blocked, message};
  return {error_kind::rate_limited, message};
}

host_policy::host_policy(std::string host_key, const host_settings& settings,
                         asio::any_io_executor ex, std::uint64_t seed)
    : key(std::move(host_key)),
      controller(settings, steady::now(), seed),
      waiting(ex),
      rules(robots_rules::allow_all()) {}

scheduler::scheduler(asio::any_io_executor ex, std::size_t concurrency, std::size_t bodies,
                     host_settings settings, host_gate* gate)
    : ex_(ex),
      global_(ex, concurrency),
      bodies_(ex, bodies),
      settings_(settings),
      gate_(gate),
      next_seed_(std::random_device{}()) {}

host_policy& scheduler::host(const std::string& key) {
  auto& slot = hosts_[key];
  if (!slot) slot = std::make_unique<host_policy>(key, settings_, ex_, next_seed_++);
  return *slot;
}

admission_queue::place::place(admission_queue& q, std::size_t index, asio::any_io_executor ex)
    : queue_(q), index_(index), timer_(std::move(ex)) {
  queue_.waiting_.emplace(index_, &timer_);
}

admission_queue::place::~place() {
  const bool was_head = is_head();
  queue_.waiting_.erase(index_);
  if (was_head) queue_.wake_head();
}

bool admission_queue::place::is_head() const {
  return !queue_.waiting_.empty() && queue_.waiting_.begin()->first == index_;
}

asio::awaitable<bool> admission_queue::place::sleep_until(time_point until) {
  if (queue_.closed_) co_return false;
  timer_.expires_at(until);
  co_await timer_.async_wait(nothrow_awaitable);
  co_return !queue_.closed_;
}

void admission_queue::wake_head() {
  if (!waiting_.empty()) waiting_.begin()->second->cancel();
}

void admission_queue::close() {
  closed_ = true;
  for (auto& [index, timer] : waiting_) timer->cancel();
}

asio::awaitable<outcome<ticket>> scheduler::admit(host_policy& h, std::size_t index,
                                                  time_point not_before) {
  // A retry backs off outside the queue, so it never holds up the host's other jobs.
  // (Robots' wake-ups end the sleep early: sleep again.)
  while (steady::now() < not_before) {
    if (!co_await h.waiting.sleep_until(not_before)) co_return cancelled_before_sending();
  }
  admission_queue::place place(h.queue, index, ex_);
  bool reserved = false;
  for (;;) {
    if (stopping_) co_return cancelled_before_sending();
    if (!place.is_head()) {
      if (!co_await place.sleep_until(time_point::max())) co_return cancelled_before_sending();
      continue;
    }
    const decision d = h.controller.ask(steady::now());
    if (d.what == decision::action::fail) co_return host_failure_error(d.failure, d.message);
    if (d.what != decision::action::send) {
      const auto until = d.what == decision::action::wait_until ? d.until : time_point::max();
      if (!co_await place.sleep_until(until)) co_return cancelled_before_sending();
      continue;
    }
    if (gate_ && !reserved) {
      // Other workers share the host's pace: wait for this process's turn, then ask the
      // host again (a pause may have started meanwhile). One reservation per request.
      reserved = true;
      const auto turn = co_await reserve_at_gate(*gate_, h);
      while (steady::now() < turn) {
        if (!co_await place.sleep_until(turn)) co_return cancelled_before_sending();
      }
      continue;
    }
    // The host says go: take the slots, which may mean waiting behind other hosts'
    // requests. The host is asked again once they are held, synchronously with sent(),
    // so the pace holds however long the slots took.
    ticket t;
    if (!co_await bodies_.acquire()) co_return cancelled_before_sending();
    t.body = slot_guard(bodies_);
    if (!co_await global_.acquire()) co_return cancelled_before_sending();
    t.global = slot_guard(global_);
    t.sent_at = steady::now();
    if (h.controller.ask(t.sent_at).what != decision::action::send) continue;
    h.controller.sent(t.sent_at);
    co_return t;  // leaving the queue wakes the next job, which may go at once
  }
}

asio::awaitable<outcome<slot_guard>> scheduler::global_slot() {
  // Not `stopping_ || !co_await ...`: g++ 12 miscompiles a co_await on the right of a
  // short-circuit operator (SIGILL in the robots.txt path).
  if (stopping_) co_return cancelled_before_sending();
  const bool acquired = co_await global_.acquire();
  if (!acquired) co_return cancelled_before_sending();
  co_return slot_guard(global_);
}

host_change scheduler::finished(host_policy& h, const attempt_outcome& outcome) {
  const auto now = steady::now();
  auto change = h.controller.finished(now, outcome);
  h.queue.wake_head();
  if (gate_ && (change.rate_changed || change.paused)) {
    const auto pause =
        change.paused
            ? std::chrono::duration_cast<std::chrono::milliseconds>(change.paused_until - now)
            : std::chrono::milliseconds(0);
    gate_->learned(h.key, change.rate_changed ? change.new_rate : h.controller.rate(), pause);
  }
  return change;
}

void scheduler::stop() {
  stopping_ = true;
  global_.close();
  bodies_.close();
  for (auto& [key, h] : hosts_) {
    h->queue.close();
    h->waiting.close();
  }
}

std::vector<host_report> scheduler::reports() const {
  std::vector<host_report> out;
  out.reserve(hosts_.size());
  for (const auto& [key, h] : hosts_) {
    const auto s = h->controller.stats();
    host_report r;
    r.host = key;
    r.requests = s.requests;
    r.refusals = s.refusals;
    r.challenges = s.challenges;
    r.pauses = s.pauses;
    r.retries = s.retries;
    r.rate_changes = s.rate_changes;
    r.peak_in_flight = s.peak_in_flight;
    r.settled_rate = s.settled_rate;
    r.latency_p50 = s.latency_p50;
    r.latency_p95 = s.latency_p95;
    r.statuses = s.statuses;
    r.blocked = h->controller.is_blocked();
    r.robots_disallowed = h->robots_disallowed;
    r.bytes = h->bytes;
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const host_report& a, const host_report& b) {
    return a.requests > b.requests;
  });
  return out;
}

}  // namespace pricescrape::engine
