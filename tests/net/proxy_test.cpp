// Proxies end to end: the real pricescrape binary through tests/net/test_proxy.cpp (HTTP
// CONNECT, absolute-form, Basic auth, SOCKS5 with and without login, socks5h names) to
// demo-shop over HTTP and HTTPS. The proxy's counters prove where traffic went.
#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

namespace pricescrape::testing {
namespace {

namespace fs = std::filesystem;

demo_shop& shop() {
  static demo_shop instance;
  return instance;
}

// The shop's priced pages (oak-bookshelf is "price on request": no_price by design).
const std::vector<std::string> products = {"ceramic-teapot",    "espresso-machine", "standmixer",
                                           "studio-headphones", "trail-backpack",   "widget",
                                           "wool-scarf"};

// `n` product URLs of demo-shop, over https or http, with host `host` (default: the
// shop's own 127.0.0.1).
std::string urls(bool tls, std::size_t n, const std::string& host = "") {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string target =
        "/products/" + products[i % products.size()] + ".html?n=" + std::to_string(i);
    if (host.empty()) {
      out += shop().url(tls, target) + "\n";
    } else {
      out += std::string(tls ? "https://" : "http://") + host + ":" +
             std::to_string(tls ? shop().https_port() : shop().http_port()) + target + "\n";
    }
  }
  return out;
}

fs::path write_input(const std::string& name, const std::string& text) {
  auto dir = fs::temp_directory_path() / ("pricescrape-proxy-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

// The variables curl (and pricescrape) read, cleared for each test and restored after.
class proxy_environment {
 public:
  static constexpr const char* names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                          "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  proxy_environment() {
    for (const char* n : names) {
      if (const char* v = std::getenv(n)) saved_[n] = v;
      ::unsetenv(n);
    }
  }
  ~proxy_environment() {
    for (const char* n : names) ::unsetenv(n);
    for (const auto& [n, v] : saved_) ::setenv(n.c_str(), v.c_str(), 1);
  }
  void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

 private:
  std::map<std::string, std::string> saved_;
};

// A test-proxy process; counts() stops it and reads the counters it prints at SIGTERM.
class test_proxy {
 public:
  explicit test_proxy(std::vector<std::string> extra = {}) : process_(argv(std::move(extra))) {
    port_ = process_.ready_line().at("port").get<int>();
  }
  int port() const { return port_; }
  std::string url(const std::string& scheme = "http", const std::string& userinfo = "") const {
    return scheme + "://" + userinfo + "127.0.0.1:" + std::to_string(port_);
  }
  std::string where() const { return "127.0.0.1:" + std::to_string(port_); }
  nlohmann::json counts() {
    const std::string rest = process_.stop();
    const auto start = rest.rfind('{');
    return nlohmann::json::parse(rest.substr(start));
  }

 private:
  static std::vector<std::string> argv(std::vector<std::string> extra) {
    std::vector<std::string> a{PRICESCRAPE_TEST_PROXY};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  helper_process process_;
  int port_ = 0;
};

struct run {
  process_result result;
  std::vector<nlohmann::json> records;
  long opened = -1;  // from the summary line
  long reused = -1;
};

run scrape(const std::string& input, std::vector<std::string> args) {
  const auto path = write_input("urls.txt", input);
  std::vector<std::string> argv{path.string(), "-f",          "jsonl",     "--no-progress",
                                "--cacert",    shop().cert(), "--timeout", "10"};
  if (std::find(args.begin(), args.end(), "--connect-timeout") == args.end())
    argv.insert(argv.end(), {"--connect-timeout", "5"});
  argv.insert(argv.end(), args.begin(), args.end());
  run r;
  r.result = run_cli(argv);
  r.records = parse_records(r.result.out, true);
  std::smatch m;
  static const std::regex summary(R"((\d+) connections opened, (\d+) reused)");
  if (std::regex_search(r.result.err, m, summary)) {
    r.opened = std::stol(m[1]);
    r.reused = std::stol(m[2]);
  }
  return r;
}

void expect_all_priced(const run& r, std::size_t n) {
  ASSERT_EQ(r.records.size(), n) << r.result.err;
  for (const auto& rec : r.records) {
    EXPECT_TRUE(rec.at("ok").get<bool>()) << rec.dump();
    EXPECT_FALSE(rec.at("price").is_null()) << rec.dump();
  }
  EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
}

// Every record failed with `kind` in one attempt, its message containing `words`.
void expect_all_failed(const run& r, std::size_t n, const std::string& kind,
                       const std::string& words) {
  ASSERT_EQ(r.records.size(), n) << r.result.err;
  for (const auto& rec : r.records) {
    ASSERT_FALSE(rec.at("ok").get<bool>()) << rec.dump();
    EXPECT_EQ(rec.at("error").at("kind"), kind) << rec.dump();
    EXPECT_NE(rec.at("error").at("message").get<std::string>().find(words), std::string::npos)
        << rec.dump();
    EXPECT_EQ(rec.at("attempts"), 1) << rec.dump();
  }
  EXPECT_EQ(r.result.exit_code, 1) << r.result.err;
}

TEST(Proxy, HttpsGoesThroughConnectTunnelsThatAreReused) {
  proxy_environment env;
  test_proxy proxy;
  const auto r = scrape(urls(true, 8), {"--proxy", proxy.url(), "-c", "2"});
  expect_all_priced(r, 8);
  const auto c = proxy.counts();
  // One tunnel per connection the client opened; the rest reused a tunnel (keep-alive
  // through it), so 8 requests took fewer than 8 tunnels.
  EXPECT_EQ(c.at("tunnels").get<long>(), r.opened);
  EXPECT_EQ(r.opened + r.reused, 8);
  EXPECT_GE(r.opened, 1);
  EXPECT_LE(r.opened, 2);
  EXPECT_EQ(c.at("requests_seen").get<long>(), r.opened);  // CONNECTs only
  EXPECT_EQ(c.at("absolute_requests"), 0);
  EXPECT_EQ(c.at("auth_failures"), 0);
  EXPECT_EQ(c.at("connections").get<long>(), r.opened);
}

TEST(Proxy, PlainHttpUsesAbsoluteFormWithoutTunnels) {
  proxy_environment env;
  test_proxy proxy;
  const auto r = scrape(urls(false, 8), {"--proxy", proxy.url(), "-c", "2"});
  expect_all_priced(r, 8);
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("absolute_requests"), 8);
  EXPECT_EQ(c.at("tunnels"), 0);
  EXPECT_EQ(c.at("connections").get<long>(), r.opened);
  EXPECT_EQ(r.opened + r.reused, 8);
  EXPECT_LE(r.opened, 2);
}

TEST(Proxy, EnvironmentHttpsProxyIsHonouredAndHttpGoesDirect) {
  proxy_environment env;
  test_proxy proxy;
  env.set("HTTPS_PROXY", proxy.url());
  env.set("HTTP_PROXY", proxy.url());  // ignored, as curl ignores it (httpoxy)
  const auto r = scrape(urls(true, 4) + urls(false, 4), {"-c", "1"});
  expect_all_priced(r, 8);
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("tunnels"), 1);  // -c 1: one connection per origin
  EXPECT_EQ(c.at("absolute_requests"), 0);
  EXPECT_EQ(r.opened, 2);  // the tunnel, and the direct http connection
}

TEST(Proxy, LowerCaseHttpProxyAndAllProxyFromTheEnvironment) {
  proxy_environment env;
  test_proxy proxy;
  test_proxy socks;
  env.set("http_proxy", proxy.url());
  env.set("ALL_PROXY", socks.url("socks5"));  // https falls back to it
  const auto r = scrape(urls(false, 3) + urls(true, 3), {"-c", "1"});
  expect_all_priced(r, 6);
  const auto c = proxy.counts();
  const auto s = socks.counts();
  EXPECT_EQ(c.at("absolute_requests"), 3);
  EXPECT_EQ(c.at("tunnels"), 0);
  EXPECT_EQ(s.at("socks_connects"), 1);
  EXPECT_EQ(s.at("socks_names"), 0);  // socks5: the name was resolved here
}

TEST(Proxy, NoProxyBypassesAndNoproxyFlagOverridesIt) {
  proxy_environment env;
  test_proxy proxy;
  env.set("https_proxy", proxy.url());
  env.set("http_proxy", proxy.url());
  env.set("no_proxy", "localhost, 127.0.0.0/8");
  auto r = scrape(urls(true, 2) + urls(false, 2), {});
  expect_all_priced(r, 4);
  // --noproxy '' undoes no_proxy: now the same URLs go through the proxy.
  auto through = scrape(urls(true, 2) + urls(false, 2), {"--noproxy", "", "-c", "1"});
  expect_all_priced(through, 4);
  // --noproxy with --proxy: a domain suffix on a name.
  auto named =
      scrape(urls(false, 2, "localhost"), {"--proxy", proxy.url(), "--noproxy", ".localhost"});
  expect_all_priced(named, 2);
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("tunnels"), 1);
  EXPECT_EQ(c.at("absolute_requests"), 2);
  EXPECT_EQ(c.at("connections"), 2);
}

