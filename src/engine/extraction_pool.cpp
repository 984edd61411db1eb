#include "engine/extraction_pool.hpp"

#include "engine/async_tools.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <mutex>
#include <thread>

namespace pricescrape::engine {

namespace {

using steady = std::chrono::steady_clock;

// Counts one pool task from its submission until it has run or was discarded, so the
// count also covers tasks still queued.
class pool_task_token {
 public:
  explicit pool_task_token(std::shared_ptr<pool_state> s) : state_(std::move(s)) {
    ++state_->unfinished;
  }
  pool_task_token(pool_task_token&& other) noexcept = default;
  pool_task_token& operator=(pool_task_token&&) = delete;
  ~pool_task_token() {
    if (state_) --state_->unfinished;
  }

 private:
  std::shared_ptr<pool_state> state_;
};

// One extraction's hand-off between its pool task and the job waiting on the io thread.
// The job may stop waiting (the batch stopped) and be gone before the task ends: then
// `abandoned` is set and the task touches nothing of the io side.
struct pending_extraction {
  std::mutex mutex;
  std::optional<extract::extraction> result;  // guarded by mutex
  bool abandoned = false;                     // guarded by mutex
  asio::steady_timer* wake = nullptr;         // io thread only; null once abandoned
};

}  // namespace

scrape_error internal_error(std::string_view doing, std::string_view what) {
  std::string message = "internal error while ";
  message += doing;
  message += " (a bug, please report): ";
  message += what;
  return {error_kind::internal, std::move(message)};
}

extract::extraction extract_page(const std::string& body, const std::string& content_type,
                                 const std::string& url, const std::atomic<bool>& stop) {
  extract::extraction ex;
  if (stop) {
    ex.error = scrape_error{error_kind::cancelled, "cancelled before the page was extracted"};
    return ex;
  }
  try {
    extract::extract_options options;
    options.stop = &stop;
    return extract::extract_product({body, content_type, url}, options);
  } catch (const std::bad_alloc&) {
    ex.error = scrape_error{error_kind::internal, "out of memory while extracting the page"};
  } catch (const std::exception& e) {
    ex.error = internal_error("extracting the page", e.what());
  } catch (...) {
    ex.error = internal_error("extracting the page", "unknown exception");
  }
  return ex;
}

// Whatever way the job leaves the wait (result, stop, exception, destruction of its
// frame), the pool task is told nobody waits any more and stop() forgets the timer.
class extraction_pool::waiter {
 public:
  waiter(extraction_pool& p, std::shared_ptr<pending_extraction> pending, asio::steady_timer& wake)
      : pool_(p), pending_(std::move(pending)), wake_(wake) {
    pending_->wake = &wake_;
    pool_.waiting_.insert(&wake_);
  }
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;
  ~waiter() {
    pool_.waiting_.erase(&wake_);
    std::lock_guard lock(pending_->mutex);
    pending_->abandoned = true;
    pending_->wake = nullptr;
  }

 private:
  extraction_pool& pool_;
  std::shared_ptr<pending_extraction> pending_;
  asio::steady_timer& wake_;
};

extraction_pool::extraction_pool(asio::io_context& io, std::size_t threads)
    : io_(io), threads_(threads), cpu_(std::make_unique<asio::thread_pool>(threads)) {}

extraction_pool::~extraction_pool() = default;

// The job waits on a timer the task cancels when done, not on the task itself, so a
// stop ends the wait at once (nullopt) however long the page takes.
asio::awaitable<std::optional<extract::extraction>> extraction_pool::extract(
    std::string body, std::string content_type, std::string url) {
  auto pending = std::make_shared<pending_extraction>();
  asio::steady_timer wake(io_, steady::time_point::max());
  waiter waiting(*this, pending, wake);
  asio::post(*cpu_, [pending, shared = shared_, token = pool_task_token(shared_),
                     io = io_.get_executor(), body = std::move(body),
                     content_type = std::move(content_type), url = std::move(url)]() mutable {
    auto ex = extract_page(body, content_type, url, shared->stop);
    std::lock_guard lock(pending->mutex);
    // Abandoned: the job is gone, and the io_context may be too. Otherwise the job is
    // still suspended in its wait, so the io_context is alive to take the post.
    if (pending->abandoned) return;
    pending->result = std::move(ex);
    asio::post(io, [pending] {
      if (pending->wake) pending->wake->cancel();
    });
  });
  for (;;) {
    {
      std::lock_guard lock(pending->mutex);
      if (pending->result) co_return std::move(*pending->result);
    }
    if (stopping_) co_return std::nullopt;
    co_await wake.async_wait(nothrow_awaitable);
  }
}

void extraction_pool::stop() {
  stopping_ = true;
  shared_->stop = true;
  for (auto* wake : waiting_) wake->cancel();
}

void extraction_pool::end(bool stopped, batch_summary& summary) {
  if (stopped) {
    for (int i = 0; i < 50 && shared_->unfinished > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (const std::size_t left = shared_->unfinished; left > 0) {
      spdlog::debug("{} extraction(s) still running after the stop: not waiting for them", left);
      summary.abandoned_extractions = left;
      static_cast<void>(cpu_.release());
      return;
    }
  }
  cpu_->join();
}

}  // namespace pricescrape::engine
