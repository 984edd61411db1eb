// The light tree builder (see light_html.hpp). It follows the HTML standard's tokenizer
// and tree construction where well-formed pages take them, and declines wherever the
// standard's error recovery would shape the tree: then gumbo parses the page.
#include "extract/light_html.hpp"
#include "extract/work.hpp"

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/detail/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pricescrape::extract::detail {

// ---- node_arena -------------------------------------------------------------------

namespace {

// Chunks of this size are kept per thread between pages: fresh memory for every page
// showed up as page faults, a tenth of the light builder's time.
constexpr std::size_t standard_chunk = 256 * 1024;
constexpr std::size_t cached_chunks_max = 8;  // 2 MiB per extraction thread at most

struct chunk_cache {
  std::vector<void*> free;
  ~chunk_cache() {
    for (void* c : free) std::free(c);
  }
};
thread_local chunk_cache chunk_cache_of_thread;

}  // namespace

node_arena::~node_arena() {
  auto& cache = chunk_cache_of_thread.free;
  while (chunks_ != nullptr) {
    chunk* next = chunks_->next;
    if (chunks_->size == standard_chunk && cache.size() < cached_chunks_max) {
      cache.push_back(chunks_);
    } else {
      std::free(chunks_);
    }
    chunks_ = next;
  }
}

void* node_arena::allocate(std::size_t size, std::size_t align) {
  auto aligned = [&](char* p) {
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    return reinterpret_cast<char*>((addr + align - 1) & ~(std::uintptr_t{align} - 1));
  };
  char* start = cursor_ != nullptr ? aligned(cursor_) : nullptr;
  if (start == nullptr || start + size > end_) {
    const std::size_t need = size + align + sizeof(chunk);
    const std::size_t want = std::max(standard_chunk, need);
    void* memory = nullptr;
    auto& cache = chunk_cache_of_thread.free;
    if (want == standard_chunk && !cache.empty()) {
      memory = cache.back();
      cache.pop_back();
    } else {
      memory = std::malloc(want);
    }
    if (memory == nullptr) throw std::bad_alloc();
    auto* c = static_cast<chunk*>(memory);
    c->next = chunks_;
    c->size = want;
    chunks_ = c;
    cursor_ = reinterpret_cast<char*>(c + 1);
    end_ = reinterpret_cast<char*>(c) + want;
    start = aligned(cursor_);
  }
  cursor_ = start + size;
  return start;
}

const char* node_arena::copy(std::string_view s) {
  auto* out = static_cast<char*>(allocate(s.size() + 1, 1));
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

namespace {

// ---- character classes and tag sets -----------------------------------------------

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
using pricescrape::detail::iequals_ascii;
using pricescrape::detail::to_lower_ascii;

// Appends `s` lower-cased (ASCII), in one go rather than a byte at a time.
void append_lower(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.append(s);
  for (std::size_t i = at; i < out.size(); ++i) out[i] = to_lower_ascii(out[i]);
}

bool all_space(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return is_space(c); });
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals_ascii(s.substr(0, prefix.size()), prefix);
}

template <std::size_t N>
bool one_of(GumboTag tag, const std::array<GumboTag, N>& set) noexcept {
  return std::find(set.begin(), set.end(), tag) != set.end();
}

constexpr std::array void_tags{
    GUMBO_TAG_AREA,   GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_BR,
    GUMBO_TAG_COL,    GUMBO_TAG_EMBED, GUMBO_TAG_HR,       GUMBO_TAG_IMG,     GUMBO_TAG_INPUT,
    GUMBO_TAG_KEYGEN, GUMBO_TAG_LINK,  GUMBO_TAG_META,     GUMBO_TAG_PARAM,   GUMBO_TAG_SOURCE,
    GUMBO_TAG_TRACK,  GUMBO_TAG_WBR};

// The elements the standard calls "formatting": left open across a block, they are
// re-opened later ("reconstructed"), which this builder does not do.
constexpr std::array formatting_tags{
    GUMBO_TAG_A,      GUMBO_TAG_B,      GUMBO_TAG_BIG,  GUMBO_TAG_CODE, GUMBO_TAG_EM,
    GUMBO_TAG_FONT,   GUMBO_TAG_I,      GUMBO_TAG_NOBR, GUMBO_TAG_S,    GUMBO_TAG_SMALL,
    GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG, GUMBO_TAG_TT,   GUMBO_TAG_U};

// Start tags that close an open <p> first.
constexpr std::array closes_p_tags{
    GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE,  GUMBO_TAG_ASIDE,      GUMBO_TAG_BLOCKQUOTE,
    GUMBO_TAG_CENTER,  GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,        GUMBO_TAG_DIV,
    GUMBO_TAG_DL,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,
    GUMBO_TAG_FOOTER,  GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,     GUMBO_TAG_MAIN,
    GUMBO_TAG_MENU,    GUMBO_TAG_NAV,      GUMBO_TAG_OL,         GUMBO_TAG_P,
    GUMBO_TAG_SECTION, GUMBO_TAG_SUMMARY,  GUMBO_TAG_UL};

// End tags of these close the element when it is in scope (and what is open inside).
constexpr std::array block_end_tags{
    GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,    GUMBO_TAG_BLOCKQUOTE,
    GUMBO_TAG_BUTTON,  GUMBO_TAG_CENTER,  GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,
    GUMBO_TAG_DIV,     GUMBO_TAG_DL,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION,
    GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER,  GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,
    GUMBO_TAG_LISTING, GUMBO_TAG_MAIN,    GUMBO_TAG_MENU,     GUMBO_TAG_NAV,
    GUMBO_TAG_OL,      GUMBO_TAG_PRE,     GUMBO_TAG_SECTION,  GUMBO_TAG_SUMMARY,
    GUMBO_TAG_UL,      GUMBO_TAG_APPLET,  GUMBO_TAG_MARQUEE,  GUMBO_TAG_OBJECT};

constexpr std::array heading_tags{GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3,
                                  GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6};

// Closed without their end tag when a parent closes ("generate implied end tags").
constexpr std::array implied_end_tags{
    GUMBO_TAG_DD, GUMBO_TAG_DT, GUMBO_TAG_LI, GUMBO_TAG_OPTGROUP, GUMBO_TAG_OPTION,
    GUMBO_TAG_P,  GUMBO_TAG_RB, GUMBO_TAG_RP, GUMBO_TAG_RT,       GUMBO_TAG_RTC};

constexpr std::array special_tags{
    GUMBO_TAG_ADDRESS,    GUMBO_TAG_APPLET,   GUMBO_TAG_AREA,     GUMBO_TAG_ARTICLE,
    GUMBO_TAG_ASIDE,      GUMBO_TAG_BASE,     GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
    GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,     GUMBO_TAG_BR,       GUMBO_TAG_BUTTON,
    GUMBO_TAG_CAPTION,    GUMBO_TAG_CENTER,   GUMBO_TAG_COL,      GUMBO_TAG_COLGROUP,
    GUMBO_TAG_DD,         GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,      GUMBO_TAG_DIV,
    GUMBO_TAG_DL,         GUMBO_TAG_DT,       GUMBO_TAG_EMBED,    GUMBO_TAG_FIELDSET,
    GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,   GUMBO_TAG_FOOTER,   GUMBO_TAG_FORM,
    GUMBO_TAG_FRAME,      GUMBO_TAG_FRAMESET, GUMBO_TAG_H1,       GUMBO_TAG_H2,
    GUMBO_TAG_H3,         GUMBO_TAG_H4,       GUMBO_TAG_H5,       GUMBO_TAG_H6,
    GUMBO_TAG_HEAD,       GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,   GUMBO_TAG_HR,
    GUMBO_TAG_HTML,       GUMBO_TAG_IFRAME,   GUMBO_TAG_IMG,      GUMBO_TAG_INPUT,
    GUMBO_TAG_KEYGEN,     GUMBO_TAG_LI,       GUMBO_TAG_LINK,     GUMBO_TAG_LISTING,
    GUMBO_TAG_MAIN,       GUMBO_TAG_MARQUEE,  GUMBO_TAG_MENU,     GUMBO_TAG_META,
    GUMBO_TAG_NAV,        GUMBO_TAG_NOEMBED,  GUMBO_TAG_NOFRAMES, GUMBO_TAG_NOSCRIPT,
    GUMBO_TAG_OBJECT,     GUMBO_TAG_OL,       GUMBO_TAG_P,        GUMBO_TAG_PARAM,
    GUMBO_TAG_PLAINTEXT,  GUMBO_TAG_PRE,      GUMBO_TAG_SCRIPT,   GUMBO_TAG_SECTION,
    GUMBO_TAG_SELECT,     GUMBO_TAG_SOURCE,   GUMBO_TAG_STYLE,    GUMBO_TAG_SUMMARY,
    GUMBO_TAG_TABLE,      GUMBO_TAG_TBODY,    GUMBO_TAG_TD,       GUMBO_TAG_TEMPLATE,
    GUMBO_TAG_TEXTAREA,   GUMBO_TAG_TFOOT,    GUMBO_TAG_TH,       GUMBO_TAG_THEAD,
    GUMBO_TAG_TITLE,      GUMBO_TAG_TR,       GUMBO_TAG_TRACK,    GUMBO_TAG_UL,
    GUMBO_TAG_WBR,        GUMBO_TAG_XMP};

// Start tags that end an open cell or caption (they belong to the table around it).
constexpr std::array table_part_tags{GUMBO_TAG_CAPTION, GUMBO_TAG_COL,   GUMBO_TAG_COLGROUP,
                                     GUMBO_TAG_TBODY,   GUMBO_TAG_TFOOT, GUMBO_TAG_THEAD,
                                     GUMBO_TAG_TD,      GUMBO_TAG_TH,    GUMBO_TAG_TR};

// What <head> may hold; anywhere else in the head phase the body starts.
constexpr std::array head_content_tags{GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
                                       GUMBO_TAG_LINK,  GUMBO_TAG_META,     GUMBO_TAG_TITLE,
                                       GUMBO_TAG_STYLE, GUMBO_TAG_SCRIPT,   GUMBO_TAG_NOFRAMES};

// Start tags that leave SVG for HTML (the standard's "breakout" list).
constexpr std::array svg_breakout_tags{
    GUMBO_TAG_B,      GUMBO_TAG_BIG,    GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,  GUMBO_TAG_BR,
    GUMBO_TAG_CENTER, GUMBO_TAG_CODE,   GUMBO_TAG_DD,         GUMBO_TAG_DIV,   GUMBO_TAG_DL,
    GUMBO_TAG_DT,     GUMBO_TAG_EM,     GUMBO_TAG_EMBED,      GUMBO_TAG_H1,    GUMBO_TAG_H2,
    GUMBO_TAG_H3,     GUMBO_TAG_H4,     GUMBO_TAG_H5,         GUMBO_TAG_H6,    GUMBO_TAG_HEAD,
    GUMBO_TAG_HR,     GUMBO_TAG_I,      GUMBO_TAG_IMG,        GUMBO_TAG_LI,    GUMBO_TAG_LISTING,
    GUMBO_TAG_MENU,   GUMBO_TAG_META,   GUMBO_TAG_NOBR,       GUMBO_TAG_OL,    GUMBO_TAG_P,
    GUMBO_TAG_PRE,    GUMBO_TAG_RUBY,   GUMBO_TAG_S,          GUMBO_TAG_SMALL, GUMBO_TAG_SPAN,
    GUMBO_TAG_STRONG, GUMBO_TAG_STRIKE, GUMBO_TAG_SUB,        GUMBO_TAG_SUP,   GUMBO_TAG_TABLE,
    GUMBO_TAG_TT,     GUMBO_TAG_U,      GUMBO_TAG_UL,         GUMBO_TAG_VAR,   GUMBO_TAG_FONT};

// gumbo_tagn_enum, remembered: a page names the same few dozen tags thousands of
// times, and gumbo's lookup showed up at 6 % of the builder. Per thread, direct-mapped;
// every entry holds what gumbo itself answered, so the result is always gumbo's.
GumboTag tag_enum(std::string_view lower_name) {
  struct entry {
    char name[16];
    std::uint8_t length = 0xFF;  // nothing cached
    GumboTag tag = GUMBO_TAG_UNKNOWN;
  };
  thread_local std::array<entry, 256> cache{};
  if (lower_name.size() >= sizeof(entry::name)) {
    return gumbo_tagn_enum(lower_name.data(), static_cast<unsigned>(lower_name.size()));
  }
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : lower_name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  entry& e = cache[hash & 0xFF];
  if (e.length == lower_name.size() && std::memcmp(e.name, lower_name.data(), e.length) == 0)
    return e.tag;
  e.tag = gumbo_tagn_enum(lower_name.data(), static_cast<unsigned>(lower_name.size()));
  std::memcpy(e.name, lower_name.data(), lower_name.size());
  e.length = static_cast<std::uint8_t>(lower_name.size());
  return e.tag;
}

// ---- character references ---------------------------------------------------------

struct named_reference {
  std::string_view name;
  char32_t code;
};

// The Latin-1 block U+00A0..U+00FF in order: these are also the "legacy" names the
// standard decodes without a trailing semicolon, which this builder declines.
constexpr std::array<std::string_view, 96> latin1_names{
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",
    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn",
    "sup2",   "sup3",   "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",
    "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde",
    "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave",
    "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde",
    "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",
    "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",   "eth",
    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};

// Legacy names outside Latin-1's upper half (also decoded without a semicolon).
constexpr std::array<named_reference, 10> legacy_ascii{{{"amp", '&'},
                                                        {"AMP", '&'},
                                                        {"lt", '<'},
                                                        {"LT", '<'},
                                                        {"gt", '>'},
                                                        {"GT", '>'},
                                                        {"quot", '"'},
                                                        {"QUOT", '"'},
                                                        {"COPY", 0xA9},
                                                        {"REG", 0xAE}}};

// Other references shops write, decoded only with their semicolon. A name not listed
// here (there are 2,231) makes the builder decline: gumbo knows them all.
constexpr std::array<named_reference, 62> other_names{{
    {"apos", '\''},     {"trade", 0x2122},  {"euro", 0x20AC},   {"hellip", 0x2026},
    {"ndash", 0x2013},  {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"sbquo", 0x201A},  {"bdquo", 0x201E},
    {"bull", 0x2022},   {"thinsp", 0x2009}, {"ensp", 0x2002},   {"emsp", 0x2003},
    {"zwnj", 0x200C},   {"zwj", 0x200D},    {"lrm", 0x200E},    {"rlm", 0x200F},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"lsaquo", 0x2039},
    {"rsaquo", 0x203A}, {"larr", 0x2190},   {"rarr", 0x2192},   {"uarr", 0x2191},
    {"darr", 0x2193},   {"harr", 0x2194},   {"hearts", 0x2665}, {"minus", 0x2212},
    {"infin", 0x221E},  {"ne", 0x2260},     {"le", 0x2264},     {"ge", 0x2265},
    {"asymp", 0x2248},  {"prime", 0x2032},  {"Prime", 0x2033},  {"oline", 0x203E},
    {"frasl", 0x2044},  {"OElig", 0x152},   {"oelig", 0x153},   {"Scaron", 0x160},
    {"scaron", 0x161},  {"Yuml", 0x178},    {"fnof", 0x192},    {"circ", 0x2C6},
    {"tilde", 0x2DC},   {"star", 0x2606},   {"check", 0x2713},  {"nbsp", 0xA0},
    {"rarr", 0x2192},   {"sdot", 0x22C5},   {"loz", 0x25CA},    {"spades", 0x2660},
    {"clubs", 0x2663},  {"diams", 0x2666},  {"alpha", 0x3B1},   {"beta", 0x3B2},
    {"mu", 0x3BC},      {"pi", 0x3C0},
}};

