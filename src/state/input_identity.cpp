#include <pricescrape/state/store.hpp>

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace pricescrape::state {

namespace {

[[noreturn]] void throw_cannot_read(const std::filesystem::path& file, int error_number) {
  throw std::runtime_error("cannot read '" + file.string() + "': " + std::strerror(error_number));
}

struct fd_closer {
  int fd;
  ~fd_closer() { ::close(fd); }
};

struct md_free {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

input_identity identify_input(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_cannot_read(file, errno);
  const fd_closer closer{fd};
  std::unique_ptr<EVP_MD_CTX, md_free> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("cannot hash '" + file.string() + "': OpenSSL failed");
  input_identity id;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(file, ec);
  id.path = (ec ? file : absolute.lexically_normal()).string();
  char buf[64 * 1024];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_cannot_read(file, errno);
    }
    EVP_DigestUpdate(ctx.get(), buf, static_cast<std::size_t>(n));
    id.size += static_cast<std::uint64_t>(n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < length; ++i) {
    id.sha256 += hex[digest[i] >> 4];
    id.sha256 += hex[digest[i] & 0xF];
  }
  return id;
}

}  // namespace pricescrape::state
