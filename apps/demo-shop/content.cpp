#include "content.hpp"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace pricescrape::demo_shop {

namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// q-value of one Accept-Encoding element ("gzip;q=0.5" → 0.5); malformed values count as 1
// so a sloppy client still gets compression rather than nothing.
double quality_of(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';');
    auto param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      try {
        return std::stod(std::string(param.substr(2)));
      } catch (const std::exception&) {
        return 1.0;
      }
    }
  }
  return 1.0;
}

std::string zlib_compress(std::string_view data, int window_bits) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("cannot initialise zlib deflate");
  }
  // deflateBound is exact for one Z_FINISH call, plus room for the gzip header.
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("cannot compress: zlib deflate failed");
  return out;
}

std::string brotli_compress(std::string_view data) {
  std::string out(BrotliEncoderMaxCompressedSize(data.size()) + 64, '\0');
  std::size_t out_size = out.size();
  if (BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                            data.size(), reinterpret_cast<const std::uint8_t*>(data.data()),
                            &out_size,
                            reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_FALSE) {
    throw std::runtime_error("cannot compress: brotli encoder failed");
  }
  out.resize(out_size);
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open file '" + path.string() + "'");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

constexpr std::string_view fault_page_html = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fault Route Widget | Demo Shop</title>
<script type="application/ld+json">
{
  "@context": "https://schema.org",
  "@type": "Product",
  "name": "Fault Route Widget",
  "sku": "FRW-1",
  "description": "Served by a demo-shop fault route once the fault has run its course.",
  "offers": {
    "@type": "Offer",
    "price": "12.50",
    "priceCurrency": "EUR",
    "availability": "https://schema.org/InStock"
  }
}
</script>
</head>
<body>
<header><a href="/">Demo Shop</a></header>
<main>
<h1>Fault Route Widget</h1>
<p class="price">12,50 &euro;</p>
<p>In stock. This page is what the fault routes serve when they end in success.</p>
</main>
</body>
</html>
)";

}  // namespace

std::string_view encoding_name(encoding e) {
  switch (e) {
    case encoding::gzip:
      return "gzip";
    case encoding::deflate:
      return "deflate";
    case encoding::br:
      return "br";
    case encoding::identity:
      break;
  }
  return "identity";
}

std::optional<encoding> parse_encoding(std::string_view name) {
  const auto n = lower(trim(name));
  if (n == "identity") return encoding::identity;
  if (n == "gzip" || n == "x-gzip") return encoding::gzip;
  if (n == "deflate") return encoding::deflate;
  if (n == "br") return encoding::br;
  return std::nullopt;
}

encoding negotiate_encoding(std::string_view accept_encoding) {
  std::array<std::optional<double>, 4> q{};
  std::optional<double> star;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const auto element = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const auto semi = element.find(';');
    const auto name = trim(element.substr(0, semi));
    const double quality =
        semi == std::string_view::npos ? 1.0 : quality_of(element.substr(semi + 1));
    if (name == "*") {
      star = quality;
    } else if (auto e = parse_encoding(name)) {
      q[static_cast<std::size_t>(*e)] = quality;
    }
  }
  for (auto e : {encoding::br, encoding::gzip, encoding::deflate}) {
    const auto& explicit_q = q[static_cast<std::size_t>(e)];
    const double quality = explicit_q ? *explicit_q : star.value_or(0.0);
    if (quality > 0.0) return e;
  }
  return encoding::identity;
}

std::string compress(std::string_view data, encoding e) {
  switch (e) {
    case encoding::gzip:
      return zlib_compress(data, 15 + 16);
    case encoding::deflate:
      return zlib_compress(data, 15);
    case encoding::br:
      return brotli_compress(data);
    case encoding::identity:
      break;
  }
  return std::string(data);
}

std::string_view content_type_for(const fs::path& path) {
  const auto ext = lower(path.extension().string());
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".xml") return "application/xml";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

bool is_compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("application/xml") || content_type.starts_with("image/svg+xml");
}

