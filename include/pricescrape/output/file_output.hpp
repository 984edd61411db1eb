// Writes output to a temporary file beside the target and renames it into place.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace pricescrape::output {

class file_output {
 public:
  // Creates `<dir>/.<name>.tmp-<pid>`; throws std::runtime_error with a one-line
  // message ("cannot write 'out.json': Permission denied") when that fails.
  explicit file_output(std::filesystem::path target);
  // Removes the temporary file unless commit() succeeded.
  ~file_output();

  file_output(const file_output&) = delete;
  file_output& operator=(const file_output&) = delete;

  std::ostream& stream() noexcept { return out_; }

  // Flushes, closes and renames into place; throws std::runtime_error on failure.
  void commit();

  const std::filesystem::path& temp_path() const noexcept { return temp_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace pricescrape::output
