#include <pricescrape/output/sink.hpp>
#include <pricescrape/output/writer.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

namespace pricescrape::output {
namespace {

// A pipe whose ends close with the test.
struct test_pipe {
  int read_end = -1;
  int write_end = -1;
  test_pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~test_pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
};

record sample(std::size_t index) {
  record r;
  r.index = index;
  r.url = "https://shop.example/p/" + std::to_string(index);
  r.price = "19.99";
  return r;
}

TEST(FdSink, WritesEverythingThroughANonBlockingPipe) {
  // A slow reader behind a non-blocking pipe gives short writes and EAGAIN: all bytes
  // must still arrive, in order.
  test_pipe p;
  ASSERT_EQ(::fcntl(p.write_end, F_SETFL, O_NONBLOCK), 0);
  std::string sent;
  for (int i = 0; sent.size() < 1'000'000; ++i) sent += "record " + std::to_string(i) + "\n";
  std::string received;
  std::thread reader([&] {
    char buf[4096];
    for (;;) {
      const auto n = ::read(p.read_end, buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, static_cast<std::size_t>(n));
    }
  });
  {
    fd_sink sink(p.write_end, "to the pipe");
    sink.write(sent);
    sink.flush();
    EXPECT_EQ(sink.bytes_written(), sent.size());
  }
  ::close(std::exchange(p.write_end, -1));
  reader.join();
  EXPECT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
}

TEST(FdSink, BuffersUntilFlush) {
  test_pipe p;
  fd_sink sink(p.write_end, "to the pipe");
  sink.write("abc");
  EXPECT_EQ(sink.bytes_written(), 0u);
  sink.flush();
  EXPECT_EQ(sink.bytes_written(), 3u);
  char buf[8];
  EXPECT_EQ(::read(p.read_end, buf, sizeof buf), 3);
}

TEST(FdSink, FullDeviceFailsWithEnospcAndStaysFailed) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  fd_sink sink(fd, "to stdout");
  sink.write("[{}]\n");
  try {
    sink.flush();
    FAIL() << "no exception";
  } catch (const output_error& e) {
    EXPECT_EQ(e.error_number(), ENOSPC);
    EXPECT_STREQ(e.what(), "cannot write to stdout: No space left on device");
  }
  // A later write must not succeed past the lost bytes.
  try {
    sink.write("more");
    FAIL() << "no exception";
  } catch (const output_error& e) {
    EXPECT_EQ(e.error_number(), ENOSPC);
  }
  EXPECT_EQ(sink.bytes_written(), 0u);
  ::close(fd);
}

TEST(FdSink, ReaderGoneIsEpipe) {
  const auto old = std::signal(SIGPIPE, SIG_IGN);  // as pricescrape runs
  test_pipe p;
  ::close(std::exchange(p.read_end, -1));
  fd_sink sink(p.write_end, "to stdout");
  sink.write("x\n");
  try {
    sink.flush();
    FAIL() << "no exception";
  } catch (const output_error& e) {
    EXPECT_EQ(e.error_number(), EPIPE);
    EXPECT_STREQ(e.what(), "cannot write to stdout: Broken pipe");
  }
  std::signal(SIGPIPE, old);
}

TEST(FdSink, ClosedDescriptorIsEbadf) {
  EXPECT_EQ(write_all(-1, "x"), EBADF);
  EXPECT_EQ(write_all(-1, ""), 0);  // nothing to write, nothing to fail
}

TEST(FdSink, OversizedWriteDrainsWithoutFlush) {
  test_pipe p;
  std::string received;
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      const auto n = ::read(p.read_end, buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, static_cast<std::size_t>(n));
    }
  });
  {
    fd_sink sink(p.write_end, "to the pipe");
    sink.write(std::string(200'000, 'a'));  // above the 64 KiB buffer: written at once
    EXPECT_EQ(sink.bytes_written(), 200'000u);
  }
  ::close(std::exchange(p.write_end, -1));
  reader.join();
  EXPECT_EQ(received.size(), 200'000u);
}

TEST(OstreamSink, FailedStreamIsAnOutputErrorWithoutErrno) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  ostream_sink sink(out);
  try {
    sink.write("x");
    FAIL() << "no exception";
  } catch (const output_error& e) {
    EXPECT_EQ(e.error_number(), 0);
    EXPECT_STREQ(e.what(), "cannot write to the output stream: write failed");
  }
}

class WriterOnAFullDevice : public ::testing::TestWithParam<format> {};

// Every format reports the failure from flush() (the engine flushes after each record)
// and from finish(), never drops it.
TEST_P(WriterOnAFullDevice, FlushAndFinishThrow) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  fd_sink sink(fd, "to stdout");
  auto writer = make_writer(GetParam(), schema::fetch, sink);
  writer->write(sample(0));
  EXPECT_THROW(writer->flush(), output_error);
  EXPECT_THROW(writer->finish(), output_error);
  EXPECT_EQ(sink.bytes_written(), 0u);
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(Formats, WriterOnAFullDevice,
                         ::testing::Values(format::json, format::jsonl, format::csv),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

TEST(WriterOnASink, RecordsArriveWhole) {
  test_pipe p;
  fd_sink sink(p.write_end, "to the pipe");
  auto writer = make_writer(format::jsonl, schema::fetch, sink);
  writer->write(sample(0));
  writer->write(sample(1));
  writer->flush();
  writer->finish();
  char buf[4096];
  const auto n = ::read(p.read_end, buf, sizeof buf);
  ASSERT_GT(n, 0);
  const std::string text(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(sink.bytes_written(), text.size());
}

}  // namespace
}  // namespace pricescrape::output
