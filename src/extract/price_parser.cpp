// Price strings to exact decimals. The number finding and separator guessing follow
// the behaviour of Zyte's price-parser (the conformance table checks it), with two
// additions of ours: numbers next to a currency win, and three-decimal currencies.
#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/extract/price_parser.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract {
namespace detail {
namespace {

using namespace std::string_view_literals;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_ascii_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }
using pricescrape::detail::to_lower_ascii;

// Decodes the UTF-8 code point starting at `i` (input is valid UTF-8 by contract, but
// stay defensive: a stray byte decodes as itself with length 1).
char32_t code_point_at(std::string_view s, std::size_t i, std::size_t* length) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = b(i);
  std::size_t n = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
  if (i + n > s.size()) n = 1;
  char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(i + k) & 0x3F);
  *length = n;
  return cp;
}

// The code point that ends just before `i`, or 0 at the start.
char32_t code_point_before(std::string_view s, std::size_t i) noexcept {
  if (i == 0) return 0;
  std::size_t start = i - 1;
  while (start > 0 && i - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  std::size_t length = 0;
  return code_point_at(s, start, &length);
}

// Rough but sufficient: letters of any script count, punctuation, symbols (currency
// signs among them) and spaces do not.
bool is_letter(char32_t cp) noexcept {
  if (cp < 0x80) return is_ascii_alpha(static_cast<char>(cp));
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, currency, symbols
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFE00 && cp <= 0xFFFF) return false;  // variation selectors, full-width forms
  return true;
}

// ---- currencies -----------------------------------------------------------------

// ISO 4217 codes in use, plus the pre-euro and other withdrawn codes that still show
// up on old or collector pages.
constexpr auto iso_codes = std::to_array<std::string_view>({
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "ATS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BEF", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN",
    "BYR", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CYP",
    "CZK", "DEM", "DJF", "DKK", "DOP", "DZD", "EEK", "EGP", "ERN", "ESP", "ETB", "EUR", "FIM",
    "FJD", "FKP", "FRF", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GRD", "GTQ", "GYD", "HKD",
    "HNL", "HRK", "HTG", "HUF", "IDR", "IEP", "ILS", "INR", "IQD", "IRR", "ISK", "ITL", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "LTL", "LUF", "LVL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
    "MOP", "MRO", "MRU", "MTL", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NLG", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PTE", "PYG",
    "QAR", "ROL", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SIT", "SKK", "SLE", "SLL", "SOS", "SRD", "SSP", "STD", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRL", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU",
    "UZS", "VEF", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWD", "ZWL",
});

// Codes that are also everyday words ("all", "top", "try", "PHP"): taken only right
// next to a number, where the word reading is unlikely.
constexpr auto word_like_codes = std::to_array<std::string_view>({
    "ALL", "AMD", "ARS", "BAM", "BOB", "COP", "CUP", "EEK", "ESP", "GEL", "MAD", "MOP",
    "MUR", "NAD", "PEN", "PHP", "RON", "SAR", "SIT", "SOS", "STD", "TOP", "TRY",
});

