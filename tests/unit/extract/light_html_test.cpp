// The light tree builder against gumbo: wherever it accepts a page, its tree must be
// gumbo's, node for node; and extraction through the fast path (light tree, visible
// scan skipped when structured data settles the page) must equal the full DOM path.
// Pages: hand-written snippets, the fixtures, and every page of both extraction
// corpora in ../shared (skipped with a message when absent), plus mutations of them.
#include "extract/light_html.hpp"
#include "extract/html.hpp"
#include "tree_diff.hpp"

#include <pricescrape/extract/charset.hpp>
#include <pricescrape/extract/extractor.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace pricescrape::extract::detail {
namespace {

namespace fs = std::filesystem;

const std::string shared_corpus = PRICESCRAPE_SHARED_DIR "/corpus";

std::string read_file(const fs::path& path) {
  if (path.extension() == ".gz") {
    gzFile f = gzopen(path.c_str(), "rb");
    std::string out;
    if (f == nullptr) return out;
    char buf[65536];
    int n = 0;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    gzclose(f);
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

using tree_diff::first_difference;

// Light tree vs gumbo on one page: "declined", "same", or the difference.
struct comparison {
  bool accepted = false;
  std::optional<std::string> difference;
};

comparison compare_trees(std::string_view html) {
  comparison c;
  const html_document light(std::string(html), parser::light_first);
  const html_document reference(std::string(html), parser::gumbo_only);
  c.accepted = !light.used_gumbo();
  if (c.accepted) c.difference = first_difference(light.document(), reference.document());
  return c;
}

// ---- hand-written pages -------------------------------------------------------------

TEST(LightHtml, BuildsGumbosTreeForWellFormedMarkup) {
  const std::vector<std::string> pages = {
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>A &amp; "
      "B</title>\n"
      "</head>\n<body class=\"x\">\n<h1>Hi</h1>\n<p>one<p>two</body>\n</html>\n",
      "<p>no html, head or body",
      "  \n<title>t</title><div>x</div>",
      "<ul><li>a<li>b<li><a href='/x?a=1&b=2'>c</a></ul><dl><dt>k<dd>v</dl>",
      "<table class=specs><tr><th>a</th><td>1</td></tr><tr><td>2<td>3</tr></table>",
      "<table><thead><tr><th>h</thead><tbody><tr><td>x</td></tr></tbody></table>",
      "<div><span>unclosed span</div><p>after",
      "<select name=s><option value=1>one<option value=2 selected>two</select>",
      "<svg viewBox=\"0 0 24 24\"><symbol id=i><path d=\"M0 0l1 1z\"/></symbol><use "
      "xlink:href=\"#i\"/></svg>",
      "<script type=\"application/ld+json\">{\"a\": \"<b>\"}</script><style>p > a { x: y }</style>",
      "<pre>\nkeep</pre><textarea>\nt &lt; x</textarea>",
      "<!-- a comment --><html><!-- in html "
      "--><head></head><!--between--><body>x</body></html><!--after-->",
      "<h2>a</h2><h3>b</h3><form><input name=q><button>go</button></form>",
      "<p>price: 1.234,56&nbsp;&euro; &#8364; &#x20AC; AT&T &copy; 2026</p>",
      "<img src=a.jpg alt=\"x\"><br><hr><input type=checkbox checked><wbr>",
      "<div a=1 B=3>x</div><custom-el data-x=1><inner-el>y</inner-el></custom-el>",
      "<p>a</p>\r\n<p>b\rc</p>",
      "<b>bold</b><i><em>x</em></i><a href=#>link</a>",
      // Script data escape states: "<!--" hides "<script>...</script>" pairs.
      "<script><!--\nvar a = '<script>x</script>';\n//--></script><p>after</p>",
      "<script><!-- a --> b </script><p>c</p>",
      "<script><!--></script><p>d</p>",
  };
  for (const auto& page : pages) {
    const comparison c = compare_trees(page);
    EXPECT_TRUE(c.accepted) << page;
    EXPECT_EQ(c.difference, std::nullopt) << page;
  }
}

TEST(LightHtml, DeclinesWhatNeedsTheStandardsErrorRecovery) {
  const std::vector<std::string> pages = {
      "<p><b>bold<p>still bold</b></p>",   // formatting reopened
      "<table><div>foster</div></table>",  // foster parenting
      "<table>text</table>",
      "<a href=1><a href=2>x</a></a>",  // nested a
      "<div>x</span></div>",            // stray end tag
      "<template><p>x</p></template>",
      "<p>&unknownentity;</p>",
      "<p>&copy2026</p>",  // legacy reference without ';'
      "<![CDATA[x]]>",
      std::string("<p>a\0b</p>", 10),
      "<div><script>never closed",
      "<head><noscript><img src=x></noscript></head>",
      "<svg><div>breakout</div></svg>",
      "<div a=1 a=2 b=3>repeated attribute</div>",
      "<img src=x / alt=y>",
      // Code points gumbo reads as U+FFFD (the light_html fuzzer's first finding).
      "<p class\x1d\"price\">x</p>",
      "<p>a\x01b</p>",
      "<p>a\x7f</p>",
      "<p title=\"\xC2\x85\">x</p>",
      "<p>\xEF\xB7\x90</p>",
      "<p>\xEF\xBF\xBE</p>",
      "<p>\xF0\x9F\xBF\xBF</p>",
  };
  for (const auto& page : pages) {
    const comparison c = compare_trees(page);
    EXPECT_FALSE(c.accepted) << page;
  }
}

// ---- real pages -----------------------------------------------------------------------

struct page_file {
  std::string name;
  fs::path path;
};

std::vector<page_file> corpus_files() {
  std::vector<page_file> files;
  for (const fs::path& dir :
       {fs::path(PRICESCRAPE_FIXTURES_DIR), fs::path(shared_corpus) / "pages",
        fs::path(shared_corpus) / "product-extraction-benchmark-dev" / "html"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".html") || name.ends_with(".html.gz"))
        files.push_back({name, entry.path()});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

bool shared_corpus_present() { return fs::is_directory(fs::path(shared_corpus) / "pages"); }

TEST(LightHtml, SameTreeAsGumboOnEveryCorpusPage) {
  if (!shared_corpus_present())
    GTEST_SKIP() << "../shared/corpus not found: only the fixtures are compared";
  std::size_t pages = 0;
  std::size_t accepted = 0;
  for (const auto& f : corpus_files()) {
    const std::string utf8 = to_utf8(read_file(f.path)).text;
    const comparison c = compare_trees(utf8);
    ++pages;
    if (c.accepted) ++accepted;
    EXPECT_EQ(c.difference, std::nullopt) << f.name;
  }
  EXPECT_GT(pages, 50u);
  std::printf("light builder accepted %zu of %zu corpus pages; gumbo built the rest\n", accepted,
              pages);
}

// Cuts and splices of real pages: broken markup of every kind the light builder must
// either decline or build exactly as gumbo does.
TEST(LightHtml, SameTreeOrDeclinedOnMutatedPages) {
  if (!shared_corpus_present()) GTEST_SKIP() << "../shared/corpus not found";
  std::mt19937 rng(20261124);
  std::size_t compared = 0;
  std::size_t accepted = 0;
  const auto files = corpus_files();
  for (const auto& f : files) {
    const std::string utf8 = to_utf8(read_file(f.path)).text;
    if (utf8.size() < 100) continue;
    for (int round = 0; round < 4; ++round) {
      std::string page = utf8;
      std::uniform_int_distribution<std::size_t> pos(0, page.size() - 1);
      switch (round % 3) {
        case 0: {  // delete a span (drops tags, splits them)
          const std::size_t at = pos(rng);
          page.erase(at, std::min<std::size_t>(page.size() - at, 1 + rng() % 400));
          break;
        }
        case 1: {  // duplicate a span elsewhere
          const std::size_t from = pos(rng);
          const std::string piece = page.substr(from, 1 + rng() % 300);
          page.insert(pos(rng), piece);
          break;
        }
        default: {  // insert a stray tag
          static const char* stray[] = {"</div>", "<p>",      "</p>",      "<b>",     "</b>",
                                        "<td>",   "</table>", "<li>",      "</a>",    "<table>",
                                        "<tr>",   "&",        "<",         "</span>", "<!--",
                                        "-->",    "<script>", "</script>", "&amp",    "\r"};
          page.insert(pos(rng), stray[rng() % (sizeof stray / sizeof *stray)]);
          break;
        }
      }
      // Keep it valid UTF-8, as extraction hands it over.
      page = to_utf8(page, "text/html; charset=utf-8").text;
      const comparison c = compare_trees(page);
      ++compared;
      if (c.accepted) ++accepted;
      EXPECT_EQ(c.difference, std::nullopt) << f.name << " mutation " << round;
      if (c.difference) {
        // The page, to reproduce it by hand.
        std::ofstream(testing::TempDir() + "light-html-" + f.name + "-" + std::to_string(round) +
                      ".html")
            << page;
      }
    }
  }
  std::printf("mutated pages: %zu compared, %zu accepted by the light builder\n", compared,
              accepted);
}

// The fast path (light tree; the visible page scanned only when structured data leaves
// the answer open) against the full DOM path (gumbo; everything scanned), on every page.
TEST(LightHtml, FastPathExtractsWhatTheFullDomPathExtracts) {
  if (!shared_corpus_present())
    GTEST_SKIP() << "../shared/corpus not found: only the fixtures are compared";
  std::size_t pages = 0;
  std::size_t skipped_scan = 0;
  for (const auto& f : corpus_files()) {
    const std::string body = read_file(f.path);
    const page_input in{body, "text/html", ""};
    extract_options full;
    full.full_dom_path = true;
    const extraction fast = extract_product(in);
    const extraction slow = extract_product(in, full);
    ++pages;
    if (!fast.times.visible_scan) ++skipped_scan;
    EXPECT_EQ(fast.found.price, slow.found.price) << f.name;
    EXPECT_EQ(fast.found.currency, slow.found.currency) << f.name;
    EXPECT_EQ(fast.found.title, slow.found.title) << f.name;
    EXPECT_EQ(fast.found.availability, slow.found.availability) << f.name;
    EXPECT_EQ(fast.found.source, slow.found.source) << f.name;
    EXPECT_EQ(fast.error.has_value(), slow.error.has_value()) << f.name;
    EXPECT_TRUE(slow.times.full_parse && slow.times.visible_scan) << f.name;
  }
  std::printf("fast path: %zu pages, %zu settled without the visible scan\n", pages, skipped_scan);
}

}  // namespace
}  // namespace pricescrape::extract::detail
