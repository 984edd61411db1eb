// Hostile pages: extraction never crashes, its work grows linearly with the page (the
// count extraction keeps in stage_times::work, at sizes N and 4N), and it stops when
// asked. Speeds are measured in bench/adversarial_bench.cpp, never here.
#include <pricescrape/extract/extractor.hpp>

#include "adversarial_pages.hpp"
#include "extract/html.hpp"
#include "extract/structured.hpp"
#include "extract/work.hpp"
#include "tree_diff.hpp"

#include <gtest/gtest.h>

#include <pthread.h>

#include <atomic>
#include <functional>
#include <string>

namespace pricescrape::extract {
namespace {

extraction extract_page(const std::string& body, const std::atomic<bool>* stop = nullptr) {
  extract_options options;
  options.stop = stop;
  return extract_product({body, "text/html; charset=utf-8", "https://shop.example/p/1"}, options);
}

// Runs `f` on a thread with a 256 KiB stack (pool threads have more): deep recursion
// over page data would crash here first.
void on_small_stack(const std::function<void()>& f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  auto* arg = new std::function<void()>(f);
  const int rc = pthread_create(
      &thread, &attr,
      [](void* p) -> void* {
        auto* fn = static_cast<std::function<void()>*>(p);
        (*fn)();
        delete fn;
        return nullptr;
      },
      arg);
  pthread_attr_destroy(&attr);
  ASSERT_EQ(rc, 0);
  pthread_join(thread, nullptr);
}

// ---- linear work ------------------------------------------------------------------------

class AdversarialFamilies : public testing::TestWithParam<adversarial::family> {};

TEST_P(AdversarialFamilies, WorkGrowsLinearlyWithThePage) {
  const adversarial::family& f = GetParam();
  const std::string small = f.make(f.small);
  const std::string large = f.make(4 * f.small);
  const extraction a = extract_page(small);
  const extraction b = extract_page(large);
  ASSERT_GT(a.times.work, 0u);
  // Four times the page, at most ~four times the work (a quadratic step makes it 16).
  EXPECT_LE(b.times.work, a.times.work * 9 / 2)
      << f.name << ": " << a.times.work << " -> " << b.times.work;
  // And a few steps per byte at most, whatever the shape (the text walks may take
  // 1,000,000 + 4 per byte, see extract_product).
  EXPECT_LE(b.times.work, 2'000'000 + 8 * large.size()) << f.name;
  EXPECT_FALSE(b.error && b.error->kind != error_kind::no_price) << b.error->message;
}

std::string family_test_name(const testing::TestParamInfo<adversarial::family>& p) {
  std::string name;
  for (const char c : p.param.name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      name.push_back(c);
    } else if (!name.empty() && name.back() != '_') {
      name.push_back('_');
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name;
}

INSTANTIATE_TEST_SUITE_P(Families, AdversarialFamilies, testing::ValuesIn(adversarial::families()),
                         family_test_name);

// ---- what is still found ----------------------------------------------------------------

TEST(Adversarial, DeepJsonLdArraysAreSkippedWithoutRecursion) {
  for (const char* field : {"name", "price", "priceCurrency"}) {
    SCOPED_TRACE(field);
    const std::string page = adversarial::deep_jsonld_array(100'000, field);
    extraction r;
    on_small_stack([&] { r = extract_page(page); });
    // The script nests deeper than any product description: it is not read at all,
    // and the meta tags give the price.
    EXPECT_EQ(r.found.price, "7.5");
    EXPECT_EQ(r.found.source, "meta");
  }
}

TEST(Adversarial, JsonLdJustInsideTheNestingLimitIsRead) {
  // 100 levels of arrays around the name: within the limit, read (the first string).
  const std::string page = adversarial::deep_jsonld_array(100, "name");
  extraction r;
  on_small_stack([&] { r = extract_page(page); });
  EXPECT_EQ(r.found.price, "19.99");
  EXPECT_EQ(r.found.source, "jsonld");
  EXPECT_EQ(r.found.title, "x");
}

TEST(Adversarial, ManyLoneJsonLdOffersKeepTheFirst) {
  const extraction r = extract_page(adversarial::many_jsonld_offers(20'000));
  EXPECT_EQ(r.found.price, "1.5");
  EXPECT_EQ(r.found.currency, "EUR");
}

TEST(Adversarial, ProductWithManyOffersKeepsTheCappedName) {
  const extraction r = extract_page(adversarial::many_jsonld_product_offers(20'000));
  EXPECT_EQ(r.found.price, "1");
  ASSERT_TRUE(r.found.title);
  EXPECT_EQ(r.found.title->size(), 1000u);  // the 5,000-byte name, cut
}

TEST(Adversarial, ManyMicrodataOffersKeepTheFirst) {
  const extraction r = extract_page(adversarial::many_microdata_offers(20'000));
  EXPECT_EQ(r.found.price, "1.5");
  EXPECT_EQ(r.found.currency, "EUR");
  EXPECT_EQ(r.found.title, "Anvil");
  EXPECT_EQ(r.found.source, "microdata");
}

TEST(Adversarial, NestedItemScopesFindTheCurrencyWithinTheWalk) {
  // The currency sits in the innermost scope; each price looks it up through its
  // ancestors, at most 64 scopes up.
  const auto scopes =
      detail::find_structured(detail::html_document(adversarial::deep_item_scopes(100)).document());
  ASSERT_EQ(scopes.microdata.size(), 100u);
  EXPECT_EQ(scopes.microdata.back().currency, "EUR");
  EXPECT_EQ(scopes.microdata.front().currency, std::nullopt);
}

TEST(Adversarial, MillionAttributesAreCutToTheCap) {
  const std::string page = adversarial::many_attributes(1'000'000);
  const detail::html_document doc(page);
  EXPECT_TRUE(doc.used_gumbo());  // the light builder declines past the cap
  std::size_t most = 0;
  detail::for_each_element(doc.document(), [&](const GumboNode* n) {
    if (detail::is_element(n)) most = std::max<std::size_t>(most, n->v.element.attributes.length);
    return true;
  });
  EXPECT_EQ(most, detail::max_attributes_per_element);
  const extraction r = extract_page(page);
  EXPECT_EQ(r.found.price, "19.99");
}

TEST(Adversarial, LimitNestingKeepsTheFirstAttributes) {
  std::string tag = "<div a=1 b='x y' c=\"2>\" d e/>rest";
  detail::limit_nesting(tag, 10, 2);
  EXPECT_EQ(tag, "<div a=1 b='x y'" + std::string(11, ' ') + "/>rest");
  std::string end_tag = "</div a b c>";
  detail::limit_nesting(end_tag, 10, 1);
  EXPECT_EQ(end_tag, "</div a b c>");
}

TEST(Adversarial, DeepPageIsCappedAtTheNestingLimit) {
  // Tags past depth 512 are blanked: the price-named span is gone, its text stays (a
  // bare text, not enough for a price alone), and the title is still read.
  const extraction r = extract_page(adversarial::deep_divs(100'000));
  EXPECT_TRUE(r.times.full_parse);
  EXPECT_EQ(r.found.price, std::nullopt);
  EXPECT_EQ(r.found.title, "Anvil");
}

TEST(Adversarial, DeepPageGetsTheSameTreeOnBothPaths) {
  // 512 open elements for the light builder (body, span, 510 divs), 513 by the nesting
  // estimate gumbo's input goes through (html, head, span, divs): the light_html fuzzer
  // found such a page built differently. Deep pages keep the light tree only when the
  // estimate blanks nothing.
  std::string page = "<html><head><span>";
  for (int i = 0; i < 510; ++i) page += "<div>";
  page += "x";
  const detail::html_document light(page, detail::parser::light_first);
  const detail::html_document gumbo(page, detail::parser::gumbo_only);
  EXPECT_TRUE(light.used_gumbo());
  EXPECT_EQ(detail::tree_diff::first_difference(light.document(), gumbo.document()), std::nullopt);
}

// ---- stopping -----------------------------------------------------------------------

TEST(Adversarial, StopSetBeforehandCancelsAtOnce) {
  const std::atomic<bool> stop{true};
  const extraction r = extract_page(adversarial::many_microdata_offers(2000), &stop);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, error_kind::cancelled);
  EXPECT_FALSE(r.found.price);
  EXPECT_LE(r.times.work, detail::work_meter::check_interval);
}

TEST(Adversarial, WorkMeterLooksAtTheFlagEveryInterval) {
  std::atomic<bool> stop{false};
  detail::work_meter meter(&stop);
  for (int i = 0; i < 10'000; ++i) meter.add(1);
  stop = true;
  std::uint64_t steps = 0;
  EXPECT_THROW(
      {
        for (;;) {
          meter.add(1);
          ++steps;
        }
      },
      detail::extraction_cancelled);
  EXPECT_LE(steps, detail::work_meter::check_interval);
}

TEST(Adversarial, WorkScopeCountsOnlyWhileInstalled) {
  detail::work_meter meter(nullptr);
  detail::count_work(5);  // no meter installed: nothing counted anywhere
  {
    const detail::work_scope scope(meter);
    detail::count_work(3);
  }
  detail::count_work(5);
  EXPECT_EQ(meter.done(), 3u);
}

TEST(Adversarial, NormalPageWorkIsReported) {
  const extraction r = extract_page(
      "<html><body>" + adversarial::jsonld_script(adversarial::simple_product) + "</body></html>");
  EXPECT_EQ(r.found.price, "19.99");
  EXPECT_GT(r.times.work, 0u);
  EXPECT_LT(r.times.work, 1000u);
}

}  // namespace
}  // namespace pricescrape::extract
