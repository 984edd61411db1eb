// Hooks around each fetch for a run that remembers (DESIGN.md section 2): before it,
// extra request headers and what a 304 repeats; after it, the record's annotation.
// The state store implements them; the engine only calls them.
#pragma once

#include <pricescrape/job_source.hpp>
#include <pricescrape/output/record.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pricescrape {

using header_fields = std::vector<std::pair<std::string, std::string>>;

// What the hooks know of a URL before its fetch.
struct fetch_prior {
  header_fields headers;  // sent with the request: If-None-Match, If-Modified-Since
  // What a 304 Not Modified repeats (price, currency, availability, title). Without it a
  // 304 stays an http_status error: it answers a condition we did not send.
  std::optional<output::record> not_modified;
  // The last observation, for the record's `previous` and `changed`.
  std::optional<output::previous_observation> previous;
};

class fetch_hooks {
 public:
  virtual ~fetch_hooks() = default;

  // Before a job's request is sent. May do blocking work on a thread of its own: it
  // calls `ready` exactly once, from any thread, and the engine resumes the job on the
  // io thread. Never called for a job whose record came from its source.
  virtual void before_fetch(const job& j, std::function<void(fetch_prior)> ready) = 0;

  // The job's record is complete (extracted, failed, or repeated from a 304); `fields`
  // are the final response's header fields, empty when there was none. Called on the io
  // thread: must not block.
  virtual void after_fetch(output::record& r, const fetch_prior& prior,
                           const header_fields& fields) = 0;
};

}  // namespace pricescrape
