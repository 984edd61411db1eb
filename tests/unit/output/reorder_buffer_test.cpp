#include <pricescrape/output/reorder_buffer.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <numeric>
#include <optional>
#include <random>
#include <vector>

namespace pricescrape::output {
namespace {

record make_record(std::size_t index) {
  record r;
  r.index = index;
  r.url = "http://a/" + std::to_string(index);
  return r;
}

TEST(ReorderBuffer, InOrderPassesStraightThrough) {
  std::vector<std::size_t> seen;
  reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); });
  for (std::size_t i = 0; i < 5; ++i) {
    buffer.put(make_record(i));
    EXPECT_EQ(buffer.held(), 0u);
    EXPECT_EQ(buffer.next_index(), i + 1);
  }
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

TEST(ReorderBuffer, HoldsUntilThePredecessorArrives) {
  std::vector<std::size_t> seen;
  reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); });
  buffer.put(make_record(2));
  buffer.put(make_record(1));
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(buffer.held(), 2u);
  EXPECT_EQ(buffer.next_index(), 0u);
  buffer.put(make_record(4));
  buffer.put(make_record(0));
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(buffer.held(), 1u);
  EXPECT_EQ(buffer.next_index(), 3u);
  buffer.put(make_record(3));
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(buffer.held(), 0u);
}

TEST(ReorderBuffer, RecordsAreMovedIntact) {
  std::vector<record> seen;
  reorder_buffer buffer([&](record&& r) { seen.push_back(std::move(r)); });
  record late = make_record(1);
  late.price = "9.99";
  late.error = scrape_error{error_kind::timeout, "slow"};
  buffer.put(late);
  buffer.put(make_record(0));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].url, "http://a/1");
  EXPECT_EQ(seen[1].price, "9.99");
  EXPECT_EQ(seen[1].error, late.error);
}

TEST(ReorderBuffer, StartsAtFirstIndex) {
  std::vector<std::size_t> seen;
  reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); }, 10);
  buffer.put(make_record(11));
  EXPECT_TRUE(seen.empty());
  buffer.put(make_record(10));
  EXPECT_EQ(seen, (std::vector<std::size_t>{10, 11}));
}

TEST(ReorderBuffer, ShuffledThousandComeOutInOrder) {
  constexpr std::size_t n = 1000;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (unsigned seed : {1u, 2u, 3u}) {
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    std::vector<std::size_t> seen;
    std::size_t max_held = 0;
    reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); });
    for (std::size_t i : order) {
      buffer.put(make_record(i));
      max_held = std::max(max_held, buffer.held());
      // Everything below next_index() has been emitted, nothing else.
      ASSERT_EQ(seen.size(), buffer.next_index());
    }
    ASSERT_EQ(seen.size(), n);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(seen.front(), 0u);
    EXPECT_EQ(seen.back(), n - 1);
    EXPECT_EQ(buffer.held(), 0u);
    EXPECT_GT(max_held, 0u);
  }
}

// --- Sparse indices (a shard of a list): the order is the one the source gave out ----

// A source's order as the shard source keeps it: given out first, asked for after.
struct given_order {
  std::deque<std::size_t> indices;
  std::size_t asked = 0;

  reorder_buffer::next_fn next_fn() {
    return [this]() -> std::optional<std::size_t> {
      ++asked;
      if (indices.empty()) return std::nullopt;
      const auto i = indices.front();
      indices.pop_front();
      return i;
    };
  }
};

TEST(ReorderBufferSparse, SkippedIndicesHoldNothingBack) {
  given_order order{{2, 5, 6, 9}};
  std::vector<std::size_t> seen;
  reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); }, order.next_fn());
  buffer.put(make_record(5));  // 2 was given out first: 5 waits
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(buffer.held(), 1u);
  EXPECT_EQ(buffer.next_index(), 2u);
  buffer.put(make_record(2));
  EXPECT_EQ(seen, (std::vector<std::size_t>{2, 5}));
  EXPECT_EQ(buffer.next_index(), 6u);
  buffer.put(make_record(9));
  buffer.put(make_record(6));
  EXPECT_EQ(seen, (std::vector<std::size_t>{2, 5, 6, 9}));
  EXPECT_EQ(buffer.held(), 0u);
  // Nothing more given out: the next index is not known, only bounded.
  EXPECT_EQ(buffer.next_index(), 10u);
}

TEST(ReorderBufferSparse, AnIndexGivenOutLaterIsAskedForAtItsRecord) {
  given_order order;
  std::vector<std::size_t> seen;
  reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); }, order.next_fn());
  order.indices.push_back(3);
  buffer.put(make_record(3));
  EXPECT_EQ(seen, (std::vector<std::size_t>{3}));
  // The source reads on: 7 and 8 are given out only now, after the sink asked in vain.
  const auto asked_before = order.asked;
  order.indices.insert(order.indices.end(), {7, 8});
  buffer.put(make_record(8));
  EXPECT_EQ(order.asked, asked_before + 1);
  EXPECT_EQ(buffer.held(), 1u);
  EXPECT_EQ(buffer.next_index(), 7u);
  buffer.put(make_record(7));
  EXPECT_EQ(seen, (std::vector<std::size_t>{3, 7, 8}));
  EXPECT_EQ(buffer.held(), 0u);
  EXPECT_TRUE(order.indices.empty());
}

TEST(ReorderBufferSparse, ShuffledEveryThirdComeOutInOrder) {
  std::vector<std::size_t> kept;
  for (std::size_t i = 1; i < 3000; i += 3) kept.push_back(i);
  for (unsigned seed : {1u, 2u, 3u}) {
    given_order order{{kept.begin(), kept.end()}};
    auto arrival = kept;
    std::shuffle(arrival.begin(), arrival.end(), std::mt19937(seed));
    std::vector<std::size_t> seen;
    reorder_buffer buffer([&](record&& r) { seen.push_back(r.index); }, order.next_fn());
    for (std::size_t i : arrival) {
      buffer.put(make_record(i));
      // Everything written is a prefix of the order given out.
      ASSERT_TRUE(std::equal(seen.begin(), seen.end(), kept.begin()));
    }
    EXPECT_EQ(seen, kept);
    EXPECT_EQ(buffer.held(), 0u);
  }
}

}  // namespace
}  // namespace pricescrape::output