TEST(Proxy, BasicAuthWithPercentEncodedPassword) {
  proxy_environment env;
  test_proxy proxy({"--auth", "alice:p@ss w:rd"});
  const auto r = scrape(urls(true, 3) + urls(false, 3),
                        {"--proxy", proxy.url("http", "alice:p%40ss%20w%3Ard@"), "-c", "1"});
  expect_all_priced(r, 6);
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("auth_failures"), 0);
  EXPECT_EQ(c.at("tunnels"), 1);
  EXPECT_EQ(c.at("absolute_requests"), 3);
}

TEST(Proxy, RefusedAuthIsAProxyErrorWithoutRetries) {
  proxy_environment env;
  test_proxy proxy({"--auth", "alice:right"});
  const auto r = scrape(urls(true, 4), {"--proxy", proxy.url("http", "alice:wrong-secret@")});
  expect_all_failed(
      r, 4, "proxy",
      "proxy " + proxy.where() + " answered CONNECT with 407 Proxy Authentication Required");
  EXPECT_EQ(r.result.out.find("wrong-secret"), std::string::npos);
  EXPECT_EQ(r.result.err.find("wrong-secret"), std::string::npos);
  auto plain = scrape(urls(false, 3), {"--proxy", proxy.url()});  // no credentials at all
  expect_all_failed(plain, 3, "proxy", "proxy " + proxy.where() + " answered 407");
  const auto c = proxy.counts();
  // One request per URL: a 407 is never retried.
  EXPECT_EQ(c.at("requests_seen"), 7);
  EXPECT_EQ(c.at("auth_failures"), 7);
  EXPECT_EQ(c.at("tunnels"), 0);
}

