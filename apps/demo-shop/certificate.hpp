// The demo shop's TLS identity: a self-signed localhost certificate made at start-up.
#pragma once

#include <filesystem>
#include <string>

namespace pricescrape::demo_shop {

struct certificate_pem {
  std::string certificate;
  std::string private_key;
};

// An EC P-256 key and a self-signed X.509 v3 certificate for CN=localhost with
// subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, valid from an hour ago for 30 days.
// It is also a CA (basicConstraints CA:TRUE) so a client can trust it with --cacert.
// Throws std::runtime_error carrying OpenSSL's reason on failure.
certificate_pem generate_self_signed();

// Writes `pem` to `path` through a temporary file and a rename, so a reader polling for
// the file never sees half of it.
void write_pem_file(const std::filesystem::path& path, const std::string& pem);

}  // namespace pricescrape::demo_shop
