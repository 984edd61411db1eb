// Micro-benchmarks: price parsing, tree building, whole-page extraction and record
// serialisation.
#include "extract/html.hpp"

#include <pricescrape/extract/charset.hpp>
#include <pricescrape/extract/extractor.hpp>
#include <pricescrape/extract/price_parser.hpp>
#include <pricescrape/output/writer.hpp>

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

namespace {

using namespace pricescrape;

std::string read_example(const std::string& name) {
  std::ifstream in(std::string(PRICESCRAPE_EXAMPLES_DIR) + "/shop/products/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void parse_price_strings(benchmark::State& state) {
  const char* inputs[] = {"1.234,56 €", "$1,299.99", "CHF 1'234.50", "₹1,23,456", "19,- kr"};
  for (auto _ : state)
    for (const char* text : inputs) benchmark::DoNotOptimize(extract::parse_price(text));
  state.SetItemsProcessed(state.iterations() * 5);
}
BENCHMARK(parse_price_strings);

void extract_page(benchmark::State& state, const char* name) {
  const std::string page = read_example(name);
  for (auto _ : state)
    benchmark::DoNotOptimize(extract::extract_product({page, "text/html; charset=utf-8", ""}));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK_CAPTURE(extract_page, jsonld, "widget.html");
BENCHMARK_CAPTURE(extract_page, visible_only, "standmixer.html");

// The reference path the fast one is tested against: gumbo, and the whole visible scan.
void extract_page_full_dom(benchmark::State& state, const char* name) {
  const std::string page = read_example(name);
  extract::extract_options full;
  full.full_dom_path = true;
  for (auto _ : state)
    benchmark::DoNotOptimize(
        extract::extract_product({page, "text/html; charset=utf-8", ""}, full));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK_CAPTURE(extract_page_full_dom, jsonld, "widget.html");
BENCHMARK_CAPTURE(extract_page_full_dom, visible_only, "standmixer.html");

// The tree alone: the light builder against gumbo on the same UTF-8 text.
void build_tree(benchmark::State& state, const char* name, extract::detail::parser how) {
  const std::string page = extract::to_utf8(read_example(name), "text/html; charset=utf-8").text;
  for (auto _ : state) {
    const extract::detail::html_document doc(page, how);
    benchmark::DoNotOptimize(doc.document());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK_CAPTURE(build_tree, light_widget, "widget.html", extract::detail::parser::light_first);
BENCHMARK_CAPTURE(build_tree, gumbo_widget, "widget.html", extract::detail::parser::gumbo_only);
BENCHMARK_CAPTURE(build_tree, light_standmixer, "standmixer.html",
                  extract::detail::parser::light_first);
BENCHMARK_CAPTURE(build_tree, gumbo_standmixer, "standmixer.html",
                  extract::detail::parser::gumbo_only);

void write_jsonl_records(benchmark::State& state) {
  output::record r;
  r.url = "https://shop.example/products/widget.html?i=17";
  r.final_url = r.url;
  r.status = 200;
  r.price = "19.99";
  r.currency = "USD";
  r.title = "Acme Widget \"Deluxe\"";
  r.availability = "InStock";
  r.source = "jsonld";
  r.attempts = 1;
  r.fetched_at = "2026-11-24T19:00:00Z";
  std::ostringstream out;
  auto writer = output::make_writer(output::format::jsonl, output::schema::fetch, out);
  for (auto _ : state) {
    writer->write(r);
    if (out.tellp() > (1 << 20)) out.str({});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(write_jsonl_records);

}  // namespace

BENCHMARK_MAIN();
