// Visible-price heuristics: how shops lay out the price a buyer pays, as opposed to
// list prices, other sellers' offers, shipping fees and related products.
#include "extract/heuristics.hpp"
#include <pricescrape/detail/ascii.hpp>
#include "extract/work.hpp"

#include <pricescrape/extract/price_parser.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace pricescrape::extract::detail {
namespace {

using namespace std::string_view_literals;

// Longer texts under a "price" class are containers, not a price.
constexpr std::size_t max_price_text = 80;
constexpr std::size_t max_price_elements = 3000;
constexpr std::size_t max_h1 = 8;
constexpr std::size_t max_title_bytes = 500;
// Add-to-cart controls weighed for the buy box, and struck amounts kept.
constexpr std::size_t max_buy_controls = 64;
constexpr std::size_t max_struck_amounts = 64;
// The buy box search climbs at most this many ancestors of the h1.
constexpr std::size_t max_box_climb = 256;
// Elements of the buy box read for a stock phrase, at most.
constexpr std::size_t max_box_stock_elements = 400;
// Candidates after one looked at to tell whether it contains another.
constexpr std::size_t max_container_look = 16;
// A price-named ancestor this close still names the element ("<div class=price>
// <strong>€ <span>17,10</span></strong></div>").
constexpr int max_named_distance = 2;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

using pricescrape::detail::to_lower_ascii;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower_ascii(c);
  return out;
}

// ASCII-lower-cases `s` into `out` (reused by the caller: this runs per element).
void lower_into(std::string_view s, std::string& out) {
  out.assign(s);
  for (char& c : out) c = to_lower_ascii(c);
}

// contains_any() for a haystack already in ASCII lower case and lower-case needles:
// std::string_view::find (memchr, then memcmp) gives the same answer as contains_ci
// without folding every byte once per needle.
bool contains_any_lower(std::string_view lowered, std::initializer_list<std::string_view> needles) {
  for (const auto n : needles) {
    if (lowered.find(n) != std::string_view::npos) return true;
  }
  return false;
}

// The attributes shops use to name what an element is, in the order their values
// are joined.
constexpr auto naming_attribute_names =
    std::to_array<std::string_view>({"class", "id", "itemprop", "data-testid", "data-test",
                                     "data-qa", "data-automation", "data-price-type", "property"});

// The index of `name` in naming_attribute_names, or -1.
int naming_index(std::string_view name) noexcept {
  for (std::size_t k = 0; k < naming_attribute_names.size(); ++k) {
    if (name == naming_attribute_names[k]) return static_cast<int>(k);
  }
  return -1;
}

// What scan_page reads from one element's attributes, in one pass over them: every
// element is asked for its names, style, class and hidden, and one attribute() call
// per question was a strncmp over all attributes each time.
struct element_attributes {
  // The values of the naming attributes in naming_attribute_names order, each
  // followed by a space (the first of a repeated name counts, as in attribute()).
  std::string names;
  std::string lowered;  // `names` in ASCII lower case, for the substring tests
  std::optional<std::string_view> style;
  std::string_view cls;  // "" without a class, as attribute("class").value_or("")
  bool hidden = false;   // has a hidden attribute
};

// Fills `out` (its buffers reused from element to element).
void read_attributes(const GumboNode* node, element_attributes& out) {
  std::array<std::optional<std::string_view>, naming_attribute_names.size()> values;
  out.style.reset();
  out.cls = {};
  out.hidden = false;
  for_each_attribute(node, [&](std::string_view name, std::string_view value) {
    if (name == "style") {
      if (!out.style) out.style = value;
    } else if (name == "hidden") {
      out.hidden = true;
    } else if (const int k = naming_index(name); k >= 0 && !values[static_cast<std::size_t>(k)]) {
      values[static_cast<std::size_t>(k)] = value;
    }
    return true;
  });
  out.names.clear();
  for (const auto& v : values) {
    if (v) {
      out.names.append(*v);
      out.names.push_back(' ');
    }
  }
  out.cls = values[0].value_or(std::string_view{});
  lower_into(out.names, out.lowered);
}

// True when `test` holds for the value of a naming attribute (the first of each name).
// For the word tests (has_name_word) this is test(element_attributes::names), since no word
// spans the space that joins two values, without building the joined string: price
// elements ask it of every element inside them.
template <class Test>
bool any_naming_value(const GumboNode* node, Test&& test) {
  unsigned int seen = 0;
  bool found = false;
  for_each_attribute(node, [&](std::string_view name, std::string_view value) {
    const int k = naming_index(name);
    if (k < 0 || (seen & (1u << k)) != 0) return true;
    seen |= 1u << k;
    found = test(value);
    return !found;
  });
  return found;
}

// `lowered`: the naming attributes in lower case.
bool names_price(std::string_view lowered) {
  // "price" in several languages as it appears in class names.
  return contains_any_lower(lowered, {"price", "prix", "preis", "precio", "preco", "prezzo", "cena",
                                      "cijena", "fiyat", "amount"}) &&
         !contains_any_lower(lowered, {"price-label", "pricelabel", "price-filter", "pricefilter"});
}

// Calls `test` on each word of class and id values, split at punctuation and
// camelCase, lower case ("priceBlock old-price" -> price, block, old, price), until it
// returns true. Every element of a page is asked several such questions, so the words
// go through one reused buffer instead of a vector of strings per question.
template <class Test>
bool any_name_word(std::string_view names, Test&& test) {
  std::string w;
  char previous = 0;
  for (char c : names) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
    const bool camel = c >= 'A' && c <= 'Z' && previous >= 'a' && previous <= 'z';
    if (!alnum || camel) {
      if (!w.empty() && test(std::string_view(w))) return true;
      w.clear();
    }
    if (alnum) w.push_back(to_lower_ascii(c));
    previous = c;
  }
  return !w.empty() && test(std::string_view(w));
}

// True when the word `w` is one of `words`, or one of them joined to "price"
// ("oldprice", "pricewas"), or, for `stems`, starts with one ("strikethrough").
bool word_matches(std::string_view w, std::initializer_list<std::string_view> words,
                  std::initializer_list<std::string_view> stems) {
  for (const auto word : words) {
    if (w == word) return true;
    if (w.size() == word.size() + 5 && ((w.starts_with(word) && w.substr(word.size()) == "price") ||
                                        (w.starts_with("price") && w.substr(5) == word))) {
      return true;
    }
  }
  for (const auto stem : stems) {
    if (w.starts_with(stem)) return true;
  }
  return false;
}

// True when a word of `names` matches (word_matches).
bool has_name_word(std::string_view names, std::initializer_list<std::string_view> words,
                   std::initializer_list<std::string_view> stems = {}) {
  return any_name_word(names, [&](std::string_view w) { return word_matches(w, words, stems); });
}

// What the naming attributes say about an old price, in one pass over their words.
// `old`: struck through, or marked as the old, list or reference price. `regular`:
// "regular" names the old price on some platforms (PrestaShop's regular-price beside
// the discount) and the only price on others (Shopify's price-item--regular), so it is
// evidence for the model, not a reason to drop the element. A word after "with" or
// "has" describes a container holding such a price beside the current one
// ("product-detail-price with-list-price", "has-discount"), not the old price itself.
struct old_price_naming {
  bool old = false;
  bool regular = false;
  bool instalment = false;  // named for an instalment ("installmentValue"): a part, not the price
};

old_price_naming name_old_price(std::string_view names) {
  old_price_naming out;
  bool modifier = false;  // the previous word was "with" or "has"
  any_name_word(names, [&](std::string_view w) {
    const bool after_modifier = modifier;
    modifier = w == "with" || w == "has";
    if (after_modifier) return false;
    if (w == "regular" || w == "regularprice" || w == "priceregular") {
      out.regular = true;
      return false;
    }
    if (w.starts_with("installment") || w.starts_with("instalment")) {
      out.instalment = true;
      return false;
    }
    out.old = word_matches(
        w,
        {"old", "was", "list", "before", "rrp", "msrp", "save", "uvp", "barred", "instead",
         "reference", "prev", "crossed", "strike", "retail"},
        {"strike", "crossed", "compare", "saving", "original", "previous", "linethrough"});
    return out.old;
  });
  return out;
}

