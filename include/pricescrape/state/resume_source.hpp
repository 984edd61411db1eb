// `--resume`: the URL list again, where the jobs an unfinished run committed come with
// their stored record (not fetched again) and the rest are fetched as usual.
#pragma once

#include <pricescrape/job_source.hpp>
#include <pricescrape/state/store.hpp>
#include <pricescrape/url_source.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <optional>
#include <vector>

namespace pricescrape::state {

class resume_source final : public job_source {
 public:
  // Reads `in` (the same list the run read) and the run's records through a connection
  // of its own to `state_file`, used on the engine's reader thread only.
  resume_source(std::istream& in, const std::filesystem::path& state_file, std::int64_t run_id,
                std::vector<std::size_t> committed);

  std::optional<job> next() override;
  bool read_failed() const noexcept override { return lines_.read_failed(); }

  std::size_t replayed() const noexcept { return replayed_; }

 private:
  url_source lines_;
  store db_;
  std::int64_t run_id_;
  std::vector<std::size_t> committed_;  // ascending
  std::size_t replayed_ = 0;
};

}  // namespace pricescrape::state
