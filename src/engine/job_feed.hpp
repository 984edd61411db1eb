// Reads a job_source on its own thread into a channel the io thread receives from: a
// slow producer on stdin (`tail -f | pricescrape`) must never stall the io thread.
#pragma once

#include <pricescrape/job_source.hpp>

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace pricescrape::engine {

using job_channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code,
                                                                       std::optional<job>)>;

class job_feed {
 public:
  // 64 slots keep the reader just ahead of the engine.
  job_feed(boost::asio::io_context& io, job_source& source);
  job_feed(const job_feed&) = delete;
  job_feed& operator=(const job_feed&) = delete;
  ~job_feed();

  job_channel& channel() noexcept { return *channel_; }

  // Starts the reader. Call after something keeps io.run() busy (a spawned receiver):
  // a send completed on the reader's thread must never find the work count at zero.
  void start();

  // Fails the receiver and the reader's pending send. In this order (close, then
  // cancel), no send slips between; a full channel is normal, as the engine's window
  // holds the reader back.
  void stop();

  // After io.run(). After a normal end the reader has sent its last message; after a
  // stop it may sit in a read of stdin that never returns (a terminal, `tail -f`): give
  // it a moment, then leave it behind; once told to stop it touches nothing of ours.
  void end(bool stopped);

 private:
  // Shared with the reader thread, which may outlive the batch.
  struct control {
    std::mutex mutex;
    bool stop = false;  // guarded by mutex
    std::atomic<bool> finished{false};
  };

  job_source& source_;
  std::shared_ptr<job_channel> channel_;
  std::shared_ptr<control> control_ = std::make_shared<control>();
  std::thread reader_;
};

}  // namespace pricescrape::engine