// Currencies whose minor unit has three digits, so "1.250" there is one and a quarter.
constexpr auto three_decimal_codes =
    std::to_array<std::string_view>({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"});

// How a non-ISO currency token maps to a code. An empty `iso` with `ambiguous`
// means currency_to_iso() settles it from the page's default currency.
struct currency_token_entry {
  std::string_view token;
  std::string_view iso;
  bool word;  // made of letters: must not touch other letters
  bool safe;  // unlikely to be anything but a currency
  // A letter or two that is a currency only when the text is nothing but it and a
  // number ("1 P", "R273.00"): elsewhere it is a size, a unit or an initial.
  bool lone = false;
};

constexpr auto currency_tokens = std::to_array<currency_token_entry>({
    // Dollar prefixes before the bare "$", so the longest spelling wins.
    {"US $", "USD", true, true},
    {"AU $", "AUD", true, true},
    {"CAN$", "CAD", true, true},
    {"BZ$", "BZD", true, true},
    {"CUC$", "CUC", true, true},
    {"J$", "JMD", true, true},
    {"TT$", "TTD", true, true},
    {"T$", "TOP", true, true},
    {"Z$", "ZWL", true, true},
    {"G$", "GYD", true, true},
    {"GY$", "GYD", true, true},
    {"$U", "UYU", true, true},
    {"$b", "BOB", true, true},
    {"US$", "USD", false, true},
    {"U$S", "USD", false, true},
    {"CA$", "CAD", false, true},
    {"CAD$", "CAD", false, true},
    {"C$", "CAD", false, true},
    {"AU$", "AUD", false, true},
    {"A$", "AUD", false, true},
    {"NZ$", "NZD", false, true},
    {"HK$", "HKD", false, true},
    {"SG$", "SGD", false, true},
    {"S$", "SGD", false, true},
    {"NT$", "TWD", false, true},
    {"MX$", "MXN", false, true},
    {"RD$", "DOP", false, true},
    {"R$", "BRL", false, true},
    {"$", "", false, false},
    {"€", "EUR", false, true},
    {"£", "", false, true},
    {"￡", "GBP", false, true},
    {"₤", "", false, true},  // the lira sign: Italian, Turkish or a stylised pound
    {"¥", "", false, true},
    {"￥", "", false, true},
    {"円", "JPY", false, true},
    {"元", "", false, true},  // yuan, and the dollar in Taiwan, Hong Kong and Macau
    {"人民币", "CNY", false, true},
    {"₹", "INR", false, true},
    {"₨", "", false, true},
    {"₽", "RUB", false, true},
    {"₩", "KRW", false, true},
    {"원", "KRW", false, true},
    {"₺", "TRY", false, true},
    {"₴", "UAH", false, true},
    {"₪", "ILS", false, true},
    {"₫", "VND", false, true},
    {"฿", "THB", false, true},
    {"₦", "NGN", false, true},
    {"₱", "PHP", false, true},
    {"₸", "KZT", false, true},
    {"₮", "MNT", false, true},
    {"₼", "AZN", false, true},
    {"₾", "GEL", false, true},
    {"₭", "LAK", false, true},
    {"₡", "CRC", false, true},
    {"₲", "PYG", false, true},
    {"GH₵", "GHS", false, true},
    {"₵", "GHS", false, true},
    {"﷼", "", false, true},
    {"zł", "PLN", true, true},
    {"Zł", "PLN", true, true},
    {"ZŁ", "PLN", true, true},
    {"Kč", "CZK", true, true},
    {"Ft", "HUF", true, true},
    {"lei", "", true, true},
    {"Lei", "", true, true},
    {"LEI", "", true, true},
    {"лв.", "BGN", true, true},
    {"лв", "BGN", true, true},
    {"руб.", "", true, true},
    {"руб", "", true, true},
    {"рублей", "", true, true},
    {"рубля", "", true, true},
    {"рубль", "", true, true},
    {"грн.", "UAH", true, true},
    {"грн", "UAH", true, true},
    {"ден", "MKD", true, true},
    {"Rp", "IDR", true, true},
    {"RM", "MYR", true, true},
    {"KD", "KWD", true, true},
    {"Dhs", "AED", true, true},
    {"د.إ", "AED", false, true},
    {"درهم", "AED", true, true},
    {"جنيه", "EGP", true, true},
    {"ريال", "", true, true},
    {"تومان", "", true, true},  // toman: ten rials, so no ISO code states it exactly
    {"euro", "EUR", true, true},
    {"euros", "EUR", true, true},
    {"Euro", "EUR", true, true},
    {"Euros", "EUR", true, true},
    {"SFr.", "CHF", true, true},
    {"KSh", "KES", true, true},
    {"TL", "TRY", true, false},
    {"kn", "HRK", true, false},
    {"Kn", "HRK", true, false},
    {"KM", "BAM", true, false},
    {"Br", "BYN", true, false},
    {"S/.", "PEN", false, false},
    {"S/", "PEN", false, false},
    {"kr.", "", true, false},
    {"kr", "", true, false},
    {"Kr", "", true, false},
    {"Rs.", "", true, false},
    {"Rs", "", true, false},
    {"р.", "", true, false},
    {"Р", "", true, false},  // Cyrillic capital ER, the informal rouble sign
    {"zl", "PLN", true, false},
    // Signs and abbreviations of smaller currencies (the price-parser table's list).
    {"₶", "", false, true},    // the livre tournois: collectors' pages, no ISO code
    {"₿", "", false, true},  // bitcoin has no ISO 4217 code
    {"Ƀ", "", false, true},
    {"BTC", "", true, true},
    {"¢", "", false, true},  // cents of whichever dollar the page uses
    {"֏", "AMD", false, true},
    {"؋", "AFN", false, true},
    {"৳", "BDT", false, true},
    {"៛", "KHR", false, true},
    {"₣", "FRF", false, true},
    {"ƒ", "ANG", false, true},
    {"E£", "EGP", true, true},
    {"R₣", "RWF", true, true},
    {"đ", "VND", true, true},
    {"VNĐ", "VND", true, true},
    {"र", "NPR", true, true},
    {"ரூ", "LKR", true, true},
    {"රු", "LKR", true, true},
    {"บาท", "THB", true, true},
    {"圆", "CNY", false, true},
    {"圓", "TWD", false, true},
    {"ლარი", "GEL", true, true},
    {"ლ", "GEL", true, true},
    {"ብር", "ETB", true, true},
    {"ናቕፋ", "ERN", true, true},
    {"نافكا", "ERN", true, true},
    {"ریال", "IRR", true, true},  // Persian spelling (ی): Iran
    {"ر.س", "SAR", true, true},
    {"ر.ع", "OMR", true, true},
    {"ر.ق", "QAR", true, true},
    {"ر.ي", "YER", true, true},
    {"ج.م", "EGP", true, true},
    {"ج.س.", "SDG", true, true},
    {"ج.س", "SDG", true, true},
    {".د.ب", "BHD", false, true},
    {"د.ب", "BHD", true, true},
    {"د.ت", "TND", true, true},
    {"د.ج", "DZD", true, true},
    {"دج", "DZD", true, true},
    {"د.ع", "IQD", true, true},
    {"ع.د", "IQD", true, true},
    {"د.ك", "KWD", true, true},
    {"د.ل", "LYD", true, true},
    {"ل.د", "LYD", true, true},
    {"د.م", "MAD", true, true},
    {"د.أ", "JOD", true, true},
    {"د.ا", "JOD", true, true},
    {"دينار أردني", "JOD", true, true},
    {"دينار كويتي", "KWD", true, true},
    {"دينار", "", true, true},
    {"د.", "", true, true},
    {"ل.س", "SYP", true, true},
    {"ل.ل", "LBP", true, true},
    {"ش.ج", "ILS", true, true},
    {"ش.ص", "", true, true},
    {"ש״ח", "ILS", true, true},
    {"ש\"ח", "ILS", true, true},
    {"ש'ח", "ILS", true, true},
    {"ДЕН", "MKD", true, true},
    {"Дин", "RSD", true, true},
    {"дин", "RSD", true, true},
    {"км", "BAM", true, true},
    {"тг.", "KZT", true, true},
    {"тг", "KZT", true, true},
    {"с", "KGS", true, false, true},
    {"Lek", "ALL", true, true},
    {"Nu.", "BTN", true, true},
    {"Nu", "BTN", true, false, true},
    {"FBu", "BIF", true, true},
    {"Fbu", "BIF", true, true},
    {"FCFA", "XAF", true, true},
    {"CFA", "XOF", true, true},
    {"Fdj", "DJF", true, true},
    {"Nfk", "ERN", true, true},
    {"B/.", "PAB", true, true},
    {"Db", "STN", true, false},
    {"TSh", "TZS", true, true},
    {"USh", "UGX", true, true},
    {"KShs", "KES", true, true},
    {"Dinara", "RSD", true, true},
    {"dinara", "RSD", true, true},
    {"din", "RSD", true, false},
    {"Fr.", "CHF", true, false},
    {"SFr", "CHF", true, true},
    {"CHf", "CHF", true, true},
    {"GFr", "GNF", true, true},
    {"FG", "GNF", true, false, true},
    {"FRw", "RWF", true, true},
    {"GBp", "GBP", true, true},
    {"stg", "GBP", true, false},
    {"pounds", "GBP", true, false, true},
    {"pound", "GBP", true, false, true},
    {"yen", "JPY", true, true},
    {"yuan", "CNY", true, true},
    {"francs", "CHF", true, false},
    {"franc", "CHF", true, false},
    {"lari", "GEL", true, false},
    {"NIS", "ILS", true, true},
    {"nis", "ILS", true, false},
    {"hrn", "UAH", true, false},
    {"kwz", "AOA", true, false},
    {"so'm", "UZS", true, true},
    {"som", "UZS", true, false},
    {"Sʻ", "UZS", true, false, true},
    {"S'", "UZS", true, false, true},
    {"Rbl", "RUB", true, true},
    {"RUR", "RUB", true, true},
    {"Dh", "AED", true, false},
    {"Esc", "CVE", true, false},
    {"Ks", "MMK", true, false},
    {"CND", "CAD", true, false},
    {"Rf", "MVR", true, false},
    {"Bs", "BOB", true, false},
    {"ZK", "ZMW", true, false},
    {"BD", "BHD", true, false, true},
    {"DT", "TND", true, false, true},
    {"LD", "LYD", true, false, true},
    {"MK", "MWK", true, false, true},
    {"UM", "MRU", true, false, true},
    {"VT", "VUV", true, false, true},
    {"Vt", "VUV", true, false, true},
    {"ID", "IQD", true, false, true},
    {"NT", "TWD", true, false, true},
    {"Re", "INR", true, false, true},
    {"Sl", "SLE", true, false, true},
    {"Ar", "MGA", true, false, true},
    {"MT", "MZN", true, false, true},
    {"RF", "RWF", true, false, true},
    {"SPL", "", true, false, true},  // the Seborga luigino, no ISO code
    {"R", "ZAR", true, false, true},
    {"K", "MMK", true, false, true},
    {"P", "BWP", true, false, true},
    {"E", "SZL", true, false, true},
    {"D", "GMD", true, false, true},
    {"L", "ALL", true, false, true},
    {"G", "HTG", true, false, true},
    {"Q", "GTQ", true, false, true},
    {"q", "GTQ", true, false, true},
});

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

// A three-letter code upper-cased on the stack: find_currencies() asks at every
// letter of a page's short texts, where a std::string per question showed in profiles.
using code3 = std::array<char, 3>;

code3 upper3(std::string_view s) noexcept {
  return {ascii_upper(s[0]), ascii_upper(s[1]), ascii_upper(s[2])};
}

std::string_view view(const code3& code) noexcept { return {code.data(), code.size()}; }

// The code tables are sorted (checked below), so a lookup is a binary search.
template <std::size_t N>
constexpr bool sorted(const std::array<std::string_view, N>& table) {
  return std::is_sorted(table.begin(), table.end());
}
static_assert(sorted(iso_codes) && sorted(word_like_codes) && sorted(three_decimal_codes));

template <std::size_t N>
bool in_sorted(const std::array<std::string_view, N>& table, std::string_view value) noexcept {
  return std::binary_search(table.begin(), table.end(), value);
}

bool is_iso_code(std::string_view s) noexcept {
  return s.size() == 3 && in_sorted(iso_codes, view(upper3(s)));
}

// ---- the token index ---------------------------------------------------------------

// currency_tokens grouped by their first byte, each group in table order (the order
// settles ties between tokens of the same length). Trying all ~290 tokens at every
// byte of every text was a third of the extractor's CPU; most bytes start no token.
struct token_index {
  // Entries of bytes [b] are order[start[b] .. start[b + 1]).
  std::array<std::uint16_t, 257> start{};
  std::array<std::uint16_t, currency_tokens.size()> order{};
};

constexpr token_index make_token_index() {
  token_index index;
  for (const auto& entry : currency_tokens) {
    ++index.start[static_cast<unsigned char>(entry.token[0]) + 1];
  }
  for (std::size_t b = 1; b < index.start.size(); ++b) index.start[b] += index.start[b - 1];
  std::array<std::uint16_t, 256> next{};
  for (std::size_t b = 0; b < next.size(); ++b) next[b] = index.start[b];
  for (std::size_t k = 0; k < currency_tokens.size(); ++k) {
    const auto first = static_cast<unsigned char>(currency_tokens[k].token[0]);
    index.order[next[first]++] = static_cast<std::uint16_t>(k);
  }
  return index;
}

constexpr token_index tokens_by_first_byte = make_token_index();

// The indexes into currency_tokens of the tokens starting with `first`, in table order.
std::span<const std::uint16_t> tokens_starting_with(char first) noexcept {
  const auto b = static_cast<unsigned char>(first);
  const auto& index = tokens_by_first_byte;
  return std::span(index.order).subspan(index.start[b], index.start[b + 1] - index.start[b]);
}

bool is_one_of(std::string_view value, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), value) != options.end();
}

