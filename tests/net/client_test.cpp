// The real HTTP client against demo-shop on loopback, over HTTP and HTTPS.
#include "support.hpp"

#include <pricescrape/http/client.hpp>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace pricescrape::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using http::client_options;
using http::fetch_result;

demo_shop& shop() {
  static demo_shop instance;
  return instance;
}

client_options fast_options() { return fast_client_options(shop()); }

std::vector<fetch_result> fetch_all(const client_options& options,
                                    const std::vector<std::string>& urls,
                                    http::client_stats* stats = nullptr) {
  asio::io_context io;
  http::client c(io.get_executor(), options);
  std::vector<fetch_result> results(urls.size());
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < urls.size(); ++i) results[i] = co_await c.fetch(urls[i]);
      },
      asio::detached);
  io.run();
  if (stats) *stats = c.stats();
  return results;
}

fetch_result fetch_one(const client_options& options, const std::string& url) {
  return fetch_all(options, {url}).front();
}

std::string kind(const fetch_result& r) {
  return r.error ? std::string(to_string(r.error->kind)) : "ok";
}

class ClientOverBothSchemes : public ::testing::TestWithParam<bool> {
 protected:
  std::string url(const std::string& target) const { return shop().url(GetParam(), target); }
};

INSTANTIATE_TEST_SUITE_P(Scheme, ClientOverBothSchemes, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "https" : "http";
                         });

TEST_P(ClientOverBothSchemes, FetchesAPage) {
  auto r = fetch_one(fast_options(), url("/products/widget.html"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.body.find("Acme Widget"), std::string::npos);
  EXPECT_NE(r.content_type.find("text/html"), std::string::npos);
}

TEST_P(ClientOverBothSchemes, DecodesEveryContentCoding) {
  const auto identity = fetch_one(fast_options(), url("/products/widget.html?encoding=identity"));
  ASSERT_TRUE(identity.ok()) << identity.error->message;
  for (std::string coding : {"gzip", "deflate", "br"}) {
    auto r = fetch_one(fast_options(), url("/products/widget.html?encoding=" + coding));
    ASSERT_TRUE(r.ok()) << coding << ": " << r.error->message;
    EXPECT_EQ(r.body, identity.body) << coding;
  }
}

TEST_P(ClientOverBothSchemes, ReusesOneKeepAliveConnection) {
  std::vector<std::string> urls;
  for (int i = 0; i < 20; ++i) urls.push_back(url("/products/widget.html?i=" + std::to_string(i)));
  http::client_stats stats;
  auto results = fetch_all(fast_options(), urls, &stats);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(stats.connections_reused, 19u);
  EXPECT_EQ(stats.tls_handshakes, GetParam() ? 1u : 0u);
}

TEST_P(ClientOverBothSchemes, FollowsRelativeRedirectChains) {
  auto r = fetch_one(fast_options(), url("/__fault/redirect-chain/3"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.final_url, url("/__fault/redirect-chain/0"));
  EXPECT_EQ(r.attempts, 1);
}

TEST_P(ClientOverBothSchemes, RedirectLoopIsDetected) {
  auto r = fetch_one(fast_options(), url("/__fault/redirect-loop"));
  ASSERT_EQ(kind(r), "redirects");
  EXPECT_NE(r.error->message.find("loop"), std::string::npos) << r.error->message;
}

TEST_P(ClientOverBothSchemes, TooManyRedirects) {
  auto options = fast_options();
  options.max_redirects = 2;
  auto r = fetch_one(options, url("/__fault/redirect-chain/5"));
  ASSERT_EQ(kind(r), "redirects");
  EXPECT_NE(r.error->message.find("more than 2"), std::string::npos) << r.error->message;
}

TEST_P(ClientOverBothSchemes, HttpStatusIsReportedWithTheCode) {
  auto r = fetch_one(fast_options(), url("/no/such/page.html"));
  ASSERT_EQ(kind(r), "http_status");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.attempts, 1);  // 404 is not retried
  EXPECT_NE(r.error->message.find("404"), std::string::npos);
}

// One attempt: a refusal comes back at once, with what the host policy needs to read.
TEST_P(ClientOverBothSchemes, RefusalComesBackOnceWithItsRetryAfter) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = fetch_one(fast_options(), url("/__fault/status/429?retry-after=7"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);  // nothing waited for here
  ASSERT_EQ(kind(r), "rate_limited");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.status, 429);
  bool has_retry_after = false;
  for (const auto& [name, value] : r.fields)
    if (name == "Retry-After" || name == "retry-after") has_retry_after = value == "7";
  EXPECT_TRUE(has_retry_after);
}