std::optional<char32_t> legacy_reference(std::string_view name) {
  for (std::size_t i = 0; i < latin1_names.size(); ++i) {
    if (latin1_names[i] == name) return static_cast<char32_t>(0xA0 + i);
  }
  for (const auto& r : legacy_ascii) {
    if (r.name == name) return r.code;
  }
  return std::nullopt;
}

// True when some legacy name is a prefix of `run`: the standard would decode that
// prefix even without a semicolon ("&copy2026" is "©2026").
bool has_legacy_prefix(std::string_view run) {
  for (std::size_t len = 2; len <= std::min<std::size_t>(run.size(), 6); ++len) {
    if (legacy_reference(run.substr(0, len))) return true;
  }
  return false;
}

std::optional<char32_t> named_reference_code(std::string_view name) {
  if (auto code = legacy_reference(name)) return code;
  for (const auto& r : other_names) {
    if (r.name == name) return r.code;
  }
  return std::nullopt;
}

// Appends `src` to `out` with CR LF and CR turned into LF (as the input stream does)
// and, when `references`, character references decoded. False when a reference is one
// the standard treats specially (unknown name, no semicolon, a C1 control...).
bool decode_text(std::string& out, std::string_view src, bool references, bool in_attribute) {
  std::size_t i = 0;
  while (i < src.size()) {
    // Copy the run up to the next byte that needs a look, in one append.
    std::size_t stop = i;
    while (stop < src.size() && src[stop] != '\r' && (src[stop] != '&' || !references)) ++stop;
    out.append(src.data() + i, stop - i);
    i = stop;
    if (i >= src.size()) break;
    if (src[i] == '\r') {
      out.push_back('\n');
      i += (i + 1 < src.size() && src[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    // A character reference, or a literal '&'.
    const std::size_t start = i + 1;
    if (start >= src.size()) {
      out.push_back('&');
      ++i;
      continue;
    }
    if (src[start] == '#') {
      std::size_t j = start + 1;
      const bool hex = j < src.size() && (src[j] == 'x' || src[j] == 'X');
      if (hex) ++j;
      const std::size_t digits = j;
      char32_t code = 0;
      while (j < src.size() &&
             (hex ? std::isxdigit(static_cast<unsigned char>(src[j])) != 0 : is_digit(src[j]))) {
        const char d = src[j];
        const unsigned v = is_digit(d) ? static_cast<unsigned>(d - '0')
                                       : static_cast<unsigned>(to_lower_ascii(d) - 'a' + 10);
        code = code * (hex ? 16 : 10) + v;
        if (code > 0x10FFFF) return false;
        ++j;
      }
      if (j == digits || j >= src.size() || src[j] != ';') return false;
      const bool control =
          code < 0x20 ? (code != '\t' && code != '\n') : (code >= 0x7F && code <= 0x9F);
      if (code == 0 || control || (code >= 0xD800 && code <= 0xDFFF)) return false;
      pricescrape::detail::append_utf8(out, code);
      i = j + 1;
      continue;
    }
    if (!is_alnum(src[start])) {
      out.push_back('&');
      ++i;
      continue;
    }
    std::size_t j = start;
    while (j < src.size() && is_alnum(src[j])) ++j;
    const std::string_view run = src.substr(start, j - start);
    if (j < src.size() && src[j] == ';') {
      const auto code = named_reference_code(run);
      if (!code) return false;
      pricescrape::detail::append_utf8(out, *code);
      i = j + 1;
      continue;
    }
    // No semicolon. In an attribute the standard keeps "&name" followed by '=' or an
    // alphanumeric as it is (query strings); elsewhere it may decode a legacy prefix.
    if (in_attribute) {
      if (legacy_reference(run) && !(j < src.size() && src[j] == '=')) return false;
      out.push_back('&');
      ++i;
      continue;
    }
    if (has_legacy_prefix(run)) return false;
    out.push_back('&');
    ++i;
  }
  return true;
}

// ---- the builder ------------------------------------------------------------------

// What the content of an open element is parsed as (the standard's insertion modes,
// as far as they survive on well-formed pages).
enum class context : std::uint8_t {
  body,
  table,
  table_body,
  row,
  cell,
  caption,
  colgroup,
  select,
  svg
};

enum class phase : std::uint8_t {
  initial,
  before_head,
  in_head,
  after_head,
  in_body,
  after_body,
  after_after_body
};

struct open_element {
  GumboNode* node;
  std::size_t first_child;  // where its children start in builder::children_
  context content;
  std::string_view name;  // as written, for unknown and SVG elements
};

struct attribute_token {
  std::string name;
  std::string value;
  std::string_view original_name;
  std::string_view original_value;
};

struct tag_token {
  std::string name;  // lower case
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  bool self_closing = false;
  std::size_t attribute_count = 0;
  std::string_view original;  // "<div class=x>"
  std::size_t offset = 0;
};

class builder {
 public:
  builder(std::string_view html, node_arena& arena) : src_(html), arena_(arena) {}

  const GumboNode* run();
  // The most elements open at once (below <html>).
  std::size_t max_depth() const { return max_depth_; }

 private:
  // -- tokenizer --
  void characters(std::size_t begin, std::size_t end);
  std::size_t markup(std::size_t lt);
  std::size_t comment(std::size_t lt);
  std::size_t doctype(std::size_t lt);
  std::size_t start_tag(std::size_t lt);
  std::size_t end_tag(std::size_t lt);
  std::size_t raw_text(std::size_t from);
  std::size_t script_end(std::size_t from) const;

  // -- tree construction --
  void process_text(std::string_view text);
  void process_start(tag_token& t);
  void process_end(std::string_view name, GumboTag tag);
  void start_in_body(tag_token& t);
  bool start_in_table(tag_token& t);
  void end_in_body(std::string_view name, GumboTag tag);
  bool end_in_table(GumboTag tag);
  void insert_comment(std::string_view text, std::size_t offset);

  // -- nodes and the stack of open elements --
  GumboNode* new_node(GumboNodeType type);
  GumboNode* make_element(const tag_token& t, GumboNamespaceEnum ns, bool with_attributes = true);
  GumboNode* implied_element(GumboTag tag);
  void append_child(GumboNode* node);
  void push(GumboNode* node, std::string_view name);
  void pop(bool flush = true);
  void flush_text();
  GumboVector finish_children(GumboNode* parent, GumboNode** kids, std::size_t count);
  void insert_element(tag_token& t, GumboNamespaceEnum ns = GUMBO_NAMESPACE_HTML);
  void insert_raw_element(tag_token& t, bool references);
  void insert_head_element(tag_token& t);
  void create_html(const tag_token* t);
  void create_head(const tag_token* t);
  void create_body(const tag_token* t);

  GumboNode* current() const { return open_.back().node; }
  GumboTag current_tag() const { return open_.back().node->v.element.tag; }
  context current_context() const { return open_.back().content; }
  bool current_is_html(GumboTag tag) const {
    return current_tag() == tag &&
           open_.back().node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML;
  }

  enum class scope { normal, list_item, button, table };
  bool in_scope(GumboTag tag, scope kind) const;
  void generate_implied_end_tags(GumboTag except = GUMBO_TAG_LAST);
  void pop_until(GumboTag tag);
  void pop_until_one_of(const std::array<GumboTag, 6>& tags);
  void close_p_if_open();
  void close_cell();

  void decline() { failed_ = true; }

  std::string_view src_;
  node_arena& arena_;
  bool failed_ = false;
  phase phase_ = phase::initial;

  GumboNode* document_ = nullptr;
  GumboNode* html_ = nullptr;
  GumboNode* head_ = nullptr;
  GumboNode* body_ = nullptr;
  std::vector<GumboNode*> document_children_;
  std::vector<GumboNode*> html_children_;
  std::vector<GumboNode*> head_children_;

  std::vector<open_element> open_;  // below <body> included; <html> and <head> apart
  std::size_t max_depth_ = 0;
  std::vector<GumboNode*> children_;  // children of the open elements, innermost last
  bool form_open_ = false;
  bool skip_newline_ = false;         // after <pre>/<listing>: a first newline is dropped
  GumboNode* raw_element_ = nullptr;  // a script, style, title... whose text comes next
  bool raw_references_ = false;       // RCDATA (title, textarea): references decoded

  std::string text_;  // characters not yet in a node
  std::size_t text_offset_ = 0;
  std::string scratch_;
  tag_token tag_;
  std::vector<attribute_token> attributes_;
};

// -- nodes --------------------------------------------------------------------------

GumboNode* builder::new_node(GumboNodeType type) {
  auto* node = static_cast<GumboNode*>(arena_.allocate(sizeof(GumboNode), alignof(GumboNode)));
  std::memset(node, 0, sizeof(GumboNode));
  node->type = type;
  return node;
}

GumboNode* builder::make_element(const tag_token& t, GumboNamespaceEnum ns, bool with_attributes) {
  GumboNode* node = new_node(GUMBO_NODE_ELEMENT);
  GumboElement& e = node->v.element;
  e.tag = t.tag;
  e.tag_namespace = ns;
  e.original_tag = {t.original.data(), t.original.size()};
  e.start_pos.offset = static_cast<unsigned>(t.offset);
  const std::size_t count = with_attributes ? t.attribute_count : 0;
  if (count > 0) {
    auto** list = static_cast<void**>(arena_.allocate(sizeof(void*) * count, alignof(void*)));
    for (std::size_t i = 0; i < count; ++i) {
      const attribute_token& a = attributes_[i];
      auto* attr = static_cast<GumboAttribute*>(
          arena_.allocate(sizeof(GumboAttribute), alignof(GumboAttribute)));
      std::memset(attr, 0, sizeof(GumboAttribute));
      attr->attr_namespace = GUMBO_ATTR_NAMESPACE_NONE;
      std::string_view name = a.name;
      if (ns == GUMBO_NAMESPACE_SVG) {
        // As the standard adjusts foreign attributes: xlink:href is "href" in the
        // XLink namespace, and so on.
        if (name.substr(0, 6) == "xlink:") {
          attr->attr_namespace = GUMBO_ATTR_NAMESPACE_XLINK;
          name.remove_prefix(6);
        } else if (name.substr(0, 4) == "xml:") {
          attr->attr_namespace = GUMBO_ATTR_NAMESPACE_XML;
          name.remove_prefix(4);
        } else if (name == "xmlns" || name.substr(0, 6) == "xmlns:") {
          attr->attr_namespace = GUMBO_ATTR_NAMESPACE_XMLNS;
          if (name.size() > 5) name.remove_prefix(6);
        }
      }
      attr->name = arena_.copy(name);
      attr->original_name = {a.original_name.data(), a.original_name.size()};
      attr->value = arena_.copy(a.value);
      attr->original_value = {a.original_value.data(), a.original_value.size()};
      list[i] = attr;
    }
    e.attributes = GumboVector{list, static_cast<unsigned>(count), static_cast<unsigned>(count)};
  }
  return node;
}

GumboNode* builder::implied_element(GumboTag tag) {
  tag_token t;
  t.tag = tag;
  t.offset = text_offset_;
  return make_element(t, GUMBO_NAMESPACE_HTML, false);
}

GumboVector builder::finish_children(GumboNode* parent, GumboNode** kids, std::size_t count) {
  if (count == 0) return GumboVector{nullptr, 0, 0};
  auto** list = static_cast<void**>(arena_.allocate(sizeof(void*) * count, alignof(void*)));
  for (std::size_t i = 0; i < count; ++i) {
    kids[i]->parent = parent;
    kids[i]->index_within_parent = i;
    list[i] = kids[i];
  }
  return GumboVector{list, static_cast<unsigned>(count), static_cast<unsigned>(count)};
}

// Where a node goes depends on the phase, as the standard's insertion modes say.
void builder::append_child(GumboNode* node) {
  switch (phase_) {
    case phase::initial:
      document_children_.push_back(node);
      break;
    case phase::before_head:
    case phase::after_head:
      html_children_.push_back(node);
      break;
    case phase::in_head:
      head_children_.push_back(node);
      break;
    default:
      children_.push_back(node);
      break;
  }
}

void builder::push(GumboNode* node, std::string_view name) {
  context content = open_.empty() ? context::body : current_context();
  const GumboTag tag = node->v.element.tag;
  if (node->v.element.tag_namespace == GUMBO_NAMESPACE_SVG) {
    content = context::svg;
  } else {
    switch (tag) {
      case GUMBO_TAG_TABLE:
        content = context::table;
        break;
      case GUMBO_TAG_TBODY:
      case GUMBO_TAG_THEAD:
      case GUMBO_TAG_TFOOT:
        content = context::table_body;
        break;
      case GUMBO_TAG_TR:
        content = context::row;
        break;
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
        content = context::cell;
        break;
      case GUMBO_TAG_CAPTION:
        content = context::caption;
        break;
      case GUMBO_TAG_COLGROUP:
        content = context::colgroup;
        break;
      case GUMBO_TAG_SELECT:
        content = context::select;
        break;
      default:
        break;
    }
  }
  open_.push_back({node, children_.size(), content, name});
  max_depth_ = std::max(max_depth_, open_.size());
  // gumbo's scope checks walk the whole stack; past a few hundred levels it is the
  // slow path anyway, and html_document caps its depth.
  if (open_.size() > 512) decline();
}

void builder::pop(bool flush) {
  if (flush) flush_text();
  const open_element top = open_.back();
  open_.pop_back();
  top.node->v.element.children = finish_children(top.node, children_.data() + top.first_child,
                                                 children_.size() - top.first_child);
  children_.resize(top.first_child);
  skip_newline_ = false;
}

void builder::flush_text() {
  if (text_.empty()) return;
  // Text right after text joins it, as the standard inserts characters (whitespace
  // after </body>, say, lands in the body's last text node).
  GumboNode* previous = nullptr;
  if (phase_ == phase::in_head && !head_children_.empty()) {
    previous = head_children_.back();
  } else if ((phase_ == phase::before_head || phase_ == phase::after_head) &&
             !html_children_.empty()) {
    previous = html_children_.back();
  } else if (phase_ >= phase::in_body && !open_.empty() &&
             children_.size() > open_.back().first_child) {
    previous = children_.back();
  }
  if (previous != nullptr &&
      (previous->type == GUMBO_NODE_TEXT || previous->type == GUMBO_NODE_WHITESPACE)) {
    text_.insert(0, previous->v.text.text);
    previous->type = all_space(text_) ? GUMBO_NODE_WHITESPACE : GUMBO_NODE_TEXT;
    previous->v.text.text = arena_.copy(text_);
    text_.clear();
    return;
  }
  GumboNode* node = new_node(all_space(text_) ? GUMBO_NODE_WHITESPACE : GUMBO_NODE_TEXT);
  node->v.text.text = arena_.copy(text_);
  node->v.text.start_pos.offset = static_cast<unsigned>(text_offset_);
  text_.clear();
  append_child(node);
}

void builder::create_html(const tag_token* t) {
  html_ = t ? make_element(*t, GUMBO_NAMESPACE_HTML) : implied_element(GUMBO_TAG_HTML);
  document_children_.push_back(html_);
  phase_ = phase::before_head;
}

void builder::create_head(const tag_token* t) {
  head_ = t ? make_element(*t, GUMBO_NAMESPACE_HTML) : implied_element(GUMBO_TAG_HEAD);
  html_children_.push_back(head_);
  phase_ = phase::in_head;
}

void builder::create_body(const tag_token* t) {
  flush_text();
  body_ = t ? make_element(*t, GUMBO_NAMESPACE_HTML) : implied_element(GUMBO_TAG_BODY);
  html_children_.push_back(body_);
  phase_ = phase::in_body;
  push(body_, "body");
}

// -- scopes -------------------------------------------------------------------------

bool builder::in_scope(GumboTag tag, scope kind) const {
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    const GumboElement& e = it->node->v.element;
    if (e.tag_namespace == GUMBO_NAMESPACE_SVG) {
      if (e.tag == GUMBO_TAG_FOREIGNOBJECT || e.tag == GUMBO_TAG_DESC || e.tag == GUMBO_TAG_TITLE) {
        return false;
      }
      continue;
    }
    if (e.tag == tag) return true;
    if (kind == scope::table) {
      if (e.tag == GUMBO_TAG_TABLE || e.tag == GUMBO_TAG_HTML || e.tag == GUMBO_TAG_TEMPLATE)
        return false;
      continue;
    }
    switch (e.tag) {
      case GUMBO_TAG_APPLET:
      case GUMBO_TAG_CAPTION:
      case GUMBO_TAG_HTML:
      case GUMBO_TAG_TABLE:
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
      case GUMBO_TAG_MARQUEE:
      case GUMBO_TAG_OBJECT:
      case GUMBO_TAG_TEMPLATE:
        return false;
      case GUMBO_TAG_OL:
      case GUMBO_TAG_UL:
        if (kind == scope::list_item) return false;
        break;
      case GUMBO_TAG_BUTTON:
        if (kind == scope::button) return false;
        break;
      default:
        break;
    }
  }
  return false;
}

void builder::generate_implied_end_tags(GumboTag except) {
  while (!open_.empty() && !failed_) {
    const GumboTag tag = current_tag();
    if (tag == except || !one_of(tag, implied_end_tags) ||
        current()->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) {
      return;
    }
    pop();
  }
}

// Pops up to and including the innermost `tag`. An open formatting element popped on
// the way would be re-opened by the standard later: decline.
void builder::pop_until(GumboTag tag) {
  while (!open_.empty() && !failed_) {
    const bool target = current_is_html(tag);
    if (!target && one_of(current_tag(), formatting_tags)) return decline();
    if (current_tag() == GUMBO_TAG_BODY) return decline();
    pop();
    if (target) return;
  }
}

void builder::pop_until_one_of(const std::array<GumboTag, 6>& tags) {
  while (!open_.empty() && !failed_) {
    const bool target =
        one_of(current_tag(), tags) && current()->v.element.tag_namespace == GUMBO_NAMESPACE_HTML;
    if (!target && one_of(current_tag(), formatting_tags)) return decline();
    if (current_tag() == GUMBO_TAG_BODY) return decline();
    pop();
    if (target) return;
  }
}

void builder::close_p_if_open() {
  if (!in_scope(GUMBO_TAG_P, scope::button)) return;
  generate_implied_end_tags(GUMBO_TAG_P);
  pop_until(GUMBO_TAG_P);
}

void builder::close_cell() {
  generate_implied_end_tags();
  while (!open_.empty() && !failed_) {
    const GumboTag tag = current_tag();
    const bool target = tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH;
    if (!target && one_of(tag, formatting_tags)) return decline();
    if (tag == GUMBO_TAG_BODY) return decline();
    pop();
    if (target) return;
  }
}

// -- tokenizer ------------------------------------------------------------------------

// True when `html` (valid UTF-8) holds a code point gumbo's input reader turns into
// U+FFFD wherever it appears (text, names, values): C0 controls other than whitespace,
// DEL and C1 controls, and the noncharacters U+FDD0..U+FDEF and U+xFFFE/U+xFFFF. Found
// by the light_html fuzzer (a 0x1D inside an attribute name).
bool has_code_points_gumbo_replaces(std::string_view html) {
  const auto* p = reinterpret_cast<const unsigned char*>(html.data());
  const std::size_t n = html.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    if (c < 0x20) {
      if (c != '\t' && c != '\n' && c != '\f' && c != '\r') return true;
    } else if (c == 0x7F) {
      return true;
    } else if (c == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
      return true;  // U+0080..U+009F
    } else if (c == 0xEF && i + 2 < n &&
               ((p[i + 1] == 0xB7 && p[i + 2] >= 0x90 && p[i + 2] <= 0xAF) ||
                (p[i + 1] == 0xBF && p[i + 2] >= 0xBE))) {
      return true;  // U+FDD0..U+FDEF, U+FFFE, U+FFFF
    } else if (c >= 0xF0 && i + 3 < n && (p[i + 1] & 0x0F) == 0x0F && p[i + 2] == 0xBF &&
               p[i + 3] >= 0xBE) {
      return true;  // U+1FFFE, U+1FFFF, ... U+10FFFF
    }
  }
  return false;
}

const GumboNode* builder::run() {
  if (std::memchr(src_.data(), '\0', src_.size()) != nullptr) return nullptr;
  if (has_code_points_gumbo_replaces(src_)) return nullptr;
  document_ = new_node(GUMBO_NODE_DOCUMENT);
  document_->v.document.name = "";
  document_->v.document.public_identifier = "";
  document_->v.document.system_identifier = "";
  std::size_t i = 0;
  std::size_t last_counted = 0;
  const std::size_t n = src_.size();
  while (i < n && !failed_) {
    count_work(1 + (i - last_counted) / 64);  // a tag, and the text before it
    last_counted = i;
    const void* lt = std::memchr(src_.data() + i, '<', n - i);
    const std::size_t at =
        lt ? static_cast<std::size_t>(static_cast<const char*>(lt) - src_.data()) : n;
    if (at > i) characters(i, at);
    if (at >= n || failed_) break;
    i = markup(at);
  }
  if (failed_) return nullptr;

  // End of input: whatever phase we are in, the standard ends with html, head and body.
  flush_text();
  if (phase_ == phase::initial) create_html(nullptr);
  if (phase_ == phase::before_head) create_head(nullptr);
  if (phase_ == phase::in_head) phase_ = phase::after_head;
  if (phase_ == phase::after_head) create_body(nullptr);
  while (!open_.empty()) pop();
  if (failed_) return nullptr;
  head_->v.element.children = finish_children(head_, head_children_.data(), head_children_.size());
  html_->v.element.children = finish_children(html_, html_children_.data(), html_children_.size());
  document_->v.document.children =
      finish_children(document_, document_children_.data(), document_children_.size());
  return document_;
}

void builder::characters(std::size_t begin, std::size_t end) {
  const std::string_view raw = src_.substr(begin, end - begin);
  if (text_.empty()) text_offset_ = begin;
  // (string_view::find_first_of calls memchr once per byte: a plain loop is far faster.)
  const bool plain =
      std::none_of(raw.begin(), raw.end(), [](char c) { return c == '&' || c == '\r'; });
  if (plain) {
    process_text(raw);
    return;
  }
  scratch_.clear();
  if (!decode_text(scratch_, raw, true, false)) return decline();
  process_text(scratch_);
}

// At a '<': a tag, a comment, a doctype, or a literal '<'. Returns where to go on.
std::size_t builder::markup(std::size_t lt) {
  const std::size_t n = src_.size();
  if (lt + 1 >= n) {
    characters(lt, lt + 1);
    return lt + 1;
  }
  const char c = src_[lt + 1];
  if (c == '!') {
    if (src_.compare(lt, 4, "<!--") == 0) return comment(lt);
    if (starts_with_ci(src_.substr(lt, 9), "<!doctype")) return doctype(lt);
    decline();  // CDATA sections, bogus comments
    return n;
  }
  if (c == '/') {
    if (lt + 2 < n && is_alpha(src_[lt + 2])) return end_tag(lt);
    decline();  // "</>" and bogus comments
    return n;
  }
  if (is_alpha(c)) return start_tag(lt);
  if (c == '?') {
    decline();
    return n;
  }
  characters(lt, lt + 1);
  return lt + 1;
}

std::size_t builder::comment(std::size_t lt) {
  const std::size_t body = lt + 4;
  const std::size_t close = src_.find("-->", body);
  const std::string_view content =
      close == std::string_view::npos ? std::string_view{} : src_.substr(body, close - body);
  // "<!-->", "<!--->", "--!>" and a comment left open end differently in the standard.
  if (close == std::string_view::npos || content.empty() || content[0] == '>' ||
      content.substr(0, 2) == "->" || content.find("--!>") != std::string_view::npos ||
      content.back() == '-') {
    decline();
    return src_.size();
  }
  scratch_.clear();
  decode_text(scratch_, content, false, false);
  insert_comment(scratch_, lt);
  return close + 3;
}

std::size_t builder::doctype(std::size_t lt) {
  const std::size_t close = src_.find('>', lt);
  if (close == std::string_view::npos || phase_ != phase::initial || !document_children_.empty() ||
      document_->v.document.has_doctype) {
    decline();
    return src_.size();
  }
  document_->v.document.has_doctype = true;
  return close + 1;
}

std::size_t builder::start_tag(std::size_t lt) {
  const std::size_t n = src_.size();
  tag_token& t = tag_;
  t.name.clear();
  t.self_closing = false;
  t.attribute_count = 0;
  t.offset = lt;
  std::size_t i = lt + 1;
  const std::size_t tag_name_start = i;
  while (i < n && !is_space(src_[i]) && src_[i] != '/' && src_[i] != '>') ++i;
  append_lower(t.name, src_.substr(tag_name_start, i - tag_name_start));
  for (;;) {
    while (i < n && is_space(src_[i])) ++i;
    if (i >= n) {
      decline();
      return n;
    }
    if (src_[i] == '>') {
      ++i;
      break;
    }
    if (src_[i] == '/') {
      ++i;
      if (i < n && src_[i] == '>') {
        t.self_closing = true;
        ++i;
        break;
      }
      // A stray '/' between attributes: gumbo 0.10 carries the previous attribute's
      // name into the next one there.
      decline();
      return n;
    }
    if (src_[i] == '=') {  // "<a =x>": an attribute named "=x"
      decline();
      return n;
    }
    // An attribute. Past the cap, gumbo gets the page with the rest blanked out (and
    // the duplicate check below stays bounded).
    if (t.attribute_count >= max_attributes_per_element) {
      decline();
      return n;
    }
    if (attributes_.size() <= t.attribute_count) attributes_.emplace_back();
    attribute_token& a = attributes_[t.attribute_count];
    a.name.clear();
    a.value.clear();
    const std::size_t name_start = i;
    while (i < n && !is_space(src_[i]) && src_[i] != '/' && src_[i] != '>' && src_[i] != '=') ++i;
    append_lower(a.name, src_.substr(name_start, i - name_start));
    a.original_name = src_.substr(name_start, i - name_start);
    a.original_value = {};
    std::size_t j = i;
    while (j < n && is_space(src_[j])) ++j;
    if (j < n && src_[j] == '=') {
      ++j;
      while (j < n && is_space(src_[j])) ++j;
      if (j >= n) {
        decline();
        return n;
      }
      std::size_t value_start = j;
      std::size_t value_end = j;
      if (src_[j] == '"' || src_[j] == '\'') {
        const std::size_t close = src_.find(src_[j], j + 1);
        if (close == std::string_view::npos) {
          decline();
          return n;
        }
        value_start = j + 1;
        value_end = close;
        a.original_value = src_.substr(j, close + 1 - j);
        i = close + 1;
      } else if (src_[j] == '>') {
        i = j;  // "<a href=>": an empty value
      } else {
        while (value_end < n && !is_space(src_[value_end]) && src_[value_end] != '>') ++value_end;
        a.original_value = src_.substr(j, value_end - j);
        i = value_end;
      }
      if (!decode_text(a.value, src_.substr(value_start, value_end - value_start), true, true)) {
        decline();
        return n;
      }
    } else {
      i = j;
    }
    // A repeated attribute: the standard drops it, but gumbo 0.10 then glues its name
    // onto the next attribute's.
    for (std::size_t k = 0; k < t.attribute_count; ++k) {
      if (attributes_[k].name == a.name) {
        decline();
        return n;
      }
    }
    ++t.attribute_count;
  }
  t.original = src_.substr(lt, i - lt);
  t.tag = tag_enum(t.name);
  process_start(t);
  if (failed_) return n;

  // Raw text and RCDATA elements: their content is text up to the matching end tag.
  // (In SVG, <script> and <style> are ordinary elements.)
  if (raw_element_ != nullptr) return raw_text(i);
  return i;
}

std::size_t builder::end_tag(std::size_t lt) {
  const std::size_t n = src_.size();
  std::size_t i = lt + 2;
  std::string& name = tag_.name;
  name.clear();
  const std::size_t name_start = i;
  while (i < n && !is_space(src_[i]) && src_[i] != '/' && src_[i] != '>') ++i;
  append_lower(name, src_.substr(name_start, i - name_start));
  while (i < n && is_space(src_[i])) ++i;
  if (i >= n || src_[i] != '>') {  // attributes or a slash on an end tag
    decline();
    return n;
  }
  ++i;
  const GumboTag tag = tag_enum(name);
  // gumbo takes a closed form off the stack without placing the text before </form>,
  // which then lands after the form.
  if (tag != GUMBO_TAG_FORM) flush_text();
  process_end(name, tag);
  return failed_ ? n : i;
}

// The text of a raw text (script, style) or RCDATA (title, textarea) element that was
// just inserted, then its end tag. `from` is just past the start tag.
std::size_t builder::raw_text(std::size_t from) {
  const std::size_t n = src_.size();
  GumboNode* element = std::exchange(raw_element_, nullptr);
  const std::string_view name = tag_.name;
  std::size_t search = from;
  std::size_t close = std::string_view::npos;
  while (search < n) {
    const std::size_t at = src_.find("</", search);
    if (at == std::string_view::npos) break;
    const std::size_t after = at + 2 + name.size();
    if (after <= n && iequals_ascii(src_.substr(at + 2, name.size()), name) &&
        (after == n || is_space(src_[after]) || src_[after] == '>' || src_[after] == '/')) {
      close = at;
      break;
    }
    search = at + 2;
  }
  if (close == std::string_view::npos) {
    decline();  // the element runs to the end of the page
    return n;
  }
  // In a script, "<!--" switches the tokenizer into escaped states where "</script>"
  // may not end it (old pages hide scripts in comments: "<!-- ... //-->").
  if (element->v.element.tag == GUMBO_TAG_SCRIPT &&
      src_.substr(from, close - from).find("<!--") != std::string_view::npos) {
    close = script_end(from);
    if (close == std::string_view::npos) {
      decline();
      return n;
    }
  }
  std::string_view content = src_.substr(from, close - from);
  if (element->v.element.tag == GUMBO_TAG_TEXTAREA && !content.empty() && content[0] == '\n') {
    content.remove_prefix(1);
    ++from;
  }
  if (!content.empty()) {
    // Scripts are the bulk of many pages: copy them once, straight into the arena,
    // unless there is something to rewrite.
    std::string_view decoded = content;
    if ((raw_references_ && content.find('&') != std::string_view::npos) ||
        content.find('\r') != std::string_view::npos) {
      scratch_.clear();
      if (!decode_text(scratch_, content, raw_references_, false)) {
        decline();
        return n;
      }
      decoded = scratch_;
    }
    GumboNode* text = new_node(all_space(decoded) ? GUMBO_NODE_WHITESPACE : GUMBO_NODE_TEXT);
    text->v.text.text = arena_.copy(decoded);
    text->v.text.start_pos.offset = static_cast<unsigned>(from);
    element->v.element.children = finish_children(element, &text, 1);
  }
  const std::size_t gt = src_.find('>', close);
  const std::size_t name_end = close + 2 + name.size();
  if (gt == std::string_view::npos || !all_space(src_.substr(name_end, gt - name_end))) {
    decline();
    return n;
  }
  return gt + 1;
}

// Where a script's content ends, following the tokenizer's script data states through
// "<!--" (escaped) and "<!--<script>" (double escaped): the '<' of its "</script", or
// npos when it runs to the end of the page.
std::size_t builder::script_end(std::size_t from) const {
  enum class state { data, escaped, double_escaped };
  const std::size_t n = src_.size();
  // "<script" or "</script" (after `at`, which is past '<' or "</") ends at a delimiter.
  const auto names_script = [&](std::size_t at) {
    return at + 6 <= n && iequals_ascii(src_.substr(at, 6), "script") &&
           (at + 6 == n || is_space(src_[at + 6]) || src_[at + 6] == '/' || src_[at + 6] == '>');
  };
  state st = state::data;
  int dashes = 0;  // '-' seen in a row in the escaped states, for "-->"
  for (std::size_t i = from; i < n; ++i) {
    const char c = src_[i];
    if (st == state::data) {
      if (c != '<') continue;
      if (src_.compare(i, 4, "<!--") == 0) {
        st = state::escaped;
        dashes = 2;  // the "--" of "<!--" already count: "<!-->" ends it at once
        i += 3;
        continue;
      }
      if (i + 1 < n && src_[i + 1] == '/' && names_script(i + 2)) return i;
      continue;
    }
    if (c == '-') {
      ++dashes;
      continue;
    }
    if (c == '>' && dashes >= 2) {
      st = state::data;
      dashes = 0;
      continue;
    }
    dashes = 0;
    if (c != '<') continue;
    if (st == state::escaped) {
      if (i + 1 < n && src_[i + 1] == '/' && names_script(i + 2)) return i;
      if (names_script(i + 1)) st = state::double_escaped;
    } else if (i + 1 < n && src_[i + 1] == '/' && names_script(i + 2)) {
      st = state::escaped;
    }
  }
  return std::string_view::npos;
}

// -- tree construction ----------------------------------------------------------------

void builder::insert_comment(std::string_view text, std::size_t offset) {
  flush_text();
  GumboNode* node = new_node(GUMBO_NODE_COMMENT);
  node->v.text.text = arena_.copy(text);
  node->v.text.start_pos.offset = static_cast<unsigned>(offset);
  switch (phase_) {
    case phase::after_body:
      html_children_.push_back(node);
      break;
    case phase::after_after_body:
      document_children_.push_back(node);
      break;
    default:
      append_child(node);
      break;
  }
  skip_newline_ = false;
}

void builder::process_text(std::string_view text) {
  if (skip_newline_) {
    skip_newline_ = false;
    if (!text.empty() && text[0] == '\n') text.remove_prefix(1);
  }
  while (!text.empty() && !failed_) {
    const std::size_t first_non_space =
        std::find_if(text.begin(), text.end(), [](char c) { return !is_space(c); }) - text.begin();
    switch (phase_) {
      case phase::initial:
      case phase::before_head:
        text.remove_prefix(first_non_space);  // ignored
        if (text.empty()) return;
        if (phase_ == phase::initial) create_html(nullptr);
        create_head(nullptr);
        break;
      case phase::in_head:
      case phase::after_head:
        text_.append(text.substr(0, first_non_space));
        text.remove_prefix(first_non_space);
        if (text.empty()) return;
        flush_text();
        if (phase_ == phase::in_head) {
          phase_ = phase::after_head;
        } else {
          create_body(nullptr);
        }
        break;
      case phase::after_body:
      case phase::after_after_body:
        if (first_non_space == text.size()) {
          text_.append(text);
          return;
        }
        flush_text();
        phase_ = phase::in_body;
        break;
      case phase::in_body:
        switch (current_context()) {
          case context::table:
          case context::table_body:
          case context::row:
          case context::colgroup:
            // Text in a table outside its cells is moved before the table.
            if (first_non_space != text.size()) return decline();
            break;
          default:
            break;
        }
        text_.append(text);
        return;
    }
  }
}

// An element in the current node; pushed unless it is void (or self-closed in SVG).
void builder::insert_element(tag_token& t, GumboNamespaceEnum ns) {
  flush_text();
  GumboNode* node = make_element(t, ns);
  append_child(node);
  const bool is_void = ns == GUMBO_NAMESPACE_SVG ? t.self_closing : one_of(t.tag, void_tags);
  if (!is_void) push(node, t.original.substr(1, t.name.size()));
  skip_newline_ = false;
}

void builder::insert_raw_element(tag_token& t, bool references) {
  flush_text();
  GumboNode* node = make_element(t, GUMBO_NAMESPACE_HTML);
  append_child(node);
  raw_element_ = node;
  raw_references_ = references;
  skip_newline_ = false;
}

// <meta>, <link>, <title>, <script>, <style>... in the head phases: they go in <head>,
// even after </head> (the standard puts them back there).
void builder::insert_head_element(tag_token& t) {
  flush_text();
  const phase saved = phase_;
  phase_ = phase::in_head;
  switch (t.tag) {
    case GUMBO_TAG_TITLE:
      insert_raw_element(t, true);
      break;
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_NOFRAMES:
      insert_raw_element(t, false);
      break;
    default:
      head_children_.push_back(make_element(t, GUMBO_NAMESPACE_HTML));
      break;
  }
  phase_ = saved;
}

void builder::process_start(tag_token& t) {
  for (int guard = 0; guard < 8 && !failed_; ++guard) {
    switch (phase_) {
      case phase::initial:
        if (t.tag == GUMBO_TAG_HTML) {
          create_html(&t);
          return;
        }
        create_html(nullptr);
        continue;
      case phase::before_head:
        if (t.tag == GUMBO_TAG_HTML) return decline();  // its attributes merge
        if (t.tag == GUMBO_TAG_HEAD) {
          create_head(&t);
          return;
        }
        create_head(nullptr);
        continue;
      case phase::in_head:
      case phase::after_head:
        if (one_of(t.tag, head_content_tags)) return insert_head_element(t);
        // <noscript> in the head has its own rules; <template> its own tree.
        if (t.tag == GUMBO_TAG_HTML || t.tag == GUMBO_TAG_HEAD || t.tag == GUMBO_TAG_NOSCRIPT ||
            t.tag == GUMBO_TAG_TEMPLATE || t.tag == GUMBO_TAG_FRAMESET) {
          return decline();
        }
        flush_text();
        if (phase_ == phase::in_head) {
          phase_ = phase::after_head;
          continue;
        }
        if (t.tag == GUMBO_TAG_BODY) {
          create_body(&t);
          return;
        }
        create_body(nullptr);
        continue;
      case phase::after_body:
      case phase::after_after_body:
        phase_ = phase::in_body;
        continue;
      case phase::in_body:
        if (current_context() == context::svg) {
          const GumboElement& e = current()->v.element;
          // HTML inside an SVG integration point, or a tag that leaves SVG.
          if (one_of(t.tag, svg_breakout_tags) || e.tag == GUMBO_TAG_FOREIGNOBJECT ||
              e.tag == GUMBO_TAG_DESC || e.tag == GUMBO_TAG_TITLE || t.tag == GUMBO_TAG_MATH) {
            return decline();
          }
          return insert_element(t, GUMBO_NAMESPACE_SVG);
        }
        if (start_in_table(t)) return;
        return start_in_body(t);
    }
  }
  decline();
}

// Start tags where a table, its sections or its rows are the current node. True when
// handled (or declined).
bool builder::start_in_table(tag_token& t) {
  const GumboTag tag = t.tag;
  const context here = current_context();
  // Scripts and styles may stand anywhere in a table's structure.
  if ((here == context::table || here == context::table_body || here == context::row) &&
      (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE)) {
    insert_raw_element(t, false);
    return true;
  }
  switch (here) {
    case context::table:
      switch (tag) {
        case GUMBO_TAG_CAPTION:
        case GUMBO_TAG_COLGROUP:
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TFOOT:
          insert_element(t);
          return true;
        case GUMBO_TAG_TR: {
          // <table><tr>: the standard adds the <tbody>.
          flush_text();
          GumboNode* tbody = implied_element(GUMBO_TAG_TBODY);
          append_child(tbody);
          push(tbody, "tbody");
          insert_element(t);
          return true;
        }
        default:
          decline();  // everything else is moved before the table ("foster parenting")
          return true;
      }
    case context::table_body:
      switch (tag) {
        case GUMBO_TAG_TR:
          insert_element(t);
          return true;
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TFOOT:
          pop();  // a new section closes this one
          insert_element(t);
          return true;
        default:
          decline();
          return true;
      }
    case context::row:
      switch (tag) {
        case GUMBO_TAG_TD:
        case GUMBO_TAG_TH:
          insert_element(t);
          return true;
        case GUMBO_TAG_TR:
          pop();  // <tr> closes the open row
          insert_element(t);
          return true;
        default:
          decline();
          return true;
      }
    case context::colgroup:
      if (tag == GUMBO_TAG_COL) {
        insert_element(t);
      } else {
        decline();
      }
      return true;
    case context::select:
      switch (tag) {
        case GUMBO_TAG_OPTION:
          if (current_is_html(GUMBO_TAG_OPTION)) pop();
          insert_element(t);
          return true;
        case GUMBO_TAG_OPTGROUP:
          if (current_is_html(GUMBO_TAG_OPTION)) pop();
          if (current_is_html(GUMBO_TAG_OPTGROUP)) pop();
          insert_element(t);
          return true;
        case GUMBO_TAG_SCRIPT:
          insert_raw_element(t, false);
          return true;
        default:
          decline();
          return true;
      }
    case context::cell:
      if (!one_of(tag, table_part_tags)) return false;
      // A new cell or row closes the open cell ("</td>" is optional).
      close_cell();
      if (!failed_) process_start(t);
      return true;
    case context::caption:
      if (!one_of(tag, table_part_tags)) return false;
      decline();  // closes the caption: not handled here
      return true;
    case context::body:
    case context::svg:
      return false;
  }
  return false;
}

void builder::start_in_body(tag_token& t) {
  const GumboTag tag = t.tag;
  if (one_of(tag, closes_p_tags)) {
    close_p_if_open();
    if (!failed_) insert_element(t);
    return;
  }
  if (one_of(tag, heading_tags)) {
    close_p_if_open();
    if (!failed_ && one_of(current_tag(), heading_tags)) pop();  // <h2> inside an open <h3>
    if (!failed_) insert_element(t);
    return;
  }
  if (one_of(tag, formatting_tags)) {
    if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_NOBR) {
      // A second <a> (or <nobr>) while one is open runs the adoption agency.
      for (const auto& e : open_) {
        if (e.node->v.element.tag == tag) return decline();
      }
    }
    insert_element(t);
    return;
  }
  switch (tag) {
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_IMAGE:
    case GUMBO_TAG_ISINDEX:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_RB:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RTC:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_MENUITEM:
      return decline();
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED:
      return insert_raw_element(t, false);
    case GUMBO_TAG_XMP:
      close_p_if_open();
      if (!failed_) insert_raw_element(t, false);
      return;
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_TEXTAREA:
      return insert_raw_element(t, true);
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_LISTING:
      close_p_if_open();
      if (failed_) return;
      insert_element(t);
      skip_newline_ = true;
      return;
    case GUMBO_TAG_FORM:
      if (form_open_) return decline();
      close_p_if_open();
      if (failed_) return;
      insert_element(t);
      form_open_ = true;
      return;
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT: {
      // An open item of the same list closes (</li> is optional), unless a block
      // other than address, div and p stands between.
      for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
        const GumboTag open_tag = it->node->v.element.tag;
        const bool same = tag == GUMBO_TAG_LI
                              ? open_tag == GUMBO_TAG_LI
                              : (open_tag == GUMBO_TAG_DD || open_tag == GUMBO_TAG_DT);
        if (same && it->node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML) {
          generate_implied_end_tags(open_tag);
          pop_until(open_tag);
          break;
        }
        if (one_of(open_tag, special_tags) && open_tag != GUMBO_TAG_ADDRESS &&
            open_tag != GUMBO_TAG_DIV && open_tag != GUMBO_TAG_P) {
          break;
        }
      }
      if (failed_) return;
      close_p_if_open();
      if (!failed_) insert_element(t);
      return;
    }
    case GUMBO_TAG_BUTTON:
      if (in_scope(GUMBO_TAG_BUTTON, scope::normal)) return decline();
      return insert_element(t);
    case GUMBO_TAG_TABLE:
      // Whether <table> closes an open <p> depends on the quirks mode.
      if (in_scope(GUMBO_TAG_P, scope::button)) return decline();
      return insert_element(t);
    case GUMBO_TAG_HR:
      close_p_if_open();
      if (!failed_) insert_element(t);
      return;
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
      if (current_is_html(GUMBO_TAG_OPTION)) pop();
      return insert_element(t);
    case GUMBO_TAG_SVG:
      return insert_element(t, GUMBO_NAMESPACE_SVG);
    default:
      return insert_element(t);
  }
}