// Settles the tokens several currencies share, using the page's default currency.
std::optional<std::string> resolve_ambiguous(std::string_view fallback,
                                             std::string_view default_currency,
                                             std::initializer_list<std::string_view> sharing) {
  if (!default_currency.empty() && is_one_of(default_currency, sharing)) {
    return std::string(default_currency);
  }
  return std::string(fallback);
}

// ---- number finding ---------------------------------------------------------------

// Spaces of all widths become ' ', invisible marks go, and apostrophes used as
// digit group separators (Swiss "1'234.50", "1’234.50") are dropped.
std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = 1;
    const char32_t cp = code_point_at(text, i, &n);
    const bool space = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
                       cp == '\v' || cp == 0xA0 || cp == 0x202F || cp == 0x3000 ||
                       (cp >= 0x2000 && cp <= 0x200A);
    const bool invisible = cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x200E ||
                           cp == 0x200F || cp == 0xFEFF || cp == 0xAD || cp == 0x2060;
    const bool apostrophe = cp == '\'' || cp == 0x2019 || cp == 0x02BC || cp == 0xB4 || cp == '`';
    if (space) {
      if (out.empty() || out.back() != ' ') out.push_back(' ');
    } else if (invisible) {
      // dropped
    } else if (apostrophe && !out.empty() && is_digit(out.back()) && i + n < text.size() &&
               is_digit(text[i + n])) {
      // a group separator between digits: dropped
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

struct number_match {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;  // the number as written, spaces kept, "€" kept when it is the point
};

bool is_number_char(char c) noexcept { return is_digit(c) || c == ' ' || c == '.' || c == ','; }

// True when `num` ends with a separator and one, two or four and more digits: a
// decimal part, after which no digit group can follow.
bool ends_with_fraction(std::string_view num) {
  std::size_t digits = 0;
  std::size_t i = num.size();
  while (i > 0 && is_digit(num[i - 1])) {
    --i;
    ++digits;
  }
  return i > 0 && digits > 0 && digits != 3 && (num[i - 1] == '.' || num[i - 1] == ',') && i > 1 &&
         is_digit(num[i - 2]);
}

// Like price-parser's `([.]?\d[\d\s.,]*)\s*?(?:[^%\d]|$)`: every such number, left to
// right. The percent rule keeps "-20%" from being read as a price.
std::vector<number_match> find_numbers(std::string_view s) {
  std::vector<number_match> found;
  std::size_t i = 0;
  while (i < s.size()) {
    const bool starts = is_digit(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]));
    if (!starts) {
      ++i;
      continue;
    }
    std::size_t run_end = i + 1;
    while (run_end < s.size() && is_number_char(s[run_end])) {
      // "$2.00 100 - $2.75": a space after a decimal part ends the number; spaces
      // group thousands only before the point.
      if (s[run_end] == ' ' && ends_with_fraction(s.substr(i, run_end - i))) break;
      ++run_end;
    }
    const std::size_t min_end = i + (s[i] == '.' ? 2 : 1);
    std::size_t end = run_end;
    while (end >= min_end && end < s.size() && (is_digit(s[end]) || s[end] == '%')) --end;
    if (end < min_end) {
      ++i;
      continue;
    }
    std::string_view group = s.substr(i, end - i);
    // Trailing "." and "," go ("19,-", "105. –"); then leading ones unless the only
    // dot is the decimal point (".75").
    while (!group.empty() && (group.back() == ',' || group.back() == '.')) group.remove_suffix(1);
    if (std::count(group.begin(), group.end(), '.') != 1) {
      while (!group.empty() && (group.front() == ',' || group.front() == '.')) {
        group.remove_prefix(1);
      }
    }
    while (!group.empty() && group.front() == ' ') group.remove_prefix(1);
    while (!group.empty() && group.back() == ' ') group.remove_suffix(1);
    if (!group.empty()) {
      const auto begin = static_cast<std::size_t>(group.data() - s.data());
      found.push_back({begin, begin + group.size(), std::string(group)});
    }
    i = end;
  }
  return found;
}

