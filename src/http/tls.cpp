#include "http/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace pricescrape::http {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> make_client_tls_context(const std::string& cacert, bool insecure) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  // A machine without a CA bundle can still trust --cacert, so this is not fatal.
  ctx->set_default_verify_paths(ec);
  if (!cacert.empty()) {
    ctx->load_verify_file(cacert, ec);
    if (ec) throw std::runtime_error("cannot load --cacert '" + cacert + "': " + ec.message());
  }
  ctx->set_verify_mode(insecure ? ssl::verify_none : ssl::verify_peer);
  // Keep sessions so reconnects to an origin can resume instead of a full handshake.
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_CLIENT);
  return ctx;
}

std::string verify_failure_reason(long verify_result) {
  if (verify_result == X509_V_OK) return {};
  return X509_verify_cert_error_string(verify_result);
}

}  // namespace pricescrape::http
