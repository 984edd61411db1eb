// Reads URL lists lazily: one validated job per non-blank, non-comment line.
#pragma once

#include <pricescrape/error.hpp>
#include <pricescrape/job_source.hpp>

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape {

// Checks that `text` is an absolute http(s) URL with a host; the error says why not.
std::optional<scrape_error> validate_url(std::string_view text);

// A URL's port as written between ':' and the path: decimal digits naming 1..65535.
// Returns the number, 0 for an empty port ("http://host:/" means the scheme's default),
// nullopt for anything else ("0", "65536", "-1", "+80", 2^64 and beyond): a port that
// wraps or defaults silently would send the request somewhere the user did not name.
std::optional<std::uint16_t> parse_port(std::string_view text) noexcept;

// Trims ASCII whitespace (and a UTF-8 BOM) from both ends of an input line.
std::string_view trim_line(std::string_view line) noexcept;

// True for lines that produce no job: blank ones and `#` comments.
bool is_skipped_line(std::string_view trimmed) noexcept;

// The job for one trimmed input line that counts: its URL validated and its host key set,
// or `invalid` saying why not. Used by every source that reads URLs (files, queues).
job make_job(std::size_t index, std::string_view trimmed);

// A URL list: one validated job per line that counts; `index` numbers the non-skipped
// lines from 0 and is the record's `index`.
class url_source final : public job_source {
 public:
  // `in` must outlive the source. Nothing is read until next() is called.
  explicit url_source(std::istream& in) : in_(in) {}

  // The next job, or nullopt at end of input. Memory is O(one line).
  std::optional<job> next() override;

  // True when the stream failed for a reason other than reaching its end.
  bool read_failed() const noexcept override { return in_.bad(); }

 private:
  std::istream& in_;
  std::string line_;
  std::size_t next_index_ = 0;
};

// Counts the jobs a file will produce without keeping them (for the progress bar).
std::size_t count_jobs(std::istream& in);

}  // namespace pricescrape
