#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace pricescrape::cli {

progress_bar::progress_bar(std::optional<std::size_t> total)
    : total_(total), start_(std::chrono::steady_clock::now()) {}

progress_bar::~progress_bar() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

bool progress_bar::wanted(bool enabled_by_user) {
  return enabled_by_user && ::isatty(STDERR_FILENO) == 1;
}

void progress_bar::update(const progress_event& event) {
  const auto now = std::chrono::steady_clock::now();
  // Ten redraws a second at most: the terminal is slower than the scraper.
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) &&
      !(total_ && event.done == *total_))
    return;
  last_draw_ = now;
  draw(event);
}

void progress_bar::draw(const progress_event& event) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(event.done) / seconds : 0.0;
  std::string bar;
  if (total_ && *total_ > 0) {
    constexpr int width = 30;
    const int filled = static_cast<int>(width * event.done / *total_);
    bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    bar += std::to_string(event.done) + "/" + std::to_string(*total_);
  } else {
    bar = std::to_string(event.done) + " done";
  }
  std::fprintf(stderr, "\r\033[K%s  %zu ok  %zu in flight  %.1f pages/s", bar.c_str(), event.ok,
               event.in_flight, rate);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace pricescrape::cli