void builder::process_end(std::string_view name, GumboTag tag) {
  for (int guard = 0; guard < 8 && !failed_; ++guard) {
    switch (phase_) {
      case phase::initial:
      case phase::before_head:
        if (tag != GUMBO_TAG_HEAD && tag != GUMBO_TAG_BODY && tag != GUMBO_TAG_HTML &&
            tag != GUMBO_TAG_BR) {
          return decline();  // ignored, which would merge the text around it
        }
        if (phase_ == phase::initial) create_html(nullptr);
        create_head(nullptr);
        continue;
      case phase::in_head:
        if (tag == GUMBO_TAG_HEAD) {
          phase_ = phase::after_head;
          return;
        }
        if (tag != GUMBO_TAG_BODY && tag != GUMBO_TAG_HTML && tag != GUMBO_TAG_BR) return decline();
        phase_ = phase::after_head;
        continue;
      case phase::after_head:
        if (tag != GUMBO_TAG_BODY && tag != GUMBO_TAG_HTML && tag != GUMBO_TAG_BR) return decline();
        create_body(nullptr);
        continue;
      case phase::after_body:
        if (tag == GUMBO_TAG_HTML) {
          phase_ = phase::after_after_body;
          return;
        }
        return decline();
      case phase::after_after_body:
        return decline();
      case phase::in_body:
        if (current_context() == context::svg) {
          if (!iequals_ascii(open_.back().name, name)) return decline();
          return pop();
        }
        if (end_in_table(tag)) return;
        return end_in_body(name, tag);
    }
  }
  decline();
}

