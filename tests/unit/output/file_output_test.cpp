#include <pricescrape/output/file_output.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace pricescrape::output {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory per test, removed afterwards.
class FileOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("pricescrape-file-output-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
};

TEST_F(FileOutput, TempFileSitsBesideTheTarget) {
  file_output out(dir_ / "out.json");
  EXPECT_EQ(out.temp_path(), dir_ / (".out.json.tmp-" + std::to_string(::getpid())));
  EXPECT_TRUE(fs::exists(out.temp_path()));
  EXPECT_FALSE(fs::exists(dir_ / "out.json"));
}

TEST_F(FileOutput, CommitRenamesIntoPlace) {
  fs::path temp;
  {
    file_output out(dir_ / "out.json");
    temp = out.temp_path();
    out.sink().write("[]\n");
    EXPECT_FALSE(fs::exists(dir_ / "out.json"));
    out.commit();
    EXPECT_FALSE(fs::exists(temp));
    EXPECT_EQ(read_file(dir_ / "out.json"), "[]\n");
  }
  // The destructor of a committed output leaves the target alone.
  EXPECT_EQ(read_file(dir_ / "out.json"), "[]\n");
  EXPECT_FALSE(fs::exists(temp));
}

TEST_F(FileOutput, CommitReplacesAnExistingFile) {
  { std::ofstream(dir_ / "out.csv") << "old contents that are longer\n"; }
  file_output out(dir_ / "out.csv");
  out.sink().write("new\n");
  // Until the commit, the old file is what readers see.
  EXPECT_EQ(read_file(dir_ / "out.csv"), "old contents that are longer\n");
  out.commit();
  EXPECT_EQ(read_file(dir_ / "out.csv"), "new\n");
}

TEST_F(FileOutput, DestructorRemovesUncommittedTemp) {
  fs::path temp;
  {
    file_output out(dir_ / "out.json");
    temp = out.temp_path();
    out.sink().write("[{\"partial\": ");
    out.sink().flush();
    ASSERT_TRUE(fs::exists(temp));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(dir_ / "out.json"));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(FileOutput, RelativeTargetUsesTheCurrentDirectory) {
  struct cwd_guard {
    fs::path saved = fs::current_path();
    ~cwd_guard() { fs::current_path(saved); }
  } guard;
  fs::current_path(dir_);
  file_output out("rel.jsonl");
  EXPECT_EQ(out.temp_path(), fs::path(".rel.jsonl.tmp-" + std::to_string(::getpid())));
  out.sink().write("{}\n");
  out.commit();
  EXPECT_EQ(read_file(dir_ / "rel.jsonl"), "{}\n");
}

TEST_F(FileOutput, MissingDirectoryThrows) {
  fs::path target = dir_ / "no-such-dir" / "out.json";
  try {
    file_output out(target);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write '" + target.string() + "': No such file or directory");
  }
}

TEST_F(FileOutput, UnwritableDirectoryThrows) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  fs::path target = dir_ / "out.json";
  try {
    file_output out(target);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '" + target.string() + "': Permission denied");
  }
}

// Works as root too, where directory permissions are not enforced.
TEST_F(FileOutput, ParentThatIsAFileThrows) {
  { std::ofstream(dir_ / "plain") << "x"; }
  fs::path target = dir_ / "plain" / "out.json";
  try {
    file_output out(target);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '" + target.string() + "': Not a directory");
  }
}

