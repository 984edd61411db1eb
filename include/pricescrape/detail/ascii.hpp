// ASCII case folding for protocol tokens (schemes, hosts, header values, units): unlike
// std::tolower it ignores the C locale, which must never change how a header is read.
#pragma once

#include <string>
#include <string_view>

namespace pricescrape::detail {

constexpr char to_lower_ascii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = to_lower_ascii(c);
  return out;
}

constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  return true;
}

}  // namespace pricescrape::detail
