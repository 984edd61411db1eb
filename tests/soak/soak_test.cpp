// The chaos soak: thousands of URLs through tests/soak/chaos-proxy, which breaks a share
// of the exchanges (resets, stalls, truncation, garbage, slow delivery, injected 103s),
// mixed with demo-shop's hostile routes, over HTTP and HTTPS, through the real binary.
// What must hold whatever breaks: one record per input line, in order; every record
// that has a price has its own URL's price; failures are typed; the process does not
// crash; memory does not grow with the number of URLs.
//
// Size: PRICESCRAPE_SOAK_URLS (default 5000 per scheme; scripts/soak.sh runs bigger).
#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>

namespace pricescrape::testing {
namespace {

namespace fs = std::filesystem;

std::size_t soak_size() {
  const char* env = std::getenv("PRICESCRAPE_SOAK_URLS");
  if (env && *env) return std::strtoul(env, nullptr, 10);
  return 5000;
}

// Page i's own price: distinct per page, canonical (the cents never end in 0).
std::string price_of(std::size_t i) {
  const std::size_t whole = 10 + (i * 37) % 9000;
  const std::size_t cents = 1 + (i % 9) * 11;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zu.%02zu", whole, cents);
  return buf;
}

std::string page_html(std::size_t i) {
  const std::string price = price_of(i);
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Soak item " +
         std::to_string(i) +
         "</title><script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
         "\"@type\":\"Product\",\"name\":\"Soak item " +
         std::to_string(i) + "\",\"offers\":{\"@type\":\"Offer\",\"price\":\"" + price +
         "\",\"priceCurrency\":\"EUR\",\"availability\":\"https://schema.org/InStock\"}}"
         "</script></head><body><h1>Soak item " +
         std::to_string(i) + "</h1><p class=\"price\">" + price + " EUR</p>" +
         std::string(1500, ' ') + "</body></html>\n";
}

// A folder of `n` product pages, made once per process and removed at exit.
const fs::path& page_root(std::size_t n) {
  static const fs::path root = [n] {
    fs::path dir = fs::temp_directory_path() / ("pricescrape-soak-" + std::to_string(::getpid()));
    fs::create_directories(dir / "p");
    for (std::size_t i = 0; i < n; ++i)
      std::ofstream(dir / "p" / (std::to_string(i) + ".html")) << page_html(i);
    return dir;
  }();
  static const struct cleanup {
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  } remove_at_exit;
  return root;
}

// demo-shop's hostile routes, sprinkled through the list: each must end as a typed error
// (or, where a route serves the fault page, with the fault page's own price).
const std::vector<std::string> hostile_targets = {
    "/__fault/gzip-bomb",
    "/__fault/oversized",
    "/__fault/reset-mid-body",
    "/__fault/stall-body",
    "/__fault/garbage-status",
    "/__fault/close",
    "/__fault/status/503",
    "/__fault/redirect-loop",
    "/__fault/content-type?type=image/png",
    "/__fault/slow-headers?ms=200",
    "/__fault/interim?codes=100,103&price=77.77",
    "/__fault/overlong?price=77.77",
    "/__fault/huge-trailer?kb=70&price=77.77",
    "/__fault/redirect-port/huge",
    "/__fault/redirect-port/wrap",
    "/__fault/redirect-credentials?price=77.77",
};
// The prices hostile routes may legitimately give: the fault page's, or the one asked for.
const std::set<std::string> hostile_prices = {"12.5", "77.77"};

struct soak_input {
  std::string text;
  std::vector<std::string> urls;
  std::vector<long> page;  // page number of a product URL, -1 for a hostile or bad line
};

soak_input make_input(std::size_t n, const std::string& base, std::uint64_t seed) {
  soak_input in;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const auto roll = rng() % 100;
    std::string url;
    long page = -1;
    if (roll < 3) {
      url = base + hostile_targets[rng() % hostile_targets.size()];
    } else if (roll < 4) {
      url = (rng() % 2) ? "not a url at all" : "http://127.0.0.1:99999999999999999999999/p";
    } else {
      page = static_cast<long>(rng() % n);
      url = base + "/p/" + std::to_string(page) + ".html";
    }
    in.text += url + "\n";
    in.urls.push_back(url);
    in.page.push_back(page);
  }
  return in;
}

struct soak_result {
  std::size_t priced = 0;
  std::size_t products = 0;
  long max_rss_kib = 0;
  nlohmann::json injected;
  std::size_t violations = 0;  // records breaking an invariant; the first few in `examples`
  std::string examples;
};

void violation(soak_result& result, const std::string& what, const nlohmann::json& record) {
  if (++result.violations <= 10) result.examples += what + ": " + record.dump() + "\n";
}

const std::set<std::string> expected_kinds = {
    "invalid_url", "connect",   "tls",      "timeout", "protocol", "redirects",
    "http_status", "too_large", "not_html", "decode",  "cancelled"};

// Record i against its input line: in place, and with its own price when it has one.
void check_record(const nlohmann::json& r, std::size_t i, const soak_input& in,
                  soak_result& result) {
  if (r.at("index").get<std::size_t>() != i || r.at("url").get<std::string>() != in.urls[i])
    return violation(result, "out of order at " + std::to_string(i), r);
  const bool ok = r.at("ok").get<bool>();
  const long page = in.page[i];
  if (page >= 0) {
    ++result.products;
    if (ok) {
      ++result.priced;
      // The heart of it: a price never moves from one URL's record to another's.
      const auto want = price_of(static_cast<std::size_t>(page));
      if (r.at("price") != want || r.at("title") != "Soak item " + std::to_string(page))
        violation(result, "wrong product, wanted " + want, r);
    }
  } else if (ok && !hostile_prices.count(r.at("price").get<std::string>())) {
    violation(result, "a hostile route priced", r);
  }
  if (ok) return;
  const auto kind = r.at("error").at("kind").get<std::string>();
  if (!expected_kinds.count(kind) && !(page < 0 && kind == "no_price"))
    violation(result, "unexpected error kind", r);
}

soak_result run_soak(bool tls, std::size_t n, std::uint64_t seed) {
  static demo_shop shop("127.0.0.1", page_root(soak_size()).string());
  std::vector<std::string> argv{PRICESCRAPE_CHAOS_PROXY,
                                "--seed",
                                std::to_string(seed),
                                "--rate",
                                "0.08",
                                "--upstream-port",
                                std::to_string(tls ? shop.https_port() : shop.http_port())};
  if (!tls) argv.push_back("--plain-http");
  helper_process proxy(argv);
  const int port = proxy.ready_line().at("port").get<int>();
  const std::string base =
      std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
  const auto in = make_input(n, base, seed);

  // --max-body 1MiB: a bomb then costs 1 MiB, so the peak RSS shows the engine's own
  // bounds rather than how many of the sprinkled bombs happened to overlap.
  const auto run =
      run_cli({"-", "-f", "jsonl", "-c", "50", "-q", "--timeout", "3", "--connect-timeout", "3",
               "--retries", "3", "--max-body", "1MiB", "--cacert", shop.cert()},
              in.text);
  soak_result result;
  result.injected = nlohmann::json::parse(proxy.stop());
  result.max_rss_kib = run.max_rss_kib;
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1)
      << "exit " << run.exit_code << ": " << run.err;
  const auto records = parse_records(run.out, true);
  EXPECT_EQ(records.size(), n) << run.err;
  for (std::size_t i = 0; i < std::min(records.size(), n); ++i)
    check_record(records[i], i, in, result);
  EXPECT_EQ(result.violations, 0u) << "first violations:\n" << result.examples;
  return result;
}

