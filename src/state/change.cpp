#include <pricescrape/state/change.hpp>

#include <algorithm>
#include <cstddef>

namespace pricescrape::state {

namespace {

// Non-negative integers as decimal digit strings, most significant first, no leading
// zeros ("" is zero). Only what the percentage rule needs: all linear in the longer
// operand, as multiplication is only ever by the short percentage.
using digits = std::string;

digits strip_zeros(std::string_view s) {
  const auto first = s.find_first_not_of('0');
  return first == std::string_view::npos ? digits{} : digits(s.substr(first));
}

int compare(const digits& a, const digits& b) noexcept {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// a - b for a >= b.
digits subtract(const digits& a, const digits& b) {
  digits out(a.size(), '0');
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t ai = a.size() - 1 - i;
    int d = (a[ai] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = d < 0 ? 1 : 0;
    out[ai] = static_cast<char>('0' + (d + 10 * borrow));
  }
  return strip_zeros(out);
}

// a * b where b is short (the percentage: at most 13 digits).
digits multiply(const digits& a, const digits& b) {
  if (a.empty() || b.empty()) return {};
  std::string acc(a.size() + b.size(), 0);  // little-endian digit values
  for (std::size_t i = 0; i < a.size(); ++i) {
    int carry = 0;
    const int ad = a[a.size() - 1 - i] - '0';
    for (std::size_t j = 0; j < b.size() || carry != 0; ++j) {
      const int bd = j < b.size() ? b[b.size() - 1 - j] - '0' : 0;
      const int cur = acc[i + j] + ad * bd + carry;
      acc[i + j] = static_cast<char>(cur % 10);
      carry = cur / 10;
    }
  }
  digits out;
  out.reserve(acc.size());
  for (auto it = acc.rbegin(); it != acc.rend(); ++it) out += static_cast<char>('0' + *it);
  return strip_zeros(out);
}

struct decimal {
  std::string_view integer;
  std::string_view fraction;
};

// "12.50" -> {"12", "50"}; nullopt unless digits with at most one '.' between digits.
std::optional<decimal> split_decimal(std::string_view s) {
  const auto dot = s.find('.');
  decimal d{s.substr(0, dot),
            dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1)};
  const auto all_digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (d.integer.empty() || !all_digits(d.integer) || !all_digits(d.fraction)) return std::nullopt;
  if (dot != std::string_view::npos && d.fraction.empty()) return std::nullopt;
  return d;
}

// The value scaled by 10^scale as an integer (scale >= the fraction's length).
digits scaled(const decimal& d, std::size_t scale) {
  std::string s(d.integer);
  s += d.fraction;
  s.append(scale - d.fraction.size(), '0');
  return strip_zeros(s);
}

}  // namespace

bool observed(const output::record& r) noexcept {
  return !r.error || r.error->kind == error_kind::no_price;
}

std::optional<std::string> parse_min_change(std::string_view text) {
  const auto d = split_decimal(text);
  if (!d) return std::nullopt;
  const std::string integer = strip_zeros(d->integer);
  std::string_view fraction = d->fraction;
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > 6) return std::nullopt;
  // At most 1000000: seven integer digits, and 1000000 only without a fraction.
  if (integer.size() > 7 || (integer.size() == 7 && (integer != "1000000" || !fraction.empty())))
    return std::nullopt;
  std::string out = integer.empty() ? "0" : integer;
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
  return out;
}

bool price_moved(std::string_view before, std::string_view now, std::string_view pct) {
  const auto b = split_decimal(before);
  const auto n = split_decimal(now);
  const auto p = split_decimal(pct);
  if (!b || !n || !p) return before != now;
  const std::size_t scale = std::max(b->fraction.size(), n->fraction.size());
  const digits bv = scaled(*b, scale);
  const digits nv = scaled(*n, scale);
  const int order = compare(bv, nv);
  if (order == 0) return false;
  if (bv.empty()) return true;  // from 0, any move is infinitely many percent
  const digits diff = order < 0 ? subtract(nv, bv) : subtract(bv, nv);
  // |n - b| / 10^s * 100 >= c / 10^t * b / 10^s  <=>  |n - b| * 10^(t + 2) >= c * b
  digits left = diff;
  left.append(p->fraction.size() + 2, '0');
  const digits right = multiply(bv, scaled(*p, p->fraction.size()));
  return compare(left, right) >= 0;
}

std::optional<bool> detect_change(const std::optional<output::previous_observation>& previous,
                                  const output::record& now, std::string_view pct) {
  if (!previous || !observed(now)) return std::nullopt;
  if (previous->currency != now.currency || previous->availability != now.availability) return true;
  if (previous->price.has_value() != now.price.has_value()) return true;
  if (!now.price) return false;
  return price_moved(*previous->price, *now.price, pct);
}

bool passes(const change_filter& filter, const output::record& r) noexcept {
  if (!observed(r)) return filter.failures;
  if (!r.changed) return filter.new_urls;
  return *r.changed;
}

void change_counts::add(const output::record& r) noexcept {
  if (!observed(r))
    ++not_observed;
  else if (!r.changed)
    ++new_urls;
  else if (*r.changed)
    ++changed;
  else
    ++unchanged;
}

void change_filter_writer::write(const output::record& r) {
  counts_.add(r);
  if (filter_ && !passes(*filter_, r)) return;
  inner_.write(r);
  ++written_;
}

}  // namespace pricescrape::state