bool names_old_price(std::string_view names) { return name_old_price(names).old; }

bool is_struck_tag(GumboTag tag) {
  return tag == GUMBO_TAG_DEL || tag == GUMBO_TAG_S || tag == GUMBO_TAG_STRIKE;
}

bool is_struck(const GumboNode* node, const element_attributes& attrs, bool named_old) {
  if (is_struck_tag(tag_of(node))) return true;
  if (named_old) return true;
  return attrs.style && contains_ci(*attrs.style, "line-through");
}

// is_struck() for an element inside a price candidate, in one pass over its attributes
// instead of element_attributes (the same answer: the first of each name counts).
bool is_struck_node(const GumboNode* node) {
  if (is_struck_tag(tag_of(node))) return true;
  unsigned int seen = 0;
  bool style_seen = false;
  bool struck = false;
  for_each_attribute(node, [&](std::string_view name, std::string_view value) {
    if (name == "style") {
      struck = !style_seen && contains_ci(value, "line-through");
      style_seen = true;
    } else if (const int k = naming_index(name); k >= 0 && (seen & (1u << k)) == 0) {
      seen |= 1u << k;
      struck = names_old_price(value);
    }
    return !struck;
  });
  return struck;
}

// Blocks listing other products than the page's own.
bool names_related(std::string_view names) {
  return has_name_word(
      names,
      {"related", "similar", "carousel", "recently", "upsell", "crosssell", "sponsored", "sponsor",
       "accessories", "bundle", "reco", "sims", "alsobought", "youmay", "others"},
      {"recommend", "suggest", "related", "upsell", "crosssell", "alternative", "zubehoer",
       "zubehor", "accessoire", "accesorio", "accessori", "akcesori", "tilbehor", "tillbehor"});
}

// Headings that open a block of other products: "You may also like", "Zubehör".
// `lowered`: the heading's text in ASCII lower case.
bool heads_related(std::string_view lowered) {
  return contains_any_lower(lowered,
                            {"you may also like", "related",           "similar",
                             "also bought",       "also viewed",       "recommended",
                             "customers who",     "frequently bought", "alternative",
                             "accessor",          "das könnte",        "ähnliche",
                             "zubehör",           "kunden kauften",    "vous aimerez",
                             "similaires",        "también te puede",  "relacionados",
                             "quem viu",          "compre junto",      "potrebbe interessarti",
                             "misschien ook",     "vaak samen",        "podobne",
                             "akcesoria",         "często kupowane",   "du kanske",
                             "tillbehör",         "andre kjøpte",      "tilbehør",
                             "andre kiggede",     "この商品を見た人",  "関連商品",
                             "podobné",           "příslušenství",     "benzer ürün",
                             "aksesuar"});
}

// True when an element's first child element is a heading that opens a block of other
// products: the block's prices are not the page's, whatever its classes say.
bool block_of_other_products(const GumboNode* node) {
  const GumboVector& kids = node->v.element.children;
  for (unsigned int i = 0; i < kids.length && i < 4; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (!is_element(k)) continue;
    const GumboTag tag = tag_of(k);
    if (tag != GUMBO_TAG_H2 && tag != GUMBO_TAG_H3 && tag != GUMBO_TAG_H4 && tag != GUMBO_TAG_H5) {
      return false;
    }
    std::string heading = text_content(k, 81);
    if (heading.size() > 80) return false;
    for (char& c : heading) c = to_lower_ascii(c);
    return heads_related(heading);
  }
  return false;
}

bool is_chrome(GumboTag tag) {
  return tag == GUMBO_TAG_HEADER || tag == GUMBO_TAG_FOOTER || tag == GUMBO_TAG_NAV ||
         tag == GUMBO_TAG_ASIDE;
}

bool is_skipped(GumboTag tag) {
  return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
         tag == GUMBO_TAG_NOSCRIPT || tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_SELECT ||
         tag == GUMBO_TAG_OPTION;
}

// Cents written apart from the units: <sup>99</sup>, <span class="cents">.
bool is_fraction_part(const GumboNode* node) {
  if (tag_of(node) == GUMBO_TAG_SUP) return true;
  return any_naming_value(node, [](std::string_view value) {
    return has_name_word(value,
                         {"fraction", "cents", "decimal", "decimals", "pennies", "dec", "cent"});
  });
}