entity::entity(std::string body, std::string content_type)
    : content_type_(std::move(content_type)) {
  variants_[static_cast<std::size_t>(encoding::identity)] = std::move(body);
}

const std::string& entity::variant(encoding e) {
  auto& slot = variants_[static_cast<std::size_t>(e)];
  if (!slot) slot = compress(*variants_[static_cast<std::size_t>(encoding::identity)], e);
  return *slot;
}

content_store::content_store(fs::path root) : root_(fs::canonical(root)) {
  if (!fs::is_directory(root_)) {
    throw std::runtime_error("cannot serve '" + root_.string() + "': not a directory");
  }
}

std::shared_ptr<entity> content_store::lookup(std::string_view path) {
  if (path.empty() || path.front() != '/') return nullptr;
  fs::path relative;
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    // Refuse rather than normalise: a client sending ".." is probing, not browsing.
    if (segment == ".." || segment.find_first_of(std::string_view("\\\0", 2)) != segment.npos) {
      return nullptr;
    }
    relative /= fs::path(std::string(segment));
  }
  fs::path full = root_ / relative;
  std::error_code ec;
  if (path.back() == '/' || fs::is_directory(full, ec)) full /= "index.html";
  const auto status = fs::status(full, ec);
  if (ec || !fs::is_regular_file(status)) return nullptr;

  // A symlink inside the root may point anywhere; only serve what resolves below it.
  const auto resolved = fs::weakly_canonical(full, ec);
  if (ec) return nullptr;
  const auto [root_end, ignored] =
      std::mismatch(root_.begin(), root_.end(), resolved.begin(), resolved.end());
  if (root_end != root_.end()) return nullptr;

  const auto size = fs::file_size(resolved, ec);
  if (ec) return nullptr;
  const auto mtime = fs::last_write_time(resolved, ec);
  if (ec) return nullptr;
  auto& slot = cache_[resolved.string()];
  if (!slot.page || slot.mtime != mtime || slot.size != size) {
    slot.page =
        std::make_shared<entity>(read_file(resolved), std::string(content_type_for(resolved)));
    slot.mtime = mtime;
    slot.size = size;
  }
  return slot.page;
}

std::shared_ptr<entity> fault_product_page() {
  static const auto page =
      std::make_shared<entity>(std::string(fault_page_html), "text/html; charset=utf-8");
  return page;
}

std::string priced_page(std::string_view price) {
  std::string out = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hostile Route Item | Demo Shop</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Product", "name": "Hostile Route Item",
 "offers": {"@type": "Offer", "price": ")";
  out += price;
  out += R"(", "priceCurrency": "EUR", "availability": "https://schema.org/InStock"}}
</script>
</head>
<body><h1>Hostile Route Item</h1><p class="price">)";
  out += price;
  out += " EUR</p></body>\n</html>\n";
  return out;
}

std::string challenge_page() {
  // Shaped like Cloudflare's managed challenge: its title, the cf-chl script options and
  // the noscript notice; no product and no price.
  return R"(<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">demo-shop</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title"><div class="h2"><span class="icon-wrapper">
</span>Enable JavaScript and cookies to continue</div></div></noscript>
<div id="challenge-body-text" class="core-msg spacer">demo-shop needs to review the security
of your connection before proceeding.</div></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "demo-shop",cType: 'managed',
cRay: '8a1b2c3d4e5f6071',cH: 'demo',cUPMDTk: "/?__cf_chl_tk=demo"};
var cpo = document.createElement('script');
cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6071';
window._cf_chl_opt.cOgUHash = location.hash; document.getElementsByTagName('head')[0]
.appendChild(cpo);}());</script>
<div class="footer" role="contentinfo"><div class="footer-inner">
Ray ID: <code>8a1b2c3d4e5f6071</code> Performance &amp; security by Cloudflare</div></div>
</body></html>
)";
}

std::string fault_product_json() {
  return R"({"@type":"Product","name":"Fault Route Widget","price":"12.50","currency":"EUR",)"
         R"("availability":"InStock"})"
         "\n";
}

