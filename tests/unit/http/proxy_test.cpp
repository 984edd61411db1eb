// Proxy configuration: curl's environment precedence, no_proxy matching, proxy URLs.
#include "http/proxy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace pricescrape::http {
namespace {

struct no_proxy_case {
  const char* host;
  const char* list;
  bool bypass;
};

class NoProxyMatch : public ::testing::TestWithParam<no_proxy_case> {};

TEST_P(NoProxyMatch, FollowsCurl) {
  const auto& c = GetParam();
  EXPECT_EQ(no_proxy_matches(c.host, c.list), c.bypass) << c.host << " vs '" << c.list << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NoProxyMatch,
    ::testing::Values(
        // Exact names and subdomains, on label boundaries only.
        no_proxy_case{"shop.example", "shop.example", true},
        no_proxy_case{"www.shop.example", "shop.example", true},
        no_proxy_case{"a.b.shop.example", "shop.example", true},
        no_proxy_case{"notshop.example", "shop.example", false},
        no_proxy_case{"shop.example.com", "shop.example", false},
        no_proxy_case{"example", "shop.example", false},
        // A leading dot is ignored: it matches the domain itself as well.
        no_proxy_case{"shop.example", ".shop.example", true},
        no_proxy_case{"www.shop.example", ".shop.example", true},
        no_proxy_case{"notshop.example", ".shop.example", false},
        // Trailing dots on either side, case, blanks and commas.
        no_proxy_case{"shop.example.", "shop.example", true},
        no_proxy_case{"shop.example", "shop.example.", true},
        no_proxy_case{"SHOP.Example", "shop.EXAMPLE", true},
        no_proxy_case{"b.example", "a.example, b.example", true},
        no_proxy_case{"b.example", " a.example ,,b.example ", true},
        no_proxy_case{"b.example", "a.example\tb.example", true},
        no_proxy_case{"c.example", "a.example,b.example", false},
        // "*" alone bypasses everything; inside a list it is only a name (curl).
        no_proxy_case{"anything.example", "*", true}, no_proxy_case{"10.1.2.3", "*", true},
        no_proxy_case{"anything.example", "a.example,*", false},
        no_proxy_case{"shop.example", "", false}, no_proxy_case{"shop.example", ",", false},
        // Ports are not part of the match.
        no_proxy_case{"shop.example", "shop.example:8080", false},
        // IPv4: equal addresses and CIDR ranges; names never match an IP host.
        no_proxy_case{"127.0.0.1", "127.0.0.1", true},
        no_proxy_case{"127.0.0.2", "127.0.0.1", false},
        no_proxy_case{"10.20.30.40", "10.0.0.0/8", true},
        no_proxy_case{"11.20.30.40", "10.0.0.0/8", false},
        no_proxy_case{"192.168.1.77", "192.168.1.64/26", true},
        no_proxy_case{"192.168.1.128", "192.168.1.64/26", false},
        no_proxy_case{"1.2.3.4", "0.0.0.0/0", true}, no_proxy_case{"1.2.3.4", "1.2.3.4/32", true},
        no_proxy_case{"1.2.3.4", "1.2.3.4/33", false}, no_proxy_case{"1.2.3.4", "1.2.3.4/x", false},
        no_proxy_case{"127.0.0.1", "localhost", false},
        no_proxy_case{"localhost", "127.0.0.1", false}, no_proxy_case{"10.0.0.1", "0.1", false},
        // IPv6: with or without brackets in the list; ranges; families never mix.
        no_proxy_case{"::1", "::1", true}, no_proxy_case{"::1", "[::1]", true},
        no_proxy_case{"2001:db8::5", "2001:db8::/32", true},
        no_proxy_case{"2001:db9::5", "2001:db8::/32", false},
        no_proxy_case{"2001:db8::5", "2001:db8::/127", false},
        no_proxy_case{"2001:db8::5", "2001:db8::4/127", true},
        no_proxy_case{"::ffff:7f00:1", "127.0.0.1", false},
        no_proxy_case{"127.0.0.1", "::1", false}));

struct url_case {
  const char* text;
  proxy_kind kind;
  const char* host;
  const char* port;
  const char* user;  // nullptr: no credentials
  const char* password;
};

class ProxyUrl : public ::testing::TestWithParam<url_case> {};

TEST_P(ProxyUrl, Parses) {
  const auto& c = GetParam();
  auto parsed = parse_proxy_url(c.text);
  ASSERT_TRUE(std::holds_alternative<proxy_server>(parsed))
      << c.text << ": " << std::get<std::string>(parsed);
  const auto& p = std::get<proxy_server>(parsed);
  EXPECT_EQ(p.kind, c.kind);
  EXPECT_EQ(p.host, c.host);
  EXPECT_EQ(p.port, c.port);
  EXPECT_EQ(p.has_credentials, c.user != nullptr);
  if (c.user) {
    EXPECT_EQ(p.user, c.user);
    EXPECT_EQ(p.password, c.password);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProxyUrl,
    ::testing::Values(
        // No scheme: http, as curl guesses; no port: 1080, curl's default.
        url_case{"proxy.corp:3128", proxy_kind::http, "proxy.corp", "3128", nullptr, nullptr},
        url_case{"proxy.corp", proxy_kind::http, "proxy.corp", "1080", nullptr, nullptr},
        url_case{"http://proxy.corp:3128/", proxy_kind::http, "proxy.corp", "3128", nullptr,
                 nullptr},
        url_case{"HTTP://Proxy.Corp:8080/ignored/path", proxy_kind::http, "proxy.corp", "8080",
                 nullptr, nullptr},
        url_case{"http://127.0.0.1:3128", proxy_kind::http, "127.0.0.1", "3128", nullptr, nullptr},
        url_case{"http://[::1]:3128", proxy_kind::http, "::1", "3128", nullptr, nullptr},
        url_case{"socks5://127.0.0.1:1080", proxy_kind::socks5, "127.0.0.1", "1080", nullptr,
                 nullptr},
        url_case{"socks5h://gw.corp", proxy_kind::socks5h, "gw.corp", "1080", nullptr, nullptr},
        url_case{"SOCKS5H://gw.corp:9050", proxy_kind::socks5h, "gw.corp", "9050", nullptr,
                 nullptr},
        // Credentials, percent-decoded; a missing password is empty.
        url_case{"http://alice:s3cret@proxy.corp:3128", proxy_kind::http, "proxy.corp", "3128",
                 "alice", "s3cret"},
        url_case{"alice:s3cret@proxy.corp:3128", proxy_kind::http, "proxy.corp", "3128", "alice",
                 "s3cret"},
        url_case{"http://d%40main%5Cbob:p%3Ass%40w%20rd@proxy.corp:3128", proxy_kind::http,
                 "proxy.corp", "3128", "d@main\\bob", "p:ss@w rd"},
        url_case{"http://alice@proxy.corp:3128", proxy_kind::http, "proxy.corp", "3128", "alice",
                 ""},
        url_case{"socks5://u:p@127.0.0.1:1080", proxy_kind::socks5, "127.0.0.1", "1080", "u",
                 "p"}));

TEST(ProxyUrl, RefusesWhatItCannotUse) {
  for (const char* text : {"https://proxy.corp:443", "socks4://proxy.corp", "ftp://proxy.corp",
                           "http://:3128", "http://proxy.corp:0", "http://proxy.corp:65536",
                           "http://proxy.corp:port", "http://[::1"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_proxy_url(text))) << text;
  }
  const auto https = parse_proxy_url("https://u:hunter2@proxy.corp");
  ASSERT_TRUE(std::holds_alternative<std::string>(https));
  EXPECT_EQ(std::get<std::string>(https),
            "unsupported proxy scheme 'https' (http, socks5 and socks5h are supported)");
}

TEST(ProxyUrl, NamesItselfWithoutThePassword) {
  const auto p = std::get<proxy_server>(parse_proxy_url("http://alice:hunter2@[::1]:3128"));
  EXPECT_EQ(p.where(), "[::1]:3128");
  EXPECT_EQ(p.display(), "http://alice@[::1]:3128");
  EXPECT_EQ(p.display().find("hunter2"), std::string::npos);
  // RFC 7617's example.
  const auto q = std::get<proxy_server>(parse_proxy_url("http://Aladdin:open%20sesame@p:1"));
  EXPECT_EQ(q.basic_authorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(std::get<proxy_server>(parse_proxy_url("http://a:@p:1")).basic_authorization(),
            "Basic YTo=");
  EXPECT_EQ(std::get<proxy_server>(parse_proxy_url("http://ab:@p:1")).basic_authorization(),
            "Basic YWI6");
}

TEST(ProxyUrl, PoolKeysTellProxiesAndUsersApart) {
  const auto a = std::get<proxy_server>(parse_proxy_url("http://u:1@p:3128"));
  const auto b = std::get<proxy_server>(parse_proxy_url("http://u:2@p:3128"));
  const auto c = std::get<proxy_server>(parse_proxy_url("socks5://u:1@p:3128"));
  EXPECT_NE(a.key(), b.key());
  EXPECT_NE(a.key(), c.key());
}

// The environment as a map, for proxy_options_from.
struct fake_env {
  std::map<std::string, std::string> vars;
  std::function<const char*(const char*)> getter() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(ProxyEnvironment, LowerCaseHttpProxyOnly) {
  fake_env env{{{"HTTP_PROXY", "http://upper:1"}}};
  auto o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.http, "");  // httpoxy: curl never reads HTTP_PROXY
  env.vars["http_proxy"] = "http://lower:1";
  o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.http, "http://lower:1");
  EXPECT_EQ(o.http_source, "http_proxy");
  EXPECT_EQ(o.https, "");  // http_proxy is for http:// URLs only
}

TEST(ProxyEnvironment, HttpsProxyEitherCaseLowerFirst) {
  fake_env env{{{"HTTPS_PROXY", "http://upper:1"}}};
  auto o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.https, "http://upper:1");
  EXPECT_EQ(o.https_source, "HTTPS_PROXY");
  EXPECT_EQ(o.http, "");
  env.vars["https_proxy"] = "http://lower:1";
  o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.https, "http://lower:1");
  // An empty variable counts as unset, as curl_getenv has it.
  env.vars["https_proxy"] = "";
  o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.https, "http://upper:1");
}

