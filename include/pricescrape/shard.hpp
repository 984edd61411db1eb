// `--shard K/N`: a static split of a URL list by host, so N workers (a Kubernetes indexed
// job, a Slurm array) share a list with no broker and each host is paced by one worker.
#pragma once

#include <pricescrape/job_source.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <istream>
#include <mutex>
#include <optional>
#include <string_view>

namespace pricescrape {

// Worker `index` of `count`, counted from 0 (as JOB_COMPLETION_INDEX and
// SLURM_ARRAY_TASK_ID usually are).
struct shard_spec {
  std::uint32_t index = 0;
  std::uint32_t count = 1;

  friend bool operator==(const shard_spec&, const shard_spec&) = default;
};

// More workers than this is a typo rather than a plan.
inline constexpr std::uint32_t max_shard_count = 65536;

// "K/N" with decimal digits only, 1 <= N <= max_shard_count and 0 <= K < N. The error
// says what is wrong, for the usage message.
struct shard_parse_result {
  std::optional<shard_spec> spec;
  std::string_view problem;  // empty when spec is set
};
shard_parse_result parse_shard(std::string_view text) noexcept;

// FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over the bytes.
std::uint64_t fnv1a_64(std::string_view bytes) noexcept;

// What a job is sharded by: its host key (job::host: lower case, ASCII/punycode, IPv6 in
// brackets, ":port" when not the scheme's default), or for a line that is not a usable
// URL, the line as read (trimmed).
std::string_view shard_key(const job& j) noexcept;

// fnv1a_64(key) through MurmurHash3's 64-bit finalizer (fmix64). FNV-1a alone splits
// badly: its lowest bit is the parity of the bytes' lowest bits (with "mod 2",
// shopa/shopc/shope... all land on one worker), and a change in the last byte barely
// reaches its top bits. Part of the contract of --shard, like shard_of: it must never
// change, or workers of two versions would split one list differently.
std::uint64_t shard_hash(std::string_view key) noexcept;

// The shard of `key` among `count` workers: shard_hash(key) mod count.
std::uint32_t shard_of(std::string_view key, std::uint32_t count) noexcept;

// A source's jobs that fall in one shard; the others are read and passed over. The
// indices stay the input's, so the shards' outputs merge by `index`; as they skip, the
// ordered sink follows next_index() rather than counting up.
class shard_source final : public job_source {
 public:
  // `inner` must outlive this source.
  shard_source(job_source& inner, shard_spec spec) : inner_(inner), spec_(spec) {}

  // On the engine's reader thread.
  std::optional<job> next() override;
  void done(std::size_t index) override { inner_.done(index); }
  bool read_failed() const noexcept override { return inner_.read_failed(); }

  // The indices handed out, each once, in order (the reorder buffer's next_fn); nullopt
  // when the next one has not been read yet. On the io thread, beside next() on the
  // reader's: a lock, held only for a deque push or pop.
  std::optional<std::size_t> next_index();

  // Jobs read and left to the other shards so far.
  std::size_t skipped() const noexcept { return skipped_.load(std::memory_order_relaxed); }

 private:
  job_source& inner_;
  shard_spec spec_;
  // Counted on the reader thread, which a stopped batch may leave behind in a read.
  std::atomic<std::size_t> skipped_{0};
  std::mutex mutex_;
  // Handed out and not yet asked for by the sink: as many as the reader is ahead of the
  // output, which the engine's window bounds.
  std::deque<std::size_t> handed_out_;
};

// The jobs of `in` (a URL list, read to the end) that fall in `spec`: the progress bar's
// total for a shard.
std::size_t count_shard_jobs(std::istream& in, shard_spec spec);

}  // namespace pricescrape
