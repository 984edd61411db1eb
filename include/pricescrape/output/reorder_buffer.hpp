// Restores input order: records arrive as jobs finish and leave in index order.
#pragma once

#include <pricescrape/output/record.hpp>

#include <cstddef>
#include <functional>
#include <map>

namespace pricescrape::output {

class reorder_buffer {
 public:
  using emit_fn = std::function<void(record&&)>;

  explicit reorder_buffer(emit_fn emit, std::size_t first_index = 0)
      : emit_(std::move(emit)), next_(first_index) {}

  // Accepts a finished record; emits it and every record it unblocks, in order.
  // Each index must be put exactly once.
  void put(record r);

  // The index of the next record to emit: everything below it has been written.
  std::size_t next_index() const noexcept { return next_; }
  // How many finished records wait for an earlier one.
  std::size_t held() const noexcept { return held_.size(); }

 private:
  emit_fn emit_;
  std::size_t next_;
  std::map<std::size_t, record> held_;
};

}  // namespace pricescrape::output