bool is_collapsed_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Appends collapse_whitespace(text) of one text node (NUL-terminated, as gumbo keeps
// it) to `out`, and stops once `out` is longer than `limit` or `max_scan` bytes are
// read. price_text() ends its walk there and only asks the length of such a text, so a
// long paragraph is read no further than the limit (not even by strlen), however many
// ancestors are tried as a price, and the piece goes straight into `out` instead of
// through a string of its own. A whitespace run (ASCII or no-break space) becomes one
// space when text follows it within the node: leading and trailing runs are dropped,
// as the trim does. Returns how many bytes were read.
std::size_t append_collapsed_text(std::string& out, const char* text, std::size_t limit,
                                  std::size_t max_scan) {
  bool pending_space = false;
  bool any = false;
  const char* p = text;
  const auto read = [&] { return static_cast<std::size_t>(p - text); };
  while (*p != '\0' && read() < max_scan) {
    if (is_collapsed_space(*p)) {
      pending_space = any;
      ++p;
      continue;
    }
    if (p[0] == '\xC2' && p[1] == '\xA0') {
      pending_space = any;
      p += 2;
      continue;
    }
    // A run of bytes that are neither whitespace nor the lead byte of a no-break space,
    // read no further than `out` can take.
    const std::size_t room = limit + 2 - std::min(out.size(), limit + 1);
    const char* run = p + 1;
    while (*run != '\0' && !is_collapsed_space(*run) && !(run[0] == '\xC2' && run[1] == '\xA0') &&
           static_cast<std::size_t>(run - p) < room) {
      ++run;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.append(p, static_cast<std::size_t>(run - p));
    p = run;
    if (out.size() > limit) break;
  }
  return read();
}

// True when parse_price(text) cannot find a currency token, known without parsing:
// its tokens start with an ASCII letter (codes, "kr", "zł"), '$', or a non-ASCII byte
// ("€", "¥", ".د.ب" goes on with Arabic letters), so a text of ASCII digits, spaces
// and other punctuation has none ("2025", "4.5 / 5", "(12)"). A third of the texts
// the walk asks about are such, and parse_price() is its dearest question.
// Keep in step with currency_tokens in price_parser.cpp.
bool cannot_hold_currency(std::string_view text) noexcept {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return false;
  }
  return true;
}

// An element price_text() is inside, with the index of its next child: children are
// taken one at a time, so a walk that stops early never touches the rest.
struct text_frame {
  const GumboVector* kids;
  unsigned int next;
  bool block;  // a space goes where it ends
};

// Scratch buffers price_text() reuses from element to element.
struct price_text_buffers {
  std::vector<text_frame> stack;
  std::string text;
};

// Whether price_text() leaves out struck-through descendants: a price element's text
// does (the old price beside the current one is not part of it), a struck element's own
// text does not (VTEX strikes both the list-price block and the value inside it).
enum class struck_parts { skip, keep };

// The text of a price element with its struck-through parts left out, and a point
// put between units and cents that the markup keeps apart ("173<sup>34</sup>"), in
// `buffers.text`. Once the text is longer than `max_bytes` the rest is not read and the
// result is only some text longer than `max_bytes`: such an element is no price, and
// its length is all the caller asks of it. So is an element with more than
// text_walk_nodes(max_bytes) nodes before that much text.
void price_text(const GumboNode* node, std::size_t max_bytes, price_text_buffers& buffers,
                struck_parts struck = struck_parts::skip) {
  std::string& out = buffers.text;
  std::vector<text_frame>& stack = buffers.stack;
  out.clear();
  stack.clear();
  text_walk_budget budget(max_bytes);
  bool exhausted = false;
  const auto enter = [&](const GumboNode* n) {
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
        n->type == GUMBO_NODE_CDATA) {
      const char* text = n->v.text.text != nullptr ? n->v.text.text : "";
      const bool edge_space = text[0] == ' ' || text[0] == '\n' || text[0] == '\t';
      if (edge_space && !out.empty() && out.back() != ' ') out.push_back(' ');
      const std::size_t read = append_collapsed_text(out, text, max_bytes, budget.scan_limit());
      // Text that runs past what the walk may read is as good as too long.
      if (!budget.take_text(read) || (text[read] != '\0' && out.size() <= max_bytes)) {
        exhausted = true;
      }
      return;
    }
    if (!is_element(n)) return;
    const GumboTag tag = tag_of(n);
    if (n != node && (is_skipped(tag) || (struck == struck_parts::skip && is_struck_node(n)))) {
      return;
    }
    if (n != node && !out.empty() && is_digit(out.back()) && is_fraction_part(n)) {
      const std::string inner = text_content(n, 8);
      // The units may already group thousands with '.' ("4.359" + "49"): then the
      // decimal comma is the separator the shop leaves out.
      const std::size_t word = out.rfind(' ');
      const bool dot_grouped =
          out.find('.', word == std::string::npos ? 0 : word) != std::string::npos;
      if (inner.size() >= 1 && is_digit(inner[0])) out.push_back(dot_grouped ? ',' : '.');
    }
    const bool block =
        n != node && (tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_P || tag == GUMBO_TAG_BR ||
                      tag == GUMBO_TAG_LI || tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TR);
    if (block && !out.empty() && out.back() != ' ') out.push_back(' ');
    stack.push_back({&n->v.element.children, 0, block});
  };
  if (budget.take()) enter(node);
  while (!stack.empty() && out.size() <= max_bytes && !exhausted) {
    text_frame& top = stack.back();
    if (top.next == top.kids->length) {
      if (top.block && !out.empty() && out.back() != ' ') out.push_back(' ');
      stack.pop_back();
      continue;
    }
    if (!budget.take()) exhausted = true;
    if (!exhausted) enter(static_cast<const GumboNode*>(top.kids->data[top.next++]));
  }
  if (exhausted) {
    // Too much markup for so little text: no price. (Made too long so the caller
    // passes it over.)
    out.assign(max_bytes + 1, ' ');
    return;
  }
  // Past the limit the text is no price: no need to tidy it.
  if (out.size() > max_bytes) return;
  // Each piece is collapsed and trimmed and a space is only added after a non-space,
  // so collapse_whitespace(out) would just drop a trailing space; unless a no-break
  // space straddles two nodes (a lone byte in each, so not valid UTF-8), which only
  // the collapse of the whole text folds.
  if (out.find("\xC2\xA0") != std::string::npos) {
    out = collapse_whitespace(out);
    return;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
}

// Keeps the amount a struck-through (or old-price-named) element shows, for telling a
// structured regular price from the price to pay.
void record_struck_amount(const GumboNode* node, price_text_buffers& buffers,
                          std::vector<std::string>& amounts) {
  price_text(node, max_price_text + 1, buffers, struck_parts::keep);
  const std::string& text = buffers.text;
  if (text.size() > max_price_text || !std::any_of(text.begin(), text.end(), is_digit)) return;
  if (auto parsed = parse_price(text); parsed.amount) amounts.push_back(std::move(*parsed.amount));
}

// True when a checkbox or radio button sits among the children of the element's parent
// or grandparent: the price of an option one may add ("Tamper 58 mm [x] 24,90 €"). At
// most max_choice_children children are looked at per level.
constexpr unsigned int max_choice_children = 32;
bool beside_choice(const GumboNode* node) {
  const GumboNode* up = node->parent;
  for (int level = 0; level < 2 && up != nullptr && is_element(up); ++level, up = up->parent) {
    const GumboVector& kids = up->v.element.children;
    for (unsigned int i = 0; i < kids.length && i < max_choice_children; ++i) {
      const auto* k = static_cast<const GumboNode*>(kids.data[i]);
      if (!is_element(k)) continue;
      const GumboNode* input = k;
      // <label><input type=checkbox> Name</label>: the input one level down.
      if (tag_of(k) == GUMBO_TAG_LABEL && k->v.element.children.length > 0) {
        const auto* first = static_cast<const GumboNode*>(k->v.element.children.data[0]);
        if (is_element(first)) input = first;
      }
      if (tag_of(input) != GUMBO_TAG_INPUT) continue;
      const auto type = attribute(input, "type");
      if (type && (contains_ci(*type, "checkbox") || contains_ci(*type, "radio"))) return true;
    }
  }
  return false;
}

// True when an element has text of its own, not only through its children.
bool has_own_text(const GumboNode* node) {
  const GumboVector& kids = node->v.element.children;
  for (unsigned int i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT) return true;
  }
  return false;
}

bool is_buy_control(const GumboNode* node, const element_attributes& attrs) {
  const GumboTag tag = tag_of(node);
  if (tag != GUMBO_TAG_BUTTON && tag != GUMBO_TAG_INPUT && tag != GUMBO_TAG_A) return false;
  if (contains_any_lower(attrs.lowered, {"addtocart", "add-to-cart", "add_to_cart", "addtobasket",
                                         "add-to-basket", "add_to_basket", "addtobag", "add-to-bag",
                                         "buy-now", "buynow", "buy_now"}) ||
      has_name_word(attrs.names, {"buy", "purchase", "addtocart", "buybutton", "buybtn"})) {
    return true;
  }
  std::string text = text_content(node, 80);
  if (auto v = attribute(node, "value")) text.append(" ").append(*v);
  if (auto v = attribute(node, "aria-label")) text.append(" ").append(*v);
  if (auto v = attribute(node, "title")) text.append(" ").append(*v);
  // Every link of a page gets here: one lower-case copy and plain finds beat
  // contains_ci's byte folding for each of forty phrases.
  std::string lowered;
  lower_into(text, lowered);
  return contains_any_lower(lowered, {"add to cart",
                                      "add to basket",
                                      "add to bag",
                                      "add to trolley",
                                      "buy now",
                                      "buy it now",
                                      "place bid",
                                      "bid now",
                                      "enchérir",
                                      "gebot abgeben",
                                      "sofort-kaufen",
                                      "jetzt kaufen",
                                      "achat immédiat",
                                      "acheter maintenant",
                                      "compralo subito",
                                      "acquista ora",
                                      "fai un'offerta",
                                      "comprar ahora",
                                      "comprar agora",
                                      "pujar",
                                      "kup teraz",
                                      "köp nu",
                                      "kjøp nå",
                                      "køb nu",
                                      "nu kopen",
                                      "koupit",
                                      "hemen al",
                                      "今すぐ購入",
                                      "買い物かごに入れる",
                                      "in den warenkorb",
                                      "ajouter au panier",
                                      "añadir al carrito",
                                      "agregar al carrito",
                                      "aggiungi al carrello",
                                      "dodaj do koszyka",
                                      "в корзину",
                                      "купить",
                                      "カートに入れる",
                                      "加入購物車",
                                      "加入购物车",
                                      "立即購買",
                                      "立即购买",
                                      "sepete ekle",
                                      "lisää ostoskoriin",
                                      "in winkelwagen",
                                      "adicionar ao carrinho",
                                      "adaugă în coș",
                                      "adauga in cos",
                                      "vložit do košíku",
                                      "kosárba",
                                      "أضف إلى",
                                      "lägg i varukorgen",
                                      "læg i kurv",
                                      "legg i handlekurv"});
}

