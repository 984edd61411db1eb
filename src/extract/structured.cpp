// JSON-LD, microdata and meta-tag extraction over a gumbo tree.
#include "extract/structured.hpp"
#include <pricescrape/detail/ascii.hpp>
#include "extract/work.hpp"

#include <pricescrape/extract/price_parser.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace pricescrape::extract::detail {
namespace {

using json = nlohmann::json;

// Marks a string that was a JSON number token before clean_jsonld().
constexpr char number_marker = '\x01';

// Nesting beyond this in JSON-LD is not a product description; stop walking there.
constexpr std::size_t max_json_depth = 64;

// A JSON-LD script nested deeper than this, or with more values, is not parsed at all
// (checked by a linear scan before parsing). nlohmann's parser and destructor do not
// recurse, but its copy and dump do, and so did our readers: 35,000 nested arrays as a
// product name overflowed a pool thread's stack. The biggest real product graphs
// (hundreds of variants) have tens of thousands of values and nest about ten deep; a
// million values would take ~100 MB as a DOM.
constexpr std::size_t max_jsonld_nesting = 128;
constexpr std::size_t max_jsonld_values = 1'000'000;

// Offers kept per source (JSON-LD, microdata and RDFa): the largest real product
// groups list a few hundred; every offer carries the product's name, so without a cap
// 20,000 offers of one product would copy its name 20,000 times.
constexpr std::size_t max_structured_offers = 2000;
// A product name is cut (on a character boundary) after this many bytes.
constexpr std::size_t max_name_bytes = 1000;
// Microdata lookups walk at most this many item scopes up.
constexpr std::size_t max_scope_walk = 64;

using pricescrape::detail::to_lower_ascii;

bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_json_space(s.front()) || s.front() == '\f')) s.remove_prefix(1);
  while (!s.empty() && (is_json_space(s.back()) || s.back() == '\f')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Peels wrappers pages put around JSON-LD: <!-- -->, <![CDATA[ ]]>, and their
// JavaScript-commented forms.
std::string_view strip_wrappers(std::string_view s) {
  constexpr std::array<std::string_view, 5> prefixes{"<!--", "//<![CDATA[", "/*<![CDATA[*/",
                                                     "<![CDATA[", "//<!--"};
  constexpr std::array<std::string_view, 5> suffixes{"-->", "//]]>", "/*]]>*/", "]]>", "//-->"};
  bool changed = true;
  while (changed) {
    changed = false;
    s = trim(s);
    for (const auto p : prefixes) {
      if (starts_with(s, p)) {
        s.remove_prefix(p.size());
        changed = true;
      }
    }
    s = trim(s);
    for (const auto p : suffixes) {
      if (ends_with(s, p)) {
        s.remove_suffix(p.size());
        changed = true;
      }
    }
  }
  return s;
}

// A product name as kept: at most max_name_bytes, cut on a UTF-8 character boundary.
std::string product_name(std::string name) {
  if (name.size() <= max_name_bytes) return name;
  std::size_t cut = max_name_bytes;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  name.resize(cut);
  return name;
}

std::optional<std::string> product_name(std::optional<std::string> name) {
  if (name) name = product_name(std::move(*name));
  return name;
}

// True when `text` (JSON as clean_jsonld writes it) nests at most max_jsonld_nesting
// deep and holds at most max_jsonld_values values, by one pass that skips strings.
bool json_within_limits(std::string_view text) {
  std::size_t depth = 0;
  std::size_t values = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((i & 63) == 0) count_work();
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_jsonld_nesting) return false;
        [[fallthrough]];
      case ',':
        if (++values > max_jsonld_values) return false;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

// A string value, with the number marker removed; numbers and booleans as text. The
// document's depth is bounded (json_within_limits), and so is this recursion.
std::optional<std::string> json_text(const json& v) {
  if (v.is_string()) {
    std::string_view s = v.get_ref<const std::string&>();
    if (!s.empty() && s.front() == number_marker) s.remove_prefix(1);
    s = trim(s);
    if (s.empty()) return std::nullopt;
    return std::string(s);
  }
  if (v.is_number()) return v.dump();
  if (v.is_array() && !v.empty()) return json_text(v.front());
  if (v.is_object()) {
    // {"@id": "...", "name": "..."}, or schema's {"@value": ...}
    for (const char* key : {"@value", "name", "@id"}) {
      if (auto it = v.find(key); it != v.end() && !it->is_object()) return json_text(*it);
    }
  }
  return std::nullopt;
}

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

bool type_is(const json& object, std::initializer_list<std::string_view> names) {
  const json* type = member(object, "@type");
  if (type == nullptr) return false;
  const auto matches = [&](const json& t) {
    if (!t.is_string()) return false;
    std::string_view s = t.get_ref<const std::string&>();
    // "http://schema.org/Product", "schema:Product"
    if (const auto slash = s.find_last_of("/:"); slash != std::string_view::npos) {
      s.remove_prefix(slash + 1);
    }
    return std::find(names.begin(), names.end(), s) != names.end();
  };
  if (type->is_array()) return std::any_of(type->begin(), type->end(), matches);
  return matches(*type);
}

// A JSON-LD price value as a canonical decimal: numbers exactly from their token,
// strings as plain decimals or, failing that, through the price parser.
std::optional<std::string> price_value(const json& v, const std::optional<std::string>& currency) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.front() == number_marker) return decimal_from_json_number(s.substr(1));
    const std::string_view t = trim(s);
    if (auto plain = canonical_decimal(t)) return plain;
    price_parse_options options;
    if (currency) options.currency_hint = *currency;
    return parse_price(t, options).amount;
  }
  if (v.is_number_integer()) return canonical_decimal(v.dump());
  if (v.is_number()) return decimal_from_json_number(v.dump());
  return std::nullopt;
}