// "35€ 99", "12 € 50" and "1250€600": the euro sign standing for the decimal point,
// as price-parser reads it. Only when the text has exactly one euro sign; with a space
// after the sign exactly two digits must follow, without one any number of digits.
std::optional<number_match> find_euro_point(std::string_view s) {
  constexpr std::string_view euro = "€";
  const std::size_t at = s.find(euro);
  if (at == std::string_view::npos || s.find(euro, at + euro.size()) != std::string_view::npos) {
    return std::nullopt;
  }
  std::size_t left = at;
  while (left > 0 && s[left - 1] == ' ') --left;
  if (left == 0 || !is_digit(s[left - 1])) return std::nullopt;
  std::size_t begin = left;
  while (begin > 0 && is_number_char(s[begin - 1])) --begin;
  while (begin < left && !is_digit(s[begin])) ++begin;
  std::size_t right = at + euro.size();
  const bool spaced = right < s.size() && s[right] == ' ';
  while (right < s.size() && s[right] == ' ') ++right;
  std::size_t end = right;
  while (end < s.size() && is_digit(s[end])) ++end;
  if (end == right || (spaced && end - right != 2)) return std::nullopt;
  std::string text;
  for (char c : s.substr(begin, left - begin)) {
    if (c != ' ') text.push_back(c);
  }
  text.append(euro);
  text.append(s.substr(right, end - right));
  return number_match{begin, end, std::move(text)};
}

