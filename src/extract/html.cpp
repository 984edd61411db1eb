// gumbo glue: an owned parse, attribute lookup and text extraction without recursion.
#include "extract/html.hpp"
#include <pricescrape/detail/ascii.hpp>
#include "extract/work.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <utility>

namespace pricescrape::extract::detail {
namespace {

using pricescrape::detail::to_lower_ascii;

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_skipped_for_text(GumboTag tag) noexcept {
  return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
         tag == GUMBO_TAG_NOSCRIPT || tag == GUMBO_TAG_HEAD;
}

// Elements whose edges separate words even when the markup has no space:
// "<td>12</td><td>99</td>" is two numbers, not 1299.
bool is_block(GumboTag tag) noexcept {
  switch (tag) {
    case GUMBO_TAG_BR:
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
      return true;
    default:
      return false;
  }
}

// Appends `text` to `out`, turning whitespace runs into one space, until `out` is
// longer than `max_out`. Returns how many bytes of `text` were read.
std::size_t append_collapsed(std::string& out, std::string_view text,
                             std::size_t max_out = std::string::npos) {
  std::size_t i = 0;
  while (i < text.size() && out.size() <= max_out) {
    const char c = text[i];
    const bool nbsp = c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
    if (is_ascii_space(c) || nbsp) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      i += nbsp ? 2 : 1;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return i;
}

bool is_ascii_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (const auto n : names) {
    if (n == name) return true;
  }
  return false;
}

// Elements that never hold children, or whose end tag is usually implied: they do not
// deepen the tree in the estimate below.
bool is_flat_element(std::string_view name) {
  return is_one_of(name, {"area",  "base",  "br",     "col",      "embed",  "hr",       "img",
                          "input", "link",  "meta",   "param",    "source", "track",    "wbr",
                          "p",     "li",    "dt",     "dd",       "option", "optgroup", "tr",
                          "td",    "th",    "thead",  "tbody",    "tfoot",  "colgroup", "rt",
                          "rp",    "image", "keygen", "basefont", "frame"});
}

bool is_raw_text_element(std::string_view name) {
  return is_one_of(
      name, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"});
}

// Position of "</name" (ASCII case-insensitive) at or after `from`, or npos.
std::size_t find_end_tag(std::string_view text, std::string_view name, std::size_t from) {
  while ((from = text.find("</", from)) != std::string_view::npos) {
    bool same = from + 2 + name.size() <= text.size();
    for (std::size_t k = 0; same && k < name.size(); ++k) {
      same = to_lower_ascii(text[from + 2 + k]) == name[k];
    }
    if (same) return from;
    from += 2;
  }
  return std::string_view::npos;
}

// Where the tag whose attributes start at `from` ends (its '>'), or npos, tokenizing
// attributes as the HTML standard does (a quoted value may hold '>'). Sets
// `excess_from` to where its attribute number `max_attributes + 1` starts, or npos.
std::size_t scan_attributes(std::string_view text, std::size_t from, std::size_t max_attributes,
                            std::size_t& excess_from) {
  excess_from = std::string_view::npos;
  std::size_t count = 0;
  std::size_t j = from;
  const std::size_t n = text.size();
  while (j < n) {
    // Before an attribute name: spaces and stray slashes.
    while (j < n && (is_ascii_space(text[j]) || text[j] == '/')) ++j;
    if (j >= n || text[j] == '>') return j < n ? j : std::string_view::npos;
    if (++count == max_attributes + 1) excess_from = j;
    ++j;  // the first character of a name may be anything, even '=' or a quote
    while (j < n && !is_ascii_space(text[j]) && text[j] != '/' && text[j] != '>' &&
           text[j] != '=') {
      ++j;
    }
    while (j < n && is_ascii_space(text[j])) ++j;
    if (j >= n || text[j] != '=') continue;  // no value: the next name (or the end)
    ++j;
    while (j < n && is_ascii_space(text[j])) ++j;
    if (j < n && (text[j] == '"' || text[j] == '\'')) {
      const std::size_t close = text.find(text[j], j + 1);
      if (close == std::string_view::npos) return std::string_view::npos;
      j = close + 1;
    } else {
      while (j < n && !is_ascii_space(text[j]) && text[j] != '>') ++j;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t limit_nesting(std::string& text, std::size_t max_depth, std::size_t max_attributes) {
  std::size_t blanked = 0;
  std::size_t depth = 0;
  std::size_t dropped = 0;  // start tags blanked whose end tags are still to come
  std::size_t i = 0;
  const auto blank = [&](std::size_t from, std::size_t to) {
    ++blanked;
    std::fill(text.begin() + static_cast<std::ptrdiff_t>(from),
              text.begin() + static_cast<std::ptrdiff_t>(to), ' ');
  };
  while ((i = text.find('<', i)) != std::string::npos && i + 1 < text.size()) {
    count_work();
    if (text.compare(i, 4, "<!--") == 0) {
      const std::size_t end = text.find("-->", i + 4);
      if (end == std::string::npos) break;
      i = end + 3;
      continue;
    }
    if (text[i + 1] == '!' || text[i + 1] == '?') {
      i = text.find('>', i);
      if (i == std::string::npos) break;
      continue;
    }
    const bool closing = text[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    if (j >= text.size() || !is_ascii_alpha(text[j])) {
      ++i;
      continue;
    }
    std::string name;
    while (j < text.size() && !is_ascii_space(text[j]) && text[j] != '/' && text[j] != '>') {
      if (name.size() < 32) name.push_back(to_lower_ascii(text[j]));
      ++j;
    }
    std::size_t excess_from = std::string::npos;
    j = scan_attributes(text, j, closing ? SIZE_MAX : max_attributes, excess_from);
    if (j == std::string::npos) break;
    count_work((j - i) / 64);
    const bool self_closing = text[j - 1] == '/';
    if (excess_from != std::string::npos) {
      blank(excess_from, self_closing ? j - 1 : j);
    }
    if (closing) {
      if (dropped > 0 && !is_flat_element(name)) {
        blank(i, j + 1);
        --dropped;
      } else if (!is_flat_element(name) && depth > 0) {
        --depth;
      }
      i = j + 1;
      continue;
    }
    if (!is_flat_element(name) && !self_closing) {
      if (depth >= max_depth) {
        blank(i, j + 1);
        ++dropped;
      } else {
        ++depth;
      }
    }
    i = j + 1;
    if (is_raw_text_element(name) && !self_closing) {
      const std::size_t end = find_end_tag(text, name, i);
      if (end == std::string::npos) break;
      i = end;
    }
  }
  return blanked;
}

gumbo_arena::~gumbo_arena() {
  header* h = head_;
  while (h != nullptr) {
    header* next = h->next;
    std::free(h);
    h = next;
  }
}

void* gumbo_arena::allocate(void* self, std::size_t size) {
  auto* arena = static_cast<gumbo_arena*>(self);
  // The header is 16 bytes, so the block keeps malloc's alignment.
  static_assert(sizeof(header) == 16);
  void* raw = std::malloc(sizeof(header) + size);
  if (raw == nullptr) {
    // gumbo dereferences what it allocates and an exception must not unwind through
    // its C frames, so running out of memory here ends the process.
    std::abort();
  }
  auto* h = static_cast<header*>(raw);
  h->prev = nullptr;
  h->next = arena->head_;
  if (arena->head_ != nullptr) arena->head_->prev = h;
  arena->head_ = h;
  return h + 1;
}

void gumbo_arena::deallocate(void* self, void* ptr) {
  if (ptr == nullptr) return;
  auto* arena = static_cast<gumbo_arena*>(self);
  auto* h = static_cast<header*>(ptr) - 1;
  if (h->prev != nullptr) h->prev->next = h->next;
  if (h->next != nullptr) h->next->prev = h->prev;
  if (arena->head_ == h) arena->head_ = h->next;
  std::free(h);
}

html_document::html_document(std::string utf8, parser how) : text_(std::move(utf8)) {
  if (how == parser::light_first) {
    std::size_t depth = 0;
    document_ = build_light_tree(text_, nodes_, &depth);
    // gumbo gets the page through limit_nesting, whose depth is an estimate: on a deep
    // page the light tree stands only if the estimate blanks nothing, or the two paths
    // would build different trees (the light_html fuzzer found a page 500 deep).
    if (document_ != nullptr && depth > max_nesting_depth / 2) {
      std::string copy = text_;
      if (limit_nesting(copy, max_nesting_depth) > 0) document_ = nullptr;
    }
    if (document_ != nullptr) {
      for (unsigned i = 0; i < document_->v.document.children.length; ++i) {
        const auto* child = static_cast<const GumboNode*>(document_->v.document.children.data[i]);
        if (child->type == GUMBO_NODE_ELEMENT) root_ = child;
      }
      return;
    }
  }
  limit_nesting(text_, max_nesting_depth);
  // gumbo's parse cannot be interrupted: look at the stop flag just before and after.
  check_stop();
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &gumbo_arena::allocate;
  options.deallocator = &gumbo_arena::deallocate;
  options.userdata = &arena_;
  options.max_errors = 0;  // we never read parse errors; don't pay for collecting them
  output_ = gumbo_parse_with_options(&options, text_.data(), text_.size());
  document_ = output_->document;
  root_ = output_->root;
  // No gumbo_destroy_output: the arena frees everything, iteratively, after this.
  count_work(text_.size() / 64);
  check_stop();
}

bool is_element(const GumboNode* node) noexcept {
  return node != nullptr && (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE);
}

GumboTag tag_of(const GumboNode* node) noexcept {
  return is_element(node) ? node->v.element.tag : GUMBO_TAG_UNKNOWN;
}

std::string tag_name(const GumboNode* node) {
  if (!is_element(node)) return {};
  const GumboElement& e = node->v.element;
  if (e.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(e.tag);
  GumboStringPiece piece = e.original_tag;
  gumbo_tag_from_original_text(&piece);
  std::string name(piece.data != nullptr ? piece.data : "", piece.length);
  for (char& c : name) c = to_lower_ascii(c);
  return name;
}

std::optional<std::string_view> attribute(const GumboNode* node, std::string_view name) {
  if (!is_element(node)) return std::nullopt;
  const GumboVector& attrs = node->v.element.attributes;
  for (unsigned int i = 0; i < attrs.length; ++i) {
    const auto* attr = static_cast<const GumboAttribute*>(attrs.data[i]);
    // Compared without strlen: this runs for every attribute of every element read.
    if (attr->name != nullptr && !name.empty() && attr->name[0] == name[0] &&
        std::strncmp(attr->name, name.data(), name.size()) == 0 &&
        attr->name[name.size()] == '\0') {
      return std::string_view(attr->value != nullptr ? attr->value : "");
    }
  }
  return std::nullopt;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && is_ascii_space(list[i])) ++i;
    std::size_t end = i;
    while (end < list.size() && !is_ascii_space(list[end])) ++end;
    if (end - i == token.size()) {
      bool same = true;
      for (std::size_t k = 0; k < token.size() && same; ++k) {
        same = to_lower_ascii(list[i + k]) == to_lower_ascii(token[k]);
      }
      if (same && end > i) return true;
    }
    i = end;
  }
  return false;
}

bool contains_ci(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.empty()) return true;
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < needle.size() && same; ++k) {
      same = to_lower_ascii(haystack[i + k]) == to_lower_ascii(needle[k]);
    }
    if (same) return true;
  }
  return false;
}

std::vector<const GumboNode*> children(const GumboNode* node) {
  std::vector<const GumboNode*> out;
  if (node == nullptr) return out;
  const GumboVector* kids = nullptr;
  if (node->type == GUMBO_NODE_DOCUMENT) {
    kids = &node->v.document.children;
  } else if (is_element(node)) {
    kids = &node->v.element.children;
  } else {
    return out;
  }
  out.reserve(kids->length);
  for (unsigned int i = 0; i < kids->length; ++i) {
    out.push_back(static_cast<const GumboNode*>(kids->data[i]));
  }
  return out;
}

std::string text_content(const GumboNode* node, std::size_t max_bytes, node_predicate skip) {
  std::string out;
  if (node == nullptr) return out;
  text_walk_budget budget(max_bytes);
  bool exhausted = false;
  // The open elements, each with the index of its next child: children are taken one
  // at a time, so a walk that stops early never touches the rest (pushing all of a
  // <body>'s 250,000 children for a 161-byte context was most of a big page's time).
  struct frame {
    const GumboVector* kids;
    unsigned int next;
    bool block;  // a space goes where it ends
  };
  std::vector<frame> stack;
  const auto enter = [&](const GumboNode* n) {
    switch (n->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA: {
        // Read no further than this walk may (strnlen: a megabyte of spaces is one).
        const char* text = n->v.text.text != nullptr ? n->v.text.text : "";
        const std::string_view piece(text, strnlen(text, budget.scan_limit()));
        const std::size_t read = append_collapsed(out, piece, max_bytes);
        if (!budget.take_text(read) || (read == piece.size() && text[read] != '\0')) {
          exhausted = true;
        }
        return;
      }
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_DOCUMENT: {
        if (n != node && n->type == GUMBO_NODE_ELEMENT &&
            (is_skipped_for_text(n->v.element.tag) || (skip != nullptr && skip(n)))) {
          return;
        }
        const bool block = n->type == GUMBO_NODE_ELEMENT && is_block(n->v.element.tag);
        if (block && !out.empty() && out.back() != ' ') out.push_back(' ');
        stack.push_back(
            {n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children : &n->v.element.children, 0,
             block});
        return;
      }
      default:
        return;  // comments, templates
    }
  };
  if (budget.take()) enter(node);
  while (!stack.empty() && out.size() < max_bytes && !exhausted) {
    frame& top = stack.back();
    if (top.next == top.kids->length) {
      if (top.block && !out.empty() && out.back() != ' ') out.push_back(' ');
      stack.pop_back();
      continue;
    }
    if (!budget.take()) break;
    enter(static_cast<const GumboNode*>(top.kids->data[top.next++]));
  }
  if (out.size() > max_bytes) {
    // Cut on a code point boundary so the result stays valid UTF-8.
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  return out;
}

std::string raw_text(const GumboNode* node) {
  std::string out;
  if (!is_element(node)) return out;
  const GumboVector& kids = node->v.element.children;
  for (unsigned int i = 0; i < kids.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(kids.data[i]);
    if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE ||
        child->type == GUMBO_NODE_CDATA) {
      out.append(child->v.text.text != nullptr ? child->v.text.text : "");
    }
  }
  return out;
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_collapsed(out, text);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  return out;
}

}  // namespace pricescrape::extract::detail