// Lower-cased words that make a price something else: a fee, a sum, an instalment.
// `lowered`: the text in ASCII lower case.
// "10x de R$ 259,99", "4x sans frais": a count of instalments written against its "x".
bool mentions_instalment_count(std::string_view lowered) {
  for (std::size_t i = lowered.find('x'); i != std::string_view::npos;
       i = lowered.find('x', i + 1)) {
    if (i > 0 && is_digit(lowered[i - 1]) && i + 1 < lowered.size() && lowered[i + 1] == ' ') {
      return true;
    }
  }
  return false;
}

bool mentions_other_amount(std::string_view lowered) {
  if (mentions_instalment_count(lowered)) return true;
  return contains_any_lower(
             lowered,
             // Instalments in the shop languages: a part of the price, never the price.
             {"interest-free", "payments of", "raten", "sans frais", "juros", "rate da",
              "termijnen", "rat po", "delbetala", "splátky", "taksit", "分割"}) ||
         contains_any_lower(
             lowered, {"shipping",    "delivery",   "versand",     "livraison",  "envío",
                       "envio",       "spedizione", "dostawa",     "доставка",   "total",
                       "fee",         "/mo",        "month",       "monat",      "mensual",
                       "/mes",        "cuota",      "installment", "instalment", "bonus",
                       "бонус",       "save ",      "you save",    "credit",     "月額",
                       "分期",        "期",         "orders over", "free ",      "tax)",
                       "税抜",        "+消費税",    "per kg",      "/kg",        "/ kg",
                       "per 100",     "/100",       "each",        "unit price", "prix unitaire",
                       "grundpreis",  "risparmi",   "sparen",      "économisez", "ahorra",
                       "oszczędzasz", "экономия",   "現省",        "省下",       "點",
                       "points",      "punkte",     "punti",       "pkt"});
}

// "€ 10 - € 20", "10–20 zł": two amounts joined by a dash (price_parser reads the
// low end).
bool is_range(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '-' && text[i] != '~' && text.substr(i, 3) != "–") continue;
    std::size_t before = i;
    while (before > 0 && (text[before - 1] == ' ' || !is_digit(text[before - 1])) &&
           i - before < 6) {
      --before;
    }
    std::size_t after = i + 1;
    while (after < text.size() && !is_digit(text[after]) && after - i < 6) ++after;
    if (before > 0 && is_digit(text[before - 1]) && after < text.size() && is_digit(text[after])) {
      return true;
    }
  }
  return false;
}

struct walk_state {
  const GumboNode* node;
  std::size_t parent;  // the order of the nearest element ancestor, 0 for none
  int named_distance;  // levels below the nearest price-named ancestor, large when none
  bool struck;
  bool related;
  bool regular;     // inside an element named for the regular price
  bool instalment;  // inside an element named for an instalment
  bool chrome;
  bool hidden;
  bool in_h1;  // inside a heading h1: a product name ("Sleeve S/M") is no price
};

// Markup that keeps an element off the screen: templates for other states of the page
// ("Image unavailable", the price of a variant not chosen).
bool is_hidden(const element_attributes& attrs) {
  if (attrs.hidden) return true;
  if (const auto style = attrs.style) {
    std::string compact;
    for (char c : *style) {
      if (c != ' ') compact.push_back(to_lower_ascii(c));
    }
    if (compact.find("display:none") != std::string::npos ||
        compact.find("visibility:hidden") != std::string::npos) {
      return true;
    }
  }
  const std::string_view cls = attrs.cls;
  return has_token(cls, "hidden") || has_token(cls, "a-hidden") || has_token(cls, "d-none") ||
         has_token(cls, "hide") || has_token(cls, "is-hidden");
}

struct h1_seen {
  std::string text;
  std::size_t order;
  bool chrome;
};

// The subtree end of every element: with elements numbered in document (pre-)order,
// an element's subtree is the range from its order to its last descendant's.
std::vector<std::uint32_t> subtree_ends(const std::vector<std::uint32_t>& parents) {
  std::vector<std::uint32_t> last(parents.size());
  for (std::size_t k = 0; k < parents.size(); ++k) last[k] = static_cast<std::uint32_t>(k + 1);
  for (std::size_t k = parents.size(); k > 0; --k) {
    const std::uint32_t p = parents[k - 1];
    if (p != 0) last[p - 1] = std::max(last[p - 1], last[k - 1]);
  }
  return last;
}

// Sets scan.buy_order (the add-to-cart control nearest the main h1 in the tree) and
// scan.box.
void find_buy_box(page_scan& scan, const std::vector<std::uint32_t>& parents,
                  const std::vector<std::uint32_t>& last,
                  const std::vector<std::size_t>& buy_controls, std::size_t body_order) {
  if (!buy_controls.empty()) scan.buy_order = buy_controls.front();
  const std::size_t h1 = scan.main_h1_order;
  if (h1 == 0 || h1 > parents.size()) return;
  // The h1's ancestors, nearest first.
  std::vector<std::size_t> ancestors;
  for (std::size_t a = parents[h1 - 1]; a != 0 && ancestors.size() < max_box_climb;
       a = parents[a - 1]) {
    ancestors.push_back(a);
  }
  if (ancestors.empty()) return;
  std::size_t root = ancestors.front();  // without an add-to-cart control: the h1's parent
  std::optional<std::size_t> control;
  std::size_t best_span = 0;
  for (const std::size_t b : buy_controls) {
    for (const std::size_t a : ancestors) {
      if (b < a || b > last[a - 1]) continue;
      const std::size_t span = last[a - 1] - a;
      const auto gap = [&](std::size_t x) { return x > h1 ? x - h1 : h1 - x; };
      if (!control || span < best_span || (span == best_span && gap(b) < gap(*control))) {
        control = b;
        best_span = span;
        root = a;
      }
      break;
    }
  }
  if (control) scan.buy_order = control;
  if (root <= body_order) {
    // The h1 and the control only meet at the page itself (a flat page, or the name in
    // a page header): the box is then the control's own block, which holds its price.
    if (!control || parents[*control - 1] <= body_order) return;
    root = parents[*control - 1];
  }
  scan.box = {root, last[root - 1]};
}

// The first stock phrase shown in the buy box, or without one, beside the main h1 (a
// "no longer available" notice in place of the price).
void read_box_availability(page_scan& scan, const std::vector<std::uint32_t>& parents,
                           const std::vector<std::uint32_t>& last,
                           const std::vector<const GumboNode*>& nodes) {
  std::size_t first = scan.box.first;
  std::size_t end = scan.box.last;
  if (first == 0) {
    const std::size_t h1 = scan.main_h1_order;
    if (h1 == 0 || h1 > parents.size() || parents[h1 - 1] == 0) return;
    first = parents[h1 - 1];
    end = last[first - 1];
  }
  end = std::min({end, first + max_box_stock_elements, nodes.size()});
  for (std::size_t order = first; order <= end; ++order) {
    const GumboNode* node = nodes[order - 1];
    const GumboTag tag = tag_of(node);
    if (is_skipped(tag) || !has_own_text(node)) continue;
    const std::string t = text_content(node, 121);
    if (t.empty() || t.size() > 120) continue;
    if (auto a = availability_from_text(t)) {
      scan.box_availability = std::move(a);
      return;
    }
  }
}

