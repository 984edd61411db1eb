// The one place where foreign error codes (Asio, Beast, OpenSSL) become error_kinds.
#pragma once

#include <pricescrape/error.hpp>

#include <boost/system/error_code.hpp>

#include <string_view>

namespace pricescrape::http {

// Which step of a request failed: the same code means different things in each.
enum class phase { resolve, connect, handshake, write, read_header, read_body };

// EMFILE or ENFILE: the process (or the system) has no file descriptor left for a socket.
bool is_out_of_descriptors(const boost::system::error_code& ec) noexcept;

// `where` names the peer ("shop.example:443") for the message.
scrape_error classify(const boost::system::error_code& ec, phase step, std::string_view where);

}  // namespace pricescrape::http
