// libFuzzer target: the light tree builder, differentially against gumbo. Wherever the
// light builder accepts a page, its tree must be gumbo's, node for node (as the unit
// tests check on the corpora); declining is always allowed.
#include <pricescrape/extract/charset.hpp>

#include "extract/html.hpp"
#include "tree_diff.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pricescrape::extract;
  // The builders take valid UTF-8, as extraction gives them.
  std::string html = to_utf8(std::string_view(reinterpret_cast<const char*>(data), size),
                             "text/html; charset=utf-8")
                         .text;
  const detail::html_document light(html, detail::parser::light_first);
  if (light.used_gumbo()) return 0;  // declined
  const detail::html_document reference(std::move(html), detail::parser::gumbo_only);
  if (const auto diff =
          detail::tree_diff::first_difference(light.document(), reference.document())) {
    std::fprintf(stderr, "light tree differs from gumbo's: %s\n", diff->c_str());
    std::abort();
  }
  return 0;
}
