#include "process_setup.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

namespace pricescrape::cli {

standard_fds reserve_standard_fds() noexcept {
  standard_fds closed;
  bool* flags[] = {&closed.stdin_closed, &closed.stdout_closed, &closed.stderr_closed};
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    *flags[fd] = true;
    // open() returns the lowest free number, which is `fd` since the ones below are
    // open by now (earlier iterations made sure).
    const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
  return closed;
}

void ignore_sigpipe() noexcept { std::signal(SIGPIPE, SIG_IGN); }

void keep_page_buffers_in_the_heap() noexcept {
#ifdef __GLIBC__
  // A refused setting leaves glibc's defaults: slower, never wrong, so nothing to report.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

void die_of_sigpipe() noexcept {
  std::signal(SIGPIPE, SIG_DFL);
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_UNBLOCK, &pipe_only, nullptr);
  ::raise(SIGPIPE);
  std::_Exit(128 + SIGPIPE);  // only if the signal could not end us
}

fd_limit raise_fd_limit() noexcept {
  fd_limit result;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = errno;
    return result;
  }
  result.before = result.after = limit.rlim_cur;
  if (limit.rlim_cur >= limit.rlim_max) return result;
  rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max;
  int rc = ::setrlimit(RLIMIT_NOFILE, &raised);
  if (rc != 0 && limit.rlim_max == RLIM_INFINITY) {
    // Linux caps descriptors at fs.nr_open (default 2^20) whatever the hard limit says.
    raised.rlim_cur = rlim_t{1} << 20;
    rc = ::setrlimit(RLIMIT_NOFILE, &raised);
  }
  if (rc != 0) {
    result.error = errno;
    return result;
  }
  result.after = raised.rlim_cur;
  return result;
}

}  // namespace pricescrape::cli
