#include <pricescrape/state/resume_source.hpp>

#include <algorithm>
#include <utility>

namespace pricescrape::state {

resume_source::resume_source(std::istream& in, const std::filesystem::path& state_file,
                             std::int64_t run_id, std::vector<std::size_t> committed)
    : lines_(in),
      db_(state_file, store_options{.create = false, .durable = false, .exclusive = false}),
      run_id_(run_id),
      committed_(std::move(committed)) {}

std::optional<job> resume_source::next() {
  auto j = lines_.next();
  if (!j || !std::binary_search(committed_.begin(), committed_.end(), j->index)) return j;
  // One indexed read per committed line: the reader thread has time for it, and memory
  // stays at one record however long the committed prefix is.
  j->finished = db_.stored_record(run_id_, j->index);
  if (j->finished) ++replayed_;
  return j;
}

}  // namespace pricescrape::state
