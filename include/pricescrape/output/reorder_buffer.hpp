// Restores input order: records arrive as jobs finish and leave in index order.
#pragma once

#include <pricescrape/output/record.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>

namespace pricescrape::output {

class reorder_buffer {
 public:
  using emit_fn = std::function<void(record&&)>;
  // For a source whose indices skip (a shard of a list): the next index it handed out,
  // each once, in increasing order; nullopt while it has handed out no further one.
  using next_fn = std::function<std::optional<std::size_t>()>;

  // Every index from `first_index` on, counting up.
  explicit reorder_buffer(emit_fn emit, std::size_t first_index = 0)
      : emit_(std::move(emit)), next_(first_index) {}

  // The indices `next_of` gives, in its order. A record's index must have been given out
  // before the record is put (a shard source tells before the job leaves it).
  reorder_buffer(emit_fn emit, next_fn next_of)
      : emit_(std::move(emit)), next_of_(std::move(next_of)), known_(false) {}

  // Accepts a finished record; emits it and every record it unblocks, in order.
  // Each index must be put exactly once.
  void put(record r);

  // Everything below it has been written, of the indices that come at all: the index
  // awaited next, or one past the last written when that is not known yet.
  std::size_t next_index() const noexcept { return next_; }
  // How many finished records wait for an earlier one.
  std::size_t held() const noexcept { return held_.size(); }

 private:
  void learn_next();  // sparse: asks next_of_ for the index awaited, when not known yet
  void advance();     // after writing next_

  emit_fn emit_;
  next_fn next_of_;  // empty: indices are dense
  std::size_t next_ = 0;
  bool known_ = true;  // next_ is an index that will come, not just a bound
  std::map<std::size_t, record> held_;
};

}  // namespace pricescrape::output