TEST_F(FileOutput, DirectoryTargetThrowsBeforeAnyWork) {
  try {
    file_output out(dir_);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '" + dir_.string() + "': Is a directory");
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

TEST_F(FileOutput, WritesThroughASymlinkAndKeepsTheLink) {
  fs::create_directories(dir_ / "real");
  { std::ofstream(dir_ / "real" / "data.json") << "old\n"; }
  fs::create_symlink("real/data.json", dir_ / "link.json");  // relative, as `ln -s` makes
  file_output out(dir_ / "link.json");
  // The temporary sits beside the final target, so the rename cannot cross filesystems.
  EXPECT_EQ(out.temp_path(), dir_ / "real" / (".data.json.tmp-" + std::to_string(::getpid())));
  EXPECT_FALSE(out.direct());
  out.sink().write("new\n");
  out.commit();
  EXPECT_TRUE(S_ISLNK(mode_of(dir_ / "link.json")));
  EXPECT_EQ(fs::read_symlink(dir_ / "link.json"), "real/data.json");
  EXPECT_EQ(read_file(dir_ / "real" / "data.json"), "new\n");
  // Nothing else was created in either directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "real"), fs::directory_iterator()), 1);
}

TEST_F(FileOutput, DanglingSymlinkCreatesItsTarget) {
  fs::create_directories(dir_ / "real");
  fs::create_symlink(dir_ / "real" / "later.csv", dir_ / "link.csv");
  file_output out(dir_ / "link.csv");
  EXPECT_EQ(out.final_path(), dir_ / "real" / "later.csv");
  out.sink().write("a,b\n");
  out.commit();
  EXPECT_TRUE(S_ISLNK(mode_of(dir_ / "link.csv")));
  EXPECT_EQ(read_file(dir_ / "real" / "later.csv"), "a,b\n");
}

TEST_F(FileOutput, SymlinkLoopIsRefused) {
  fs::create_symlink(dir_ / "b", dir_ / "a");
  fs::create_symlink(dir_ / "a", dir_ / "b");
  try {
    file_output out(dir_ / "a");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write '" + (dir_ / "a").string() + "': Too many levels of symbolic links");
  }
}

TEST_F(FileOutput, ReplacedFileKeepsItsPermissionBits) {
  for (const mode_t mode : {0600, 0640, 0604}) {
    const auto target = dir_ / ("mode-" + std::to_string(mode));
    { std::ofstream(target) << "old\n"; }
    ASSERT_EQ(::chmod(target.c_str(), mode), 0);
    file_output out(target);
    out.sink().write("new\n");
    out.commit();
    EXPECT_EQ(mode_of(target) & 07777, mode) << std::oct << mode;
    EXPECT_EQ(read_file(target), "new\n");
  }
}

TEST_F(FileOutput, NewFileGetsTheUmaskDefault) {
  const mode_t mask = ::umask(022);
  ::umask(mask);
  file_output out(dir_ / "fresh.json");
  out.commit();
  EXPECT_EQ(mode_of(dir_ / "fresh.json") & 07777, 0666 & ~mask);
}

TEST_F(FileOutput, DevNullIsWrittenDirectlyAndStaysADevice) {
  struct stat before {};
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  {
    file_output out("/dev/null");
    EXPECT_TRUE(out.direct());
    EXPECT_TRUE(out.temp_path().empty());
    out.sink().write("[]\n");
    out.commit();
  }
  struct stat after {};
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_rdev, makedev(1, 3));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

TEST_F(FileOutput, SymlinkToADeviceIsWrittenThrough) {
  fs::create_symlink("/dev/null", dir_ / "sink");
  file_output out(dir_ / "sink");
  EXPECT_TRUE(out.direct());
  out.sink().write("x\n");
  out.commit();
  EXPECT_TRUE(S_ISLNK(mode_of(dir_ / "sink")));
  EXPECT_TRUE(S_ISCHR(mode_of("/dev/null")));
}

TEST_F(FileOutput, FifoIsWrittenDirectly) {
  const auto fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);  // opening blocks until the writer opens
    received.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  {
    file_output out(fifo);
    EXPECT_TRUE(out.direct());
    out.sink().write("[{\"index\": 0}]\n");
    out.commit();
  }
  reader.join();
  EXPECT_EQ(received, "[{\"index\": 0}]\n");
  EXPECT_TRUE(S_ISFIFO(mode_of(fifo)));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(FileOutput, WriteFailureIsReportedWithItsErrno) {
  file_output out("/dev/full");
  EXPECT_TRUE(out.direct());
  out.sink().write(std::string(100, 'x'));  // buffered: nothing written yet
  try {
    out.commit();
    FAIL() << "no exception";
  } catch (const output_error& e) {
    EXPECT_EQ(e.error_number(), ENOSPC);
    EXPECT_EQ(std::string(e.what()), "cannot write '/dev/full': No space left on device");
  }
}

// A file size limit makes a write to a regular file fail (EFBIG) as a full disk would,
// without needing one.
class file_size_limit {
 public:
  explicit file_size_limit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // else the process is killed
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~file_size_limit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

TEST_F(FileOutput, FailedWriteLeavesTheOldFileAndNoTemp) {
  { std::ofstream(dir_ / "out.json") << "old\n"; }
  fs::path temp;
  {
    file_output out(dir_ / "out.json");
    temp = out.temp_path();
    file_size_limit limit(8);
    out.sink().write("[{\"index\": 0, \"url\": \"https://shop.example/\"}]\n");
    try {
      out.commit();
      FAIL() << "no exception";
    } catch (const output_error& e) {
      EXPECT_EQ(e.error_number(), EFBIG);
      EXPECT_EQ(std::string(e.what()),
                "cannot write '" + (dir_ / "out.json").string() + "': File too large");
    }
    // Later calls fail the same way rather than write past the lost bytes.
    EXPECT_THROW(out.sink().write("more"), output_error);
  }
  EXPECT_EQ(read_file(dir_ / "out.json"), "old\n");
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

// --- interrupted runs and dead runs' leftovers ------------------------------------------

TEST_F(FileOutput, CommitPartialKeepsTheTargetAndWritesBesideIt) {
  { std::ofstream(dir_ / "out.json") << "yesterday\n"; }
  file_output out(dir_ / "out.json");
  const auto temp = out.temp_path();
  out.sink().write("[{\"index\": 0}\n]\n");
  EXPECT_EQ(out.commit_partial(), dir_ / "out.json.partial");
  EXPECT_EQ(read_file(dir_ / "out.json"), "yesterday\n");
  EXPECT_EQ(read_file(dir_ / "out.json.partial"), "[{\"index\": 0}\n]\n");
  EXPECT_FALSE(fs::exists(temp));
}

TEST_F(FileOutput, ACompleteRunRemovesTheLeftoverPartial) {
  { std::ofstream(dir_ / "out.json.partial") << "[]\n"; }
  file_output out(dir_ / "out.json");
  out.sink().write("[]\n");
  out.commit();
  EXPECT_TRUE(fs::exists(dir_ / "out.json"));
  EXPECT_FALSE(fs::exists(dir_ / "out.json.partial"));
}

TEST_F(FileOutput, CommitPartialOnADeviceWritesTheDevice) {
  file_output out("/dev/null");
  out.sink().write("x");
  EXPECT_EQ(out.commit_partial(), fs::path("/dev/null"));
  EXPECT_FALSE(fs::exists("/dev/null.partial"));
}

// The pid of a process that existed and is gone (reaped), for stale temp names.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST_F(FileOutput, TempsOfDeadRunsAreRemovedAndLiveOnesKept) {
  const pid_t dead = dead_pid();
  const auto stale = dir_ / (".out.json.tmp-" + std::to_string(dead));
  const auto live = dir_ / (".out.json.tmp-" + std::to_string(::getppid()));
  const auto other_target = dir_ / (".other.json.tmp-" + std::to_string(dead));
  const auto not_a_pid = dir_ / ".out.json.tmp-12ab";
  const auto stale_dir = dir_ / (".out.json.tmp-" + std::to_string(dead_pid()));
  for (const auto& p : {stale, live, other_target, not_a_pid}) std::ofstream(p) << "x";
  fs::create_directory(stale_dir);

  file_output out(dir_ / "out.json");
  EXPECT_EQ(out.stale_temps_removed(), 1u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));          // its process still runs
  EXPECT_TRUE(fs::exists(other_target));  // another target's
  EXPECT_TRUE(fs::exists(not_a_pid));
  EXPECT_TRUE(fs::exists(stale_dir));  // only regular files are ours to remove
  out.commit();
}

}  // namespace
}  // namespace pricescrape::output
