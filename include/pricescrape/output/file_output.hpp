// Writes `-o FILE`: a regular file is replaced atomically (a temporary beside it, renamed
// when complete); a device, FIFO or the like is written directly.
#pragma once

#include <pricescrape/output/sink.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace pricescrape::output {

class file_output {
 public:
  // Resolves symlinks, so the link stays and its final target gets the output. For a
  // regular or missing target it creates `<target's dir>/.<name>.tmp-<pid>` with the
  // existing file's mode (and owner, when allowed); for any other existing file
  // (/dev/null, a FIFO, a terminal) it opens the target itself for writing, without
  // truncating. Throws std::runtime_error with a one-line message ("cannot write
  // 'out.json': Permission denied") when that fails: nothing has been fetched yet.
  explicit file_output(std::filesystem::path target);
  // Removes the temporary file unless commit() succeeded.
  ~file_output();

  file_output(const file_output&) = delete;
  file_output& operator=(const file_output&) = delete;

  // Every write is checked: a failure throws output_error naming the target.
  byte_sink& sink() noexcept { return *sink_; }

  // Flushes, fsyncs, closes and renames into place (writing directly: flushes and
  // closes). Throws output_error on failure; the target is then left as it was.
  void commit();
  // For an interrupted run: the same, but renamed to `<final path>.partial`, so the
  // target keeps yesterday's complete output. Returns where the output landed (the
  // target itself when writing directly). Throws output_error like commit().
  std::filesystem::path commit_partial();

  // Temporaries of earlier runs that died (`.NAME.tmp-PID` whose PID no longer runs)
  // removed beside the target when this one was created.
  std::size_t stale_temps_removed() const noexcept { return stale_removed_; }

  // Empty when writing directly.
  const std::filesystem::path& temp_path() const noexcept { return temp_; }
  // Where the output lands: the target with its symlinks followed.
  const std::filesystem::path& final_path() const noexcept { return final_; }
  bool direct() const noexcept { return temp_.empty(); }

 private:
  // What a replaced file keeps: its permission bits and, when allowed, its owner.
  struct kept_attributes {
    unsigned mode = 0;
    unsigned uid = 0;
    unsigned gid = 0;
  };
  void open_temp(const kept_attributes* existing);
  void open_direct();
  void finish_to(const std::filesystem::path& destination);

  std::filesystem::path target_;  // as given, for messages
  std::filesystem::path final_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::optional<fd_sink> sink_;
  bool committed_ = false;
  std::size_t stale_removed_ = 0;
};

}  // namespace pricescrape::output