// End tags where a table part, a cell or a select is current. True when handled.
bool builder::end_in_table(GumboTag tag) {
  switch (current_context()) {
    case context::table:
      if (tag == GUMBO_TAG_TABLE) {
        pop();
      } else {
        decline();
      }
      return true;
    case context::table_body:
      if (tag == current_tag()) {
        pop();
      } else if (tag == GUMBO_TAG_TABLE) {
        pop();
        pop();
      } else {
        decline();
      }
      return true;
    case context::row:
      if (tag == GUMBO_TAG_TR) {
        pop();
      } else if (tag == GUMBO_TAG_TABLE) {
        pop();  // tr
        if (current_context() == context::table_body) pop();
        if (current_is_html(GUMBO_TAG_TABLE)) {
          pop();
        } else {
          decline();
        }
      } else if (tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TFOOT) {
        pop();
        if (current_is_html(tag)) {
          pop();
        } else {
          decline();
        }
      } else {
        decline();
      }
      return true;
    case context::colgroup:
      if (tag == GUMBO_TAG_COLGROUP) {
        pop();
      } else {
        decline();
      }
      return true;
    case context::select:
      if (tag == GUMBO_TAG_OPTION && current_is_html(GUMBO_TAG_OPTION)) {
        pop();
      } else if (tag == GUMBO_TAG_OPTGROUP && current_is_html(GUMBO_TAG_OPTGROUP)) {
        pop();
      } else if (tag == GUMBO_TAG_OPTGROUP && current_is_html(GUMBO_TAG_OPTION) &&
                 open_.size() >= 2 &&
                 open_[open_.size() - 2].node->v.element.tag == GUMBO_TAG_OPTGROUP) {
        pop();
        pop();
      } else if (tag == GUMBO_TAG_SELECT) {
        while (!failed_ && !current_is_html(GUMBO_TAG_SELECT)) {
          if (current_tag() != GUMBO_TAG_OPTION && current_tag() != GUMBO_TAG_OPTGROUP)
            return decline(), true;
          pop();
        }
        pop();
      } else {
        decline();
      }
      return true;
    case context::cell:
      switch (tag) {
        case GUMBO_TAG_TD:
        case GUMBO_TAG_TH:
          if (!in_scope(tag, scope::table)) {
            decline();
            return true;
          }
          generate_implied_end_tags();
          pop_until(tag);
          return true;
        case GUMBO_TAG_TABLE:
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_TFOOT:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TR:
          if (!in_scope(tag, scope::table)) {
            decline();
            return true;
          }
          close_cell();
          if (!failed_) process_end({}, tag);
          return true;
        case GUMBO_TAG_BODY:
        case GUMBO_TAG_CAPTION:
        case GUMBO_TAG_COL:
        case GUMBO_TAG_COLGROUP:
        case GUMBO_TAG_HTML:
          decline();
          return true;
        default:
          return false;
      }
    case context::caption:
      if (tag == GUMBO_TAG_CAPTION) {
        generate_implied_end_tags();
        pop_until(GUMBO_TAG_CAPTION);
        return true;
      }
      if (tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_BODY || tag == GUMBO_TAG_HTML ||
          tag == GUMBO_TAG_COL || tag == GUMBO_TAG_COLGROUP || tag == GUMBO_TAG_TBODY ||
          tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TFOOT || tag == GUMBO_TAG_TH ||
          tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TR) {
        decline();
        return true;
      }
      return false;
    case context::body:
    case context::svg:
      return false;
  }
  return false;
}