std::string raw_price_text(const json& v) {
  auto text = json_text(v);
  return text.value_or(std::string{});
}

std::optional<std::string> currency_value(const json* v) {
  if (v == nullptr) return std::nullopt;
  const auto text = json_text(*v);
  if (!text) return std::nullopt;
  return currency_to_iso(*text);
}

std::optional<std::string> availability_value(const json* v) {
  if (v == nullptr) return std::nullopt;
  const auto text = json_text(*v);
  if (!text) return std::nullopt;
  return normalize_availability(*text);
}

// True for a schema.org priceType naming a former or list price.
bool is_former_price_type(const json* type) {
  if (type == nullptr) return false;
  const auto text = json_text(*type);
  if (!text) return false;
  std::string t;
  for (char c : *text) t.push_back(to_lower_ascii(c));
  return t.find("strikethrough") != std::string::npos || t.find("listprice") != std::string::npos ||
         t.find("srp") != std::string::npos || t.find("msrp") != std::string::npos;
}

// Reads one Offer / AggregateOffer / PriceSpecification into `out`. Returns false when
// it states no price.
bool read_offer(const json& offer, structured_offer& out, const std::string& path) {
  out.currency = currency_value(member(offer, "priceCurrency"));
  out.availability = availability_value(member(offer, "availability"));
  const json* price = nullptr;
  std::string field;
  if (type_is(offer, {"AggregateOffer"}) && member(offer, "lowPrice") != nullptr) {
    price = member(offer, "lowPrice");
    field = "lowPrice";
  }
  if (price == nullptr && member(offer, "price") != nullptr) {
    price = member(offer, "price");
    field = "price";
  }
  if (price == nullptr && member(offer, "lowPrice") != nullptr) {
    price = member(offer, "lowPrice");
    field = "lowPrice";
  }
  if (price == nullptr) {
    // priceSpecification: an object or a list of them (the first with a price).
    if (const json* spec = member(offer, "priceSpecification")) {
      const json* chosen = nullptr;
      if (spec->is_array()) {
        // A StrikethroughPrice (or ListPrice, SRP) entry is the price the offer replaces:
        // the first entry of another type is the selling price.
        for (const auto& s : *spec) {
          if (member(s, "price") == nullptr) continue;
          if (is_former_price_type(member(s, "priceType"))) {
            out.list_price = true;
            continue;
          }
          chosen = &s;
          out.list_price = false;
          break;
        }
      } else if (member(*spec, "price") != nullptr) {
        chosen = spec;
      }
      if (chosen != nullptr) {
        price = member(*chosen, "price");
        field = "priceSpecification.price";
        if (!out.currency) out.currency = currency_value(member(*chosen, "priceCurrency"));
      }
    }
  }
  if (price == nullptr) return false;
  out.text = raw_price_text(*price);
  out.price = price_value(*price, out.currency);
  out.why = path + "." + field;
  return out.price.has_value();
}