TEST(ProxyEnvironment, AllProxyIsTheFallbackForBoth) {
  fake_env env{{{"ALL_PROXY", "socks5h://all:1"}, {"https_proxy", "http://tls:1"}}};
  auto o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.http, "socks5h://all:1");
  EXPECT_EQ(o.http_source, "ALL_PROXY");
  EXPECT_EQ(o.https, "http://tls:1");
  env.vars["all_proxy"] = "socks5://lower-all:1";
  o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.http, "socks5://lower-all:1");
}

TEST(ProxyEnvironment, FlagsOverrideTheEnvironment) {
  fake_env env{{{"http_proxy", "http://env:1"},
                {"HTTPS_PROXY", "http://env:2"},
                {"no_proxy", "a.example"},
                {"NO_PROXY", "b.example"}}};
  auto o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  EXPECT_EQ(o.no_proxy, "a.example");  // lower case first
  o = proxy_options_from(env.getter(), std::string("http://flag:3"), std::nullopt);
  EXPECT_EQ(o.http, "http://flag:3");
  EXPECT_EQ(o.https, "http://flag:3");
  EXPECT_EQ(o.https_source, "--proxy");
  EXPECT_EQ(o.no_proxy, "a.example");  // no_proxy still applies to --proxy, as in curl
  o = proxy_options_from(env.getter(), std::string(""), std::string(""));
  EXPECT_EQ(o.http, "");  // --proxy '' turns every proxy off
  EXPECT_EQ(o.https, "");
  EXPECT_EQ(o.no_proxy, "");  // --noproxy '' undoes no_proxy
}

