#include <pricescrape/state/lock.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace pricescrape::state {

namespace {

// Lock files this process holds, by device and inode: POSIX locks do not conflict
// within a process, and closing any descriptor of the file would drop ours.
std::mutex held_mutex;
std::set<std::pair<dev_t, ino_t>> held;
// The process the set describes: a forked child inherits the set but not the locks.
pid_t held_by = 0;

std::set<std::pair<dev_t, ino_t>>& held_here() {
  if (held_by != ::getpid()) {
    held.clear();
    held_by = ::getpid();
  }
  return held;
}

[[noreturn]] void throw_cannot_lock(const std::filesystem::path& path, int error_number) {
  throw std::runtime_error("cannot lock '" + path.string() + "': " + std::strerror(error_number));
}

struct flock whole_file(short type) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;  // to the end, however long
  return fl;
}

// The holder's pid as the kernel reports it; 0 when the lock was released meanwhile.
long holder_of(int fd) {
  auto fl = whole_file(F_WRLCK);
  if (::fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) return 0;
  return static_cast<long>(fl.l_pid);
}

}  // namespace

std::filesystem::path lock_path_for(const std::filesystem::path& state_file) {
  auto path = state_file;
  path += ".lock";
  return path;
}

std::variant<run_lock, lock_busy> run_lock::try_acquire(const std::filesystem::path& state_file) {
  const auto path = lock_path_for(state_file);
  const std::lock_guard guard(held_mutex);
  // Checked before opening: closing even a second descriptor of a file drops the POSIX
  // locks this process has on it, so a file we hold must not be opened again.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && held_here().count({st.st_dev, st.st_ino}) != 0)
    return lock_busy{static_cast<long>(::getpid()), path};
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw_cannot_lock(path, errno);
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw_cannot_lock(path, err);
  }
  // A few tries: between a refused F_SETLK and F_GETLK the holder may exit.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto fl = whole_file(F_WRLCK);
    if (::fcntl(fd, F_SETLK, &fl) == 0) {
      held_here().insert({st.st_dev, st.st_ino});
      // For people only: the pid, so `cat FILE.lock` says who runs.
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // Best effort: the lock is what matters, not its text.
      }
      return run_lock(fd, path);
    }
    if (errno != EACCES && errno != EAGAIN) {
      const int err = errno;
      ::close(fd);
      throw_cannot_lock(path, err);
    }
    if (const long holder = holder_of(fd); holder != 0) {
      ::close(fd);
      return lock_busy{holder, path};
    }
  }
  ::close(fd);
  return lock_busy{0, path};
}

void run_lock::release() noexcept {
  if (fd_ < 0) return;
  struct stat st {};
  const bool known = ::fstat(fd_, &st) == 0;
  const std::lock_guard guard(held_mutex);
  // Closing releases the lock; the file stays, as removing it would race a new holder.
  ::close(std::exchange(fd_, -1));
  if (known) held_here().erase({st.st_dev, st.st_ino});
}

run_lock::~run_lock() { release(); }

run_lock::run_lock(run_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

run_lock& run_lock::operator=(run_lock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

}  // namespace pricescrape::state
