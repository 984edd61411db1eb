// Encoding sniffing after the HTML standard, and conversion to UTF-8 through glibc iconv.
#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/extract/charset.hpp>

#include <pricescrape/detail/utf8.hpp>

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::extract {
namespace detail {
namespace {

bool is_valid_utf8(std::string_view s) noexcept;
std::string repair_utf8(std::string_view s);

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

using pricescrape::detail::to_lower_ascii;

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (is_ascii_space(s.front()) || s.front() == '"' || s.front() == '\'')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (is_ascii_space(s.back()) || s.back() == '"' || s.back() == '\'')) {
    s.remove_suffix(1);
  }
  std::string out(s);
  for (char& c : out) c = to_lower_ascii(c);
  return out;
}

struct encoding_entry {
  std::string_view label;
  std::string_view name;        // our canonical (WHATWG) name, lower case
  std::string_view iconv_name;  // what glibc calls it; empty when we decode it ourselves
};

// Labels from the WHATWG Encoding standard for the encodings a shop page plausibly
// uses. Latin-1 and ASCII labels mean windows-1252 there, because browsers decode
// them that way and pages rely on it (0x80 as the euro sign).
constexpr auto encoding_table = std::to_array<encoding_entry>({
    {"utf-8", "utf-8", ""},
    {"utf8", "utf-8", ""},
    {"unicode-1-1-utf-8", "utf-8", ""},
    {"unicode11utf8", "utf-8", ""},
    {"unicode20utf8", "utf-8", ""},
    {"x-unicode20utf8", "utf-8", ""},
    {"windows-1252", "windows-1252", ""},
    {"cp1252", "windows-1252", ""},
    {"x-cp1252", "windows-1252", ""},
    {"iso-8859-1", "windows-1252", ""},
    {"iso8859-1", "windows-1252", ""},
    {"iso88591", "windows-1252", ""},
    {"iso_8859-1", "windows-1252", ""},
    {"iso_8859-1:1987", "windows-1252", ""},
    {"latin1", "windows-1252", ""},
    {"l1", "windows-1252", ""},
    {"cp819", "windows-1252", ""},
    {"ibm819", "windows-1252", ""},
    {"csisolatin1", "windows-1252", ""},
    {"ascii", "windows-1252", ""},
    {"us-ascii", "windows-1252", ""},
    {"ansi_x3.4-1968", "windows-1252", ""},
    {"iso-8859-2", "iso-8859-2", "ISO-8859-2"},
    {"iso8859-2", "iso-8859-2", "ISO-8859-2"},
    {"latin2", "iso-8859-2", "ISO-8859-2"},
    {"l2", "iso-8859-2", "ISO-8859-2"},
    {"iso-8859-3", "iso-8859-3", "ISO-8859-3"},
    {"iso-8859-4", "iso-8859-4", "ISO-8859-4"},
    {"iso-8859-5", "iso-8859-5", "ISO-8859-5"},
    {"iso8859-5", "iso-8859-5", "ISO-8859-5"},
    {"cyrillic", "iso-8859-5", "ISO-8859-5"},
    {"iso-8859-6", "iso-8859-6", "ISO-8859-6"},
    {"arabic", "iso-8859-6", "ISO-8859-6"},
    {"iso-8859-7", "iso-8859-7", "ISO-8859-7"},
    {"iso8859-7", "iso-8859-7", "ISO-8859-7"},
    {"greek", "iso-8859-7", "ISO-8859-7"},
    {"iso-8859-8", "iso-8859-8", "ISO-8859-8"},
    {"hebrew", "iso-8859-8", "ISO-8859-8"},
    {"iso-8859-8-i", "iso-8859-8", "ISO-8859-8"},
    {"iso-8859-9", "windows-1254", "CP1254"},  // WHATWG: latin5 is windows-1254
    {"iso8859-9", "windows-1254", "CP1254"},
    {"latin5", "windows-1254", "CP1254"},
    {"iso-8859-10", "iso-8859-10", "ISO-8859-10"},
    {"iso-8859-11", "windows-874", "WINDOWS-874"},
    {"tis-620", "windows-874", "WINDOWS-874"},
    {"windows-874", "windows-874", "WINDOWS-874"},
    {"iso-8859-13", "iso-8859-13", "ISO-8859-13"},
    {"iso-8859-14", "iso-8859-14", "ISO-8859-14"},
    {"iso-8859-15", "iso-8859-15", "ISO-8859-15"},
    {"iso8859-15", "iso-8859-15", "ISO-8859-15"},
    {"latin9", "iso-8859-15", "ISO-8859-15"},
    {"iso-8859-16", "iso-8859-16", "ISO-8859-16"},
    {"windows-1250", "windows-1250", "CP1250"},
    {"cp1250", "windows-1250", "CP1250"},
    {"x-cp1250", "windows-1250", "CP1250"},
    {"windows-1251", "windows-1251", "CP1251"},
    {"cp1251", "windows-1251", "CP1251"},
    {"x-cp1251", "windows-1251", "CP1251"},
    {"windows-1253", "windows-1253", "CP1253"},
    {"cp1253", "windows-1253", "CP1253"},
    {"windows-1254", "windows-1254", "CP1254"},
    {"cp1254", "windows-1254", "CP1254"},
    {"windows-1255", "windows-1255", "CP1255"},
    {"cp1255", "windows-1255", "CP1255"},
    {"windows-1256", "windows-1256", "CP1256"},
    {"cp1256", "windows-1256", "CP1256"},
    {"windows-1257", "windows-1257", "CP1257"},
    {"cp1257", "windows-1257", "CP1257"},
    {"windows-1258", "windows-1258", "CP1258"},
    {"cp1258", "windows-1258", "CP1258"},
    {"koi8-r", "koi8-r", "KOI8-R"},
    {"koi8", "koi8-r", "KOI8-R"},
    {"koi8_r", "koi8-r", "KOI8-R"},
    {"cskoi8r", "koi8-r", "KOI8-R"},
    {"koi8-u", "koi8-u", "KOI8-U"},
    {"koi8-ru", "koi8-u", "KOI8-U"},
    {"ibm866", "ibm866", "IBM866"},
    {"cp866", "ibm866", "IBM866"},
    // WHATWG Shift_JIS is Microsoft's variant (NEC and IBM extensions): CP932.
    {"shift_jis", "shift_jis", "CP932"},
    {"shift-jis", "shift_jis", "CP932"},
    {"sjis", "shift_jis", "CP932"},
    {"x-sjis", "shift_jis", "CP932"},
    {"ms_kanji", "shift_jis", "CP932"},
    {"ms932", "shift_jis", "CP932"},
    {"windows-31j", "shift_jis", "CP932"},
    {"csshiftjis", "shift_jis", "CP932"},
    {"euc-jp", "euc-jp", "EUC-JP-MS"},
    {"x-euc-jp", "euc-jp", "EUC-JP-MS"},
    {"iso-2022-jp", "iso-2022-jp", "ISO-2022-JP"},
    // GBK and GB2312 pages are decoded as their superset, as browsers do.
    {"gb18030", "gb18030", "GB18030"},
    {"gbk", "gb18030", "GB18030"},
    {"gb2312", "gb18030", "GB18030"},
    {"x-gbk", "gb18030", "GB18030"},
    {"big5", "big5", "BIG5-HKSCS"},
    {"big5-hkscs", "big5", "BIG5-HKSCS"},
    {"euc-kr", "euc-kr", "CP949"},
    {"ks_c_5601-1987", "euc-kr", "CP949"},
    {"windows-949", "euc-kr", "CP949"},
    {"cp949", "euc-kr", "CP949"},
    {"csgb2312", "gb18030", "GB18030"},
    {"chinese", "gb18030", "GB18030"},
    {"cn-big5", "big5", "BIG5-HKSCS"},
    {"x-x-big5", "big5", "BIG5-HKSCS"},
    {"utf-16le", "utf-16le", "UTF-16LE"},
    {"utf-16", "utf-16le", "UTF-16LE"},
    {"utf-16be", "utf-16be", "UTF-16BE"},
    {"x-mac-cyrillic", "x-mac-cyrillic", "MAC-CYRILLIC"},
});

const encoding_entry* find_encoding(std::string_view label) {
  const std::string key = lower_trimmed(label);
  for (const auto& e : encoding_table) {
    if (e.label == key) return &e;
  }
  return nullptr;
}

// windows-1252 0x80..0x9F as the WHATWG index has them; the five holes map to the C1
// controls, as browsers do, so decoding this encoding can never fail.
constexpr std::array<char16_t, 32> windows_1252_high{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string decode_windows_1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out.push_back(ch);
    } else if (b < 0xA0) {
      pricescrape::detail::append_utf8(out, windows_1252_high[b - 0x80]);
    } else {
      pricescrape::detail::append_utf8(out, b);
    }
  }
  return out;
}

