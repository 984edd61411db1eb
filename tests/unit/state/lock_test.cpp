// One run at a time: two real processes contend for the lock on one state file.
#include <pricescrape/state/lock.hpp>

#include "state_test_support.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <string>

namespace pricescrape::state {
namespace {

// A child process that takes the lock, says so on a pipe, then holds it until its
// stdin-like pipe closes (or it is killed).
class lock_holder_process {
 public:
  explicit lock_holder_process(const std::filesystem::path& state_file) {
    int ready[2];
    int hold[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(hold), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(hold[1]);
      auto lock = run_lock::try_acquire(state_file);
      const char answer = std::holds_alternative<run_lock>(lock) ? 'L' : 'B';
      if (::write(ready[1], &answer, 1) != 1) ::_exit(2);
      char byte = 0;
      while (::read(hold[0], &byte, 1) > 0) {
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(hold[0]);
    hold_fd_ = hold[1];
    char answer = 0;
    EXPECT_EQ(::read(ready[0], &answer, 1), 1);
    ::close(ready[0]);
    locked_ = answer == 'L';
  }
  ~lock_holder_process() { release(); }

  pid_t pid() const { return pid_; }
  bool locked() const { return locked_; }

  // Ends the child normally and waits for it.
  void release() {
    if (pid_ <= 0) return;
    ::close(hold_fd_);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    ::close(hold_fd_);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int hold_fd_ = -1;
  bool locked_ = false;
};

class RunLock : public testing::TempDirTest {
 protected:
  std::filesystem::path file() const { return dir_ / "state.db"; }
};

TEST_F(RunLock, ASecondProcessIsRefusedWithTheHoldersPid) {
  lock_holder_process holder(file());
  ASSERT_TRUE(holder.locked());
  auto second = run_lock::try_acquire(file());
  ASSERT_TRUE(std::holds_alternative<lock_busy>(second));
  EXPECT_EQ(std::get<lock_busy>(second).holder_pid, holder.pid());
  EXPECT_EQ(std::get<lock_busy>(second).lock_file, dir_ / "state.db.lock");
  // The lock file names the holder for people too.
  std::ifstream text(dir_ / "state.db.lock");
  long pid_in_file = 0;
  text >> pid_in_file;
  EXPECT_EQ(pid_in_file, holder.pid());

  holder.release();
  auto third = run_lock::try_acquire(file());
  EXPECT_TRUE(std::holds_alternative<run_lock>(third));
}

TEST_F(RunLock, AKilledHolderLeavesNoStaleLock) {
  lock_holder_process holder(file());
  ASSERT_TRUE(holder.locked());
  holder.kill9();
  // The lock file stays, with the dead pid in it; the lock itself is gone.
  EXPECT_TRUE(std::filesystem::exists(dir_ / "state.db.lock"));
  auto after = run_lock::try_acquire(file());
  EXPECT_TRUE(std::holds_alternative<run_lock>(after));
}

TEST_F(RunLock, HeldHereRefusesOtherProcessesAndThisOne) {
  auto mine = run_lock::try_acquire(file());
  ASSERT_TRUE(std::holds_alternative<run_lock>(mine));
  // Within this process: busy with our own pid, and our lock is not dropped by asking.
  auto again = run_lock::try_acquire(file());
  ASSERT_TRUE(std::holds_alternative<lock_busy>(again));
  EXPECT_EQ(std::get<lock_busy>(again).holder_pid, ::getpid());
  {
    lock_holder_process other(file());
    EXPECT_FALSE(other.locked());
  }
  // Released by destruction: another process gets it.
  mine = lock_busy{};
  lock_holder_process later(file());
  EXPECT_TRUE(later.locked());
}

TEST_F(RunLock, AnUncreatableLockFileIsAnError) {
  EXPECT_THROW(run_lock::try_acquire(dir_ / "missing-dir" / "state.db"), std::runtime_error);
}

}  // namespace
}  // namespace pricescrape::state
