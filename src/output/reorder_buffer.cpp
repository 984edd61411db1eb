#include <pricescrape/output/reorder_buffer.hpp>

#include <cassert>
#include <utility>

namespace pricescrape::output {

void reorder_buffer::learn_next() {
  if (known_) return;
  // The source may not have read the next job yet: next_ stays a bound, and the next
  // put() asks again (its record's index was given out before it, so by then the one
  // awaited is known).
  if (const auto given = next_of_()) {
    assert(*given >= next_ && "indices given out must increase");
    next_ = *given;
    known_ = true;
  }
}

void reorder_buffer::advance() {
  ++next_;
  if (!next_of_) return;
  known_ = false;
  learn_next();
}

void reorder_buffer::put(record r) {
  learn_next();
  if (!known_ || r.index != next_) {
    // An index below next_ was already written, a held one would be written twice:
    // both mean a job was reported twice, which is a bug in the engine.
    assert(r.index >= next_ && "record index already emitted");
    [[maybe_unused]] bool inserted = held_.emplace(r.index, std::move(r)).second;
    assert(inserted && "record index put twice");
    return;
  }
  emit_(std::move(r));
  advance();
  // Each held record is the smallest key, so begin() is the only candidate.
  while (known_ && !held_.empty() && held_.begin()->first == next_) {
    auto node = held_.extract(held_.begin());
    emit_(std::move(node.mapped()));
    advance();
  }
}

}  // namespace pricescrape::output