// Length of the well-formed UTF-8 sequence at the start of `s` (Unicode table 3-7),
// or 0 when it is not one. On 0, `*bad` is the length of the maximal subpart to
// replace by one U+FFFD, as the WHATWG decoder does.
std::size_t utf8_sequence_length(std::string_view s, std::size_t* bad) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (std::size_t i = 1; i <= need; ++i) {
    const bool in_range =
        i < s.size() && byte(i) >= (i == 1 ? lo : 0x80) && byte(i) <= (i == 1 ? hi : 0xBF);
    if (!in_range) {
      *bad = i;
      return 0;
    }
  }
  return need + 1;
}

// iconv to UTF-8; an undecodable byte becomes U+FFFD and decoding resumes after it,
// so the loop always makes progress and never throws.
std::optional<std::string> decode_with_iconv(std::string_view bytes, const char* from) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  std::array<char, 16384> buffer{};
  // iconv's prototype takes char** although it never writes the input.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  const auto flush = [&](char* out_ptr) {
    out.append(buffer.data(), static_cast<std::size_t>(out_ptr - buffer.data()));
  };
  while (in_left > 0) {
    char* out_ptr = buffer.data();
    std::size_t out_left = buffer.size();
    const std::size_t r = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    flush(out_ptr);
    if (r != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) continue;  // the buffer was flushed; iconv made progress
    out.append(replacement_character);
    if (errno == EILSEQ) {
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state after garbage
    } else {
      break;  // EINVAL: a sequence cut off by the end of input
    }
  }
  char* out_ptr = buffer.data();
  std::size_t out_left = buffer.size();
  iconv(cd, nullptr, nullptr, &out_ptr, &out_left);  // return to the initial shift state
  flush(out_ptr);
  iconv_close(cd);
  // A last guard: whatever iconv produced, the page we hand on is valid UTF-8.
  if (!is_valid_utf8(out)) return repair_utf8(out);
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (to_lower_ascii(s[i]) != prefix[i]) return false;
  }
  return true;
}