TEST(ProxyEnvironment, ProblemsNameTheVariableNotThePassword) {
  fake_env env{{{"HTTPS_PROXY", "ftp://u:hunter2@x"}}};
  auto o = proxy_options_from(env.getter(), std::nullopt, std::nullopt);
  const auto problem = proxy_options_problem(o);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->rfind("HTTPS_PROXY: unsupported proxy scheme 'ftp'", 0), 0u) << *problem;
  EXPECT_EQ(problem->find("hunter2"), std::string::npos);
  EXPECT_FALSE(proxy_options_problem(proxy_options{}));
}

TEST(ProxyRouter, ChoosesPerSchemeAndHost) {
  proxy_options o;
  o.http = "http://p:3128";
  o.https = "socks5h://s:1080";
  o.no_proxy = "direct.example,10.0.0.0/8";
  const proxy_router router(o);
  ASSERT_NE(router.route(false, "shop.example"), nullptr);
  EXPECT_EQ(router.route(false, "shop.example")->kind, proxy_kind::http);
  EXPECT_EQ(router.route(true, "shop.example")->kind, proxy_kind::socks5h);
  EXPECT_EQ(router.route(true, "www.direct.example"), nullptr);
  EXPECT_EQ(router.route(false, "10.9.8.7"), nullptr);
  EXPECT_TRUE(router.any());
  const proxy_router none(proxy_options{});
  EXPECT_FALSE(none.any());
  EXPECT_EQ(none.route(true, "shop.example"), nullptr);
}

TEST(Socks5Reply, InWords) {
  EXPECT_EQ(socks5_reply_text(5), "connection refused");
  EXPECT_EQ(socks5_reply_text(4), "host unreachable");
  EXPECT_EQ(socks5_reply_text(2), "connection not allowed by ruleset");
  EXPECT_EQ(socks5_reply_text(42), "unknown reply 42");
}

}  // namespace
}  // namespace pricescrape::http
