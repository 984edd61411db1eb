// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#pragma once

#include <pricescrape/engine.hpp>
#include <pricescrape/output/sink.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace pricescrape::cli {

class progress_bar {
 public:
  // `total` is known when the input is a regular file (it is counted first).
  explicit progress_bar(std::optional<std::size_t> total);
  ~progress_bar();  // clears the line
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  void update(const progress_event& event);
  // Around a write to the same terminal: the line is cleared, the bytes written, the
  // bar drawn again below them (records never land on the bar's line).
  void hide();
  void show();

  // Drawn only when the user did not say --no-progress and stderr is a terminal.
  static bool wanted(bool enabled_by_user);
  // Stdout and stderr are one terminal (same device and inode), so records written to
  // stdout would land on the bar's line.
  static bool shares_terminal_with_stdout();

 private:
  void draw_locked();
  void clear_locked();

  std::mutex mutex_;  // the io thread draws; the writer's thread may hide and show
  std::optional<std::size_t> total_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::optional<progress_event> last_;
  bool drawn_ = false;
  bool dumb_ = false;  // TERM=dumb: no escape sequences, clear with spaces
  std::size_t width_drawn_ = 0;
};

// Writes to stdout through `inner` with the bar hidden around each write, when stdout
// and stderr share a terminal.
class bar_aware_sink final : public output::byte_sink {
 public:
  bar_aware_sink(output::byte_sink& inner, progress_bar& bar) : inner_(inner), bar_(bar) {}
  void write(std::string_view bytes) override;
  void flush() override;

 private:
  output::byte_sink& inner_;
  progress_bar& bar_;
};

}  // namespace pricescrape::cli
