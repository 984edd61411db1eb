// The price-parser conformance table (tests/data/price-parser-cases.tsv), row by row:
// amounts exactly, currencies once the token price-parser expects is mapped to ISO 4217.
#include <pricescrape/extract/price_parser.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pricescrape::extract {
namespace {

struct conformance_row {
  std::string input;
  std::string hint;
  std::string currency_token;  // as price-parser writes it; empty for none
  std::string amount;          // plain decimal; empty for none
  bool xfail = false;
  std::string decimal_separator;
  bool checks_currency = false;
  std::string source;
};

void PrintTo(const conformance_row& r, std::ostream* os) {
  *os << r.source << " \"" << r.input << "\" hint \"" << r.hint << '"';
}

std::string unescape(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 1 < field.size()) {
      const char n = field[++i];
      out.push_back(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(unescape(line.substr(start, tab - start)));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

std::vector<conformance_row> load_rows(bool xfail) {
  std::vector<conformance_row> rows;
  std::ifstream in(PRICESCRAPE_TEST_DATA_DIR "/price-parser-cases.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto f = split_tabs(line);
    if (f.size() < 9) continue;
    conformance_row r{
        f[0], f[1], f[2], f[3], f[5] == "1", f[6], f[7].find("currency") != std::string::npos,
        f[8]};
    if (r.xfail == xfail) rows.push_back(std::move(r));
  }
  return rows;
}

// What a token means in ISO 4217, written independently of the parser's own table.
// Several codes where the token alone cannot tell (the page's country decides); an
// empty set where no ISO code exists (the toman, the livre tournois, bitcoin), and
// then the parser must report no currency but keep the token.
const std::map<std::string, std::set<std::string>>& iso_of_token() {
  static const std::map<std::string, std::set<std::string>> table{
      {"$", {"USD"}},
      {"$U", {"UYU"}},
      {"A$", {"AUD"}},
      {"AU$", {"AUD"}},
      {"AU $", {"AUD"}},
      {"B/.", {"PAB"}},
      {"BD", {"BHD"}},
      {"Br", {"BYN", "ETB"}},
      {"Bs", {"VES", "BOB"}},
      {"BZ$", {"BZD"}},
      {"C$", {"CAD", "NIO"}},
      {"CA$", {"CAD"}},
      {"CAD$", {"CAD"}},
      {"CAN$", {"CAD"}},
      {"CFA", {"XOF", "XAF"}},
      {"FCFA", {"XAF", "XOF"}},
      {"CUC$", {"CUC"}},
      {"DT", {"TND"}},
      {"Db", {"STN"}},
      {"Dinara", {"RSD"}},
      {"FBu", {"BIF"}},
      {"Fbu", {"BIF"}},
      {"FG", {"GNF"}},
      {"Fdj", {"DJF"}},
      {"Fr.", {"CHF"}},
      {"Ft", {"HUF"}},
      {"GH₵", {"GHS"}},
      {"₵", {"GHS"}},
      {"J$", {"JMD"}},
      {"KD", {"KWD"}},
      {"KM", {"BAM"}},
      {"Kč", {"CZK"}},
      {"LD", {"LYD"}},
      {"LEI", {"RON", "MDL"}},
      {"Lei", {"RON", "MDL"}},
      {"lei", {"RON", "MDL"}},
      {"Lek", {"ALL"}},
      {"MK", {"MWK"}},
      {"MOP$", {"MOP"}},
      {"MX$", {"MXN"}},
      {"NT$", {"TWD"}},
      {"NT", {"TWD"}},
      {"Nfk", {"ERN"}},
      {"Nu.", {"BTN"}},
      {"Nu", {"BTN"}},
      {"R$", {"BRL"}},
      {"RD$", {"DOP"}},
      {"RM", {"MYR"}},
      {"Rf", {"MVR"}},
      {"Rp", {"IDR"}},
      {"Rs", {"INR", "PKR", "LKR", "NPR", "MUR", "SCR"}},
      {"₨", {"INR", "PKR", "LKR", "NPR", "MUR", "SCR"}},
      {"S/.", {"PEN"}},
      {"S/", {"PEN"}},
      {"T$", {"TOP"}},
      {"TL", {"TRY"}},
      {"TSh", {"TZS"}},
      {"TT$", {"TTD"}},
      {"UM", {"MRU"}},
      {"US$", {"USD"}},
      {"US $", {"USD"}},
      {"USh", {"UGX"}},
      {"VT", {"VUV"}},
      {"Vt", {"VUV"}},
      {"Z$", {"ZWL"}},
      {"ZK", {"ZMW"}},
      {"zł", {"PLN"}},
      {"Zł", {"PLN"}},
      {"zl", {"PLN"}},
      {"euro", {"EUR"}},
      {"kn", {"HRK"}},
      {"kr", {"SEK", "NOK", "DKK", "ISK"}},
      {"Kr", {"SEK", "NOK", "DKK", "ISK"}},
      {"грн", {"UAH"}},
      {"грн.", {"UAH"}},
      {"hrn", {"UAH"}},
      {"лв", {"BGN"}},
      {"лв.", {"BGN"}},
      {"р.", {"RUB", "BYN"}},
      {"Р", {"RUB"}},
      {"руб", {"RUB", "BYN"}},
      {"руб.", {"RUB", "BYN"}},
      {"Rbl", {"RUB"}},
      {"֏", {"AMD"}},
      {"؋", {"AFN"}},
      {"تومان", {}},
      {"جنيه", {"EGP", "SDG"}},
      {"درهم", {"AED", "MAD"}},
      {"ريال", {"SAR", "OMR", "QAR", "YER"}},
      {"ریال", {"IRR"}},
      {"र", {"NPR", "INR"}},
      {"৳", {"BDT"}},
      {"៛", {"KHR"}},
      {"฿", {"THB"}},
      {"บาท", {"THB"}},
      {"₡", {"CRC"}},
      {"₣", {"FRF", "CHF"}},
      {"₤", {}},
      {"₦", {"NGN"}},
      {"₪", {"ILS"}},
      {"₫", {"VND"}},
      {"đ", {"VND"}},
      {"VNĐ", {"VND"}},
      {"₭", {"LAK"}},
      {"₮", {"MNT"}},
      {"₱", {"PHP"}},
      {"₴", {"UAH"}},
      {"₶", {}},
      {"₹", {"INR"}},
      {"₺", {"TRY"}},
      {"₼", {"AZN"}},
      {"₽", {"RUB"}},
      {"₿", {}},
      {"Ƀ", {}},
      {"BTC", {}},
      {"円", {"JPY"}},
      {"yen", {"JPY"}},
      {"원", {"KRW"}},
      {"﷼", {"SAR", "IRR", "OMR", "QAR", "YER"}},
      {"ƒ", {"ANG", "AWG"}},
      {"£", {"GBP"}},
      {"￡", {"GBP"}},
      {"€", {"EUR"}},
      {"元", {"CNY"}},
      {"人民币", {"CNY"}},
      {"yuan", {"CNY"}},
      {"圆", {"CNY"}},
      {"圓", {"TWD", "HKD"}},
      {"E£", {"EGP"}},
      {"ج.م", {"EGP"}},
      {"ر.س", {"SAR"}},
      {"ر.ع", {"OMR"}},
      {"ر.ق", {"QAR"}},
      {"ر.ي", {"YER"}},
      {"د.إ", {"AED"}},
      {"د.ك", {"KWD"}},
      {"دينار كويتي", {"KWD"}},
      {"د.أ", {"JOD"}},
      {"د.ا", {"JOD"}},
      {"دينار أردني", {"JOD"}},
      {"د.ب", {"BHD"}},
      {".د.ب", {"BHD"}},
      {"د.ت", {"TND"}},
      {"د.ج", {"DZD"}},
      {"دج", {"DZD"}},
      {"د.ع", {"IQD"}},
      {"ع.د", {"IQD"}},
      {"د.م", {"MAD"}},
      {"د.ل", {"LYD"}},
      {"ل.د", {"LYD"}},
      {"ل.س", {"SYP"}},
      {"ل.ل", {"LBP"}},
      {"ج.س", {"SDG"}},
      {"ج.س.", {"SDG"}},
      {"ش.ج", {"ILS"}},
      {"ש״ח", {"ILS"}},
      {"ש\"ח", {"ILS"}},
      {"ש'ח", {"ILS"}},
      {"nis", {"ILS"}},
      {"ден", {"MKD"}},
      {"ДЕН", {"MKD"}},
      {"mkd", {"MKD"}},
      {"дин", {"RSD"}},
      {"Дин", {"RSD"}},
      {"din", {"RSD"}},
      {"км", {"BAM"}},
      {"KSh", {"KES"}},
      {"KShs", {"KES"}},
      {"Dh", {"AED", "MAD"}},
      {"Dhs", {"AED", "MAD"}},
      {"lari", {"GEL"}},
      {"ლარი", {"GEL"}},
      {"ლ", {"GEL"}},
      {"SFr", {"CHF"}},
      {"CHf", {"CHF"}},
      {"chf", {"CHF"}},
      {"GBp", {"GBP"}},
      {"stg", {"GBP"}},
      {"pound", {"GBP"}},
      {"nzd", {"NZD"}},
      {"CND", {"CAD"}},
      {"so'm", {"UZS"}},
      {"som", {"UZS", "KGS"}},
      {"Sʻ", {"UZS"}},
      {"S'", {"UZS"}},
      {"с", {"KGS", "TJS"}},
      {"тг", {"KZT"}},
      {"G$", {"GYD"}},
      {"GY$", {"GYD"}},
      {"Ks", {"MMK"}},
      {"K", {"MMK", "PGK", "ZMW", "MWK"}},
      {"Ar", {"MGA"}},
      {"MT", {"MZN"}},
      {"FRw", {"RWF"}},
      {"RF", {"RWF"}},
      {"R₣", {"RWF"}},
      {"ናቕፋ", {"ERN"}},
      {"نافكا", {"ERN"}},
      {"ብር", {"ETB"}},
      {"Esc", {"CVE"}},
      {"ID", {"IQD"}},
      {"Sl", {"SLE", "SLL"}},
      {"Le", {"SLE", "SLL"}},
      {"kwz", {"AOA"}},
      {"SPL", {}},
      {"ரூ", {"LKR", "INR"}},
      {"රු", {"LKR"}},
      {"Re", {"INR", "PKR", "LKR", "NPR", "MUR"}},
      {"$b", {"BOB"}},
      {"P", {"BWP"}},
      {"E", {"SZL"}},
      {"D", {"GMD"}},
      {"L", {"HNL", "ALL", "LSL"}},
      {"G", {"HTG"}},
      {"Q", {"GTQ"}},
      {"q", {"GTQ"}},
      {"R", {"ZAR"}},
      {"¢", {}},
      {"franc", {"CHF", "FRF", "XOF", "XAF"}},
      {"francs", {"CHF", "FRF", "XOF", "XAF"}},
      {"GFr", {"GNF"}},
      {"دينار", {}},
      {"د.", {}},
      {"ش.ص", {}},
  };
  return table;
}

// The ISO codes acceptable for an expected token; ISO codes stand for themselves
// (any case: "pln", "nzd").
std::optional<std::set<std::string>> acceptable_iso(const std::string& token) {
  const auto& table = iso_of_token();
  if (const auto it = table.find(token); it != table.end()) return it->second;
  if (token.size() == 3 &&
      std::all_of(token.begin(), token.end(), [](char c) { return std::isalpha(c) != 0; })) {
    std::string upper = token;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return std::set<std::string>{upper};
  }
  return std::nullopt;
}

parsed_price run(const conformance_row& r) {
  price_parse_options options;
  options.currency_hint = r.hint;
  options.decimal_separator = r.decimal_separator;
  return parse_price(r.input, options);
}

testing::AssertionResult amount_right(const conformance_row& r, const parsed_price& p) {
  const auto want = r.amount.empty() ? std::nullopt : canonical_decimal(r.amount);
  if (p.amount == want) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "amount: want " << want.value_or("none") << ", got " << p.amount.value_or("none");
}

testing::AssertionResult currency_right(const conformance_row& r, const parsed_price& p) {
  if (!r.checks_currency) return testing::AssertionSuccess();
  if (r.currency_token.empty()) {
    if (!p.currency) return testing::AssertionSuccess();
    return testing::AssertionFailure() << "currency: want none, got " << *p.currency;
  }
  const auto accepted = acceptable_iso(r.currency_token);
  if (!accepted) {
    return testing::AssertionFailure()
           << "token '" << r.currency_token << "' missing from the test's ISO table";
  }
  if (accepted->empty()) {
    if (!p.currency && p.currency_token == r.currency_token) return testing::AssertionSuccess();
    return testing::AssertionFailure()
           << "currency: want no ISO code and token '" << r.currency_token << "', got "
           << p.currency.value_or("none") << " / '" << p.currency_token.value_or("") << "'";
  }
  if (p.currency && accepted->count(*p.currency) != 0) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "currency: want " << *accepted->begin() << " for '" << r.currency_token << "', got "
         << p.currency.value_or("none");
}

class PriceParserConformance : public testing::TestWithParam<conformance_row> {};

TEST_P(PriceParserConformance, AmountAndCurrency) {
  const conformance_row& r = GetParam();
  const parsed_price p = run(r);
  EXPECT_TRUE(amount_right(r, p));
  EXPECT_TRUE(currency_right(r, p));
}

INSTANTIATE_TEST_SUITE_P(PriceParserCases, PriceParserConformance,
                         testing::ValuesIn(load_rows(false)),
                         [](const testing::TestParamInfo<conformance_row>& row) {
                           return "row" + std::to_string(row.index);
                         });

TEST(PriceParserConformanceTable, HasAllRows) {
  EXPECT_EQ(load_rows(false).size(), 1057u);
  EXPECT_EQ(load_rows(true).size(), 134u);
}

// The rows price-parser itself fails: a report, not a gate, though losing ground here
// is worth a look.
TEST(PriceParserConformanceTable, ReportsKnownFailuresWeGetRight) {
  int right = 0;
  std::string wrong;
  const auto rows = load_rows(true);
  for (const auto& r : rows) {
    const parsed_price p = run(r);
    const auto amount = amount_right(r, p);
    const auto currency = currency_right(r, p);
    if (amount && currency) {
      ++right;
    } else {
      wrong += "  " + r.source + " \"" + r.input + "\": ";
      if (!amount) wrong += std::string(amount.message()) + " ";
      if (!currency) wrong += currency.message();
      wrong += "\n";
    }
  }
  std::cout << "[ xfail rows ] right " << right << " of " << rows.size() << "\n" << wrong;
  EXPECT_GE(right, 100);
}

}  // namespace
}  // namespace pricescrape::extract
