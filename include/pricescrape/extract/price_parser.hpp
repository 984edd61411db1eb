// Turns a price string such as "1.234,56 €" into an exact decimal and an ISO 4217 code.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::extract {

struct price_parse_options {
  // Text near the price that may name the currency ("EUR", "Preis in €", a JSON-LD
  // priceCurrency). Used when `text` itself has no currency.
  std::string_view currency_hint;
  // Forces the decimal separator when the caller knows the locale: ".", "," or "€"
  // (French-style "12€50"). Empty: decided from the digits, as the data shows.
  std::string_view decimal_separator;
  // Disambiguates "$", "kr", "¥" and friends: an ISO code the page implies (from
  // <html lang>, the domain's country or structured data), or empty.
  std::string_view default_currency;
};

struct parsed_price {
  std::optional<std::string> amount;          // canonical decimal, no exponent, no float
  std::optional<std::string> currency;        // ISO 4217, when one could be decided
  std::optional<std::string> currency_token;  // the currency as written: "US$", "руб.", "€"

  friend bool operator==(const parsed_price&, const parsed_price&) = default;
};

parsed_price parse_price(std::string_view text, const price_parse_options& options = {});

// "0039.300" -> "39.3", "12,800" is not accepted: the input must already be a plain
// decimal with '.' as separator (as in JSON-LD). nullopt when it is not one.
std::optional<std::string> canonical_decimal(std::string_view plain);

// Maps a currency token as written ("US$", "€", "zł", "eur") to ISO 4217, using
// `default_currency` to settle ambiguous ones ("$", "kr", "¥"). nullopt if unknown.
std::optional<std::string> currency_to_iso(std::string_view token,
                                           std::string_view default_currency = {});

}  // namespace pricescrape::extract
