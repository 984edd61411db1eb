#include <pricescrape/state/run_recorder.hpp>

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/state/change.hpp>

#include <algorithm>
#include <utility>

namespace pricescrape::state {

namespace {

using steady = std::chrono::steady_clock;

fetch_prior prior_from(const std::optional<observation>& obs) {
  fetch_prior prior;
  if (!obs) return prior;
  if (obs->cache.etag) prior.headers.emplace_back("If-None-Match", *obs->cache.etag);
  if (obs->cache.last_modified)
    prior.headers.emplace_back("If-Modified-Since", *obs->cache.last_modified);
  output::record stored;
  stored.price = obs->price;
  stored.currency = obs->currency;
  stored.availability = obs->availability;
  stored.title = obs->title;
  prior.not_modified = std::move(stored);
  prior.previous = obs->as_previous();
  return prior;
}

}  // namespace

validators validators_from(const header_fields& fields) {
  validators v;
  for (const auto& [name, value] : fields) {
    if (pricescrape::detail::iequals_ascii(name, "etag"))
      v.etag = value;
    else if (pricescrape::detail::iequals_ascii(name, "last-modified"))
      v.last_modified = value;
  }
  return v;
}

run_recorder::run_recorder(store& db, std::int64_t run_id, recorder_options options)
    : db_(db), run_id_(run_id), options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

run_recorder::~run_recorder() { stop_thread(); }

void run_recorder::stop_thread() noexcept {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void run_recorder::before_fetch(const job& j, std::function<void(fetch_prior)> ready) {
  {
    std::lock_guard lock(mutex_);
    lookups_.push_back([this, url = j.url, ready = std::move(ready)] {
      std::optional<observation> obs;
      try {
        obs = db_.lookup(url);
      } catch (...) {
        // The job goes on unconditionally; the failure stops the batch at the next put().
        std::lock_guard failed(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      ready(prior_from(obs));
    });
  }
  wake_.notify_all();
}

void run_recorder::after_fetch(output::record& r, const fetch_prior& prior,
                               const header_fields& fields) {
  r.previous = prior.previous;
  r.changed = detect_change(r.previous, r, options_.min_change);
  auto v = validators_from(fields);
  if (!v.empty()) validators_[r.index] = std::move(v);
}

void run_recorder::check_failed() const {
  std::lock_guard lock(mutex_);
  if (failure_) std::rethrow_exception(failure_);
}

void run_recorder::put(const output::record& r) {
  check_failed();
  if (std::binary_search(options_.committed.begin(), options_.committed.end(), r.index)) return;
  // A URL cut short by a stop was not observed: left uncommitted, a resume fetches it.
  if (r.error && r.error->kind == error_kind::cancelled) return;
  finished_record f{r, {}};
  if (auto it = validators_.find(r.index); it != validators_.end()) {
    f.cache = std::move(it->second);
    validators_.erase(it);
  }
  bool full = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) oldest_pending_ = steady::now();
    pending_.push_back(std::move(f));
    full = pending_.size() >= options_.batch;
  }
  if (full) wake_.notify_all();
}

void run_recorder::finish() {
  stop_thread();
  check_failed();
}

// Called and returns with `lock` held; commits without it, so put() never waits for
// SQLite.
void run_recorder::commit_pending(std::unique_lock<std::mutex>& lock) {
  std::vector<finished_record> batch;
  batch.swap(pending_);
  const bool skip = failure_ != nullptr;  // the batch is stopping: keep the store as it was
  lock.unlock();
  std::exception_ptr failed;
  try {
    if (!skip) db_.commit(run_id_, batch);
  } catch (...) {
    failed = std::current_exception();
  }
  lock.lock();
  if (failed && !failure_) failure_ = failed;
  if (!failed && !skip) {
    ++commits_;
    records_committed_ += batch.size();
  }
}

void run_recorder::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto due = oldest_pending_ + options_.interval;
    if (!lookups_.empty()) {
      auto work = std::move(lookups_);
      lookups_.clear();
      lock.unlock();
      for (auto& lookup : work) lookup();
      lock.lock();
      lookups_done_ += work.size();
      continue;
    }
    if (!pending_.empty() && (stop_ || pending_.size() >= options_.batch || steady::now() >= due)) {
      commit_pending(lock);
      continue;
    }
    if (stop_) return;
    if (pending_.empty())
      wake_.wait(lock);
    else
      wake_.wait_until(lock, due);
  }
}

std::size_t run_recorder::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}
std::size_t run_recorder::records_committed() const {
  std::lock_guard lock(mutex_);
  return records_committed_;
}
std::size_t run_recorder::lookups() const {
  std::lock_guard lock(mutex_);
  return lookups_done_;
}

}  // namespace pricescrape::state
