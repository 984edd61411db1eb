#include <pricescrape/output/file_output.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace pricescrape::output {

namespace {

[[noreturn]] void throw_cannot_write(const std::filesystem::path& path, std::string_view why) {
  std::string message = "cannot write '";
  message += path.string();
  message += "': ";
  message += why;
  throw std::runtime_error(message);
}

// The temporary sits beside the target, so the final rename stays on one filesystem
// and is atomic; the leading dot keeps it out of `ls` and globs; the pid keeps two
// runs writing the same target apart.
std::filesystem::path temp_path_for(const std::filesystem::path& target) {
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  return target.parent_path() / name;
}

}  // namespace

file_output::file_output(std::filesystem::path target)
    : target_(std::move(target)), temp_(temp_path_for(target_)) {
  // Caught here, before any request is sent, rather than by the rename at the end.
  std::error_code ec;
  if (target_.filename().empty() || std::filesystem::is_directory(target_, ec)) {
    throw_cannot_write(target_, std::strerror(EISDIR));
  }
  errno = 0;
  out_.open(temp_, std::ios::out | std::ios::binary | std::ios::trunc);
  if (!out_.is_open()) {
    int err = errno;
    throw_cannot_write(target_, err != 0 ? std::strerror(err) : "cannot create file");
  }
}

file_output::~file_output() {
  if (committed_) return;
  // An unfinished run must not leave a half-written hidden file behind.
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temp_, ec);
}

void file_output::commit() {
  if (committed_) return;
  errno = 0;
  out_.flush();
  if (!out_) {
    int err = errno;
    throw_cannot_write(target_, err != 0 ? std::strerror(err) : "write failed");
  }
  // close() writes what flush() may have left and reports a failure (e.g. ENOSPC on
  // NFS, which often surfaces only at close).
  errno = 0;
  out_.close();
  if (out_.fail()) {
    int err = errno;
    throw_cannot_write(target_, err != 0 ? std::strerror(err) : "close failed");
  }
  std::error_code ec;
  std::filesystem::rename(temp_, target_, ec);
  if (ec) throw_cannot_write(target_, ec.message());
  committed_ = true;
}

}  // namespace pricescrape::output