// The main heading names the product.
void choose_main_h1(page_scan& scan, const std::vector<h1_seen>& h1s) {
  // The main heading names the product: the h1 the page title repeats, else the first
  // outside the page header, else the first.
  const h1_seen* main = nullptr;
  if (scan.title) {
    double best = 0.5;
    for (const auto& h : h1s) {
      const double overlap = word_overlap(h.text, *scan.title, " |-,()");
      if (overlap > best) {
        best = overlap;
        main = &h;
      }
    }
  }
  for (const auto& h : h1s) {
    if (main == nullptr && !h.chrome) main = &h;
  }
  if (main == nullptr && !h1s.empty()) main = &h1s.front();
  if (main != nullptr) {
    scan.main_h1 = main->text;
    scan.main_h1_order = main->order;
  }
}

}  // namespace

std::optional<std::string> availability_from_text(std::string_view text) {
  const std::string t = lower(text);
  if (contains_any_lower(t, {"out of stock",
                             "sold out",
                             "currently unavailable",
                             "unavailable",
                             "not available",
                             "no longer available",
                             "notify me",
                             "nicht mehr verfügbar",
                             "benachrichtigen",
                             "n'est plus disponible",
                             "m'alerter",
                             "ya no está disponible",
                             "avísame",
                             "avise-me",
                             "non più disponibile",
                             "avvisami",
                             "niet meer leverbaar",
                             "mail mij",
                             "wycofany",
                             "powiadom o dostępności",
                             "har utgått",
                             "bevaka",
                             "er utgået",
                             "varsle meg",
                             "er udgået",
                             "udsolgt",
                             "utsolgt",
                             "slut i lager",
                             "giv mig besked",
                             "販売終了",
                             "入荷お知らせ",
                             "se již neprodává",
                             "hlídat dostupnost",
                             "artık satılmıyor",
                             "gelince haber ver",
                             "nicht verfügbar",
                             "ausverkauft",
                             "nicht lieferbar",
                             "épuisé",
                             "rupture de stock",
                             "indisponible",
                             "agotado",
                             "sin stock",
                             "no disponible",
                             "esaurito",
                             "non disponibile",
                             "niedostępny",
                             "brak w magazynie",
                             "wyprzedan",
                             "нет в наличии",
                             "распродан",
                             "在庫切れ",
                             "売り切れ",
                             "품절",
                             "缺貨",
                             "售完",
                             "缺货",
                             "loppuunmyyty",
                             "ei saatavilla",
                             "uitverkocht",
                             "niet beschikbaar",
                             "esgotado",
                             "indisponível",
                             "stokta yok",
                             "tükendi",
                             "nedostupné",
                             "vyprodáno",
                             "stoc epuizat",
                             "indisponibil",
                             "نفذت الكمية",
                             "غير متوفر"})) {
    return "OutOfStock";
  }
  if (contains_any_lower(
          t, {"pre-order", "preorder", "vorbestell", "précommande", "reserva", "予約"})) {
    return "PreOrder";
  }
  if (contains_any_lower(
          t,
          {"in stock",      "available",   "auf lager",  "lieferbar",   "en stock",  "disponible",
           "en existencia", "disponibile", "dostępny",   "na stanie",   "в наличии", "在庫あり",
           "現貨",          "有货",        "varastossa", "op voorraad", "em stock",  "em estoque",
           "disponível",    "stokta",      "skladem",    "în stoc",     "in stoc",   "متوفر"})) {
    return "InStock";
  }
  return std::nullopt;
}

std::string strip_site_suffix(std::string_view title) {
  std::string t = collapse_whitespace(title);
  for (const std::string_view sep : {" | "sv, "｜"sv, " – "sv, " — "sv, " :: "sv}) {
    const std::size_t at = t.rfind(sep);
    // Only a short tail is a site name; a long one is part of the product's name.
    if (at != std::string::npos && at > 0 && t.size() - at - sep.size() <= 40) {
      t.resize(at);
    }
  }
  // Amazon-style "Amazon.com | Product | Category": a site name in front.
  if (const std::size_t at = t.find(" | "); at != std::string::npos && at <= 20) {
    t.erase(0, at + 3);
  }
  return collapse_whitespace(t);
}

page_scan scan_page(const GumboNode* document) {
  page_scan scan;
  std::vector<h1_seen> h1s;
  std::size_t order = 0;
  std::vector<walk_state> stack{
      {document, 0, 1000, false, false, false, false, false, false, false}};
  // parents[k]: the order of element k+1's parent element (0 for the root): the buy box
  // is found from these links after the walk, in time linear in the elements.
  std::vector<std::uint32_t> parents;
  std::vector<std::size_t> buy_controls;
  std::vector<const GumboNode*> nodes;  // nodes[k]: element k+1
  std::size_t body_order = 0;
  std::optional<std::string> stock_text_availability;
  std::optional<std::string> availability_named;  // from an element named "availability"
  element_attributes attrs;                       // buffers reused for every element
  price_text_buffers text_buffers;
  // The last text asked whether it has a currency sign: a price and the elements
  // wrapped around it often have the same text ("<div><span>CHF 9.90</span></div>"),
  // and parse_price() is the dearest question of the walk.
  std::string last_parsed;
  bool last_parsed_has_currency = false;
  bool have_last_parsed = false;
  while (!stack.empty()) {
    const walk_state state = stack.back();
    stack.pop_back();
    count_work();
    const GumboNode* node = state.node;
    if (node->type != GUMBO_NODE_DOCUMENT && !is_element(node)) continue;
    walk_state inner = state;
    inner.named_distance = state.named_distance + 1;
    if (is_element(node)) {
      ++order;
      parents.push_back(static_cast<std::uint32_t>(state.parent));
      nodes.push_back(node);
      inner.parent = order;
      const GumboTag tag = tag_of(node);
      if (tag == GUMBO_TAG_BODY && body_order == 0) body_order = order;
      if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
          tag == GUMBO_TAG_NOSCRIPT) {
        continue;
      }
      if (tag == GUMBO_TAG_HTML && scan.lang.empty()) {
        scan.lang = std::string(attribute(node, "lang").value_or(""));
      }
      if (tag == GUMBO_TAG_TITLE && !scan.title) {
        std::string t = text_content(node, max_title_bytes);
        if (!t.empty()) scan.title = std::move(t);
      }
      read_attributes(node, attrs);
      const std::string_view names = attrs.names;
      if (is_chrome(tag)) inner.chrome = true;
      if (names_related(names) || block_of_other_products(node)) inner.related = true;
      const old_price_naming naming = name_old_price(names);
      if (naming.regular) inner.regular = true;
      if (naming.instalment) inner.instalment = true;
      if (is_struck(node, attrs, naming.old)) inner.struck = true;
      if (is_hidden(attrs)) inner.hidden = true;
      if (tag == GUMBO_TAG_H1) inner.in_h1 = true;
      if (tag == GUMBO_TAG_H1 && h1s.size() < max_h1) {
        std::string t = text_content(node, max_title_bytes);
        if (!t.empty()) h1s.push_back({std::move(t), order, state.chrome});
      }
      if (buy_controls.size() < max_buy_controls && !state.related && !inner.hidden &&
          is_buy_control(node, attrs)) {
        buy_controls.push_back(order);
      }
      // Stock state: a visible element named for it, with a short text.
      if (!availability_named && !inner.related && !inner.hidden &&
          contains_any_lower(attrs.lowered,
                             {"availability", "stock", "avail", "lagerstatus", "dispo"}) &&
          !contains_any_lower(attrs.lowered,
                              {"stockist", "out-of-stock", "sold-out", "in-stock"}) &&
          // Elements named for one state ("unavailable-label") are templates that CSS
          // shows in that state only; their text says nothing about this page.
          !has_name_word(names, {"unavailable", "outofstock", "soldout", "instock", "nostock",
                                 "available", "notavailable", "oos"})) {
        const std::string t = text_content(node, 120);
        if (!t.empty() && t.size() <= 120) {
          auto a = availability_from_text(t);
          if (a && attrs.lowered.find("availability") != std::string::npos) {
            availability_named = a;
          }
          if (a && !stock_text_availability) stock_text_availability = a;
        }
      }
      if (inner.struck && !state.struck && !inner.hidden &&
          scan.struck_amounts.size() < max_struck_amounts) {
        record_struck_amount(node, text_buffers, scan.struck_amounts);
      }
      const bool self_named = names_price(attrs.lowered);
      if (self_named) inner.named_distance = 0;
      if (!inner.struck && !inner.in_h1 && scan.prices.size() < max_price_elements) {
        const bool named = self_named || state.named_distance + 1 <= max_named_distance;
        if ((self_named || has_own_text(node) || node->v.element.children.length <= 12) &&
            tag != GUMBO_TAG_BODY && tag != GUMBO_TAG_HTML) {
          price_text(node, max_price_text + 1, text_buffers);
          const std::string& text = text_buffers.text;
          const bool has_digit = std::any_of(text.begin(), text.end(), is_digit);
          const auto has_currency = [&] {
            if (cannot_hold_currency(text)) return false;
            if (!have_last_parsed || text != last_parsed) {
              last_parsed = text;
              last_parsed_has_currency = parse_price(text).currency_token.has_value();
              have_last_parsed = true;
            }
            return last_parsed_has_currency;
          };
          // Unnamed elements count only with a currency sign: pages are full of
          // short numbers.
          // The product's name is no price, even when it reads like one ("Sleeve S/M").
          const bool is_heading = !h1s.empty() && text == h1s.back().text;
          if (has_digit && text.size() <= max_price_text && !is_heading &&
              (named || has_currency())) {
            price_element e;
            e.text = text;
            e.order = order;
            e.block = state.parent != 0 && parents[state.parent - 1] != 0
                          ? parents[state.parent - 1]
                          : state.parent;
            e.named = named;
            e.in_related = inner.related;  // state.related || names_related(names), known
            e.regular = inner.regular;
            e.instalment = inner.instalment;
            e.in_chrome = inner.chrome;
            e.hidden = inner.hidden;
            // The nearest ancestor that says more than the element: "Total" in the
            // next cell, "3 x" before an instalment.
            const GumboNode* up = node->parent;
            for (int level = 0; level < 3 && up != nullptr && is_element(up); ++level) {
              std::string context = text_content(up, 161);
              if (context.size() > 160) break;
              if (context.size() > e.text.size() + 1) {
                e.context = std::move(context);
                break;
              }
              up = up->parent;
            }
            e.beside_choice = beside_choice(node);
            e.why = self_named ? "price-named element"
                    : named    ? "inside a price-named element"
                               : "short text";
            scan.prices.push_back(std::move(e));
          }
        }
      }
    }
    const GumboVector& kids =
        node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
    for (unsigned int k = kids.length; k > 0; --k) {
      walk_state child = inner;
      child.node = static_cast<const GumboNode*>(kids.data[k - 1]);
      stack.push_back(child);
    }
  }
  scan.availability = availability_named ? availability_named : stock_text_availability;
  choose_main_h1(scan, h1s);
  const std::vector<std::uint32_t> last = subtree_ends(parents);
  find_buy_box(scan, parents, last, buy_controls, body_order);
  read_box_availability(scan, parents, last, nodes);
  for (auto& e : scan.prices) {
    e.last = e.order <= last.size() ? last[e.order - 1] : e.order;
    e.block_last = e.block != 0 && e.block <= last.size() ? last[e.block - 1] : e.last;
  }
  return scan;
}

