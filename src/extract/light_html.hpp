// The light tree builder: one pass over well-formed HTML that builds the same tree gumbo
// would, as gumbo's own node structs, so every reader of the DOM works on either.
// Private to extract/.
//
// Why: gumbo's HTML5 tree builder costs ~12 ms of CPU on a 250 KB page, more than the
// whole fetch. Most shop pages are machine-written and well formed, and for those the
// HTML5 algorithm reduces to a stack of open elements plus a few implied tags (html,
// head, body, tbody; </p>, </li>, </td> left out). Where a page needs the algorithm's
// error recovery (misnested formatting, foster parenting, templates, unknown character
// references, ...) the builder declines and the caller parses with gumbo. The unit
// tests compare both trees node by node on every page of the extraction corpora.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <memory>
#include <string_view>

namespace pricescrape::extract::detail {

// gumbo's tokenizer checks each attribute against every earlier one of the element
// (to drop duplicates), so an element with a million attributes took 15 minutes. The
// attributes after this many are blanked out before gumbo parses (limit_nesting), and
// the light builder declines such elements. Real elements have a few dozen at most
// (19 in both corpora).
inline constexpr std::size_t max_attributes_per_element = 64;

// A bump allocator for one tree: nodes, attribute and text copies live until it dies.
class node_arena {
 public:
  node_arena() = default;
  ~node_arena();
  node_arena(const node_arena&) = delete;
  node_arena& operator=(const node_arena&) = delete;

  void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t));
  // A NUL-terminated copy (gumbo's strings are C strings).
  const char* copy(std::string_view s);

 private:
  struct chunk {
    chunk* next;
    std::size_t size;
  };
  chunk* chunks_ = nullptr;
  char* cursor_ = nullptr;
  char* end_ = nullptr;
};

// The document node of `html`'s tree, allocated in `arena`, or nullptr when the page
// needs the full HTML5 tree builder. `html` must be valid UTF-8 and outlive the tree
// (nodes point into it for their original text).
// `max_depth`, when given, receives the most elements that were open at once.
const GumboNode* build_light_tree(std::string_view html, node_arena& arena,
                                  std::size_t* max_depth = nullptr);

}  // namespace pricescrape::extract::detail