void read_product(const json& product, std::vector<structured_offer>& out,
                  std::size_t product_index) {
  const std::optional<std::string> name = product_name(
      member(product, "name") != nullptr ? json_text(*member(product, "name")) : std::nullopt);
  const std::optional<std::string> url =
      member(product, "url") != nullptr ? json_text(*member(product, "url")) : std::nullopt;
  const std::string kind = type_is(product, {"ProductGroup"}) ? "ProductGroup" : "Product";
  bool any = false;
  const auto add = [&](const json& offer, const std::string& path) {
    count_work();
    if (out.size() >= max_structured_offers) return;
    structured_offer o;
    o.source = "jsonld";
    o.name = name;
    o.url = url;
    o.product = product_index;
    if (read_offer(offer, o, path)) {
      out.push_back(std::move(o));
      any = true;
    }
  };
  if (const json* offers = member(product, "offers")) {
    if (offers->is_array()) {
      for (std::size_t i = 0; i < offers->size(); ++i) {
        add((*offers)[i], kind + ".offers[" + std::to_string(i) + "]");
      }
    } else {
      add(*offers, kind + ".offers");
    }
  }
  // Some pages put the price on the product itself.
  if (!any && (member(product, "price") != nullptr || member(product, "priceSpecification"))) {
    add(product, kind);
  }
  if (!any && out.size() < max_structured_offers) {
    structured_offer o;
    o.source = "jsonld";
    o.name = name;
    o.product = product_index;
    o.why = kind + " without a price";
    if (const json* offers = member(product, "offers"); offers != nullptr && offers->is_object()) {
      o.availability = availability_value(member(*offers, "availability"));
    }
    out.push_back(std::move(o));
  }
}

// Finds products anywhere in the document (@graph, arrays, mainEntity, ...) with an
// explicit stack. A product's own subtree is not searched again: its offers are read
// by read_product, and related products there are not the page's product.
void collect_jsonld(const json& root, std::vector<structured_offer>& out) {
  std::vector<std::pair<const json*, std::size_t>> stack{{&root, 0}};
  std::vector<const json*> lone_offers;
  const std::size_t before = out.size();
  std::size_t products = out.empty() ? 0 : out.back().product + 1;
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    count_work();
    if (depth > max_json_depth) continue;
    if (node->is_object()) {
      if (type_is(*node, {"Product", "ProductGroup", "IndividualProduct", "ProductModel", "Book",
                          "Vehicle", "Car", "SomeProducts"})) {
        read_product(*node, out, products++);
        // A ProductGroup's variants are products with their own offers.
        if (const json* variants = member(*node, "hasVariant"); variants && variants->is_array()) {
          for (auto it = variants->rbegin(); it != variants->rend(); ++it) {
            stack.emplace_back(&*it, depth + 1);
          }
        }
        continue;
      }
      if (type_is(*node, {"Offer", "AggregateOffer"})) lone_offers.push_back(node);
      std::vector<const json*> kids;
      for (const auto& item : node->items()) kids.push_back(&item.value());
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.emplace_back(*it, depth + 1);
    } else if (node->is_array()) {
      for (auto it = node->rbegin(); it != node->rend(); ++it) stack.emplace_back(&*it, depth + 1);
    }
  }
  if (out.size() == before) {
    // Offers with no product around them still say what the page sells for.
    for (std::size_t i = 0; i < lone_offers.size() && out.size() < max_structured_offers; ++i) {
      count_work();
      structured_offer o;
      o.source = "jsonld";
      if (read_offer(*lone_offers[i], o, "Offer")) out.push_back(std::move(o));
    }
  }
}

// ---- microdata ------------------------------------------------------------------

struct microdata_scope {
  int parent = -1;
  bool product = false;
};

