#include <pricescrape/output/reorder_buffer.hpp>

#include <cassert>
#include <utility>

namespace pricescrape::output {

void reorder_buffer::put(record r) {
  if (r.index != next_) {
    // An index below next_ was already written, a held one would be written twice:
    // both mean a job was reported twice, which is a bug in the engine.
    assert(r.index > next_ && "record index already emitted");
    [[maybe_unused]] bool inserted = held_.emplace(r.index, std::move(r)).second;
    assert(inserted && "record index put twice");
    return;
  }
  emit_(std::move(r));
  ++next_;
  // Each held record is the smallest key, so begin() is the only candidate.
  while (!held_.empty() && held_.begin()->first == next_) {
    auto node = held_.extract(held_.begin());
    emit_(std::move(node.mapped()));
    ++next_;
  }
}

}  // namespace pricescrape::output
