// Shared by the state tests: a fresh temporary folder per test and record builders.
#pragma once

#include <pricescrape/output/record.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace pricescrape::state::testing {

// A fresh directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("pricescrape-state-" + std::to_string(::getpid()) + "-" + info->test_suite_name() +
            "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
};

// A record of a fetched page at `fetched_at`, with a price when `price` is given.
inline output::record page(std::size_t index, std::string url, std::optional<std::string> price,
                           std::string fetched_at, std::optional<std::string> currency = "EUR",
                           std::optional<std::string> availability = "InStock") {
  output::record r;
  r.index = index;
  r.url = std::move(url);
  r.final_url = r.url;
  r.status = 200;
  r.attempts = 1;
  r.elapsed_ms = 12;
  r.fetched_at = std::move(fetched_at);
  r.price = std::move(price);
  r.currency = std::move(currency);
  r.availability = std::move(availability);
  r.title = "Widget";
  r.source = "jsonld";
  if (!r.price) r.error = scrape_error{error_kind::no_price, "no price found"};
  return r;
}

}  // namespace pricescrape::state::testing