struct microdata_property {
  int scope = -1;
  std::string name;
  std::string value;
  bool rdfa = false;  // from property="schema:price" rather than itemprop
};

bool is_product_type(std::string_view itemtype) {
  // "http://schema.org/Product", "https://schema.org/ProductGroup",
  // "http://data-vocabulary.org/Product"
  std::size_t i = 0;
  while (i < itemtype.size()) {
    while (i < itemtype.size() && itemtype[i] == ' ') ++i;
    std::size_t end = itemtype.find(' ', i);
    if (end == std::string_view::npos) end = itemtype.size();
    std::string_view url = itemtype.substr(i, end - i);
    if (const auto slash = url.find_last_of("/:"); slash != std::string_view::npos) {
      url.remove_prefix(slash + 1);
    }
    if (url == "Product" || url == "ProductGroup" || url == "IndividualProduct" ||
        url == "ProductModel") {
      return true;
    }
    i = end;
  }
  return false;
}

// The microdata value of an element, as the spec defines it, plus the common
// non-standard `content` attribute on spans.
std::string microdata_value(const GumboNode* node) {
  const GumboTag tag = tag_of(node);
  const auto attr = [&](std::string_view name) {
    return std::string(attribute(node, name).value_or(""));
  };
  switch (tag) {
    case GUMBO_TAG_META:
      return attr("content");
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_LINK:
      if (auto href = attribute(node, "href")) return std::string(*href);
      break;
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_VIDEO:
      return attr("src");
    case GUMBO_TAG_OBJECT:
      return attr("data");
    case GUMBO_TAG_DATA:
    case GUMBO_TAG_METER:
    case GUMBO_TAG_INPUT:
      if (auto value = attribute(node, "value")) return std::string(*value);
      break;
    case GUMBO_TAG_TIME:
      if (auto dt = attribute(node, "datetime")) return std::string(*dt);
      break;
    default:
      break;
  }
  if (auto content = attribute(node, "content")) return collapse_whitespace(*content);
  return text_content(node, 300);
}

bool wanted_property(std::string_view name) {
  return name == "price" || name == "lowPrice" || name == "lowprice" || name == "priceCurrency" ||
         name == "pricecurrency" || name == "availability" || name == "name";
}

std::string canonical_property(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = to_lower_ascii(c);
  if (lower == "lowprice") return "price";
  if (lower == "pricecurrency") return "priceCurrency";
  return lower;
}

// The schema.org names in an RDFa property attribute ("schema:price",
// "http://schema.org/price", or a bare "price" inside a typeof scope), space separated.
std::string rdfa_property_names(std::string_view list, bool in_scope) {
  std::string out;
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && list[i] == ' ') ++i;
    std::size_t end = list.find(' ', i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view name = list.substr(i, end - i);
    bool schema = false;
    for (const std::string_view prefix : {"schema:", "http://schema.org/", "https://schema.org/"}) {
      if (name.substr(0, prefix.size()) == prefix) {
        name.remove_prefix(prefix.size());
        schema = true;
      }
    }
    if ((schema || (in_scope && name.find(':') == std::string_view::npos)) &&
        wanted_property(name)) {
      if (!out.empty()) out.push_back(' ');
      out.append(name);
    }
    i = end;
  }
  return out;
}

std::optional<std::string> structured_price(std::string_view text,
                                            const std::optional<std::string>& currency) {
  const std::string_view t = trim(text);
  if (auto plain = canonical_decimal(t)) return plain;
  price_parse_options options;
  if (currency) options.currency_hint = *currency;
  return parse_price(t, options).amount;
}

// The properties build_microdata looks up in a scope, by canonical name.
constexpr std::array<std::string_view, 3> looked_up_properties{"priceCurrency", "availability",
                                                               "name"};

