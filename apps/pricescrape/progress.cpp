#include "progress.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace pricescrape::cli {

progress_bar::progress_bar(std::optional<std::size_t> total)
    : total_(total), start_(std::chrono::steady_clock::now()) {
  const char* term = std::getenv("TERM");
  dumb_ = term != nullptr && std::strcmp(term, "dumb") == 0;
}

progress_bar::~progress_bar() {
  std::lock_guard lock(mutex_);
  clear_locked();
}

bool progress_bar::wanted(bool enabled_by_user) {
  return enabled_by_user && ::isatty(STDERR_FILENO) == 1;
}

bool progress_bar::shares_terminal_with_stdout() {
  struct stat out {};
  struct stat err {};
  if (::isatty(STDOUT_FILENO) != 1 || ::isatty(STDERR_FILENO) != 1) return false;
  if (::fstat(STDOUT_FILENO, &out) != 0 || ::fstat(STDERR_FILENO, &err) != 0) return false;
  return out.st_dev == err.st_dev && out.st_ino == err.st_ino && out.st_rdev == err.st_rdev;
}

void progress_bar::update(const progress_event& event) {
  std::lock_guard lock(mutex_);
  last_ = event;
  const auto now = std::chrono::steady_clock::now();
  // Ten redraws a second at most: the terminal is slower than the scraper.
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) &&
      !(total_ && event.done == *total_))
    return;
  last_draw_ = now;
  draw_locked();
}

void progress_bar::hide() {
  mutex_.lock();  // held until show(): no redraw between the clear and the write
  clear_locked();
}

void progress_bar::show() {
  if (last_) draw_locked();
  mutex_.unlock();
}

void progress_bar::clear_locked() {
  if (!drawn_) return;
  if (dumb_)
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_drawn_), "");
  else
    std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

void progress_bar::draw_locked() {
  const auto& event = *last_;
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
  char line[256];
  const int n = std::snprintf(line, sizeof line, "%s  %zu ok  %zu in flight  %.1f pages/s",
                              bar.c_str(), event.ok, event.in_flight, rate);
  const std::size_t length = n > 0 ? std::min<std::size_t>(n, sizeof line - 1) : 0;
  if (dumb_) {
    // No "erase line" on a dumb terminal: overwrite the old line, pad its tail.
    const int pad = width_drawn_ > length ? static_cast<int>(width_drawn_ - length) : 0;
    std::fprintf(stderr, "\r%s%*s", line, pad, "");
  } else {
    std::fprintf(stderr, "\r\033[K%s", line);
  }
  std::fflush(stderr);
  width_drawn_ = std::max(width_drawn_, length);
  drawn_ = true;
}

void bar_aware_sink::write(std::string_view bytes) {
  bar_.hide();
  try {
    inner_.write(bytes);
    inner_.flush();  // out now, while the line is clear
  } catch (...) {
    bar_.show();
    throw;
  }
  bar_.show();
}

void bar_aware_sink::flush() { inner_.flush(); }

}  // namespace pricescrape::cli