TEST(Proxy, UnreachableProxyFailsEveryUrlAsProxy) {
  proxy_environment env;
  const int port = unused_port();
  const std::string where = "127.0.0.1:" + std::to_string(port);
  const auto r =
      scrape(urls(true, 3) + urls(false, 3), {"--proxy", "http://user:hunter2@" + where});
  expect_all_failed(r, 6, "proxy", "cannot connect to proxy " + where);
  EXPECT_EQ(r.result.out.find("hunter2"), std::string::npos);
  EXPECT_NE(r.result.err.find("6 proxy"), std::string::npos) << r.result.err;
  const auto socks = scrape(urls(true, 2), {"--proxy", "socks5h://" + where});
  expect_all_failed(socks, 2, "proxy", "cannot connect to proxy " + where);
  // With --robots, robots.txt fails through the proxy too, and the URLs say why (proxy),
  // not "disallowed".
  const auto robots = scrape(urls(false, 2), {"--proxy", where, "--robots"});
  expect_all_failed(robots, 2, "proxy", "cannot connect to proxy " + where);
}

TEST(Proxy, SilentProxyTimesOutWithinTheConnectDeadline) {
  proxy_environment env;
  test_proxy http_proxy({"--stall"});
  const auto r = scrape(urls(true, 2), {"--proxy", http_proxy.url(), "--connect-timeout", "0.3"});
  expect_all_failed(r, 2, "proxy",
                    "timed out waiting for the CONNECT answer from proxy " + http_proxy.where());
  test_proxy socks({"--stall"});
  const auto s =
      scrape(urls(false, 2), {"--proxy", socks.url("socks5h"), "--connect-timeout", "0.3"});
  expect_all_failed(s, 2, "proxy",
                    "timed out waiting for the SOCKS5 greeting of proxy " + socks.where());
  EXPECT_EQ(http_proxy.counts().at("connections"), 2);  // one per URL: not retried
  EXPECT_EQ(socks.counts().at("connections"), 2);
}

