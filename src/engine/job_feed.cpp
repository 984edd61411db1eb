#include "engine/job_feed.hpp"

#include <boost/asio/use_future.hpp>

#include <chrono>

namespace pricescrape::engine {

namespace asio = boost::asio;

job_feed::job_feed(asio::io_context& io, job_source& source)
    : source_(source), channel_(std::make_shared<job_channel>(io.get_executor(), 64)) {}

job_feed::~job_feed() {
  if (reader_.joinable()) end(true);
}

void job_feed::start() {
  reader_ = std::thread([&source = source_, state = control_, jobs = channel_] {
    try {
      for (;;) {
        auto next = source.next();
        const bool last = !next;
        std::unique_lock lock(state->mutex);
        if (state->stop) break;  // the io_context may be gone: touch nothing
        auto sent =
            jobs->async_send(boost::system::error_code{}, std::move(next), asio::use_future);
        lock.unlock();
        sent.get();
        if (last) break;
      }
    } catch (const std::exception&) {
      // The channel was closed: the batch is stopping.
    }
    state->finished = true;
  });
}

void job_feed::stop() {
  channel_->close();
  channel_->cancel();
}

void job_feed::end(bool stopped) {
  channel_->close();
  {
    std::lock_guard lock(control_->mutex);
    control_->stop = true;
  }
  if (!reader_.joinable()) return;
  if (stopped) {
    for (int i = 0; i < 20 && !control_->finished; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (control_->finished || !stopped)
    reader_.join();
  else
    reader_.detach();
}

}  // namespace pricescrape::engine