namespace {

// Words that open the text of a price that is not the one to pay now: a former, list,
// recommended or estimated price. Matched at the start of the (lower-case) text or of
// its context, where shops put the label ("statt 1.499,00 €", "De: R$ 3.299,00").
constexpr auto not_current_labels = std::to_array<std::string_view>({
    "was ",
    "was:",
    "rrp",
    "list price",
    "m.r.p",
    "mrp",
    "msrp",
    "statt",
    "uvp",
    "bisher",
    "ursprünglich",
    "au lieu de",
    "prix de référence",
    "prix conseillé",
    "antes",
    "precio anterior",
    "pvp recomendado",
    "de ",
    "de:",
    "preço sugerido",
    "prima era",
    "prezzo consigliato",
    "prezzo di listino",
    "van ",
    "adviesprijs",
    "oude prijs",
    "cena regularna",
    "cena katalogowa",
    "najniższa cena",
    "ord. pris",
    "rek. pris",
    "tidigare pris",
    "før",
    "førpris",
    "veil. pris",
    "vejl. pris",
    "normalpris",
    "通常価格",
    "参考価格",
    "メーカー希望小売価格",
    "建議售價",
    "původní cena",
    "běžná cena",
    "doporučená cena",
    "eski fiyat",
    "liste fiyatı",
    "piyasa fiyatı",
    // The original price, in words.
    "original price",
    "originalpreis",
    "oorspronkelijk",
    "prix initial",
    "prix d'origine",
    "precio original",
    "prezzo originale",
    "preço original",
    // The EU's lowest price of the last 30 days (Omnibus directive), shown beside a
    // reduced price in every member state's language.
    "lowest price",
    "niedrigster",
    "prix le plus bas",
    "precio más bajo",
    "prezzo più basso",
    "laagste prijs",
    "lägsta pris",
    "laveste pris",
    "nejnižší cena",
    "preço mais baixo",
    "estimate",
    "estimated",
    "stima",
    "schätzpreis",
    "estimation",
    "estimación",
});

// Before-tax labels: the page shows the tax-inclusive price as the one to pay.
constexpr auto tax_excluded_labels = std::to_array<std::string_view>({
    "税抜",
    "税別",
    "excl. vat",
    "excl. tax",
    "ex. vat",
    "ex vat",
    "excluding vat",
    "zzgl. mwst",
    "ohne mwst",
    "exkl. mwst",
    "netto",
    "hors taxe",
    " ht",
    "sin iva",
    "bez dph",
    "+消費税",
    "+ vat",
});

// A converted amount shown beside the seller's own.
constexpr auto converted_labels = std::to_array<std::string_view>({
    "approximately",
    "approx",
    "ca. ",
    "environ",
    "circa",
    "約",
});

template <std::size_t N>
bool starts_with_any(std::string_view lowered, const std::array<std::string_view, N>& labels) {
  for (const auto l : labels) {
    if (lowered.substr(0, l.size()) == l) return true;
  }
  return false;
}

template <std::size_t N>
bool contains_any_of(std::string_view lowered, const std::array<std::string_view, N>& labels) {
  for (const auto l : labels) {
    if (lowered.find(l) != std::string_view::npos) return true;
  }
  return false;
}

// The text of the element without what precedes the amount's own label inside a
// context: the context "Preis: 19,99 € statt 24,99 €" starts the main price's block,
// so only a context that starts with a label marks the element.
// A long label ("Prezzo più basso degli ultimi 30 giorni: 79,90 €") still marks the
// element when no other amount with a currency stands between it and the element.
bool labelled_not_current(std::string_view text, std::string_view context) {
  if (starts_with_any(text, not_current_labels)) return true;
  if (context.empty() || !starts_with_any(context, not_current_labels)) return false;
  if (context.size() < text.size() + 40) return true;
  const std::size_t at = context.find(text);
  return at != std::string_view::npos &&
         !parse_price(context.substr(0, at)).currency_token.has_value();
}

double nearness(std::size_t a, std::size_t b) {
  const double d = a > b ? static_cast<double>(a - b) : static_cast<double>(b - a);
  return 1.0 / (1.0 + d / 60.0);
}

// The visible features of one parsed price element.
void set_visible_features(const page_scan& scan, const price_element& e, const parsed_price& parsed,
                          features& f) {
  const std::string text = lower(e.text);
  const std::string context = lower(e.context);
  f[feature::src_visible] = 1;
  f[feature::v_named] = e.named ? 1 : 0;
  f[feature::v_sign] = parsed.currency_token ? 1 : 0;
  if (scan.main_h1_order > 0) {
    f[feature::v_near_h1] = static_cast<float>(nearness(e.order, scan.main_h1_order));
  }
  if (scan.buy_order)
    f[feature::v_near_buy] = static_cast<float>(nearness(e.order, *scan.buy_order));
  f[feature::v_in_box] = scan.box.holds(e.order) ? 1 : 0;
  f[feature::v_related] = e.in_related ? 1 : 0;
  f[feature::v_regular_named] = e.regular ? 1 : 0;
  f[feature::v_hidden] = e.hidden ? 1 : 0;
  f[feature::v_chrome] = e.in_chrome ? 1 : 0;
  f[feature::v_other_amount] = mentions_other_amount(text) || e.instalment ? 1 : 0;
  f[feature::v_ctx_other_amount] = !context.empty() && mentions_other_amount(context) ? 1 : 0;
  f[feature::v_not_current] = labelled_not_current(text, context) ? 1 : 0;
  f[feature::v_tax_excl] = contains_any_of(text, tax_excluded_labels) ||
                                   (!context.empty() && context.size() < text.size() + 12 &&
                                    contains_any_of(context, tax_excluded_labels))
                               ? 1
                               : 0;
  f[feature::v_converted] =
      starts_with_any(text, converted_labels) || starts_with_any(context, converted_labels) ? 1 : 0;
  f[feature::v_addon] = (!text.empty() && text.front() == '+') || e.beside_choice ? 1 : 0;
  f[feature::v_zero] = *parsed.amount == "0" ? 1 : 0;
  f[feature::v_offer_label] =
      contains_any_lower(text, {"sale", "now", "our price", "special", "deal", "特價", "售價",
                                "優惠", "offerta", "angebot", "promo", "soldes", "oferta", "por "})
          ? 1
          : 0;
}

// True for an article number beside the amount ("Art.-Nr.: 89268-D42"): read as a
// price, its letter would be a currency ("D", Gambian dalasi).
bool has_article_number(std::string_view text) {
  for (std::size_t i = 0; i + 3 < text.size(); ++i) {
    const auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    if (is_digit(text[i]) && text[i + 1] == '-' && alpha(text[i + 2]) && is_digit(text[i + 3])) {
      return true;
    }
  }
  return false;
}

// The roles that make an amount something other than the price to pay now; a wrapper
// of such an amount plays the same role.
constexpr auto wrapped_roles =
    std::to_array<feature>({feature::v_other_amount, feature::v_not_current, feature::v_tax_excl,
                            feature::v_converted, feature::v_addon});

// An element wrapped around a candidate ("<div><label><input type=checkbox> Tamper</label>
// <span>24,90 €</span></div>") reads the same amount with more words around it, and the
// words seldom say what the inner element's place says (the checkbox beside it, the
// "statt" before it). So a wrapper whose amount only inner candidates with such a role
// state takes their role: the add-on row is an add-on's price, not the first current
// price of the buy box. Inner candidates are looked for among the next
// max_container_look ones (nesting, not the page, bounds it); going backwards lets a
// role climb through several wrappers.
void inherit_wrapped_roles(std::vector<visible_candidate>& out) {
  for (std::size_t i = out.size(); i-- > 0;) {
    visible_candidate& v = out[i];
    bool same_amount = false;
    bool same_current = false;
    std::array<bool, wrapped_roles.size()> roles{};
    for (std::size_t j = i + 1;
         j < out.size() && j <= i + max_container_look && out[j].order <= v.last; ++j) {
      if (out[j].c.price != v.c.price) continue;
      same_amount = true;
      same_current = same_current || looks_current(out[j].f);
      for (std::size_t r = 0; r < wrapped_roles.size(); ++r) {
        roles[r] = roles[r] || out[j].f[wrapped_roles[r]] == 1;
      }
    }
    if (!same_amount || same_current) continue;
    for (std::size_t r = 0; r < wrapped_roles.size(); ++r) {
      if (roles[r]) v.f[wrapped_roles[r]] = 1;
    }
  }
}

// True when a bare number is a piece of a price its parent writes whole: "446" and
// "95" of "R$ <span>1</span>.<span>446</span>,<span>95</span>", the units before a
// <sup> of cents. The parent (the element's context, when short) is its own candidate.
bool is_fragment(const price_element& e, std::string_view amount) {
  if (e.context.empty() || e.context.size() > max_price_text) return false;
  const parsed_price whole = parse_price(e.context);
  return whole.currency_token && whole.amount && *whole.amount != amount;
}

// A price named "regular" is the only price on some platforms (Shopify's
// price-item--regular when nothing is on sale) and the replaced one on others
// (PrestaShop's regular-price before the discounted current-price, Shopify's
// price__regular beside price__sale). It is the replaced one when its price block (the
// subtree of its grandparent) holds a current-looking amount not so named: returns
// those candidates, by index. At most max_container_look * 2 candidates of a block are
// looked at.
std::vector<char> regular_beside_another_price(const std::vector<visible_candidate>& out) {
  std::vector<char> replaced(out.size(), 0);
  const auto regular = [&](std::size_t k) {
    return looks_current(out[k].f) && out[k].f[feature::v_regular_named] == 1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!regular(i) || out[i].block == 0) continue;
    // Candidates are in document order: the block's are a run from its first element.
    const auto from = std::partition_point(
        out.begin(), out.end(), [&](const visible_candidate& v) { return v.order < out[i].block; });
    const auto first = static_cast<std::size_t>(from - out.begin());
    for (std::size_t j = first;
         j < out.size() && j < first + 2 * max_container_look && out[j].order <= out[i].block_last;
         ++j) {
      if (j == i || regular(j) || !looks_current(out[j].f)) continue;
      if (out[j].c.price != out[i].c.price) {
        replaced[i] = 1;
        break;
      }
    }
  }
  return replaced;
}

}  // namespace

