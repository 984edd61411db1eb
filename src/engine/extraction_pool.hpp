// The CPU side of a batch: pages are extracted on a thread pool so the io thread keeps
// every connection moving; a stop never waits for a page the extractor cannot leave.
#pragma once

#include <pricescrape/engine.hpp>
#include <pricescrape/extract/extractor.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

namespace pricescrape::engine {

// Shared by the io side and the extraction tasks, which may outlive the batch: the stop
// flag the extractor checks and a count of tasks not yet done.
struct pool_state {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> unfinished{0};
};

class extraction_pool {
 public:
  extraction_pool(boost::asio::io_context& io, std::size_t threads);
  extraction_pool(const extraction_pool&) = delete;
  extraction_pool& operator=(const extraction_pool&) = delete;
  ~extraction_pool();

  std::size_t threads() const noexcept { return threads_; }

  // Extracts on the pool; the caller waits on the io thread. nullopt when stop() came
  // first, however long the page would still take.
  boost::asio::awaitable<std::optional<extract::extraction>> extract(std::string body,
                                                                     std::string content_type,
                                                                     std::string url);

  // Tells running extractions to stop and wakes every waiter. Io thread.
  void stop();

  // After io.run(): waits for the pool. After a stop, an extraction that does not end
  // within moments is left running with its pool (deliberately leaked: destroying it
  // would join the thread) and counted in summary.abandoned_extractions, so the app can
  // exit without waiting for it.
  void end(bool stopped, batch_summary& summary);

 private:
  class waiter;

  boost::asio::io_context& io_;
  std::size_t threads_;
  std::unique_ptr<boost::asio::thread_pool> cpu_;
  std::shared_ptr<pool_state> shared_ = std::make_shared<pool_state>();
  // Jobs waiting for their extraction: stop() wakes them so they end as cancelled.
  std::unordered_set<boost::asio::steady_timer*> waiting_;
  bool stopping_ = false;
};

// Runs on a pool thread. Extraction never throws on bad input; an exception is a bug
// (or memory ran out) and becomes this page's record like any other failure.
extract::extraction extract_page(const std::string& body, const std::string& content_type,
                                 const std::string& url, const std::atomic<bool>& stop);

// "internal error while <doing> (a bug, please report): <what>"
scrape_error internal_error(std::string_view doing, std::string_view what);

}  // namespace pricescrape::engine