class ChaosSoak : public ::testing::TestWithParam<bool> {};

TEST_P(ChaosSoak, EveryLineOneRecordInOrderAndNoPriceMovesBetweenUrls) {
  const bool tls = GetParam();
  const std::size_t n = soak_size();
  const auto big = run_soak(tls, n, 42);
  std::cout << "soak " << (tls ? "https" : "http") << ": " << n << " URLs, " << big.priced << " of "
            << big.products << " product URLs priced, peak RSS " << big.max_rss_kib
            << " KiB, faults " << big.injected << std::endl;
  // Faults were really injected, of every kind the proxy has for this scheme.
  ASSERT_GT(big.injected.at("connections").get<int>(), 0);
  for (const char* kind : {"reset", "stall", "truncate", "garbage", "slow"})
    EXPECT_GT(big.injected.at(kind).get<int>(), 0) << kind << " never injected: " << big.injected;
  if (!tls) {
    EXPECT_GT(big.injected.at("early_hints").get<int>(), 0) << big.injected;
  }
  // Retries heal most broken exchanges: a soak where most products fail proves nothing.
  EXPECT_GE(big.priced * 100, big.products * 90)
      << big.priced << " of " << big.products << " product URLs priced; faults " << big.injected;

#if !defined(__SANITIZE_ADDRESS__)
  // Flat memory: a fifth of the URLs must not need much less memory than all of them.
  const auto small = run_soak(tls, std::max<std::size_t>(n / 5, 200), 7);
  std::cout << "soak " << (tls ? "https" : "http") << ": peak RSS " << small.max_rss_kib
            << " KiB at " << n / 5 << " URLs" << std::endl;
  EXPECT_LE(big.max_rss_kib, small.max_rss_kib * 5 / 4 + 8 * 1024)
      << "peak RSS " << big.max_rss_kib << " KiB at " << n << " URLs vs " << small.max_rss_kib
      << " KiB at " << n / 5;
#endif
}

std::string scheme_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "https" : "http";
}

INSTANTIATE_TEST_SUITE_P(Schemes, ChaosSoak, ::testing::Values(false, true), scheme_name);

}  // namespace
}  // namespace pricescrape::testing