std::vector<visible_candidate> visible_candidates(const page_scan& scan,
                                                  std::string_view default_currency,
                                                  std::string_view known_currency) {
  std::vector<visible_candidate> out;
  for (const auto& e : scan.prices) {
    price_parse_options options;
    options.default_currency = default_currency;
    const parsed_price parsed = parse_price(e.text, options);
    if (!parsed.amount) continue;
    // Without a currency sign a number is too often a quantity or an id, unless the
    // element is named for the price and the page states its currency elsewhere.
    const bool sign = parsed.currency_token.has_value();
    if (!sign && !(e.named && !known_currency.empty())) continue;
    if (!sign && is_fragment(e, *parsed.amount)) continue;
    if (has_article_number(e.text)) continue;
    visible_candidate v;
    v.order = e.order;
    v.last = e.last;
    v.block = e.block;
    v.block_last = e.block_last;
    v.c.source = "visible";
    v.c.text = e.text;
    v.c.price = parsed.amount;
    v.c.currency = parsed.currency ? parsed.currency : std::optional<std::string>{};
    if (!sign && !known_currency.empty()) v.c.currency = std::string(known_currency);
    v.c.why = e.why;
    if (is_range(e.text)) v.c.why += "; a range: the low end";
    set_visible_features(scan, e, parsed, v.f);
    out.push_back(std::move(v));
  }
  // A replaced regular price is a former price, for every feature that asks.
  const std::vector<char> replaced = regular_beside_another_price(out);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (replaced[i] != 0) out[i].f[feature::v_not_current] = 1;
  }
  inherit_wrapped_roles(out);
  // Where the current-looking prices sit in the buy box: the first one, and the last
  // before the add-to-cart control.
  // Only the innermost: a container's text also holds the prices beside the main one.
  visible_candidate* first_in_box = nullptr;
  visible_candidate* last_before_buy = nullptr;
  for (std::size_t i = 0; i < out.size(); ++i) {
    visible_candidate& v = out[i];
    if (!looks_current(v.f) || v.f[feature::v_in_box] == 0) continue;
    // A container of another current-looking candidate (looked for among the next
    // max_container_look candidates: nesting, not the page, bounds it).
    bool container = false;
    for (std::size_t j = i + 1;
         j < out.size() && j <= i + max_container_look && out[j].order <= v.last; ++j) {
      container = container || looks_current(out[j].f);
    }
    if (container) continue;
    if (first_in_box == nullptr) first_in_box = &v;
    if (scan.buy_order && v.order < *scan.buy_order) last_before_buy = &v;
  }
  if (first_in_box != nullptr) first_in_box->f[feature::v_first_in_box] = 1;
  if (last_before_buy != nullptr) last_before_buy->f[feature::v_last_before_buy] = 1;
  return out;
}