TEST_P(ClientOverBothSchemes, ServerErrorIsOneAttemptWithItsStatus) {
  auto r = fetch_one(fast_options(), url("/__fault/status/503?retry-after=3600"));
  ASSERT_EQ(kind(r), "http_status");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.status, 503);
}

TEST_P(ClientOverBothSchemes, RefusalBodyIsKeptForChallengeDetection) {
  auto r = fetch_one(fast_options(), url("/__fault/status/403"));
  ASSERT_EQ(kind(r), "http_status");
  EXPECT_NE(r.body.find("403"), std::string::npos) << r.body;  // demo-shop's error page
  EXPECT_LE(r.body.size(), http::error_body_bytes);
}

TEST_P(ClientOverBothSchemes, SlowHeadersTimeOut) {
  auto options = fast_options();
  options.timeout = 300ms;
  auto r = fetch_one(options, url("/__fault/slow-headers?ms=3000"));
  ASSERT_EQ(kind(r), "timeout");
  EXPECT_NE(r.error->message.find("--timeout"), std::string::npos) << r.error->message;
}

TEST_P(ClientOverBothSchemes, StalledBodyTimesOut) {
  auto options = fast_options();
  options.timeout = 300ms;
  EXPECT_EQ(kind(fetch_one(options, url("/__fault/stall-body?ms=3000"))), "timeout");
}

TEST_P(ClientOverBothSchemes, ResetMidBodyIsProtocol) {
  auto r = fetch_one(fast_options(), url("/__fault/reset-mid-body"));
  ASSERT_EQ(kind(r), "protocol");
  EXPECT_EQ(r.attempts, 1);  // retries are the engine's (EngineRetries)
}

TEST_P(ClientOverBothSchemes, ClosedWithoutResponseIsProtocol) {
  auto options = fast_options();
  EXPECT_EQ(kind(fetch_one(options, url("/__fault/close"))), "protocol");
}

TEST_P(ClientOverBothSchemes, GarbageStatusLineIsProtocol) {
  auto options = fast_options();
  auto r = fetch_one(options, url("/__fault/garbage-status"));
  ASSERT_EQ(kind(r), "protocol");
  EXPECT_NE(r.error->message.find("malformed"), std::string::npos) << r.error->message;
}

TEST_P(ClientOverBothSchemes, GzipBombIsTooLargeAndFast) {
  auto options = fast_options();
  options.max_body = 4u << 20;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = fetch_one(options, url("/__fault/gzip-bomb"));
  EXPECT_EQ(kind(r), "too_large");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);  // loose: we never inflate 1 GiB
}

TEST_P(ClientOverBothSchemes, OversizedBodiesAreTooLarge) {
  auto options = fast_options();
  options.max_body = 1u << 20;
  EXPECT_EQ(kind(fetch_one(options, url("/__fault/oversized?mb=4"))), "too_large");
  EXPECT_EQ(kind(fetch_one(options, url("/__fault/oversized?mb=4&chunked=1"))), "too_large");
}

TEST_P(ClientOverBothSchemes, ContentTypeDecidesHtml) {
  auto json =
      fetch_one(fast_options(), url("/__fault/content-type?type=application/json&body=json"));
  ASSERT_EQ(kind(json), "not_html");
  EXPECT_NE(json.error->message.find("application/json"), std::string::npos);
  EXPECT_EQ(kind(fetch_one(fast_options(), url("/__fault/content-type?body=html"))), "ok");
  EXPECT_EQ(kind(fetch_one(fast_options(), url("/__fault/content-type?body=binary"))), "not_html");
}

