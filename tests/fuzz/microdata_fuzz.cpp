// libFuzzer target: microdata, RDFa and meta-tag extraction over the tree of any page.
#include <pricescrape/extract/charset.hpp>

#include "extract/html.hpp"
#include "extract/structured.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pricescrape::extract;
  std::string html =
      to_utf8(std::string_view(reinterpret_cast<const char*>(data), size), "text/html").text;
  const detail::html_document doc(std::move(html));
  const detail::structured_data found = detail::find_structured(doc.document());
  for (const auto& o : found.microdata) {
    if (!o.price || (o.source != "microdata" && o.source != "rdfa")) std::abort();
  }
  return 0;
}
