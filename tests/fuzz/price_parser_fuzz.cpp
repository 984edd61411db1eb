// libFuzzer target: the price parser on any text, with options taken from the input.
// The first byte picks the decimal separator and default currency; the rest is the text.
#include <pricescrape/extract/price_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using namespace pricescrape::extract;
  static constexpr std::string_view separators[] = {"", ".", ",", "\xE2\x82\xAC"};
  static constexpr std::string_view currencies[] = {"", "USD", "SEK", "JPY"};
  price_parse_options options;
  options.decimal_separator = separators[data[0] & 3];
  options.default_currency = currencies[(data[0] >> 2) & 3];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 0x10) != 0) options.currency_hint = text.substr(0, 8);
  const parsed_price p = parse_price(text, options);
  // An amount is a canonical decimal: canonical_decimal() gives it back unchanged.
  if (p.amount && canonical_decimal(*p.amount) != p.amount) std::abort();
  if (p.currency && p.currency->size() != 3) std::abort();
  (void)currency_to_iso(text, options.default_currency);
  return 0;
}