// A currency occurrence in the (normalised) text.
struct currency_match {
  std::size_t begin = 0;
  std::size_t end = 0;
  // The token as written: a view of the table or of the text searched, which the
  // caller keeps alive (no copy per match).
  std::string_view token;
  bool safe = false;
};

bool touches_digit(std::string_view s, std::size_t begin, std::size_t end) {
  std::size_t before = begin;
  if (before > 0 && s[before - 1] == ' ') --before;
  std::size_t after = end;
  if (after < s.size() && s[after] == ' ') ++after;
  return (before > 0 && is_digit(s[before - 1])) || (after < s.size() && is_digit(s[after]));
}

// True when `s` outside [begin, end) is one number and nothing else.
bool only_a_number_besides(std::string_view s, std::size_t begin, std::size_t end) {
  bool digit = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i >= begin && i < end) continue;
    const char c = s[i];
    if (is_digit(c)) {
      digit = true;
    } else if (c != ' ' && c != '.' && c != ',' && c != '-') {
      return false;
    }
  }
  return digit;
}

// A three-letter ISO code at `i` standing as a word, all upper or all lower case
// ("Eur." in "Ph. Eur." is a pharmacopoeia, not money). `before` is the code point
// that ends at `i`.
std::optional<currency_match> iso_code_at(std::string_view s, std::size_t i, char32_t before) {
  if (i + 3 > s.size() || is_letter(before)) return std::nullopt;
  const std::string_view word = s.substr(i, 3);
  const bool upper =
      std::all_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  const bool lower =
      std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (!upper && !lower) return std::nullopt;
  std::size_t after_length = 0;
  const bool ends_word = i + 3 == s.size() || !is_letter(code_point_at(s, i + 3, &after_length));
  if (!ends_word || !is_iso_code(word)) return std::nullopt;
  if (in_sorted(word_like_codes, view(upper3(word))) && !touches_digit(s, i, i + 3)) {
    return std::nullopt;
  }
  return currency_match{i, i + 3, word, true};
}

