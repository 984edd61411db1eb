// The client's TLS configuration: system trust store, --cacert, --insecure.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace pricescrape::http {

// Verification on (unless `insecure`) against the system store plus `cacert`, TLS 1.2+.
// Throws std::runtime_error naming the file when `cacert` cannot be loaded.
std::unique_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& cacert,
                                                                   bool insecure);

// The text OpenSSL gives for a failed certificate check ("self-signed certificate",
// "Hostname mismatch"...), or empty when verification did not fail.
std::string verify_failure_reason(long verify_result);

}  // namespace pricescrape::http
