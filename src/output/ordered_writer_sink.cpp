#include <pricescrape/record_sink.hpp>

namespace pricescrape {

ordered_writer_sink::ordered_writer_sink(output::writer& out)
    : out_(out), reorder_([this](output::record&& r) {
        out_.write(r);
        written_.add(r);
      }) {}

void ordered_writer_sink::put(const output::record& r) {
  // Records handed to the writer but lost with a failed flush were never written: the
  // tally is taken back to what reached the output.
  const record_tally before = written_;
  try {
    reorder_.put(r);
    // Each record is flushed as it becomes writable: a pipeline reader sees it at once,
    // and a failed write surfaces here, naming this batch's cause.
    out_.flush();
  } catch (...) {
    written_ = before;
    throw;
  }
}

void ordered_writer_sink::finish() { out_.finish(); }

}  // namespace pricescrape