// Replaces `best` with the first table token at `i` that is longer than it (the table
// lists the preferred spelling first among tokens of one length).
void take_longer_token(std::string_view s, std::size_t i, char32_t before,
                       std::optional<currency_match>& best) {
  for (const std::uint16_t k : tokens_starting_with(s[i])) {
    const currency_token_entry& entry = currency_tokens[k];
    if (s.substr(i, entry.token.size()) != entry.token) continue;
    if (best && best->end - best->begin >= entry.token.size()) continue;
    const std::size_t end = i + entry.token.size();
    if (entry.lone && !only_a_number_besides(s, i, end)) continue;
    if (entry.word) {
      if (is_letter(before)) continue;
      std::size_t after_length = 0;
      if (entry.token.back() != '.' && end < s.size() &&
          is_letter(code_point_at(s, end, &after_length))) {
        continue;
      }
    }
    best = currency_match{i, end, entry.token, entry.safe};
  }
}

// Every currency token in `s`, left to right, the longest at each position.
std::vector<currency_match> find_currencies(std::string_view s) {
  std::vector<currency_match> found;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 1;
    code_point_at(s, i, &n);
    // Codes start with an ASCII letter and tokens with a byte of the index: any other
    // byte (digits, spaces, most letters of most scripts) is passed over at once.
    if (!is_ascii_alpha(s[i]) && tokens_starting_with(s[i]).empty()) {
      i += n;
      continue;
    }
    const char32_t before = code_point_before(s, i);
    std::optional<currency_match> best = iso_code_at(s, i, before);
    take_longer_token(s, i, before, best);
    if (best) {
      found.push_back(*best);
      i = best->end;
    } else {
      i += n;
    }
  }
  return found;
}

// The currency price-parser would report: a safe token in the text, else any token
// in the text; the leftmost of each kind.
std::optional<currency_match> pick_currency(const std::vector<currency_match>& found) {
  for (const auto& m : found) {
    if (m.safe) return m;
  }
  if (!found.empty()) return found.front();
  return std::nullopt;
}

bool is_range_connector(std::string_view between) {
  std::string word;
  for (char c : between) {
    if (c != ' ') word.push_back(to_lower_ascii(c));
  }
  return is_one_of(word, {"-", "–", "—", "~", "to", "bis", "à", "a", "até", "до", "al", "tot"});
}

// The last occurrence of `word` (lower-case ASCII) in `s`, ignoring ASCII case, as
// std::string_view::rfind would find it in a lower-cased copy, without the copy.
std::size_t rfind_ascii_ci(std::string_view s, std::string_view word) noexcept {
  if (word.size() > s.size()) return std::string_view::npos;
  for (std::size_t at = s.size() - word.size() + 1; at > 0; --at) {
    const std::string_view here = s.substr(at - 1, word.size());
    if (std::equal(here.begin(), here.end(), word.begin(),
                   [](char a, char b) { return to_lower_ascii(a) == b; })) {
      return at - 1;
    }
  }
  return std::string_view::npos;
}

// A word just before a number that says it is the price no longer asked. ASCII case
// folding changes neither byte positions nor what is a letter, so the word edges are
// checked in the text as written.
bool follows_old_price_word(std::string_view s, std::size_t from, std::size_t to) {
  const std::string_view text = s.substr(from, to - from);
  for (const std::string_view word :
       {"was"sv, "before"sv, "rrp"sv, "msrp"sv, "list price"sv, "statt"sv, "avant"sv, "antes"sv,
        "prima"sv, "vorher"sv, "uvp"sv}) {
    const std::size_t at = rfind_ascii_ci(text, word);
    if (at == std::string_view::npos) continue;
    const bool starts = at == 0 || !is_letter(code_point_before(text, at));
    std::size_t n = 0;
    const std::size_t end = at + word.size();
    if (starts && (end >= text.size() || !is_letter(code_point_at(text, end, &n)))) return true;
  }
  return false;
}

