#include "certificate.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace pricescrape::demo_shop {

namespace {

template <auto fn>
struct deleter {
  template <class T>
  void operator()(T* p) const {
    fn(p);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, deleter<EVP_PKEY_CTX_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using x509_ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BN_free>>;

// OpenSSL reports why on its thread-local error queue; fold it into the message.
[[noreturn]] void fail(const std::string& what) {
  std::string message = "cannot " + what;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    message += ": ";
    message += reason;
  }
  ERR_clear_error();
  throw std::runtime_error(message);
}

void check(int rc, const char* what) {
  if (rc <= 0) fail(what);
}

pkey_ptr generate_p256_key() {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx) fail("create an EC key context");
  check(EVP_PKEY_keygen_init(ctx.get()), "initialise EC key generation");
  check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256"), "select curve P-256");
  EVP_PKEY* raw = nullptr;
  check(EVP_PKEY_generate(ctx.get(), &raw), "generate an EC P-256 key");
  return pkey_ptr(raw);
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  x509_ext_ptr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext) fail(std::string("build certificate extension ") + OBJ_nid2sn(nid));
  check(X509_add_ext(cert, ext.get(), -1), "add a certificate extension");
}

std::string to_pem(void (*write)(BIO*, const void*), const void* object) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("allocate a memory BIO");
  write(bio.get(), object);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0) fail("encode PEM");
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

certificate_pem generate_self_signed() {
  auto key = generate_p256_key();

  x509_ptr cert(X509_new());
  if (!cert) fail("allocate a certificate");
  check(X509_set_version(cert.get(), X509_VERSION_3), "set certificate version");

  // A random 63-bit serial: clients that cached an earlier run's certificate must not
  // mistake this one for it.
  bn_ptr serial(BN_new());
  if (!serial) fail("allocate a serial number");
  check(BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "draw a serial number");
  if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    fail("set the serial number");
  }

  // Backdated an hour so a client whose clock runs a little behind still accepts it.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60)) fail("set notBefore");
  if (!X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 60 * 60)) fail("set notAfter");

  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("pricescrape demo-shop"),
                                   -1, -1, 0),
        "set the subject organisation");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0),
        "set the subject common name");
  check(X509_set_issuer_name(cert.get(), name), "set the issuer name");
  check(X509_set_pubkey(cert.get(), key.get()), "set the public key");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
  // digitalSignature for ECDHE handshakes, keyCertSign because it is its own CA.
  add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) fail("sign the certificate");

  certificate_pem out;
  out.certificate = to_pem(
      [](BIO* bio, const void* x) {
        PEM_write_bio_X509(bio, static_cast<X509*>(const_cast<void*>(x)));
      },
      cert.get());
  out.private_key = to_pem(
      [](BIO* bio, const void* k) {
        PEM_write_bio_PrivateKey(bio, static_cast<const EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                 nullptr);
      },
      key.get());
  return out;
}

void write_pem_file(const std::filesystem::path& path, const std::string& pem) {
  auto temporary = path;
  temporary += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << pem;
    out.close();
    if (!out) throw std::runtime_error("cannot write file '" + temporary.string() + "'");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    const auto reason = ec.message();
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error("cannot write file '" + path.string() + "': " + reason);
  }
}

}  // namespace pricescrape::demo_shop