std::vector<structured_offer> build_microdata(const std::vector<microdata_scope>& scopes,
                                              const std::vector<microdata_property>& props) {
  // Per scope, the first property of each looked-up name with a value, so a lookup is
  // a walk up the scope chain, not a pass over every property (20,000 offers made
  // that quadratic).
  std::vector<std::array<int, looked_up_properties.size()>> first(scopes.size());
  for (auto& f : first) f.fill(-1);
  for (std::size_t i = 0; i < props.size(); ++i) {
    count_work();
    const microdata_property& p = props[i];
    if (p.scope < 0 || trim(p.value).empty()) continue;
    for (std::size_t k = 0; k < looked_up_properties.size(); ++k) {
      int& slot = first[static_cast<std::size_t>(p.scope)][k];
      if (p.name == looked_up_properties[k] && slot < 0) slot = static_cast<int>(i);
    }
  }
  // The scope chain is walked at most max_scope_walk levels up: item nesting deeper
  // than that is no product markup.
  const auto lookup = [&](int scope, std::size_t k) -> std::optional<std::string> {
    std::size_t levels = 0;
    for (int s = scope; s >= 0 && levels < max_scope_walk;
         s = scopes[static_cast<std::size_t>(s)].parent, ++levels) {
      count_work();
      if (const int at = first[static_cast<std::size_t>(s)][k]; at >= 0) {
        return std::string(trim(props[static_cast<std::size_t>(at)].value));
      }
      if (scopes[static_cast<std::size_t>(s)].product) break;
    }
    return std::nullopt;
  };
  const auto product_of = [&](int scope) {
    std::size_t levels = 0;
    for (int s = scope; s >= 0 && levels < max_scope_walk;
         s = scopes[static_cast<std::size_t>(s)].parent, ++levels) {
      count_work();
      if (scopes[static_cast<std::size_t>(s)].product) return s;
    }
    return -1;
  };
  std::vector<structured_offer> out;
  for (const auto& p : props) {
    count_work();
    if (p.name != "price") continue;
    if (out.size() >= max_structured_offers) break;
    structured_offer o;
    o.source = p.rdfa ? "rdfa" : "microdata";
    o.text = collapse_whitespace(p.value);
    if (auto c = lookup(p.scope, 0)) o.currency = currency_to_iso(*c);
    if (auto a = lookup(p.scope, 1)) o.availability = normalize_availability(*a);
    const int product = product_of(p.scope);
    o.product = static_cast<std::size_t>(product + 1);
    if (product >= 0) {
      if (const int at = first[static_cast<std::size_t>(product)][2]; at >= 0) {
        o.name = product_name(collapse_whitespace(props[static_cast<std::size_t>(at)].value));
      }
    }
    o.price = structured_price(p.value, o.currency);
    if (!o.currency && o.price) o.currency = parse_price(p.value).currency;
    const std::string attr = p.rdfa ? "property=price" : "itemprop=price";
    o.why = product >= 0 ? attr + " in a Product scope" : attr;
    if (o.price) out.push_back(std::move(o));
  }
  return out;
}

// ---- meta tags ----------------------------------------------------------------------

struct meta_values {
  std::vector<std::string> amounts;
  std::vector<std::string> sale_amounts;  // product:sale_price:amount
  std::optional<std::string> twitter_label1;
  std::optional<std::string> twitter_data1;
  std::vector<std::string> currencies;
  std::optional<std::string> availability;
  std::optional<std::string> title;
  std::optional<std::string> url;  // og:url, else <link rel=canonical>
};

void read_meta(const GumboNode* node, meta_values& meta) {
  auto key_attr = attribute(node, "property");
  if (!key_attr) key_attr = attribute(node, "name");
  const auto content = attribute(node, "content");
  if (!key_attr || !content) return;
  std::string key(trim(*key_attr));
  for (char& c : key) c = to_lower_ascii(c);
  const std::string value = collapse_whitespace(*content);
  if (value.empty()) return;
  if (key == "product:price:amount" || key == "og:price:amount") {
    meta.amounts.push_back(value);
  } else if (key == "product:sale_price:amount" || key == "og:sale_price:amount") {
    meta.sale_amounts.push_back(value);
  } else if (key == "twitter:label1") {
    meta.twitter_label1 = value;
  } else if (key == "twitter:data1") {
    meta.twitter_data1 = value;
  } else if (key == "product:price:currency" || key == "og:price:currency" ||
             ((key == "product:sale_price:currency" || key == "og:sale_price:currency") &&
              meta.currencies.empty())) {
    meta.currencies.push_back(value);
  } else if ((key == "product:availability" || key == "og:availability") && !meta.availability) {
    meta.availability = value;
  } else if (key == "og:title" && !meta.title) {
    meta.title = value;
  } else if (key == "og:url") {
    meta.url = value;
  }
}

}  // namespace