TEST(Proxy, Socks5WithLocalDnsAndWithLogin) {
  proxy_environment env;
  test_proxy open_proxy;
  auto r = scrape(urls(true, 3) + urls(false, 3), {"--proxy", open_proxy.url("socks5"), "-c", "1"});
  expect_all_priced(r, 6);
  const auto c = open_proxy.counts();
  EXPECT_EQ(c.at("socks_connects").get<long>(), r.opened);
  EXPECT_EQ(r.opened, 2);
  EXPECT_EQ(c.at("socks_names"), 0);

  test_proxy guarded({"--auth", "bob:pa:ss"});
  auto ok = scrape(urls(true, 2), {"--proxy", guarded.url("socks5", "bob:pa%3Ass@"), "-c", "1"});
  expect_all_priced(ok, 2);
  auto wrong = scrape(urls(true, 2), {"--proxy", guarded.url("socks5", "bob:nope@")});
  expect_all_failed(wrong, 2, "proxy",
                    "SOCKS5 proxy " + guarded.where() + " rejected user name 'bob'");
  auto none = scrape(urls(false, 2), {"--proxy", guarded.url("socks5")});
  expect_all_failed(none, 2, "proxy", "accepts none of our authentication methods");
  const auto g = guarded.counts();
  EXPECT_EQ(g.at("socks_connects"), 1);
  EXPECT_EQ(g.at("auth_failures"), 4);
}

TEST(Proxy, Socks5hNamesAreResolvedByTheProxy) {
  proxy_environment env;
  // shop.test has no address here: only the proxy knows it.
  test_proxy proxy({"--map", "shop.test=127.0.0.1"});
  auto r = scrape(urls(false, 3, "shop.test") + urls(true, 3, "localhost"),
                  {"--proxy", proxy.url("socks5h"), "-c", "1"});
  expect_all_priced(r, 6);
  // socks5 (local DNS) cannot resolve the made-up name: a dns error, from here.
  auto local = scrape(urls(false, 1, "shop.test"), {"--proxy", proxy.url("socks5")});
  ASSERT_EQ(local.records.size(), 1u);
  EXPECT_EQ(local.records[0].at("error").at("kind"), "dns") << local.records[0].dump();
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("socks_names"), 2);  // one connection per origin
  EXPECT_EQ(c.at("socks_connects"), 2);
}

