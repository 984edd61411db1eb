// Where a batch's jobs come from (DESIGN.md section 2): a URL file, stdin, and later a
// resumed run or a work queue. The engine only asks for the next job and says when one
// is done.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <pricescrape/error.hpp>
#include <pricescrape/output/record.hpp>

namespace pricescrape {

// One unit of work. `index` is the job's id in its source (a line number for files):
// the record carries it, and done() names the job by it.
struct job {
  std::size_t index = 0;
  std::string url;
  // The politeness key: the host, lower case, IPv6 in brackets, with ":port" when the
  // URL names a port other than its scheme's default. Empty when `invalid` is set.
  std::string host;
  std::optional<scrape_error> invalid;  // the line is not a usable URL: why
  // A record the source already has (a resumed run's committed one): not fetched, handed
  // to the sinks as it is.
  std::optional<output::record> finished;
};

class job_source {
 public:
  virtual ~job_source() = default;

  // The next job, or nullopt at the end. Called on the engine's reader thread, never on
  // the io thread, so it may block (stdin, a file, a database).
  virtual std::optional<job> next() = 0;

  // The job's record has been taken by every sink. Called on the io thread, once per
  // job that got a record; a source that must acknowledge work (a queue) does it here.
  virtual void done(std::size_t /*index*/) {}

  // True when reading stopped early for a reason other than the end of the input.
  virtual bool read_failed() const noexcept { return false; }
};

}  // namespace pricescrape
