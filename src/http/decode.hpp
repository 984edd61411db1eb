// Undoes Content-Encoding (gzip, deflate, br) with a cap on the decoded size.
#pragma once

#include <pricescrape/error.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::http {

enum class content_coding { identity, gzip, deflate, br };

// Parses a Content-Encoding header value. nullopt for codings we do not speak
// ("compress", "zstd", or more than one stacked coding).
std::optional<content_coding> parse_content_encoding(std::string_view header);

// A streaming decoder: feed() compressed bytes as they arrive, the decoded bytes are
// appended to `out`. It stops with too_large as soon as `out` would pass the cap, so
// a gzip bomb costs at most `max_output` bytes of work and memory.
class body_decoder {
 public:
  body_decoder(content_coding coding, std::size_t max_output);
  ~body_decoder();
  body_decoder(const body_decoder&) = delete;
  body_decoder& operator=(const body_decoder&) = delete;

  // Returns an error (decode or too_large) or nothing on success.
  std::optional<scrape_error> feed(std::string_view in, std::string& out);
  // Call after the last byte: a truncated stream is a decode error.
  std::optional<scrape_error> finish();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

// Decodes a whole body at once (the common case: Beast has read it all). Takes the
// body by value so that the compressed bytes are freed as soon as they are decoded,
// and an identity body is moved through, never copied.
outcome<std::string> decode_body(std::string body, content_coding coding, std::size_t max_output);

}  // namespace pricescrape::http
