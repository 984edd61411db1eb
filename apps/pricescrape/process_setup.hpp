// Process-level set-up done before anything opens a file or socket: the standard
// descriptors, SIGPIPE, the open-files limit.
#pragma once

#include <cstdint>

namespace pricescrape::cli {

// Which of descriptors 0-2 were closed when the process started.
struct standard_fds {
  bool stdin_closed = false;
  bool stdout_closed = false;
  bool stderr_closed = false;
};

// Detects closed standard descriptors and opens /dev/null onto them, so a file or
// socket opened later never takes number 1 and receives the records (or number 2 and
// receives the logs). Call first thing in main.
standard_fds reserve_standard_fds() noexcept;

// Writes to a closed pipe then fail with EPIPE instead of killing the process at some
// arbitrary write, so the app decides what a vanished reader means (see main.cpp).
void ignore_sigpipe() noexcept;

// Ends the process as if killed by SIGPIPE: the quiet end shells expect of a producer
// whose reader went away (`pricescrape urls | head -1`, status 141).
[[noreturn]] void die_of_sigpipe() noexcept;

// Keeps allocations under 32 MiB in the heap instead of fresh mmaps. Fetched and decoded
// pages (50 KB to 16 MB, living for milliseconds) sit above glibc's default threshold
// (128 KB, raised only as mmapped chunks are freed), so each page was a new mapping: page
// faults and zeroing on the io thread, and munmap's TLB shootdowns on every core when the
// extraction pool freed it. Measured on bench/run HTTPS (8 paired rounds): 835 -> 1,016
// pages/s, CPU 2.06 -> 1.69 ms/page, peak RSS +1 MiB. A no-op without glibc.
void keep_page_buffers_in_the_heap() noexcept;

struct fd_limit {
  std::uint64_t before = 0;  // soft limit at start
  std::uint64_t after = 0;   // soft limit now (the hard limit when raising worked)
  int error = 0;             // errno of a failed setrlimit, or 0
};

// Raises the soft RLIMIT_NOFILE to the hard limit: every connection is a descriptor,
// and the usual soft limit of 1024 would fail `-c 2000` with "Too many open files".
fd_limit raise_fd_limit() noexcept;

}  // namespace pricescrape::cli
