// What the demo shop serves: files under --root with cached compressed variants, and the
// canned bodies of the fault routes. Pure and synchronous: no sockets in here.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pricescrape::demo_shop {

enum class encoding : std::uint8_t { identity, gzip, deflate, br };

std::string_view encoding_name(encoding e);
std::optional<encoding> parse_encoding(std::string_view name);

// Picks br, then gzip, then deflate, then identity among the codings the client accepts
// (q=0 excludes a coding; `*` accepts every coding not named).
encoding negotiate_encoding(std::string_view accept_encoding);

// "deflate" is the zlib format, as HTTP's Content-Encoding: deflate means (RFC 9110 8.4.1.2).
std::string compress(std::string_view data, encoding e);

std::string_view content_type_for(const std::filesystem::path& path);
bool is_compressible(std::string_view content_type);

// A response body whose compressed variants are built on first use and kept, so a page
// fetched a thousand times is compressed once per coding.
class entity {
 public:
  entity(std::string body, std::string content_type);

  const std::string& content_type() const { return content_type_; }
  bool compressible() const { return is_compressible(content_type_); }
  const std::string& variant(encoding e);

 private:
  std::string content_type_;
  std::array<std::optional<std::string>, 4> variants_;
};

// Files below a root folder, read once and re-read when their size or mtime changes.
class content_store {
 public:
  explicit content_store(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  // `path` is the decoded URL path ("/", "/products/widget.html"). nullptr when the file
  // is missing, is not a regular file, or the path tries to leave the root.
  std::shared_ptr<entity> lookup(std::string_view path);

 private:
  struct cached {
    std::shared_ptr<entity> page;
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
  };

  std::filesystem::path root_;
  std::unordered_map<std::string, cached> cache_;
};

// The page every fault route that ends in success serves: JSON-LD Product
// "Fault Route Widget", 12.50 EUR, InStock.
std::shared_ptr<entity> fault_product_page();
// A product page like the fault page, but named "Hostile Route Item" and priced
// `price` EUR (digits and one '.', checked by the caller), so tests can tell which
// route's page a record came from.
std::string priced_page(std::string_view price);
std::string fault_product_json();
// A bot-challenge page shaped like Cloudflare's "Just a moment..." (cf-chl), with no price.
std::string challenge_page();
std::string binary_blob();
std::string error_page(unsigned status, std::string_view reason, std::string_view detail);

// A gzip member that inflates to exactly 1 GiB of spaces and is about 1 MiB on the wire.
// Built on first use (a few milliseconds) and shared afterwards.
std::shared_ptr<const std::string> gzip_bomb();

// 1 MiB of HTML-looking filler, repeated by the oversized route.
std::shared_ptr<const std::string> oversized_filler();

// An HTML document of exactly `size` bytes (the stall and reset routes send part of it).
std::shared_ptr<const std::string> html_of_size(std::size_t size);

}  // namespace pricescrape::demo_shop
