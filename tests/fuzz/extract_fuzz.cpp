// libFuzzer target: the whole extraction entry point, on the fast and the full path.
// It must never throw or crash, and an answer always comes with a price or an error.
#include <pricescrape/extract/extractor.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pricescrape::extract;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  extract_options options;
  options.full_dom_path = (data[0] & 1) != 0;
  options.explain = (data[0] & 2) != 0;
  const extraction r = extract_product({body, "text/html", "https://shop.example/p/1"}, options);
  if (r.found.price.has_value() == r.error.has_value()) std::abort();
  return 0;
}
