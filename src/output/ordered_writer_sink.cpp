#include <pricescrape/record_sink.hpp>

namespace pricescrape {

ordered_writer_sink::ordered_writer_sink(output::writer& out)
    : out_(out), reorder_([this](output::record&& r) {
        out_.write(r);
        ++written_;
      }) {}

void ordered_writer_sink::put(const output::record& r) {
  reorder_.put(r);
  // Each record is flushed as it becomes writable: a pipeline reader sees it at once,
  // and a failed write surfaces here, naming this batch's cause.
  out_.flush();
}

void ordered_writer_sink::finish() { out_.finish(); }

}  // namespace pricescrape