TEST_P(ClientOverBothSchemes, ExtraHeadersAndUserAgentAreSent) {
  auto options = fast_options();
  options.user_agent = "pricescrape-test/1";
  options.headers = {{"X-Test", "yes"}, {"Accept-Language", "de-CH"}};
  auto r = fetch_one(options, url("/__fault/echo-headers"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_NE(r.body.find("User-Agent: pricescrape-test/1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("X-Test: yes\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Accept-Language: de-CH\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Accept-Encoding: gzip, deflate, br\n"), std::string::npos) << r.body;
}

TEST_P(ClientOverBothSchemes, DefaultUserAgentNamesTheVersion) {
  auto r = fetch_one(fast_options(), url("/__fault/echo-headers"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_NE(r.body.find("User-Agent: pricescrape/"), std::string::npos) << r.body;
}

TEST(Client, RedirectAcrossSchemes) {
  const std::string target = shop().https_url("/products/widget.html");
  auto r = fetch_one(fast_options(), shop().http_url("/__fault/redirect?code=308&to=" + target));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.final_url, target);
}

TEST(Client, RedirectToNonHttpSchemeIsRefused) {
  auto r = fetch_one(fast_options(), shop().http_url("/__fault/redirect?to=ftp://example.com/x"));
  EXPECT_EQ(kind(r), "redirects");
}

TEST(Client, UntrustedCertificateIsTls) {
  auto options = fast_options();
  options.cacert.clear();
  auto r = fetch_one(options, shop().https_url("/products/widget.html"));
  ASSERT_EQ(kind(r), "tls");
  EXPECT_NE(r.error->message.find("--cacert"), std::string::npos) << r.error->message;
}

TEST(Client, InsecureSkipsVerification) {
  auto options = fast_options();
  options.cacert.clear();
  options.insecure = true;
  EXPECT_TRUE(fetch_one(options, shop().https_url("/products/widget.html")).ok());
}

TEST(Client, LocalhostNameMatchesTheCertificate) {
  const std::string url =
      "https://localhost:" + std::to_string(shop().https_port()) + "/products/widget.html";
  auto r = fetch_one(fast_options(), url);
  // localhost may resolve to ::1 first, where nothing listens: the client tries the next.
  EXPECT_TRUE(r.ok()) << r.error->message;
}

TEST(Client, HostNameMismatchIsTls) {
  // The certificate names localhost, 127.0.0.1 and ::1; this shop listens on 127.0.0.2.
  demo_shop other("127.0.0.2");
  auto options = fast_options();
  options.cacert = other.cert();
  auto r = fetch_one(options, other.https_url("/products/widget.html"));
  ASSERT_EQ(kind(r), "tls");
}

TEST(Client, RefusedConnectionIsConnect) {
  auto r = fetch_one(fast_options(),
                     "http://127.0.0.1:" + std::to_string(unused_port()) + "/products/widget.html");
  ASSERT_EQ(kind(r), "connect");
  EXPECT_EQ(r.attempts, 1);
}

TEST(Client, UnresolvableHostIsDns) {
  auto r = fetch_one(fast_options(), "http://" + unresolvable_host + "/p");
  ASSERT_EQ(kind(r), "dns");
  EXPECT_EQ(r.attempts, 1);
}

TEST(Client, CancelAllEndsFetchesAsCancelled) {
  asio::io_context io;
  http::client c(io.get_executor(), fast_options());
  fetch_result slow;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        slow = co_await c.fetch(shop().http_url("/__fault/slow-headers?ms=5000"));
      },
      asio::detached);
  asio::steady_timer timer(io, 200ms);
  timer.async_wait([&](auto) { c.cancel_all(); });
  const auto t0 = std::chrono::steady_clock::now();
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(kind(slow), "cancelled");
}

TEST(Client, BadCaBundleIsFatalSetup) {
  asio::io_context io;
  auto options = fast_options();
  options.cacert = std::string(PRICESCRAPE_EXAMPLES_DIR) + "/urls.txt";
  EXPECT_THROW(http::client(io.get_executor(), options), std::runtime_error);
}

}  // namespace
}  // namespace pricescrape::testing
