// One run at a time on a state file: an advisory lock on `FILE.lock` beside it, which
// a second run finds taken, with the pid of the run that holds it.
#pragma once

#include <filesystem>
#include <string>
#include <variant>

namespace pricescrape::state {

// The lock is held by another run.
struct lock_busy {
  long holder_pid = 0;  // 0 when it could not be learnt (another pid namespace, NFS)
  std::filesystem::path lock_file;
};

// A POSIX record lock (fcntl F_SETLK) on `FILE.lock`: the kernel drops it when the
// holder dies, kill -9 included, so a lock is never stale; and F_GETLK names the
// holder's pid exactly, where flock cannot. The file also holds the pid as text for
// people (`cat FILE.lock`). POSIX locks belong to the process, so a second lock of the
// same file within one process is refused here as busy with our own pid.
class run_lock {
 public:
  // Takes the lock without waiting, or says who has it. Throws std::runtime_error
  // when the lock file cannot be created ("cannot lock 'x.db.lock': Permission denied").
  static std::variant<run_lock, lock_busy> try_acquire(const std::filesystem::path& state_file);

  ~run_lock();
  run_lock(run_lock&& other) noexcept;
  run_lock& operator=(run_lock&& other) noexcept;
  run_lock(const run_lock&) = delete;
  run_lock& operator=(const run_lock&) = delete;

  const std::filesystem::path& lock_file() const noexcept { return path_; }

 private:
  run_lock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  void release() noexcept;

  int fd_ = -1;
  std::filesystem::path path_;
};

// "FILE.lock" for "FILE".
std::filesystem::path lock_path_for(const std::filesystem::path& state_file);

}  // namespace pricescrape::state
