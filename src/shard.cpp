#include <pricescrape/shard.hpp>

#include <pricescrape/url_source.hpp>

#include <charconv>
#include <system_error>

namespace pricescrape {

namespace {

// Decimal digits only: from_chars alone would take a '-' sign, and "+1" or " 1" are not
// what a script meant to pass.
std::optional<std::uint64_t> parse_count(std::string_view text) noexcept {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

shard_parse_result parse_shard(std::string_view text) noexcept {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return {std::nullopt, "not of the form K/N (whole numbers, e.g. 0/4)"};
  const auto k = parse_count(text.substr(0, slash));
  const auto n = parse_count(text.substr(slash + 1));
  if (!k || !n) return {std::nullopt, "not of the form K/N (whole numbers, e.g. 0/4)"};
  if (*n == 0 || *n > max_shard_count) return {std::nullopt, "out of range: N must be 1 to 65536"};
  if (*k >= *n)
    return {std::nullopt, "out of range: K must be below N (shards count from 0: 0/N to N-1/N)"};
  return {shard_spec{static_cast<std::uint32_t>(*k), static_cast<std::uint32_t>(*n)}, {}};
}

std::uint64_t fnv1a_64(std::string_view bytes) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string_view shard_key(const job& j) noexcept { return j.host.empty() ? j.url : j.host; }

std::uint64_t shard_hash(std::string_view key) noexcept {
  std::uint64_t h = fnv1a_64(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

std::uint32_t shard_of(std::string_view key, std::uint32_t count) noexcept {
  return static_cast<std::uint32_t>(shard_hash(key) % count);
}

std::optional<job> shard_source::next() {
  for (;;) {
    auto j = inner_.next();
    if (!j) return j;
    if (shard_of(shard_key(*j), spec_.count) != spec_.index) {
      skipped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    // Known to the sink before the job can reach the engine, so a record never arrives
    // ahead of its own index here.
    std::lock_guard lock(mutex_);
    handed_out_.push_back(j->index);
    return j;
  }
}

std::optional<std::size_t> shard_source::next_index() {
  std::lock_guard lock(mutex_);
  if (handed_out_.empty()) return std::nullopt;
  const auto index = handed_out_.front();
  handed_out_.pop_front();
  return index;
}

std::size_t count_shard_jobs(std::istream& in, shard_spec spec) {
  url_source lines(in);
  std::size_t count = 0;
  while (auto j = lines.next())
    if (shard_of(shard_key(*j), spec.count) == spec.index) ++count;
  return count;
}

}  // namespace pricescrape