// Prefers a number written right next to a currency, unless the first number starts
// a range ("From 26 to 50 €" means 26). "Was $120 Now $60": a number announced as
// the old price is passed over when another, non-zero one follows. The numbers are
// handled as pointers into `all`, which is also what is returned.
const number_match* choose_number(std::string_view s, const std::vector<number_match>& all,
                                  const std::vector<currency_match>& currencies) {
  if (all.empty()) return nullptr;
  std::vector<const number_match*> current;
  current.reserve(all.size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    const std::size_t from = k == 0 ? 0 : all[k - 1].end;
    if (!follows_old_price_word(s, from, all[k].begin)) current.push_back(&all[k]);
  }
  // "Was: $124.95 Now: $0.00" is a placeholder, not a giveaway.
  const bool current_nonzero = std::any_of(current.begin(), current.end(), [](const auto* n) {
    return std::any_of(n->text.begin(), n->text.end(), [](char c) { return c >= '1' && c <= '9'; });
  });
  if (!current_nonzero) {
    current.clear();
    for (const auto& n : all) current.push_back(&n);
  }
  const std::vector<const number_match*>& numbers = current;
  const auto adjacent = [&](const number_match& n) {
    for (const auto& c : currencies) {
      if (c.end <= n.begin && n.begin - c.end <= 2) {
        const std::string_view gap = s.substr(c.end, n.begin - c.end);
        if (gap.find_first_not_of(" :") == std::string_view::npos) return true;
      }
      if (n.end <= c.begin && c.begin - n.end <= 1) return true;
    }
    return false;
  };
  if (currencies.empty() || adjacent(*numbers.front())) return numbers.front();
  for (std::size_t k = 1; k < numbers.size(); ++k) {
    if (!adjacent(*numbers[k])) continue;
    if (k == 1) {
      const std::string_view between =
          s.substr(numbers[0]->end, numbers[1]->begin - numbers[0]->end);
      if (is_range_connector(between)) return numbers.front();
    }
    return numbers[k];
  }
  return numbers.front();
}

bool has_free_word(std::string_view s) {
  std::string lower;
  lower.reserve(s.size());
  for (char c : s) lower.push_back(to_lower_ascii(c));
  for (const std::string_view word : {"free"sv, "gratis"sv, "gratuit"sv, "kostenlos"sv,
                                      "бесплатно"sv, "gratuito"sv, "darmowy"sv, "zdarma"sv}) {
    std::size_t at = lower.find(word);
    while (at != std::string::npos) {
      const bool starts = at == 0 || !is_letter(code_point_before(lower, at));
      std::size_t n = 0;
      const std::size_t end = at + word.size();
      const bool ends = end >= lower.size() || !is_letter(code_point_at(lower, end, &n));
      if (starts && ends) return true;
      at = lower.find(word, at + 1);
    }
  }
  return false;
}

// The decimal point of a number as written, or nothing when every separator groups
// thousands. A separator followed by one, two, or four and more digits is the point;
// three digits mean a thousands group (price-parser's rule), except in currencies
// with three decimals where a lone separator before three digits is the point.
std::optional<std::string_view> guess_decimal_separator(std::string_view num,
                                                        std::string_view iso) {
  std::size_t digits = 0;
  std::size_t i = num.size();
  while (i > 0 && is_digit(num[i - 1])) {
    --i;
    ++digits;
  }
  if (i == 0) return std::nullopt;
  std::string_view sep;
  if (num[i - 1] == '.' || num[i - 1] == ',') {
    sep = num.substr(i - 1, 1);
  } else if (i >= 3 && num.substr(i - 3, 3) == "€") {
    sep = num.substr(i - 3, 3);
  } else {
    return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  if (digits != 3) return sep;
  const bool lone = sep.size() == 1 && std::count(num.begin(), num.end(), sep[0]) == 1;
  if (lone && in_sorted(three_decimal_codes, iso)) return sep;
  return std::nullopt;
}

std::optional<std::string> parse_number(std::string_view text, std::string_view forced,
                                        std::string_view iso) {
  std::string num;
  for (char c : text) {
    if (c != ' ') num.push_back(c);
  }
  std::optional<std::string_view> sep;
  if (forced == "." || forced == "," || forced == "€") sep = forced;
  if (!sep) sep = guess_decimal_separator(num, iso);
  std::string plain;
  for (std::size_t i = 0; i < num.size();) {
    if (sep && num.compare(i, sep->size(), *sep) == 0) {
      plain.push_back('.');
      i += sep->size();
    } else if (is_digit(num[i])) {
      plain.push_back(num[i++]);
    } else if (num[i] == '.' || num[i] == ',') {
      ++i;  // a grouping separator
    } else {
      i += num.compare(i, 3, "€") == 0 ? 3 : 1;
    }
  }
  return canonical_decimal(plain);
}

std::optional<std::string> iso_for_match(const std::optional<currency_match>& m,
                                         std::string_view default_currency) {
  if (!m) return std::nullopt;
  return currency_to_iso(m->token, default_currency);
}

}  // namespace
}  // namespace detail

