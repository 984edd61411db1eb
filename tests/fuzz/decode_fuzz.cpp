// libFuzzer target: Content-Encoding decoding with an output cap, whole and in pieces.
// src/http/decode.cpp is pure, so it is compiled in here instead of linking the network
// library. The output never exceeds the cap; the one-shot and streaming decoders agree.
#include "http/decode.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pricescrape::http;
  if (size < 2) return 0;
  static constexpr content_coding codings[] = {content_coding::identity, content_coding::gzip,
                                               content_coding::deflate, content_coding::br};
  const content_coding coding = codings[data[0] & 3];
  const std::size_t max_output = 1 + (static_cast<std::size_t>(data[1]) << 10);  // up to 256 KiB
  const std::size_t piece = 1 + ((data[0] >> 2) & 63);
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

  const auto whole = decode_body(std::string(body), coding, max_output);
  if (whole && whole->size() > max_output) std::abort();

  body_decoder decoder(coding, max_output);
  std::string out;
  std::optional<pricescrape::scrape_error> error;
  for (std::size_t i = 0; i < body.size() && !error; i += piece) {
    error = decoder.feed(body.substr(i, piece), out);
    if (out.size() > max_output) std::abort();
  }
  if (!error) error = decoder.finish();
  // Both succeed with the same bytes, or both fail.
  if (whole.has_value() != !error.has_value()) std::abort();
  if (whole && *whole != out) std::abort();
  return 0;
}
