// The output record: one per input line (or per file for `extract`), in input order.
#pragma once

#include <pricescrape/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::output {

enum class format { json, jsonl, csv };

std::optional<format> parse_format(std::string_view name) noexcept;
std::string_view to_string(format f) noexcept;

// Which fields a record has: `fetch` for scraped URLs, `file` for `pricescrape extract`.
enum class schema { fetch, file };

// What the state store (`--state`) remembered of a URL from an earlier run: the basis of
// a record's `changed`, and its `previous` object.
struct previous_observation {
  std::optional<std::string> price;
  std::optional<std::string> currency;
  std::optional<std::string> availability;
  std::string fetched_at;  // RFC 3339 UTC

  friend bool operator==(const previous_observation&, const previous_observation&) = default;
};

struct record {
  // fetch schema
  std::size_t index = 0;
  std::string url;
  std::optional<std::string> final_url;
  std::optional<int> status;
  int attempts = 0;
  std::int64_t elapsed_ms = 0;
  // RFC 3339 UTC, e.g. "2026-11-24T19:00:00Z", when a request for the URL ended; empty
  // (null in JSON, an empty CSV cell) when none went out: an invalid URL, one robots.txt
  // disallows, a host given up on before its first request.
  std::string fetched_at;
  // file schema
  std::string file;
  // both
  std::optional<std::string> price;
  std::optional<std::string> currency;
  std::optional<std::string> title;
  std::optional<std::string> availability;
  std::optional<std::string> source;
  std::optional<scrape_error> error;
  // `extract --explain`: a JSON value written verbatim (json/jsonl); CSV leaves it out.
  std::optional<std::string> explain_json;
  // With `--state` only, written when the writer has writer_options::change_fields:
  // null when nothing was observed before (or nothing could be observed now), and
  // `previous` absent when the store had no observation of the URL.
  std::optional<bool> changed;
  std::optional<previous_observation> previous;

  bool ok() const noexcept { return !error.has_value(); }
};

// The format `-o FILE` implies when `-f` is not given: `.json`, `.jsonl`/`.ndjson` and
// `.csv` (any letter case); nullopt for any other name.
std::optional<format> format_for_path(std::string_view path) noexcept;

// RFC 3339 UTC with second precision: "2026-11-24T19:00:00Z".
std::string format_utc(std::chrono::system_clock::time_point t);

}  // namespace pricescrape::output
