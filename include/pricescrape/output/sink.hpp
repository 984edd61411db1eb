// Where a writer's bytes go, with every write checked: a failure is an output_error
// that names the destination and the cause ("cannot write to stdout: No space left").
#pragma once

#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace pricescrape::output {

// A write that did not reach its destination. `error_number` is the errno of the
// failed call (ENOSPC, EPIPE, EIO, ...) or 0 when the cause is not an errno (a stream
// in a failed state). The app maps it to exit code 3; EPIPE on stdout it treats apart.
class output_error : public std::runtime_error {
 public:
  output_error(const std::string& message, int error_number)
      : std::runtime_error(message), error_number_(error_number) {}
  int error_number() const noexcept { return error_number_; }

 private:
  int error_number_;
};

class byte_sink {
 public:
  virtual ~byte_sink() = default;
  // Takes all of `bytes` (possibly buffered) or throws output_error.
  virtual void write(std::string_view bytes) = 0;
  // Pushes buffered bytes out; throws output_error.
  virtual void flush() = 0;
};

// Writes to a file descriptor with write(2) in a loop, so a short write, EINTR and a
// non-blocking descriptor are handled and a failure comes with its errno (an iostream
// only says "bad"). Buffers up to 64 KiB between flushes. Does not own the descriptor.
class fd_sink final : public byte_sink {
 public:
  // `label` names the destination in messages: "to stdout" gives "cannot write to
  // stdout: ...", "'out.json'" gives "cannot write 'out.json': ...".
  fd_sink(int fd, std::string label) : fd_(fd), label_(std::move(label)) {}

  void write(std::string_view bytes) override;
  void flush() override;

  // Bytes that reached the descriptor so far.
  std::size_t bytes_written() const noexcept { return written_; }
  const std::string& label() const noexcept { return label_; }
  // The message and exception for a failure of this destination with `error_number`.
  [[noreturn]] void fail(int error_number) const;

 private:
  void drain();

  int fd_;
  std::string label_;
  std::string buffer_;
  std::size_t written_ = 0;
  bool failed_ = false;  // after a failure every later call fails the same way
  int failed_errno_ = 0;
};

// Adapts a std::ostream (tests, benchmarks, string output): a stream left in a failed
// state after a write is reported as an output_error without an errno.
class ostream_sink final : public byte_sink {
 public:
  explicit ostream_sink(std::ostream& out, std::string label = "to the output stream")
      : out_(out), label_(std::move(label)) {}

  void write(std::string_view bytes) override;
  void flush() override;

 private:
  void check() const;

  std::ostream& out_;
  std::string label_;
};

// Writes all of `bytes` to `fd` (unbuffered), retrying short writes and EINTR and
// waiting on EAGAIN. Returns 0 or the errno of the failed call.
int write_all(int fd, std::string_view bytes) noexcept;

}  // namespace pricescrape::output
