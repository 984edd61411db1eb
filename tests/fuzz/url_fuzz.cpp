// libFuzzer target: URL validation of an input line (what the batch reader does with
// every line of its input). Never throws; an accepted URL is http(s) with a host. The
// IRI conversion is idempotent (the fetch converts what the input check converted) and
// its result is ASCII.
#include <pricescrape/iri.hpp>
#include <pricescrape/url_source.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto error = pricescrape::validate_url(text);
  if (error && error->message.empty()) std::abort();
  if (const auto uri = pricescrape::iri::to_uri(text)) {
    for (char c : *uri)
      if (static_cast<unsigned char>(c) >= 0x80) std::abort();
    const auto again = pricescrape::iri::to_uri(*uri);
    if (!again || *again != *uri) std::abort();
  }
  return 0;
}