// An international host end to end: no non-ASCII name resolves to loopback here, but a
// socks5h proxy resolves names itself, and it is told only the IDNA (punycode) form. The
// record keeps the URL as written; final_url is the ASCII URL fetched.
TEST(Proxy, InternationalHostGoesOutInItsIdnaForm) {
  proxy_environment env;
  test_proxy proxy({"--map", "xn--bcher-kva.test=127.0.0.1"});
  const std::string written = "http://Bücher.test:" + std::to_string(shop().http_port()) +
                              "/products/" + products[0] + ".html?q=über";
  auto r = scrape(written + "\n", {"--proxy", proxy.url("socks5h")});
  expect_all_priced(r, 1);
  EXPECT_EQ(r.records[0].at("url"), written);
  EXPECT_EQ(r.records[0].at("final_url"),
            "http://xn--bcher-kva.test:" + std::to_string(shop().http_port()) + "/products/" +
                products[0] + ".html?q=%C3%BCber");
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("socks_names"), 1);  // the name went to the proxy, in its ASCII form
  EXPECT_EQ(c.at("socks_connects"), 1);
}

TEST(Proxy, TlsIsVerifiedAgainstTheOriginThroughTheTunnel) {
  proxy_environment env;
  // The proxy maps shop.test to the shop, whose certificate names localhost and
  // 127.0.0.1 only: the tunnel opens, the origin's certificate does not match.
  test_proxy proxy({"--map", "shop.test=127.0.0.1"});
  auto r = scrape(urls(true, 2, "shop.test"), {"--proxy", proxy.url(), "-c", "1"});
  expect_all_failed(r, 2, "tls",
                    "TLS certificate of shop.test:" + std::to_string(shop().https_port()));
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("tunnels"), 2);  // tls failures are not retried
}

TEST(Proxy, VerboseNamesEachHostsRouteOnceWithoutThePassword) {
  proxy_environment env;
  test_proxy proxy({"--auth", "alice:hunter2"});
  env.set("no_proxy", "localhost");
  auto r = scrape(urls(true, 4) + urls(true, 2, "localhost"),
                  {"-v", "--proxy", proxy.url("http", "alice:hunter2@")});
  expect_all_priced(r, 6);
  const std::string via = "host https://127.0.0.1:" + std::to_string(shop().https_port()) +
                          ": through proxy http://alice@" + proxy.where() + " (--proxy)";
  const auto first = r.result.err.find(via);
  EXPECT_NE(first, std::string::npos) << r.result.err;
  EXPECT_EQ(r.result.err.find(via, first + 1), std::string::npos) << "logged twice";
  EXPECT_NE(r.result.err.find("host https://localhost:" + std::to_string(shop().https_port()) +
                              ": direct (no_proxy)"),
            std::string::npos)
      << r.result.err;
  EXPECT_EQ(r.result.err.find("hunter2"), std::string::npos);
  proxy.counts();
}

TEST(Proxy, RobotsAndRedirectsTakeEachTargetsOwnRoute) {
  proxy_environment env;
  test_proxy proxy;
  // robots.txt goes the way of its host: through the proxy.
  auto robots = scrape(urls(false, 3), {"--proxy", proxy.url(), "--robots", "-c", "1"});
  expect_all_priced(robots, 3);
  // A redirect from a proxied host to one in --noproxy: the second hop goes direct.
  const std::string to =
      "http://localhost:" + std::to_string(shop().http_port()) + "/products/widget.html";
  auto redirect = scrape(shop().http_url("/__fault/redirect?to=" + to) + "\n",
                         {"--proxy", proxy.url(), "--noproxy", "localhost"});
  expect_all_priced(redirect, 1);
  EXPECT_EQ(redirect.records[0].at("final_url"), to);
  const auto c = proxy.counts();
  EXPECT_EQ(c.at("absolute_requests"), 3 + 1 + 1);  // 3 pages, robots.txt, the redirect
}

TEST(Proxy, UnusableProxyUrlsAreUsageErrors) {
  proxy_environment env;
  auto r = run_cli({"--proxy", "https://u:hunter2@proxy.example"}, "http://a.example/\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--proxy: unsupported proxy scheme 'https'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos);
  env.set("HTTPS_PROXY", "socks4://proxy.example");
  r = run_cli({}, "http://a.example/\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("HTTPS_PROXY: unsupported proxy scheme 'socks4'"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace pricescrape::testing
