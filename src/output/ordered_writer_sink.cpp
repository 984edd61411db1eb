#include <pricescrape/record_sink.hpp>

namespace pricescrape {

namespace {

output::reorder_buffer::emit_fn write_to(output::writer& out, record_tally& written) {
  return [&out, &written](output::record&& r) {
    out.write(r);
    written.add(r);
  };
}

}  // namespace

ordered_writer_sink::ordered_writer_sink(output::writer& out)
    : out_(out), reorder_(write_to(out_, written_)) {}

ordered_writer_sink::ordered_writer_sink(output::writer& out,
                                         output::reorder_buffer::next_fn next_of)
    : out_(out), reorder_(write_to(out_, written_), std::move(next_of)) {}

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
