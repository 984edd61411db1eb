#include <pricescrape/error.hpp>

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace pricescrape {
namespace {

TEST(ErrorKind, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (error_kind kind : all_error_kinds) {
    std::string_view name = to_string(kind);
    EXPECT_EQ(parse_error_kind(name), kind) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), all_error_kinds.size()) << "two kinds share a name";
}

TEST(ErrorKind, NamesAreTheOutputFormat) {
  EXPECT_EQ(to_string(error_kind::invalid_url), "invalid_url");
  EXPECT_EQ(to_string(error_kind::dns), "dns");
  EXPECT_EQ(to_string(error_kind::http_status), "http_status");
  EXPECT_EQ(to_string(error_kind::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(error_kind::too_large), "too_large");
  EXPECT_EQ(to_string(error_kind::not_html), "not_html");
  EXPECT_EQ(to_string(error_kind::no_price), "no_price");
  EXPECT_EQ(to_string(error_kind::cancelled), "cancelled");
  EXPECT_EQ(to_string(error_kind::internal), "internal");
  EXPECT_EQ(to_string(error_kind::robots), "robots");
  EXPECT_EQ(to_string(error_kind::blocked), "blocked");
}

TEST(ErrorKind, ParseRejectsUnknownNames) {
  EXPECT_EQ(parse_error_kind(""), std::nullopt);
  EXPECT_EQ(parse_error_kind("DNS"), std::nullopt);
  EXPECT_EQ(parse_error_kind("invalid-url"), std::nullopt);
  EXPECT_EQ(parse_error_kind("dns "), std::nullopt);
}

TEST(Outcome, ValueReturnsTheValue) {
  outcome<int> r = 42;
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r.value(), 42);
}

TEST(Outcome, ValueThrowsRuntimeErrorWithKindAndMessage) {
  outcome<int> r = scrape_error{error_kind::timeout, "no response within 10 s"};
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error(), (scrape_error{error_kind::timeout, "no response within 10 s"}));
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "timeout: no response within 10 s");
  }
}

}  // namespace
}  // namespace pricescrape