// One attribute of a tag in the prescan: name lower-cased, value as written.
struct prescan_attribute {
  std::string name;
  std::string value;
};

// The "get an attribute" step of the HTML standard's prescan, simplified: enough to
// read <meta charset=x> and <meta http-equiv content> from real pages.
std::optional<prescan_attribute> next_attribute(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && (is_ascii_space(s[pos]) || s[pos] == '/')) ++pos;
  if (pos >= s.size() || s[pos] == '>') return std::nullopt;
  prescan_attribute attr;
  while (pos < s.size() && s[pos] != '=' && s[pos] != '>' && s[pos] != '/' &&
         !is_ascii_space(s[pos])) {
    attr.name.push_back(to_lower_ascii(s[pos]));
    ++pos;
  }
  while (pos < s.size() && is_ascii_space(s[pos])) ++pos;
  if (pos >= s.size() || s[pos] != '=') return attr;
  ++pos;
  while (pos < s.size() && is_ascii_space(s[pos])) ++pos;
  if (pos < s.size() && (s[pos] == '"' || s[pos] == '\'')) {
    const char quote = s[pos++];
    while (pos < s.size() && s[pos] != quote) attr.value.push_back(s[pos++]);
    if (pos < s.size()) ++pos;
  } else {
    while (pos < s.size() && s[pos] != '>' && !is_ascii_space(s[pos])) {
      attr.value.push_back(s[pos++]);
    }
  }
  return attr;
}

std::optional<std::string> charset_from_content_type(std::string_view content_type) {
  // Find `charset` as a parameter name, then take its (possibly quoted) value.
  const std::string lower = lower_trimmed(content_type);
  std::size_t pos = 0;
  while ((pos = lower.find("charset", pos)) != std::string::npos) {
    std::size_t p = pos + 7;
    while (p < lower.size() && is_ascii_space(lower[p])) ++p;
    if (p < lower.size() && lower[p] == '=') {
      ++p;
      while (p < lower.size() && is_ascii_space(lower[p])) ++p;
      std::size_t end = p;
      if (end < lower.size() && (lower[end] == '"' || lower[end] == '\'')) {
        const char quote = lower[end];
        const std::size_t close = lower.find(quote, end + 1);
        std::string value =
            lower.substr(end + 1, close == std::string::npos ? std::string::npos : close - end - 1);
        return value.empty() ? std::nullopt : std::optional<std::string>(value);
      }
      while (end < lower.size() && lower[end] != ';' && !is_ascii_space(lower[end])) ++end;
      if (end > p) return lower.substr(p, end - p);
      return std::nullopt;
    }
    pos += 7;
  }
  return std::nullopt;
}

