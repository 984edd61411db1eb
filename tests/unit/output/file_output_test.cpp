#include <pricescrape/output/file_output.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

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
    out.stream() << "[]\n";
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
  out.stream() << "new\n";
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
    out.stream() << "[{\"partial\": ";
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
  out.stream() << "{}\n";
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

}  // namespace
}  // namespace pricescrape::output
