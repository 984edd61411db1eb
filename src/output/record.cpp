#include <pricescrape/output/record.hpp>

#include <pricescrape/detail/ascii.hpp>

#include <cstdio>
#include <ctime>

namespace pricescrape::output {

std::optional<format> parse_format(std::string_view name) noexcept {
  for (format f : {format::json, format::jsonl, format::csv}) {
    if (to_string(f) == name) return f;
  }
  return std::nullopt;
}

std::optional<format> format_for_path(std::string_view path) noexcept {
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  // A dot file's name is not an extension: ".json" alone is a name.
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const auto ext = name.substr(dot + 1);
  if (detail::iequals_ascii(ext, "json")) return format::json;
  if (detail::iequals_ascii(ext, "jsonl") || detail::iequals_ascii(ext, "ndjson"))
    return format::jsonl;
  if (detail::iequals_ascii(ext, "csv")) return format::csv;
  return std::nullopt;
}

std::string_view to_string(format f) noexcept {
  switch (f) {
    case format::json:
      return "json";
    case format::jsonl:
      return "jsonl";
    case format::csv:
      return "csv";
  }
  return "unknown";
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  // floor, not to_time_t: the latter may round, and a record must not claim a second
  // that has not begun yet.
  auto seconds = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  auto time = static_cast<std::time_t>(seconds);
  std::tm tm{};
  // gmtime_r, not gmtime: records are stamped from several threads.
  if (gmtime_r(&time, &tm) == nullptr) return {};
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace pricescrape::output
