#include <pricescrape/output/sink.hpp>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pricescrape::output {

namespace {

// Enough to make one write(2) per flush of a typical batch of records, small enough
// that a slow reader sees records promptly.
constexpr std::size_t buffer_limit = 64 * 1024;

}  // namespace

int write_all(int fd, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // Stdout may be non-blocking when a parent set O_NONBLOCK on a shared pipe or
      // terminal: wait until it drains instead of treating it as a failure.
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return errno;
      continue;
    }
    return errno;
  }
  return 0;
}

void fd_sink::fail(int error_number) const {
  std::string message = "cannot write ";
  message += label_;
  message += ": ";
  message += error_number != 0 ? std::strerror(error_number) : "write failed";
  throw output_error(message, error_number);
}

void fd_sink::write(std::string_view bytes) {
  if (failed_) fail(failed_errno_);
  buffer_.append(bytes);
  if (buffer_.size() >= buffer_limit) drain();
}

void fd_sink::flush() {
  if (failed_) fail(failed_errno_);
  drain();
}

void fd_sink::drain() {
  if (buffer_.empty()) return;
  if (const int err = write_all(fd_, buffer_); err != 0) {
    failed_ = true;
    failed_errno_ = err;
    buffer_.clear();
    fail(err);
  }
  written_ += buffer_.size();
  buffer_.clear();
}

void ostream_sink::check() const {
  if (out_) return;
  throw output_error("cannot write " + label_ + ": write failed", 0);
}

void ostream_sink::write(std::string_view bytes) {
  check();
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  check();
}

void ostream_sink::flush() {
  check();
  out_.flush();
  check();
}

}  // namespace pricescrape::output
