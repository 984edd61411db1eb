// Streams records as JSON (one array), JSON Lines or CSV, without building a DOM.
#pragma once

#include <pricescrape/output/record.hpp>
#include <pricescrape/output/sink.hpp>

#include <memory>
#include <ostream>

namespace pricescrape::output {

// Every call may throw output_error (from the sink): a record that cannot be written is
// never dropped silently.
class writer {
 public:
  virtual ~writer() = default;
  // Writes one record; the first call also writes what precedes it ('[' or the header).
  virtual void write(const record& r) = 0;
  // Completes the document ("]" for json; the header for an empty csv) and flushes.
  // Idempotent once it has succeeded.
  virtual void finish() = 0;
  // Pushes buffered bytes to the sink so pipelines see finished records promptly.
  virtual void flush() = 0;
};

// What a writer adds to the fields of its schema.
struct writer_options {
  // `changed` and `previous` (CSV: `changed` and `previous_*` columns) after `error`:
  // for runs with `--state` only, so runs without it keep their output byte for byte.
  // Fetch schema only.
  bool change_fields = false;
  // `--csv-safe` (CSV only): a text cell starting with '=', '+', '-', '@', tab or CR gets
  // a leading "'" so a spreadsheet shows it as text instead of running it as a formula
  // (OWASP's CSV injection rule). Off by default: it changes the data ("-5" becomes
  // "'-5"), which tools other than spreadsheets read as it is.
  bool csv_safe = false;
};

// The writer does not own `out`, which must outlive it.
std::unique_ptr<writer> make_writer(format f, schema s, byte_sink& out);
std::unique_ptr<writer> make_writer(format f, schema s, byte_sink& out, writer_options options);
// For tests and benchmarks: writes through an ostream_sink the writer owns.
std::unique_ptr<writer> make_writer(format f, schema s, std::ostream& out);

// JSON string escaping (RFC 8259), shared by the writers and the logs. Appends `text`
// with its quotes; invalid UTF-8 becomes U+FFFD, so the result is always valid JSON.
void append_json_string(std::string& out, std::string_view text);

}  // namespace pricescrape::output
