#include "page_file.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pricescrape::cli {

namespace {
constexpr std::size_t max_page_bytes = 256u << 20;

// All of `gz` (closed here), decompressed; `name` says what it is in messages.
outcome<std::string> read_all(gzFile gz, const std::string& name) {
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    const int n = gzread(gz, buf, sizeof buf);
    if (n < 0) {
      int errnum = 0;
      std::string message = gzerror(gz, &errnum);
      gzclose(gz);
      return scrape_error{error_kind::decode, "cannot decompress " + name + ": " + message};
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_page_bytes) {
      gzclose(gz);
      return scrape_error{error_kind::too_large, name + " decompresses to more than 256 MiB"};
    }
  }
  gzclose(gz);
  return text;
}

// "-": the page on stdin, gzip-compressed or not (zlib passes plain bytes through).
outcome<std::string> read_stdin_page() {
  const int fd = ::dup(STDIN_FILENO);  // gzclose closes the copy; stdin stays open
  gzFile gz = fd < 0 ? nullptr : gzdopen(fd, "rb");
  if (!gz) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    return scrape_error{error_kind::decode,
                        std::string("cannot read stdin: ") + std::strerror(error)};
  }
  return read_all(gz, "stdin");
}

}  // namespace

outcome<std::string> read_page_file(const std::string& path) {
  if (path == "-") return read_stdin_page();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return scrape_error{error_kind::decode, "cannot read '" + path + "': " + std::strerror(errno)};
  char magic[2] = {};
  in.read(magic, 2);
  const bool gzipped = in.gcount() == 2 && magic[0] == '\x1f' && magic[1] == '\x8b';
  in.close();

  if (!gzipped) {
    std::ifstream whole(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << whole.rdbuf();
    std::string text = std::move(buffer).str();
    if (text.size() > max_page_bytes)
      return scrape_error{error_kind::too_large, "'" + path + "' is larger than 256 MiB"};
    return text;
  }

  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) return scrape_error{error_kind::decode, "cannot open '" + path + "' as gzip"};
  return read_all(gz, "'" + path + "'");
}

}  // namespace pricescrape::cli
