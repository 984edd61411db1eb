// Reads a saved page for `pricescrape extract`: plain or gzip-compressed (.html.gz).
#pragma once

#include <pricescrape/error.hpp>

#include <string>

namespace pricescrape::cli {

// Gzip is recognised by its magic bytes, whatever the file is called; "-" is stdin
// (gzip or plain). Pages larger
// than 256 MiB (decoded) are refused as too_large.
outcome<std::string> read_page_file(const std::string& path);

}  // namespace pricescrape::cli
