// Decides a page's character encoding and converts its bytes to UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace pricescrape::extract {

struct utf8_page {
  std::string text;      // the page as valid UTF-8 (invalid sequences replaced by U+FFFD)
  std::string encoding;  // the encoding that was decided, lower case: "utf-8", "windows-1252"
};

// Order of evidence, as in the HTML standard: BOM, the Content-Type charset, a
// <meta charset> or http-equiv in the first 1024 bytes, then windows-1252.
utf8_page to_utf8(std::string_view bytes, std::string_view content_type = {});

}  // namespace pricescrape::extract