double word_overlap(std::string_view a, std::string_view b, std::string_view separators) {
  const auto words = [&](std::string_view s) {
    std::vector<std::string> out;
    std::string w;
    for (char c : s) {
      if (separators.find(c) != std::string_view::npos) {
        if (w.size() > 1) out.push_back(w);
        w.clear();
      } else {
        w.push_back(to_lower_ascii(c));
      }
    }
    if (w.size() > 1) out.push_back(w);
    return out;
  };
  const auto wa = words(a);
  const auto wb = words(b);
  if (wa.empty() || wb.empty()) return 0;
  std::size_t shared = 0;
  for (const auto& w : wa) {
    if (std::find(wb.begin(), wb.end(), w) != wb.end()) ++shared;
  }
  return static_cast<double>(shared) / static_cast<double>(std::min(wa.size(), wb.size()));
}

namespace {

// The digits of a canonical decimal without its trailing zeros: "1349.9" -> "13499",
// "1299900" -> "12999". Equal for every way a page writes the amount ("1.349,90 €",
// "$1,349.90"), so comparing them is a cheap test that comes before parsing.
std::string significant_digits(std::string_view amount) {
  std::string out;
  for (char c : amount) {
    if (is_digit(c)) out.push_back(c);
  }
  while (!out.empty() && out.back() == '0') out.pop_back();
  return out;
}

// True when a text node's first number is `wanted` (significant digits, see above) or,
// with the rest of the amount in other elements, its first piece ("37" before a
// "<sup>99</sup>"; VTEX's "R$ <span>2</span>.<span>170</span>,<span>42</span>", whose
// piece "2" is all its node holds). A number is digits with single separators between
// them ('.', ',', '\'', spaces, no-break and thin spaces). Every text node of the page
// is asked, so this reads at most max_price_text bytes and finds the amount's first
// digit with memchr before looking at any byte one by one: a paragraph without it
// costs a vector scan, not a loop.
bool first_number_matches(const char* text, std::string_view wanted) {
  const std::size_t n = strnlen(text, max_price_text);
  const auto* hit = static_cast<const char*>(std::memchr(text, wanted.front(), n));
  if (hit == nullptr) return false;
  const auto start = static_cast<std::size_t>(hit - text);
  // Another number before it is the node's first.
  for (std::size_t k = 0; k < start; ++k) {
    if (is_digit(text[k])) return false;
  }
  std::array<char, max_price_text> digits{};
  std::size_t count = 0;
  std::size_t i = start;
  while (i < n) {
    if (is_digit(text[i])) {
      digits[count++] = text[i++];
      continue;
    }
    // A separator is one byte, or a two- or three-byte space (U+00A0, U+2009, U+202F).
    std::size_t sep = 0;
    if (text[i] == '.' || text[i] == ',' || text[i] == '\'' || text[i] == ' ') {
      sep = 1;
    } else if (text[i] == '\xC2' && text[i + 1] == '\xA0') {
      sep = 2;
    } else if (text[i] == '\xE2' && text[i + 1] == '\x80' &&
               (text[i + 2] == '\x89' || text[i + 2] == '\xAF')) {
      sep = 3;
    }
    if (sep == 0 || i + sep >= n || !is_digit(text[i + sep])) break;
    i += sep;
  }
  while (count > 0 && digits[count - 1] == '0') --count;
  const std::string_view got(digits.data(), count);
  if (got == wanted) return true;
  const bool ends_text = text[i] == '\0';
  return ends_text && (count >= 2 || start == 0) && wanted.starts_with(got);
}

// True when the price text of `node` (at most max_price_text bytes) states `amount`,
// and, with `labelled`, opens with a former-price label ("statt", "UVP", "Ord.pris").
bool element_states(const GumboNode* node, std::string_view amount, bool labelled,
                    price_text_buffers& buffers) {
  price_text(node, max_price_text + 1, buffers, struck_parts::keep);
  const std::string& text = buffers.text;
  if (text.size() > max_price_text || !std::any_of(text.begin(), text.end(), is_digit)) {
    return false;
  }
  if (labelled && !starts_with_any(lower(text), not_current_labels)) return false;
  const parsed_price parsed = parse_price(text);
  return parsed.amount && *parsed.amount == amount;
}

// True when an element is struck through or named for a former price (the evidence
// scan_page reads, in one pass over its attributes).
bool marks_former_price(const GumboNode* node) {
  if (is_struck_tag(tag_of(node))) return true;
  bool former = false;
  for_each_attribute(node, [&](std::string_view name, std::string_view value) {
    if (name == "style") {
      former = contains_ci(value, "line-through");
    } else if (naming_index(name) >= 0) {
      const old_price_naming naming = name_old_price(value);
      former = naming.old || naming.regular;
    }
    return !former;
  });
  return former;
}

// Ancestors of a matching number looked at for what marks it as a former price.
constexpr int max_former_climb = 4;

// True when the text node (whose first number has `amount`'s digits) shows `amount` as
// a former price: inside a struck or old-price-named element whose price text states
// it, or in a short text that opens with a former-price label and states it.
bool shown_as_former(const GumboNode* text_node, std::string_view amount,
                     price_text_buffers& buffers) {
  const GumboNode* up = text_node->parent;
  for (int level = 0; level < max_former_climb && up != nullptr && is_element(up);
       ++level, up = up->parent) {
    const GumboTag tag = tag_of(up);
    if (tag == GUMBO_TAG_BODY || tag == GUMBO_TAG_HTML) break;
    if (marks_former_price(up) && element_states(up, amount, false, buffers)) return true;
    // The label sits in the number's element or beside it: "Ord.pris 1 495 kr",
    // "<dt>UVP</dt><dd>89 €</dd>".
    if (level < 2 && element_states(up, amount, true, buffers)) return true;
  }
  return false;
}

}  // namespace

bool shows_as_former_price(const GumboNode* document, std::string_view amount) {
  const std::string wanted = significant_digits(amount);
  if (wanted.empty() || document == nullptr) return false;
  price_text_buffers buffers;
  // Elements whose children are being walked, with the next child's index: only
  // elements are pushed, text nodes are looked at in place.
  struct frame {
    const GumboVector* kids;
    unsigned int next;
  };
  std::vector<frame> stack{{document->type == GUMBO_NODE_DOCUMENT ? &document->v.document.children
                                                                  : &document->v.element.children,
                            0}};
  while (!stack.empty()) {
    frame& top = stack.back();
    if (top.next == top.kids->length) {
      stack.pop_back();
      continue;
    }
    const auto* node = static_cast<const GumboNode*>(top.kids->data[top.next++]);
    count_work();
    if (node->type == GUMBO_NODE_TEXT) {
      if (first_number_matches(node->v.text.text, wanted) &&
          shown_as_former(node, amount, buffers)) {
        return true;
      }
    } else if ((node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) &&
               !is_skipped(node->v.element.tag)) {
      stack.push_back({&node->v.element.children, 0});
    }
  }
  return false;
}

}  // namespace pricescrape::extract::detail