std::optional<std::string> canonical_decimal(std::string_view plain) {
  bool negative = false;
  if (!plain.empty() && (plain.front() == '-' || plain.front() == '+')) {
    negative = plain.front() == '-';
    plain.remove_prefix(1);
  }
  const std::size_t point = plain.find('.');
  std::string_view integer = plain.substr(0, point);
  std::string_view fraction =
      point == std::string_view::npos ? std::string_view{} : plain.substr(point + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  const auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(integer) || !all_digits(fraction)) return std::nullopt;
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  std::string out;
  if (negative && !(integer.empty() && fraction.empty())) out.push_back('-');
  out.append(integer.empty() ? "0" : integer);
  if (!fraction.empty()) {
    out.push_back('.');
    out.append(fraction);
  }
  return out;
}

std::optional<std::string> currency_to_iso(std::string_view token,
                                           std::string_view default_currency) {
  using detail::resolve_ambiguous;
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  const std::string def = detail::to_upper(default_currency);
  // Codes withdrawn long ago that structured data still states.
  if (detail::to_upper(token) == "RUR") return "RUB";
  if (detail::is_iso_code(token)) return detail::to_upper(token);

  if (token == "$") {
    return resolve_ambiguous(
        "USD", def, {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD", "MXN", "ARS", "CLP", "COP",
                     "CUP", "DOP", "UYU", "BSD", "BBD", "BZD", "BMD", "BND", "FJD", "GYD", "JMD",
                     "KYD", "LRD", "NAD", "SBD", "SRD", "TTD", "XCD", "ZWL", "CVE", "SVC", "ECS"});
  }
  if (token == "kr" || token == "kr." || token == "Kr" || token == "KR") {
    return resolve_ambiguous("SEK", def, {"SEK", "NOK", "DKK", "ISK"});
  }
  if (token == "元") return resolve_ambiguous("CNY", def, {"CNY", "TWD", "HKD", "MOP"});
  if (token == "¥" || token == "￥") {
    return resolve_ambiguous("JPY", def, {"JPY", "CNY"});
  }
  if (token == "£") {
    return resolve_ambiguous("GBP", def,
                             {"GBP", "EGP", "LBP", "SYP", "GIP", "FKP", "SHP", "SSP", "SDG"});
  }
  if (token == "₨" || token == "Rs" || token == "Rs." || token == "RS") {
    return resolve_ambiguous("INR", def, {"INR", "PKR", "LKR", "NPR", "MUR", "SCR"});
  }
  if (token == "lei" || token == "Lei" || token == "LEI") {
    return resolve_ambiguous("RON", def, {"RON", "MDL"});
  }
  if (token == "р." || token == "Р" || token.substr(0, 6) == "руб") {
    return resolve_ambiguous("RUB", def, {"RUB", "BYN"});
  }
  if (token == "ريال" || token == "﷼") {
    return resolve_ambiguous("SAR", def, {"SAR", "OMR", "QAR", "YER", "IRR"});
  }
  for (const auto& entry : detail::currency_tokens) {
    if (entry.token == token) {
      if (entry.iso.empty()) return std::nullopt;
      return std::string(entry.iso);
    }
  }
  return std::nullopt;
}

parsed_price parse_price(std::string_view text, const price_parse_options& options) {
  parsed_price result;
  const std::string s = detail::normalize(text);

  // The currency first: it can decide the separators (three-decimal currencies).
  const auto currencies = detail::find_currencies(s);
  std::optional<detail::currency_match> currency = detail::pick_currency(currencies);
  // Outlives `currency`, whose token may be a view into it.
  std::string hint;
  if (!currency && !options.currency_hint.empty()) {
    hint = detail::normalize(options.currency_hint);
    currency = detail::pick_currency(detail::find_currencies(hint));
  }
  if (currency) {
    result.currency_token = std::string(currency->token);
    result.currency = detail::iso_for_match(currency, options.default_currency);
  }
  const std::string iso = result.currency.value_or(std::string{});

  std::optional<std::string> number_text;
  if (auto euro = detail::find_euro_point(s)) {
    number_text = euro->text;
  } else {
    const auto numbers = detail::find_numbers(s);
    if (const auto* chosen = detail::choose_number(s, numbers, currencies)) {
      number_text = chosen->text;
    }
  }
  if (number_text) {
    result.amount = detail::parse_number(*number_text, options.decimal_separator, iso);
  } else if (detail::has_free_word(s)) {
    result.amount = "0";
  }
  return result;
}

}  // namespace pricescrape::extract