std::string clean_jsonld(std::string_view text) {
  const std::string_view s = strip_wrappers(text);
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  // The last significant character written outside strings: a number token can only
  // follow one of ":[," or start the text.
  char last = '\0';
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      out.push_back('"');
      ++i;
      while (i < s.size() && s[i] != '"') {
        const auto b = static_cast<unsigned char>(s[i]);
        if (s[i] == '\\' && i + 1 < s.size()) {
          out.append(s.substr(i, 2));
          i += 2;
        } else if (b < 0x20) {
          // Raw control characters are invalid inside JSON strings; pages have them.
          static constexpr char hex[] = "0123456789abcdef";
          if (s[i] == '\n') {
            out.append("\\n");
          } else if (s[i] == '\r') {
            out.append("\\r");
          } else if (s[i] == '\t') {
            out.append("\\t");
          } else {
            out.append("\\u00");
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 0xF]);
          }
          ++i;
        } else {
          out.push_back(s[i++]);
        }
      }
      if (i < s.size()) ++i;  // closing quote
      out.push_back('"');
      last = '"';
      continue;
    }
    if (c == ',') {
      // A trailing comma before } or ] is dropped.
      std::size_t j = i + 1;
      while (j < s.size() && is_json_space(s[j])) ++j;
      if (j < s.size() && (s[j] == '}' || s[j] == ']')) {
        ++i;
        continue;
      }
    }
    const bool number_start = (c == '-' || (c >= '0' && c <= '9')) &&
                              (last == ':' || last == '[' || last == ',' || last == '\0');
    if (number_start) {
      std::size_t j = i + 1;
      while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == 'e' ||
                              s[j] == 'E' || s[j] == '+' || s[j] == '-')) {
        ++j;
      }
      out.push_back('"');
      out.append("\\u0001");  // number_marker, escaped
      out.append(s.substr(i, j - i));
      out.push_back('"');
      last = '"';
      i = j;
      continue;
    }
    if (!is_json_space(c)) last = c;
    out.push_back(c);
    ++i;
  }
  return out;
}

