// Worst-case budgets: extract_product on adversarial page families at three sizes each,
// next to normal pages, so quadratic behaviour shows as a number (4x the page should
// cost ~4x the time and work; 16x is a quadratic step). The shapes are those of
// tests/unit/extract/adversarial_pages.hpp, where the unit tests assert the work count.
//
//   build/<preset>/bin/adversarial_bench [SCALE]   (SCALE multiplies the sizes; 1 default)
#include <pricescrape/detail/cpu_clock.hpp>
#include <pricescrape/extract/extractor.hpp>

#include "adversarial_pages.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using namespace pricescrape::extract;

struct measured {
  double ms = 0;  // CPU time of the calling thread, best of the runs
  std::uint64_t work = 0;
  bool found = false;
};

measured run(const std::string& page, int runs) {
  measured m;
  m.ms = 1e300;
  for (int i = 0; i < runs; ++i) {
    const std::uint64_t t0 = pricescrape::detail::thread_cpu_ns();
    const extraction r =
        extract_product({page, "text/html; charset=utf-8", "https://shop.example/p"});
    const double ms = static_cast<double>(pricescrape::detail::thread_cpu_ns() - t0) / 1e6;
    m.ms = std::min(m.ms, ms);
    m.work = r.times.work;
    m.found = r.found.price.has_value();
  }
  return m;
}

void row(const char* family, std::size_t n, const std::string& page, int runs) {
  const measured m = run(page, runs);
  const double mb = static_cast<double>(page.size()) / 1e6;
  std::printf("%-28s %9zu %9.2f %10.1f %8.1f %12llu %7.2f %s\n", family, n, mb, m.ms, m.ms / mb,
              static_cast<unsigned long long>(m.work),
              static_cast<double>(m.work) / static_cast<double>(page.size()),
              m.found ? "price" : "-");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t scale = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1;
  std::printf("%-28s %9s %9s %10s %8s %12s %7s %s\n", "page", "n", "MB", "ms(cpu)", "ms/MB", "work",
              "work/B", "found");
  for (const char* name : {"amazon-like.html", "jsonld-product.html", "microdata.html"}) {
    const std::string page = read_file(std::string(PRICESCRAPE_FIXTURES_DIR) + "/" + name);
    if (!page.empty()) row(name, 1, page, 20);
  }
  // A normal page made big: 250,000 product rows (the Extractor.TwentyMegabytePage shape).
  {
    std::string page =
        "<html><head>" + adversarial::jsonld_script(adversarial::simple_product) + "</head><body>";
    const std::string item =
        "<div class=\"item\"><a href=\"/p/1\">Other product</a><span>3,50 &euro;</span></div>\n";
    for (std::size_t i = 0; i < 60'000 * scale; ++i) page += item;
    row("normal rows (big listing)", 60'000 * scale, page + "</body></html>", 1);
  }
  for (const auto& f : adversarial::families()) {
    for (const std::size_t k : {1u, 4u, 16u}) {
      const std::size_t n = f.small * k * scale;
      const std::string page = f.make(n);
      row(std::string(f.name).c_str(), n, page, k == 16 ? 1 : 3);
    }
  }
  // gumbo's parse is the one step extract_options::stop cannot interrupt: its time on
  // 16 MiB pages (the body cap) that the light builder declines.
  std::printf("\n%-40s %9s %14s %14s\n", "gumbo parse, 16 MiB (not interruptible)", "MB",
              "parse ms(cpu)", "total ms(cpu)");
  const auto parse_row = [](const char* name, const std::string& page) {
    const std::uint64_t t0 = pricescrape::detail::thread_cpu_ns();
    const extraction r = extract_product({page, "text/html; charset=utf-8", ""});
    const double total = static_cast<double>(pricescrape::detail::thread_cpu_ns() - t0) / 1e6;
    std::printf("%-40s %9.2f %14.1f %14.1f%s\n", name, static_cast<double>(page.size()) / 1e6,
                static_cast<double>(r.times.parse_ns) / 1e6, total,
                r.times.full_parse ? "" : " (light builder)");
  };
  const std::size_t cap = 16u << 20;
  {
    // A stray end tag first: the light builder declines, gumbo builds it all.
    std::string page = "<html><body></span>";
    const std::string item =
        "<div class=\"item\"><a href=\"/p/1\">Other product</a><span>3,50 &euro;</span></div>\n";
    while (page.size() + item.size() < cap) page += item;
    parse_row("listing rows, declined", page);
  }
  {
    std::string page = adversarial::paragraphs_under_deep_stack(0);
    while (page.size() + 7 < cap) page += "<p></p>";
    parse_row("<p></p> under 500 open elements", page);
  }
  {
    std::string page = "<html><body></span>";
    while (page.size() + 5 < cap) page += "<b>x</b>";
    parse_row("<b>x</b> (formatting elements)", page);
  }
  return 0;
}
