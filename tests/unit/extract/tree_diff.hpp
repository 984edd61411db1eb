// The first difference between two gumbo trees, node for node: how the light builder's
// tree is compared with gumbo's (light_html_test.cpp and the light_html fuzzer).
#pragma once

#include <gumbo.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pricescrape::extract::detail::tree_diff {

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

inline std::string element_name(const GumboNode* n) {
  const GumboElement& e = n->v.element;
  if (e.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(e.tag);
  GumboStringPiece piece = e.original_tag;
  gumbo_tag_from_original_text(&piece);
  return lower(std::string_view(piece.data ? piece.data : "", piece.length));
}

inline const GumboVector* kids_of(const GumboNode* n) {
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
    return &n->v.element.children;
  return nullptr;
}

// The first difference between two trees, as a path and what differs; nullopt when
// they are the same.
inline std::optional<std::string> first_difference(const GumboNode* a, const GumboNode* b) {
  struct item {
    const GumboNode* a;
    const GumboNode* b;
    std::string path;
  };
  std::vector<item> stack{{a, b, "#document"}};
  while (!stack.empty()) {
    const item it = stack.back();
    stack.pop_back();
    if (it.a->type != it.b->type) {
      return it.path + ": node type " + std::to_string(it.a->type) + " vs " +
             std::to_string(it.b->type);
    }
    if (it.a->type == GUMBO_NODE_ELEMENT) {
      const GumboElement& ea = it.a->v.element;
      const GumboElement& eb = it.b->v.element;
      if (element_name(it.a) != element_name(it.b) || ea.tag_namespace != eb.tag_namespace) {
        return it.path + ": element " + element_name(it.a) + " vs " + element_name(it.b);
      }
      if (ea.attributes.length != eb.attributes.length) {
        return it.path + ": attribute count " + std::to_string(ea.attributes.length) + " vs " +
               std::to_string(eb.attributes.length);
      }
      for (unsigned i = 0; i < ea.attributes.length; ++i) {
        const auto* x = static_cast<const GumboAttribute*>(ea.attributes.data[i]);
        const auto* y = static_cast<const GumboAttribute*>(eb.attributes.data[i]);
        // gumbo writes SVG attribute names in their camel case ("viewBox").
        const bool svg = ea.tag_namespace == GUMBO_NAMESPACE_SVG;
        const bool same_name =
            svg ? lower(x->name) == lower(y->name) : std::string_view(x->name) == y->name;
        if (!same_name || std::string_view(x->value) != y->value ||
            x->attr_namespace != y->attr_namespace) {
          return it.path + ": attribute " + x->name + "=\"" + x->value + "\" vs " + y->name +
                 "=\"" + y->value + "\"";
        }
      }
    } else if (it.a->type != GUMBO_NODE_DOCUMENT) {
      if (std::string_view(it.a->v.text.text) != it.b->v.text.text) {
        return it.path + ": text \"" + std::string(it.a->v.text.text).substr(0, 80) + "\" vs \"" +
               std::string(it.b->v.text.text).substr(0, 80) + "\"";
      }
    }
    const GumboVector* ka = kids_of(it.a);
    const GumboVector* kb = kids_of(it.b);
    if (ka == nullptr) continue;
    if (ka->length != kb->length) {
      std::string names;
      for (const GumboVector* k : {ka, kb}) {
        names += " [";
        for (unsigned i = 0; i < k->length; ++i) {
          const auto* c = static_cast<const GumboNode*>(k->data[i]);
          names += c->type == GUMBO_NODE_ELEMENT ? element_name(c) : "#" + std::to_string(c->type);
          names += ' ';
        }
        names += "]";
      }
      return it.path + ": child count " + std::to_string(ka->length) + " vs " +
             std::to_string(kb->length) + names;
    }
    for (unsigned i = ka->length; i > 0; --i) {
      const auto* ca = static_cast<const GumboNode*>(ka->data[i - 1]);
      const auto* cb = static_cast<const GumboNode*>(kb->data[i - 1]);
      if (ca->parent != it.a || cb->parent != it.b || ca->index_within_parent != i - 1) {
        return it.path + ": parent links of child " + std::to_string(i - 1);
      }
      const std::string name =
          ca->type == GUMBO_NODE_ELEMENT ? element_name(ca) : "#" + std::to_string(ca->type);
      stack.push_back({ca, cb, it.path + "/" + name + "[" + std::to_string(i - 1) + "]"});
    }
  }
  return std::nullopt;
}

}  // namespace pricescrape::extract::detail::tree_diff
