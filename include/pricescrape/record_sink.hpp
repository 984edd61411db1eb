// Where a batch's records go (DESIGN.md section 2): the ordered writer, and later a
// state store or a results stream. A run may have several; a job is acknowledged to its
// source only after every sink has its record.
#pragma once

#include <pricescrape/error.hpp>
#include <pricescrape/output/record.hpp>
#include <pricescrape/output/reorder_buffer.hpp>
#include <pricescrape/output/writer.hpp>

#include <array>
#include <cstddef>

namespace pricescrape {

// Records by outcome: what the summary counts.
struct record_tally {
  std::size_t records = 0;
  std::size_t ok = 0;
  std::array<std::size_t, all_error_kinds.size()> by_kind{};  // indexed by error_kind

  void add(const output::record& r) noexcept {
    ++records;
    if (r.ok())
      ++ok;
    else
      ++by_kind[static_cast<std::size_t>(r.error->kind)];
  }
};

class record_sink {
 public:
  virtual ~record_sink() = default;

  // Takes one record, in completion order. Called on the io thread. Throws
  // output::output_error when the record cannot be kept: the batch stops there.
  virtual void put(const output::record& r) = 0;

  // Records taken but held back (an ordered sink waiting for an earlier index). The
  // engine starts no job further ahead than its window allows, counting these.
  virtual std::size_t held() const noexcept { return 0; }

  // No record follows. Not called after a failed put().
  virtual void finish() {}

  // What this sink has really written, when it keeps count: the run's summary reports
  // the first sink's tally (records taken but never written are not in it).
  virtual const record_tally* tally() const noexcept { return nullptr; }
};

// The writer (JSON, JSON Lines, CSV) in input order: a record waits in the reorder
// buffer until every lower index has been written, and each put() flushes what became
// writable, so a crash loses nothing that was reported written.
class ordered_writer_sink final : public record_sink {
 public:
  explicit ordered_writer_sink(output::writer& out);
  // For a source whose indices skip (shard_source::next_index): the order is the one
  // `next_of` gives, so a skipped index holds nothing back.
  ordered_writer_sink(output::writer& out, output::reorder_buffer::next_fn next_of);
  // The reorder buffer writes through references to this object's members.
  ordered_writer_sink(const ordered_writer_sink&) = delete;
  ordered_writer_sink& operator=(const ordered_writer_sink&) = delete;
  void put(const output::record& r) override;
  std::size_t held() const noexcept override { return reorder_.held(); }
  void finish() override;
  const record_tally* tally() const noexcept override { return &written_; }

 private:
  output::writer& out_;
  output::reorder_buffer reorder_;
  record_tally written_;
};

}  // namespace pricescrape
