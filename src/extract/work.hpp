// Counts the work one extraction does and stops it when asked. Private to extract/.
//
// Why a counter: hostile pages find every quadratic loop, and a bound on work is only
// a bound when the code keeps the count and a test asserts it (tests run adversarial
// pages at sizes N and 4N and compare the counts). The same count paces the checks of
// extract_options::stop, so every long loop that counts its steps is interruptible.
//
// Why thread-local: every DOM helper (text_content, the walks, the JSON-LD reader)
// counts, and threading a parameter through all of them would touch every signature
// for bookkeeping. The meter is installed by a scope object for one extraction on one
// thread; without one (a unit test calling a helper directly) counting does nothing.
#pragma once

#include <atomic>
#include <cstdint>

namespace pricescrape::extract::detail {

// Thrown out of a long loop when the stop flag is seen; extract_product turns it into
// error_kind::cancelled. Only our own C++ frames are unwound (never gumbo's).
struct extraction_cancelled {};

class work_meter {
 public:
  explicit work_meter(const std::atomic<bool>* stop) noexcept : stop_(stop) {}

  // Records `units` steps; every check_interval steps, looks at the stop flag.
  void add(std::uint64_t units) {
    done_ += units;
    if (done_ >= next_check_) check();
  }
  // Looks at the stop flag now (before and after steps that cannot be interrupted).
  void check() {
    next_check_ = done_ + check_interval;
    if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) throw extraction_cancelled{};
  }
  std::uint64_t done() const noexcept { return done_; }

  // Node visits left to the text walks (text_content, price_text) of this page. Each
  // walk has its own cap too, but walks from nested elements overlap: the sum of the
  // subtree sizes is the node count times the depth. This total keeps it linear.
  void limit_text_walks(std::uint64_t visits) noexcept { text_left_ = visits; }
  // One node visit of a text walk; false once the page's allowance is spent.
  bool text_step(std::uint64_t steps = 1) {
    add(steps);
    if (steps > text_left_) {
      text_left_ = 0;
      return false;
    }
    text_left_ -= steps;
    return true;
  }

  // A step is a node visited, a JSON value walked, a tag tokenized, ~64 bytes scanned:
  // each costs well under a microsecond, so 4096 of them are a few milliseconds at most.
  static constexpr std::uint64_t check_interval = 4096;

 private:
  const std::atomic<bool>* stop_;
  std::uint64_t done_ = 0;
  std::uint64_t next_check_ = check_interval;
  std::uint64_t text_left_ = UINT64_MAX;
};

namespace work_detail {
inline thread_local work_meter* current = nullptr;
}

// Installs `meter` for the calling thread while it lives.
class work_scope {
 public:
  explicit work_scope(work_meter& meter) noexcept : previous_(work_detail::current) {
    work_detail::current = &meter;
  }
  ~work_scope() { work_detail::current = previous_; }
  work_scope(const work_scope&) = delete;
  work_scope& operator=(const work_scope&) = delete;

 private:
  work_meter* previous_;
};

// Counts `units` steps against the meter of this thread, if any (may throw
// extraction_cancelled).
inline void count_work(std::uint64_t units = 1) {
  if (work_meter* m = work_detail::current) m->add(units);
}

// One node visit of a text walk: false when the page's allowance is spent.
inline bool text_walk_step(std::uint64_t steps = 1) {
  if (work_meter* m = work_detail::current) return m->text_step(steps);
  return true;
}

// Looks at the stop flag now, if a meter is installed.
inline void check_stop() {
  if (work_meter* m = work_detail::current) m->check();
}

}  // namespace pricescrape::extract::detail
