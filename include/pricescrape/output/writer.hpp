// Streams records as JSON (one array), JSON Lines or CSV, without building a DOM.
#pragma once

#include <pricescrape/output/record.hpp>

#include <memory>
#include <ostream>

namespace pricescrape::output {

class writer {
 public:
  virtual ~writer() = default;
  // Writes one record; the first call also writes what precedes it ('[' or the header).
  virtual void write(const record& r) = 0;
  // Completes the document ("]" for json; the header for an empty csv). Idempotent.
  virtual void finish() = 0;
  // Pushes buffered bytes to the stream so pipelines see finished records promptly.
  virtual void flush() = 0;
};

std::unique_ptr<writer> make_writer(format f, schema s, std::ostream& out);

// JSON string escaping (RFC 8259), shared by the writers and the logs. Appends `text`
// with its quotes; invalid UTF-8 becomes U+FFFD, so the result is always valid JSON.
void append_json_string(std::string& out, std::string_view text);

}  // namespace pricescrape::output