std::optional<std::string> prescan_meta_charset(std::string_view bytes) {
  const std::string_view s = bytes.substr(0, std::min<std::size_t>(bytes.size(), 1024));
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t lt = s.find('<', pos);
    if (lt == std::string_view::npos) break;
    const std::string_view rest = s.substr(lt);
    if (rest.substr(0, 4) == "<!--") {
      const std::size_t end = s.find("-->", lt + 4);
      if (end == std::string_view::npos) break;
      pos = end + 3;
      continue;
    }
    if (!starts_with_ci(rest, "<meta") || rest.size() < 6 ||
        !(is_ascii_space(rest[5]) || rest[5] == '/')) {
      pos = lt + 1;
      continue;
    }
    pos = lt + 5;
    std::optional<std::string> charset;
    std::optional<std::string> content;
    bool http_equiv_content_type = false;
    while (auto attr = next_attribute(s, pos)) {
      if (attr->name == "charset" && !charset) {
        charset = attr->value;
      } else if (attr->name == "content" && !content) {
        content = attr->value;
      } else if (attr->name == "http-equiv") {
        http_equiv_content_type = lower_trimmed(attr->value) == "content-type";
      }
    }
    std::optional<std::string> label = charset;
    if (!label && http_equiv_content_type && content) {
      label = charset_from_content_type(*content);
    }
    if (label && find_encoding(*label) != nullptr) {
      std::string name(find_encoding(*label)->name);
      // A meta tag can only be read if the page is ASCII-compatible, so a
      // UTF-16 label there is wrong; the standard says to use UTF-8.
      if (name == "utf-16le" || name == "utf-16be") name = "utf-8";
      return name;
    }
  }
  return std::nullopt;
}

std::optional<std::string> normalize_label(std::string_view label) {
  const encoding_entry* e = find_encoding(label);
  if (e == nullptr) return std::nullopt;
  return std::string(e->name);
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII runs are the common case; skip them eight bytes at a time.
    while (i + 8 <= s.size()) {
      std::uint64_t chunk = 0;
      std::memcpy(&chunk, s.data() + i, 8);
      if ((chunk & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    std::size_t bad = 0;
    const std::size_t n = utf8_sequence_length(s.substr(i), &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t bad = 0;
    const std::size_t n = utf8_sequence_length(s.substr(i), &bad);
    if (n == 0) {
      out.append(replacement_character);
      i += bad;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string decode(std::string_view bytes, std::string_view encoding) {
  if (encoding == "utf-8") {
    return is_valid_utf8(bytes) ? std::string(bytes) : repair_utf8(bytes);
  }
  if (encoding == "windows-1252") return decode_windows_1252(bytes);
  const encoding_entry* e = find_encoding(encoding);
  if (e != nullptr && !e->iconv_name.empty()) {
    const std::string iconv_name(e->iconv_name);
    if (auto text = decode_with_iconv(bytes, iconv_name.c_str())) return std::move(*text);
  }
  // An encoding this libc cannot convert: fall back to the standard's default.
  return is_valid_utf8(bytes) ? std::string(bytes) : decode_windows_1252(bytes);
}

}  // namespace
}  // namespace detail

utf8_page to_utf8(std::string_view bytes, std::string_view content_type) {
  using namespace std::string_view_literals;
  utf8_page page;
  // 1. A byte order mark wins over everything, and is not part of the text.
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF"sv) {
    page.encoding = "utf-8";
    page.text = detail::decode(bytes.substr(3), page.encoding);
    return page;
  }
  if (bytes.substr(0, 2) == "\xFF\xFE"sv) {
    page.encoding = "utf-16le";
    page.text = detail::decode(bytes.substr(2), page.encoding);
    return page;
  }
  if (bytes.substr(0, 2) == "\xFE\xFF"sv) {
    page.encoding = "utf-16be";
    page.text = detail::decode(bytes.substr(2), page.encoding);
    return page;
  }
  // 2. The transport's word, then 3. the page's own declaration.
  std::optional<std::string> encoding;
  if (auto label = detail::charset_from_content_type(content_type)) {
    encoding = detail::normalize_label(*label);
  }
  if (!encoding) encoding = detail::prescan_meta_charset(bytes);
  // 4. Nothing declared: UTF-8 if the bytes are UTF-8 (cheap to check, and right far
  // more often today than the standard's windows-1252), else windows-1252.
  if (!encoding) {
    encoding = detail::is_valid_utf8(bytes) ? "utf-8" : "windows-1252";
  }
  page.encoding = *encoding;
  page.text = detail::decode(bytes, page.encoding);
  return page;
}

}  // namespace pricescrape::extract
