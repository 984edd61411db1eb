// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#pragma once

#include <pricescrape/engine.hpp>

#include <chrono>
#include <optional>

namespace pricescrape::cli {

class progress_bar {
 public:
  // `total` is known when the input is a regular file (it is counted first).
  explicit progress_bar(std::optional<std::size_t> total);
  ~progress_bar();  // clears the line

  void update(const progress_event& event);

  static bool wanted(bool enabled_by_user);

 private:
  void draw(const progress_event& event);

  std::optional<std::size_t> total_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace pricescrape::cli