void builder::end_in_body(std::string_view name, GumboTag tag) {
  if (tag == GUMBO_TAG_BODY || tag == GUMBO_TAG_HTML) {
    // The elements stay open: what follows </body> still goes into them.
    phase_ = tag == GUMBO_TAG_BODY ? phase::after_body : phase::after_after_body;
    return;
  }
  if (one_of(tag, block_end_tags)) {
    if (!in_scope(tag, scope::normal)) return decline();
    generate_implied_end_tags();
    return pop_until(tag);
  }
  if (tag == GUMBO_TAG_FORM) {
    if (!form_open_ || !in_scope(tag, scope::normal)) return decline();
    form_open_ = false;
    generate_implied_end_tags();
    if (!current_is_html(GUMBO_TAG_FORM)) return decline();  // removed, not popped
    return pop(false);
  }
  if (tag == GUMBO_TAG_P) {
    if (!in_scope(tag, scope::button)) return decline();  // "</p>" alone makes a <p>
    generate_implied_end_tags(GUMBO_TAG_P);
    return pop_until(GUMBO_TAG_P);
  }
  if (tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT) {
    if (!in_scope(tag, tag == GUMBO_TAG_LI ? scope::list_item : scope::normal)) return decline();
    generate_implied_end_tags(tag);
    return pop_until(tag);
  }
  if (one_of(tag, heading_tags)) {
    bool any = false;
    for (GumboTag h : heading_tags) any = any || in_scope(h, scope::normal);
    if (!any) return decline();
    generate_implied_end_tags();
    return pop_until_one_of(heading_tags);
  }
  if (one_of(tag, formatting_tags)) {
    // Only the simple case of the adoption agency: the element is the current node.
    if (!current_is_html(tag)) return decline();
    return pop();
  }
  if (tag == GUMBO_TAG_BR || (tag == GUMBO_TAG_UNKNOWN && name.empty())) return decline();
  // Any other end tag closes the innermost element of that name, unless a special
  // element stands between (then it is ignored).
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    const GumboElement& e = it->node->v.element;
    if (e.tag == tag && e.tag_namespace == GUMBO_NAMESPACE_HTML) {
      // gumbo tells unknown elements apart by name only in later versions.
      if (tag == GUMBO_TAG_UNKNOWN && !iequals_ascii(it->name, name)) return decline();
      generate_implied_end_tags(tag);
      if (!current_is_html(tag)) {
        // Elements left open inside are popped (and formatting ones declined).
        while (!failed_ && current() != it->node) {
          if (one_of(current_tag(), formatting_tags)) return decline();
          pop();
        }
      }
      return pop();
    }
    if (one_of(e.tag, special_tags) || e.tag_namespace != GUMBO_NAMESPACE_HTML) return decline();
  }
  decline();
}

}  // namespace

const GumboNode* build_light_tree(std::string_view html, node_arena& arena,
                                  std::size_t* max_depth) {
  builder b(html, arena);
  const GumboNode* document = b.run();
  if (max_depth != nullptr) *max_depth = b.max_depth();
  return document;
}

}  // namespace pricescrape::extract::detail
