// Reads one HTTP/1.1 response off any stream: the step the client and the fuzzer share.
#pragma once

#include <pricescrape/error.hpp>

#include "http/classify.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pricescrape::http {

struct read_limits {
  std::size_t max_header = 64u << 10;  // one response's header section
  std::size_t max_body = 16u << 20;    // body bytes as sent (before decoding)
  int max_interim = 8;                 // 1xx responses skipped before the final one
};

// What the body phase may hold unparsed at once: a chunk-size line, or the whole trailer
// section. Beast counts neither against header_limit, and it throws std::length_error for
// a field over 65533 bytes (it keeps field offsets in 16 bits): a trailer field that large
// once aborted a batch. Under this bound no trailer field can reach that size.
inline constexpr std::size_t max_chunk_meta = 32u << 10;
static_assert(max_chunk_meta < 65533);

// One read size, as Beast's own read loop uses.
inline constexpr std::size_t read_chunk = 64u << 10;

struct response_read {
  std::optional<scrape_error> error;
  int status = 0;          // of the final response; 0 when none was parsed
  int interim = 0;         // 1xx responses read and skipped
  bool got_bytes = false;  // the server sent anything at all
  // Complete, keep-alive, and not one byte beyond the response in the buffer: only then
  // may the connection serve another request (a leftover byte is the start of a reply
  // nobody asked for, and the next request on it would read that reply).
  bool reusable = false;
  std::string location;
  // The fields the host policy and the state store read (see kept_field), as received.
  std::vector<std::pair<std::string, std::string>> fields;
  std::string content_type;
  std::string content_encoding;
  std::string body;  // as sent: Content-Encoding not undone
};

namespace reader_detail {

// At most this many kept fields per response: a server repeating RateLimit a million
// times gets the first ones read.
inline constexpr std::size_t max_kept_fields = 32;

// Retry-After, the RateLimit families, challenge markers and validators: what decides
// the host's pace and the next request, nothing else.
inline bool kept_field(std::string_view name) {
  const auto starts = [&](std::string_view prefix) {
    return name.size() >= prefix.size() &&
           boost::beast::iequals(name.substr(0, prefix.size()), prefix);
  };
  return starts("retry-after") || starts("ratelimit") || starts("x-ratelimit") ||
         starts("x-rate-limit") || starts("cf-mitigated") || starts("etag") ||
         starts("last-modified");
}

inline constexpr auto read_token = boost::asio::as_tuple(boost::asio::use_awaitable);

// Feeds `parser` from `buffer`, reading more from `stream` until `done(parser)`. Unlike
// beast::http::async_read, the parser runs in this coroutine, not in a completion
// handler, so whatever it throws reaches read_response's try block instead of
// io_context::run(); and the buffer never holds more than `max_buffered` bytes.
template <class Stream, class Parser, class Done>
boost::asio::awaitable<boost::system::error_code> parse_until(Stream& stream,
                                                              boost::beast::flat_buffer& buffer,
                                                              Parser& parser, Done done,
                                                              std::size_t max_buffered,
                                                              bool& got_bytes) {
  namespace bhttp = boost::beast::http;
  for (;;) {
    if (done(parser)) co_return boost::system::error_code{};
    if (buffer.size() > 0) {
      boost::system::error_code ec;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (!ec && used > 0) continue;
      if (ec && ec != bhttp::error::need_more) co_return ec;
    }
    if (buffer.size() >= max_buffered) co_return bhttp::error::buffer_overflow;
    const std::size_t room = std::min(read_chunk, max_buffered - buffer.size());
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(room), read_token);
    buffer.commit(n);
    if (n > 0) got_bytes = true;
    if (ec == boost::asio::error::eof && n == 0) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      boost::system::error_code eof_ec;
      parser.put_eof(eof_ec);  // completes a body delimited by the connection's end
      if (eof_ec) co_return eof_ec;
      if (!done(parser)) co_return bhttp::error::partial_message;
      continue;
    }
    if (ec && n == 0) co_return ec;
  }
}

inline void keep_fields(response_read& out,
                        const boost::beast::http::response<boost::beast::http::string_body>& res) {
  namespace bhttp = boost::beast::http;
  out.location = std::string(res[bhttp::field::location]);
  for (const auto& f : res) {
    if (out.fields.size() < max_kept_fields && kept_field(f.name_string()))
      out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  out.content_type = std::string(res[bhttp::field::content_type]);
  out.content_encoding = std::string(res[bhttp::field::content_encoding]);
}

inline scrape_error protocol_error(std::string message) {
  return {error_kind::protocol, std::move(message)};
}

// The 1xx loop and the final response; errors go into `out`.
template <class Stream>
boost::asio::awaitable<void> read_final(response_read& out, Stream& stream,
                                        boost::beast::flat_buffer& buffer,
                                        const read_limits& limits, const std::string& where) {
  namespace bhttp = boost::beast::http;
  using parser_type = bhttp::response_parser<bhttp::string_body>;
  const auto header_done = [](const parser_type& p) { return p.is_header_done(); };
  const auto all_done = [](const parser_type& p) { return p.is_done(); };
  for (;;) {
    parser_type parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.max_header, std::uint32_t(-1) / 2)));
    parser.body_limit(limits.max_body);
    auto ec = co_await parse_until(stream, buffer, parser, header_done,
                                   std::max<std::size_t>(limits.max_header, 1), out.got_bytes);
    if (ec) {
      out.error = classify(ec, phase::read_header, where);
      co_return;
    }
    const int status = static_cast<int>(parser.get().result_int());
    if (status == 101) {
      out.error = protocol_error("server " + where +
                                 " switched protocols (101) though nothing asked it to");
      co_return;
    }
    if (status < 100) {
      out.error = protocol_error("malformed HTTP response from " + where + ": status " +
                                 std::to_string(status));
      co_return;
    }
    if (status < 200) {
      // An interim response (100 Continue, 103 Early Hints) has no body; the final
      // response follows it on the same connection.
      if (++out.interim > limits.max_interim) {
        out.error = protocol_error("more than " + std::to_string(limits.max_interim) +
                                   " interim (1xx) responses from " + where);
        co_return;
      }
      continue;
    }
    out.status = status;
    ec = co_await parse_until(stream, buffer, parser, all_done, max_chunk_meta, out.got_bytes);
    if (ec) {
      out.error = classify(ec, phase::read_body, where);
      co_return;
    }
    auto& res = parser.get();
    keep_fields(out, res);
    out.reusable = res.keep_alive() && !parser.need_eof() && buffer.size() == 0;
    out.body = std::move(res.body());
    co_return;
  }
}

}  // namespace reader_detail

// Reads the response to one request: skips interim 1xx responses (a bounded number;
// 101 is an error, nothing here asks to switch protocols), enforces the header and body
// limits, and turns every failure, exceptions included, into a classified error.
// `buffer` may hold bytes already received; on return it holds what came after the
// response. Never throws.
template <class Stream>
boost::asio::awaitable<response_read> read_response(Stream& stream,
                                                    boost::beast::flat_buffer& buffer,
                                                    read_limits limits, std::string where) {
  response_read out;
  try {
    co_await reader_detail::read_final(out, stream, buffer, limits, where);
  } catch (const std::exception& e) {
    out.error =
        reader_detail::protocol_error("malformed HTTP response from " + where + ": " + e.what());
  } catch (...) {
    out.error = reader_detail::protocol_error("malformed HTTP response from " + where);
  }
  if (out.error) {
    out.reusable = false;
    out.body.clear();
  }
  co_return out;
}

}  // namespace pricescrape::http