std::optional<std::string> decimal_from_json_number(std::string_view token) {
  token = trim(token);
  bool negative = false;
  if (!token.empty() && token.front() == '-') {
    negative = true;
    token.remove_prefix(1);
  }
  const std::size_t e = token.find_first_of("eE");
  std::string_view mantissa = token.substr(0, e);
  long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp = token.substr(e + 1);
    bool exp_negative = false;
    if (!exp.empty() && (exp.front() == '+' || exp.front() == '-')) {
      exp_negative = exp.front() == '-';
      exp.remove_prefix(1);
    }
    if (exp.empty() || exp.size() > 3) return std::nullopt;  // 1e999 is no price
    for (char c : exp) {
      if (c < '0' || c > '9') return std::nullopt;
      exponent = exponent * 10 + (c - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  const std::size_t point = mantissa.find('.');
  std::string digits(mantissa.substr(0, point));
  long point_at = static_cast<long>(digits.size());
  if (point != std::string_view::npos) digits.append(mantissa.substr(point + 1));
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  point_at += exponent;
  if (point_at > 400 || point_at < -400) return std::nullopt;
  if (point_at < 0) {
    digits.insert(0, static_cast<std::size_t>(-point_at), '0');
    point_at = 0;
  }
  if (point_at > static_cast<long>(digits.size())) {
    digits.append(static_cast<std::size_t>(point_at) - digits.size(), '0');
  }
  std::string plain = negative ? "-" : "";
  plain.append(digits.substr(0, static_cast<std::size_t>(point_at)));
  plain.push_back('.');
  plain.append(digits.substr(static_cast<std::size_t>(point_at)));
  return canonical_decimal(plain);
}

std::optional<std::string> normalize_availability(std::string_view value) {
  std::string_view v = trim(value);
  for (const std::string_view prefix : {"https://schema.org/", "http://schema.org/", "schema.org/",
                                        "schema:", "https://www.schema.org/",
                                        "http://www.schema.org/", "http://data-vocabulary.org/"}) {
    if (v.size() >= prefix.size()) {
      bool same = true;
      for (std::size_t i = 0; i < prefix.size() && same; ++i) {
        same = to_lower_ascii(v[i]) == prefix[i];
      }
      if (same) {
        v.remove_prefix(prefix.size());
        break;
      }
    }
  }
  std::string key;
  for (char c : v) {
    if (c != ' ' && c != '_' && c != '-') key.push_back(to_lower_ascii(c));
  }
  struct entry {
    std::string_view key;
    std::string_view name;
  };
  static constexpr std::array<entry, 19> names{{
      {"instock", "InStock"},           {"available", "InStock"},
      {"outofstock", "OutOfStock"},     {"oos", "OutOfStock"},
      {"unavailable", "OutOfStock"},    {"soldout", "SoldOut"},
      {"preorder", "PreOrder"},         {"presale", "PreSale"},
      {"backorder", "BackOrder"},       {"availablefororder", "BackOrder"},
      {"discontinued", "Discontinued"}, {"limitedavailability", "LimitedAvailability"},
      {"onlineonly", "OnlineOnly"},     {"instoreonly", "InStoreOnly"},
      {"madetoorder", "MadeToOrder"},   {"reserved", "Reserved"},
      {"pending", "PreOrder"},          {"outofstockonline", "OutOfStock"},
      {"instockonline", "InStock"},
  }};
  for (const auto& e : names) {
    if (e.key == key) return std::string(e.name);
  }
  return std::nullopt;
}

std::vector<structured_offer> parse_jsonld(std::string_view script_text) {
  std::vector<structured_offer> out;
  const std::string cleaned = clean_jsonld(script_text);
  if (cleaned.empty() || !json_within_limits(cleaned)) return out;
  json doc = json::parse(cleaned, nullptr, false);
  if (doc.is_discarded()) {
    // Several objects one after the other ("{...}{...}" or "{...},{...}").
    std::string wrapped = "[";
    for (std::size_t i = 0; i < cleaned.size(); ++i) {
      wrapped.push_back(cleaned[i]);
      if (cleaned[i] == '}' && i + 1 < cleaned.size()) {
        std::size_t j = i + 1;
        while (j < cleaned.size() && is_json_space(cleaned[j])) ++j;
        if (j < cleaned.size() && cleaned[j] == '{') wrapped.push_back(',');
      }
    }
    wrapped.push_back(']');
    doc = json::parse(wrapped, nullptr, false);
    if (doc.is_discarded()) return out;
  }
  collect_jsonld(doc, out);
  return out;
}

structured_data find_structured(const GumboNode* root) {
  structured_data data;
  std::vector<microdata_scope> scopes;
  std::vector<microdata_property> props;
  meta_values meta;
  // (node, microdata scope index); an explicit stack, as pages nest deeply.
  std::vector<std::pair<const GumboNode*, int>> stack{{root, -1}};
  while (!stack.empty()) {
    auto [node, scope] = stack.back();
    stack.pop_back();
    count_work();
    if (node == nullptr) continue;
    if (node->type != GUMBO_NODE_DOCUMENT && !is_element(node)) continue;
    int inner = scope;
    if (is_element(node)) {
      const GumboTag tag = tag_of(node);
      if (tag == GUMBO_TAG_SCRIPT) {
        const auto type = attribute(node, "type");
        if (type && contains_ci(*type, "application/ld+json")) {
          auto found = parse_jsonld(raw_text(node));
          for (auto& o : found) data.jsonld.push_back(std::move(o));
        }
        continue;
      }
      if (tag == GUMBO_TAG_META) read_meta(node, meta);
      if (tag == GUMBO_TAG_LINK && !meta.url) {
        const auto rel = attribute(node, "rel");
        const auto href = attribute(node, "href");
        if (rel && href && contains_ci(*rel, "canonical")) meta.url = collapse_whitespace(*href);
      }
      auto itemprop = attribute(node, "itemprop");
      bool rdfa = false;
      // RDFa Lite: property="schema:price" (or a bare name under a typeof scope)
      // works like itemprop, typeof like itemscope with itemtype.
      std::string rdfa_names;
      if (!itemprop) {
        if (const auto property = attribute(node, "property")) {
          rdfa_names = rdfa_property_names(*property, scope >= 0);
          if (!rdfa_names.empty()) {
            itemprop = rdfa_names;
            rdfa = true;
          }
        }
      }
      const auto type_of = attribute(node, "typeof");
      const bool itemscope = attribute(node, "itemscope").has_value() || type_of.has_value();
      if (itemprop && !itemscope) {
        // itemprop can list several names ("price lowPrice").
        std::string_view list = *itemprop;
        std::size_t i = 0;
        std::optional<std::string> value;
        std::vector<std::string> names;  // each name once: "price price price..." is one
        while (i < list.size()) {
          while (i < list.size() && list[i] == ' ') ++i;
          std::size_t end = list.find(' ', i);
          if (end == std::string_view::npos) end = list.size();
          const std::string_view name = list.substr(i, end - i);
          if (!name.empty() && wanted_property(name)) {
            std::string canonical = canonical_property(name);
            if (std::find(names.begin(), names.end(), canonical) == names.end()) {
              if (!value) value = microdata_value(node);
              props.push_back({scope, canonical, *value, rdfa});
              names.push_back(std::move(canonical));
            }
          }
          i = end;
        }
      }
      if (itemscope) {
        microdata_scope s;
        s.parent = scope;
        s.product = is_product_type(attribute(node, "itemtype").value_or(type_of.value_or("")));
        scopes.push_back(s);
        inner = static_cast<int>(scopes.size()) - 1;
      }
    }
    const GumboVector& kids =
        node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
    for (unsigned int k = kids.length; k > 0; --k) {
      stack.emplace_back(static_cast<const GumboNode*>(kids.data[k - 1]), inner);
    }
  }
  data.microdata = build_microdata(scopes, props);

  // A sale price stated beside the regular one is what the buyer pays.
  for (const auto& amount : meta.sale_amounts) {
    structured_offer o;
    o.source = "meta";
    o.text = amount;
    if (!meta.currencies.empty()) o.currency = currency_to_iso(meta.currencies.front());
    o.price = structured_price(amount, o.currency);
    if (meta.availability) o.availability = normalize_availability(*meta.availability);
    o.name = meta.title;
    o.why = "meta product:sale_price:amount";
    if (o.price) data.meta.push_back(std::move(o));
  }
  const bool has_sale = !data.meta.empty();
  for (std::size_t i = 0; i < meta.amounts.size(); ++i) {
    structured_offer o;
    o.list_price = has_sale;
    o.source = "meta";
    o.text = meta.amounts[i];
    if (!meta.currencies.empty()) {
      o.currency = currency_to_iso(meta.currencies[std::min(i, meta.currencies.size() - 1)]);
    }
    o.price = structured_price(meta.amounts[i], o.currency);
    if (meta.availability) o.availability = normalize_availability(*meta.availability);
    o.name = meta.title;
    o.why = has_sale ? "meta product:price:amount (list price: a sale price is stated)"
                     : "meta product:price:amount";
    if (o.price) data.meta.push_back(std::move(o));
  }
  // Twitter's product card: twitter:label1 "Price", twitter:data1 "$17.99".
  if (meta.twitter_label1 && meta.twitter_data1 &&
      (contains_ci(*meta.twitter_label1, "price") || contains_ci(*meta.twitter_label1, "preis") ||
       contains_ci(*meta.twitter_label1, "prix") || contains_ci(*meta.twitter_label1, "precio"))) {
    const parsed_price parsed = parse_price(*meta.twitter_data1);
    structured_offer o;
    o.source = "meta";
    o.text = *meta.twitter_data1;
    o.price = parsed.amount;
    o.currency = parsed.currency;
    o.name = meta.title;
    o.why = "meta twitter:data1 (labelled price)";
    if (o.price) data.meta.push_back(std::move(o));
  }
  data.og_title = meta.title;
  data.page_url = meta.url;
  if (!meta.currencies.empty()) data.meta_currency = currency_to_iso(meta.currencies.front());
  return data;
}

}  // namespace pricescrape::extract::detail
