#include <pricescrape/output/file_output.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace pricescrape::output {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_cannot_write(const fs::path& path, int error_number) {
  std::string message = "cannot write '";
  message += path.string();
  message += "': ";
  message += std::strerror(error_number);
  throw std::runtime_error(message);
}

// The temporary sits beside the final target, so the rename stays on one filesystem
// and is atomic; the leading dot keeps it out of `ls` and globs; the pid keeps two
// runs writing the same target apart.
fs::path temp_path_for(const fs::path& target) {
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  return target.parent_path() / name;
}

// The file a path to an existing regular file really is, so a symlink is written
// through (the link stays) rather than replaced by a file.
fs::path real_path(const fs::path& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) throw_cannot_write(path, errno);
  return resolved;
}

// realpath() needs the final file to exist; for a link to a file not yet created
// (a dangling link) follow the links by hand, as open(O_CREAT) would.
fs::path follow_dangling_links(const fs::path& path) {
  fs::path current = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    char link[PATH_MAX];
    const auto n = ::readlink(current.c_str(), link, sizeof link - 1);
    if (n < 0) throw_cannot_write(path, errno);
    const fs::path next(std::string(link, static_cast<std::size_t>(n)));
    current = next.is_absolute() ? next : current.parent_path() / next;
  }
  throw_cannot_write(path, ELOOP);
}

// Removes `.NAME.tmp-PID` files beside `final` left by runs that were killed (kill -9,
// power loss): only regular files, only of processes that no longer exist. A live
// process with that pid (even a reused one) keeps its file; a later run removes it.
std::size_t remove_stale_temps(const fs::path& final) {
  const std::string prefix = "." + final.filename().string() + ".tmp-";
  const fs::path dir = final.parent_path().empty() ? fs::path(".") : final.parent_path();
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

// Makes the rename itself durable; best effort, as some filesystems refuse to fsync a
// directory and the data is already safe.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

file_output::file_output(fs::path target) : target_(std::move(target)) {
  // Caught here, before any request is sent, rather than at the end.
  if (target_.filename().empty()) throw_cannot_write(target_, EISDIR);
  struct stat st {};
  if (::stat(target_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw_cannot_write(target_, EISDIR);
    // Renaming a file over /dev/null (as root) or a FIFO would replace it: write to
    // such files directly.
    if (!S_ISREG(st.st_mode)) {
      open_direct();
      return;
    }
    final_ = real_path(target_);
    const kept_attributes kept{st.st_mode & 07777, st.st_uid, st.st_gid};
    open_temp(&kept);
  } else if (errno == ENOENT) {
    final_ = follow_dangling_links(target_);
    open_temp(nullptr);
  } else {
    throw_cannot_write(target_, errno);
  }
}

void file_output::open_temp(const kept_attributes* existing) {
  stale_removed_ = remove_stale_temps(final_);
  temp_ = temp_path_for(final_);
  constexpr int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  fd_ = ::open(temp_.c_str(), flags, 0666);
  if (fd_ < 0 && errno == EEXIST) {
    // Left by an earlier run that had our pid and was killed: ours to replace. O_EXCL
    // still refuses to follow anything planted in its place meanwhile.
    ::unlink(temp_.c_str());
    fd_ = ::open(temp_.c_str(), flags, 0666);
  }
  if (fd_ < 0) throw_cannot_write(target_, errno);
  if (existing != nullptr) {
    // The replacement keeps what the old file had: a 0600 file must not become 0644.
    // The owner can only be kept by root (or when it is us); otherwise the file is
    // ours, as any newly created file would be. fchown before fchmod, which it resets.
    if (::fchown(fd_, existing->uid, existing->gid) != 0) {
      // Not permitted: keep going with our own ownership.
    }
    if (::fchmod(fd_, existing->mode) != 0) {
      const int err = errno;
      ::close(std::exchange(fd_, -1));
      ::unlink(temp_.c_str());
      throw_cannot_write(target_, err);
    }
  }
  sink_.emplace(fd_, "'" + target_.string() + "'");
}

void file_output::open_direct() {
  final_ = target_;
  // No O_TRUNC: a device or FIFO has nothing to truncate, and this is what a shell's
  // `>` does for them too. O_NOCTTY: a terminal named here must not become ours.
  fd_ = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd_ < 0) throw_cannot_write(target_, errno);
  sink_.emplace(fd_, "'" + target_.string() + "'");
}

file_output::~file_output() {
  if (fd_ >= 0) ::close(fd_);
  // An unfinished run must not leave a half-written hidden file behind.
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void file_output::commit() {
  finish_to(final_);
  // What an interrupted run left is superseded by this complete output.
  if (!direct()) {
    auto partial = final_;
    partial += ".partial";
    struct stat st {};
    if (::lstat(partial.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(partial.c_str());
  }
}

fs::path file_output::commit_partial() {
  if (direct()) {
    commit();
    return final_;
  }
  auto partial = final_;
  partial += ".partial";
  finish_to(partial);
  return partial;
}

void file_output::finish_to(const fs::path& destination) {
  if (committed_) return;
  sink_->flush();
  // The data must be on disk before the rename makes it the target: otherwise a crash
  // can leave an empty file where the old one was.
  if (!direct() && ::fsync(fd_) != 0) sink_->fail(errno);
  // close() can report what write() did not (e.g. ENOSPC on NFS). EINTR leaves the
  // descriptor closed on Linux, and the data was already synced.
  if (::close(std::exchange(fd_, -1)) != 0 && errno != EINTR) sink_->fail(errno);
  if (!direct()) {
    if (::rename(temp_.c_str(), destination.c_str()) != 0) sink_->fail(errno);
    sync_directory(destination.parent_path());
  }
  committed_ = true;
}

}  // namespace pricescrape::output
