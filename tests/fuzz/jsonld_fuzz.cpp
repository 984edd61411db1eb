// libFuzzer target: the JSON-LD reader (lenient clean-up, parse, product walk) on the
// text of one <script type="application/ld+json">.
#include "extract/structured.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pricescrape::extract::detail;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& offer : parse_jsonld(text)) {
    if (offer.source != "jsonld") std::abort();
  }
  (void)decimal_from_json_number(text.substr(0, 64));
  (void)normalize_availability(text.substr(0, 64));
  return 0;
}
