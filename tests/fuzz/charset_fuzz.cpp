// libFuzzer target: charset detection and conversion. Whatever the bytes and the
// Content-Type, the output is valid UTF-8.
#include <pricescrape/extract/charset.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The input is "<content-type>\n<body>" when it has a newline in its first 64 bytes.
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view content_type;
  if (const auto nl = input.substr(0, 64).find('\n'); nl != std::string_view::npos) {
    content_type = input.substr(0, nl);
    input.remove_prefix(nl + 1);
  }
  const auto page = pricescrape::extract::to_utf8(input, content_type);
  if (!valid_utf8(page.text) || page.encoding.empty()) std::abort();
  return 0;
}