std::string binary_blob() {
  // A PNG signature followed by every byte value: clearly not text, whatever the header says.
  std::string out("\x89PNG\r\n\x1a\n", 8);
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) out.push_back(static_cast<char>(b));
  }
  return out;
}

std::string error_page(unsigned status, std::string_view reason, std::string_view detail) {
  std::string title = std::to_string(status) + " " + std::string(reason);
  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>";
  out += title;
  out += "</title></head>\n<body>\n<h1>";
  out += title;
  out += "</h1>\n<p>";
  for (char c : detail) {  // the detail may echo a request path
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  out += "</p>\n<p><a href=\"/\">Back to the shop</a></p>\n</body>\n</html>\n";
  return out;
}

std::shared_ptr<const std::string> gzip_bomb() {
  static const std::shared_ptr<const std::string> bomb = [] {
    constexpr std::size_t block = 1 << 20;
    constexpr std::size_t blocks = 1024;  // 1 GiB in all
    const std::string spaces(block, ' ');

    // Deflate 1 MiB once with a full flush: the output is byte-aligned, ends without
    // BFINAL and refers to nothing before it, so copies of it concatenate into one valid
    // deflate stream. One gzip member keeps naive single-member decoders honest.
    z_stream zs{};
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("cannot initialise zlib deflate");
    }
    // The flush adds a 5-byte empty stored block beyond deflateBound's Z_FINISH estimate.
    std::string piece(deflateBound(&zs, block) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(spaces.data()));
    zs.avail_in = static_cast<uInt>(spaces.size());
    zs.next_out = reinterpret_cast<Bytef*>(piece.data());
    zs.avail_out = static_cast<uInt>(piece.size());
    const int rc = deflate(&zs, Z_FULL_FLUSH);
    piece.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_OK || zs.avail_in != 0) throw std::runtime_error("cannot build the gzip bomb");

    const uLong piece_crc = crc32(0, reinterpret_cast<const Bytef*>(spaces.data()), block);
    uLong crc = piece_crc;
    for (std::size_t i = 1; i < blocks; ++i) crc = crc32_combine(crc, piece_crc, block);

    auto out = std::make_shared<std::string>();
    out->reserve(10 + piece.size() * blocks + 2 + 8);
    // Header: magic, deflate, no flags, no mtime, max compression, Unix.
    out->append("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10);
    for (std::size_t i = 0; i < blocks; ++i) out->append(piece);
    out->append("\x03\x00", 2);  // an empty final block with fixed Huffman codes
    put_le32(*out, static_cast<std::uint32_t>(crc));
    put_le32(*out, static_cast<std::uint32_t>((block * blocks) & 0xffffffffu));
    return out;
  }();
  return bomb;
}

std::shared_ptr<const std::string> oversized_filler() {
  static const std::shared_ptr<const std::string> filler = [] {
    constexpr std::size_t size = 1 << 20;
    constexpr std::string_view line =
        "<p class=\"filler\">This page never ends; a careful client stops reading.</p>\n";
    auto out = std::make_shared<std::string>();
    out->reserve(size);
    while (out->size() + line.size() <= size) out->append(line);
    out->append(size - out->size(), '\n');
    return out;
  }();
  return filler;
}

std::shared_ptr<const std::string> html_of_size(std::size_t size) {
  const std::string_view page = fault_page_html;
  const std::string_view tail = "</body>\n</html>\n";
  const auto head = page.substr(0, page.rfind(tail));
  auto out = std::make_shared<std::string>(head);
  // Pad with a comment so the document stays valid HTML at any size that fits.
  constexpr std::string_view open = "<!-- ", close = " -->\n";
  const std::size_t fixed = head.size() + open.size() + close.size() + tail.size();
  if (size > fixed) {
    out->append(open);
    out->append(size - fixed, '.');
    out->append(close);
  }
  out->append(tail);
  out->resize(size, '\n');
  return out;
}

}  // namespace pricescrape::demo_shop
