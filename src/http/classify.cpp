#include "http/classify.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <string>

namespace pricescrape::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

std::string_view doing(phase step) {
  switch (step) {
    case phase::resolve:
      return "resolving";
    case phase::connect:
      return "connecting to";
    case phase::handshake:
      return "in the TLS handshake with";
    case phase::write:
      return "sending the request to";
    case phase::read_header:
      return "waiting for the response headers from";
    case phase::read_body:
      return "reading the response body from";
  }
  return "talking to";
}

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

bool is_connection_drop(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message ||
         ec == asio::ssl::error::stream_truncated;
}

}  // namespace

bool is_out_of_descriptors(const boost::system::error_code& ec) noexcept {
  return ec == boost::system::errc::too_many_files_open ||
         ec == boost::system::errc::too_many_files_open_in_system;
}

scrape_error classify(const boost::system::error_code& ec, phase step, std::string_view where) {
  const std::string detail = ec.message();
  if (ec == beast::error::timeout || ec == asio::error::timed_out)
    return {error_kind::timeout, join({"timed out ", doing(step), " ", where})};
  if (ec == asio::error::operation_aborted)
    return {error_kind::cancelled, join({"cancelled while ", doing(step), " ", where})};

  if (is_out_of_descriptors(ec))
    // Named for what the user can change: a socket could not even be created.
    return {error_kind::connect,
            join({"cannot connect to ", where, ": the process ran out of file descriptors (",
                  detail, "); lower -c or raise ulimit -n"})};

  if (is_out_of_descriptors(ec))
    // Named for what the user can change: a socket could not even be created.
    return {error_kind::connect,
            join({"cannot connect to ", where, ": the process ran out of file descriptors (",
                  detail, "); lower -c or raise ulimit -n"})};

  switch (step) {
    case phase::resolve:
      return {error_kind::dns, join({"cannot resolve ", where, ": ", detail})};
    case phase::connect:
      return {error_kind::connect, join({"cannot connect to ", where, ": ", detail})};
    case phase::handshake:
      if (is_connection_drop(ec))
        return {error_kind::tls,
                join({"TLS handshake with ", where, " failed: the server closed the connection (",
                      detail, ")"})};
      return {error_kind::tls, join({"TLS handshake with ", where, " failed: ", detail})};
    case phase::write:
    case phase::read_header:
    case phase::read_body:
      break;
  }

  if (ec == beast::http::error::body_limit)
    return {error_kind::too_large,
            join({"response body from ", where, " is larger than the --max-body limit"})};
  if (ec == beast::http::error::buffer_overflow)
    return {error_kind::protocol, join({"response from ", where,
                                        " has a chunk-size line or trailer section over 32 KiB"})};
  if (ec == beast::http::error::header_limit)
    return {error_kind::protocol, join({"response headers from ", where, " are too large"})};
  if (is_connection_drop(ec))
    return {
        error_kind::protocol,
        join({"connection closed by ", where, " ", step == phase::read_body ? "mid-body" : "",
              step == phase::read_body ? "" : "before a complete response", " (", detail, ")"})};
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category())
    return {error_kind::protocol, join({"malformed HTTP response from ", where, ": ", detail})};
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category())
    return {error_kind::tls, join({"TLS error ", doing(step), " ", where, ": ", detail})};
  return {error_kind::connect, join({"network error ", doing(step), " ", where, ": ", detail})};
}

}  // namespace pricescrape::http
