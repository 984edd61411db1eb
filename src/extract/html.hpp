// A gumbo document with owned memory, and the DOM helpers extraction needs. Private to
// extract/: gumbo's header stays out of the public ones.
#pragma once

#include <gumbo.h>

#include "extract/light_html.hpp"
#include "extract/work.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract::detail {

// Every allocation gumbo makes during one parse, in an intrusive list, so the whole
// tree is released in a loop. gumbo_destroy_output frees the tree recursively, which
// a page nested a million deep would turn into a stack overflow.
class gumbo_arena {
 public:
  gumbo_arena() = default;
  ~gumbo_arena();
  gumbo_arena(const gumbo_arena&) = delete;
  gumbo_arena& operator=(const gumbo_arena&) = delete;

  static void* allocate(void* self, std::size_t size);
  static void deallocate(void* self, void* ptr);

 private:
  struct header {
    header* prev;
    header* next;
  };
  header* head_ = nullptr;
};

// gumbo's tree builder checks element scopes by walking the stack of open elements, so
// its time grows with the depth for every tag (a <p> walks the whole stack): 100,000
// nested divs took half a minute, and a page of "<p></p>" under 12,000 open elements
// would take minutes. Deeper than this, start tags (and their end tags) are blanked
// out before parsing; their text stays. Blink's HTML parser stops nesting at the same
// depth (512), so no page that browsers show as intended needs more.
inline constexpr std::size_t max_nesting_depth = 512;

// Blanks (with spaces, keeping offsets) start tags nested deeper than `max_depth`,
// and the end tags that would close them, by an estimate of the tree depth that
// ignores void elements and those whose end tag is implied (p, li, td, ...); and the
// attributes of a start tag after its first `max_attributes`. One pass.
// Returns how many tags and attribute runs were blanked.
std::size_t limit_nesting(std::string& text, std::size_t max_depth,
                          std::size_t max_attributes = max_attributes_per_element);

// How html_document builds its tree.
enum class parser {
  light_first,  // the light builder; gumbo when it declines (same tree either way)
  gumbo_only,   // always gumbo: the reference the light builder is tested against
};

// A parsed HTML document. Parsing never fails: gumbo recovers from any input the way
// browsers do.
class html_document {
 public:
  explicit html_document(std::string utf8, parser how = parser::light_first);
  ~html_document() = default;
  html_document(const html_document&) = delete;
  html_document& operator=(const html_document&) = delete;

  const GumboNode* root() const noexcept { return root_; }
  const GumboNode* document() const noexcept { return document_; }
  // True when gumbo built the tree (asked for, or the light builder declined).
  bool used_gumbo() const noexcept { return output_ != nullptr; }

 private:
  std::string text_;  // the nodes keep pointers into the source text
  node_arena nodes_;
  gumbo_arena arena_;
  GumboOutput* output_ = nullptr;
  const GumboNode* document_ = nullptr;
  const GumboNode* root_ = nullptr;
};

bool is_element(const GumboNode* node) noexcept;
GumboTag tag_of(const GumboNode* node) noexcept;
// The tag name as written for unknown tags, lower case for known ones.
std::string tag_name(const GumboNode* node);

// An attribute's value, or nullopt when the element does not have it. `name` is
// lower case (gumbo lower-cases attribute names).
std::optional<std::string_view> attribute(const GumboNode* node, std::string_view name);

// Calls visit(name, value) for each attribute of an element, in document order, until
// visit returns false. Names are lower case (as gumbo and the light builder keep them).
template <class Visit>
void for_each_attribute(const GumboNode* node, Visit&& visit) {
  if (!is_element(node)) return;
  const GumboVector& attrs = node->v.element.attributes;
  for (unsigned int i = 0; i < attrs.length; ++i) {
    const auto* attr = static_cast<const GumboAttribute*>(attrs.data[i]);
    if (attr->name == nullptr) continue;
    if (!visit(std::string_view(attr->name),
               std::string_view(attr->value != nullptr ? attr->value : ""))) {
      return;
    }
  }
}

// True when the whitespace-separated `list` contains `token`, ASCII case-insensitively.
bool has_token(std::string_view list, std::string_view token) noexcept;
// True when `haystack` contains `needle`, ASCII case-insensitively.
bool contains_ci(std::string_view haystack, std::string_view needle) noexcept;

// The children of an element or document, in order.
std::vector<const GumboNode*> children(const GumboNode* node);

// Pre-order walk without recursion. `visit(node)` returns false to skip the node's
// subtree. Visits elements, documents and templates only (text nodes are read through
// text_content).
template <class Visit>
void for_each_element(const GumboNode* root, Visit&& visit) {
  if (root == nullptr) return;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!is_element(node) && node->type != GUMBO_NODE_DOCUMENT) continue;
    if (!visit(node)) continue;
    const GumboVector& kids =
        node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
    for (unsigned int i = kids.length; i > 0; --i) {
      stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }
}

// The visible text under `node`, whitespace collapsed to single spaces and trimmed;
// script, style, template and noscript are skipped, and so are descendant elements
// for which `skip` returns true. Stops after about `max_bytes`, and, when `max_bytes`
// is given, after text_walk_nodes(max_bytes) nodes (a subtree that large without that
// much text is no price, name or label), or when the page's allowance of text-walk
// visits is spent (see work.hpp).
using node_predicate = bool (*)(const GumboNode*);
constexpr std::size_t text_walk_nodes(std::size_t max_bytes) noexcept {
  return max_bytes >= (SIZE_MAX - 256) / 16 ? SIZE_MAX : 256 + 16 * max_bytes;
}

// What one text walk may still do: visit a node, or read text_bytes_per_step bytes of
// text (a whitespace run of a megabyte collapses to one space, yet costs its reading
// to every ancestor that asks for its text).
class text_walk_budget {
 public:
  static constexpr std::size_t text_bytes_per_step = 16;
  explicit text_walk_budget(std::size_t max_bytes) noexcept : left_(text_walk_nodes(max_bytes)) {}
  // One node visit; false once this walk's or the page's allowance is spent.
  bool take(std::size_t steps = 1) {
    if (steps > left_) {
      left_ = 0;
      return false;
    }
    left_ -= steps;
    return text_walk_step(steps);
  }
  // After reading `bytes` of one text node.
  bool take_text(std::size_t bytes) { return take(bytes / text_bytes_per_step); }
  // The most text bytes this walk may still read.
  std::size_t scan_limit() const noexcept {
    return left_ >= SIZE_MAX / text_bytes_per_step ? SIZE_MAX : left_ * text_bytes_per_step + 15;
  }

 private:
  std::size_t left_;
};
std::string text_content(const GumboNode* node, std::size_t max_bytes = std::string::npos,
                         node_predicate skip = nullptr);

// The raw text of a script or style element (its text children, unmodified).
std::string raw_text(const GumboNode* node);

// Collapses runs of whitespace (ASCII and no-break spaces) into one space, and trims.
std::string collapse_whitespace(std::string_view text);

}  // namespace pricescrape::extract::detail
