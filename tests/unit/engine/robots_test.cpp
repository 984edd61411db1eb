#include "engine/robots.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pricescrape::engine {
namespace {

using namespace std::chrono_literals;

struct path_case {
  const char* path;
  bool allowed;
};

// RFC 9309 5.1, with the crawler named by each block's heading.
constexpr const char* rfc_example =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

struct agent_case {
  const char* agent;
  const char* path;
  bool allowed;
};

class RfcExample : public testing::TestWithParam<agent_case> {};

TEST_P(RfcExample, GroupsAndRules) {
  const auto rules = robots_rules::parse(rfc_example, GetParam().agent);
  EXPECT_EQ(rules.allowed(GetParam().path), GetParam().allowed)
      << GetParam().agent << " " << GetParam().path;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9309Section5_1, RfcExample,
    testing::Values(
        // foobot: everything disallowed but two pages
        agent_case{"foobot", "/", false}, agent_case{"foobot", "/example/page.html", true},
        agent_case{"foobot", "/example/allowed.gif", true},
        agent_case{"foobot", "/example/other.gif", false},
        agent_case{"FooBot", "/example/page.html", true},  // tokens match case-insensitively
        // barbot and bazbot share one group
        agent_case{"barbot", "/example/page.html", false},
        agent_case{"bazbot", "/example/page.html", false}, agent_case{"barbot", "/", true},
        agent_case{"bazbot", "/x.gif", true},  // the * group does not apply to them
        // quxbot's group is empty: everything allowed
        agent_case{"quxbot", "/example/", true}, agent_case{"quxbot", "/a.gif", true},
        // anyone else gets the * group
        agent_case{"pricescrape", "/a.gif", false},
        agent_case{"pricescrape", "/a.gif?x=1", true},  // $ anchors the end
        agent_case{"pricescrape", "/example/", false},
        agent_case{"pricescrape", "/example/page.html", false},
        agent_case{"pricescrape", "/publications/", true}, agent_case{"pricescrape", "/", true},
        agent_case{"pricescrape", "/robots.txt", true}));

// RFC 9309 5.2: the longest match wins.
TEST(Robots, Rfc9309Section5_2LongestMatch) {
  const auto rules = robots_rules::parse(
      "User-Agent: foobot\n"
      "Allow: /example/page/\n"
      "Disallow: /example/page/disallowed.gif\n",
      "foobot");
  EXPECT_TRUE(rules.allowed("/example/page/"));
  EXPECT_TRUE(rules.allowed("/example/page/ok.gif"));
  EXPECT_FALSE(rules.allowed("/example/page/disallowed.gif"));
  EXPECT_EQ(rules.rule_count(), 2u);
}

class Matching : public testing::TestWithParam<std::tuple<const char*, const char*, bool>> {};

// One rule against one path; the rule is a Disallow, so "matches" means "not allowed".
TEST_P(Matching, DisallowPattern) {
  const auto& [pattern, path, matched] = GetParam();
  const auto rules =
      robots_rules::parse(std::string("User-agent: *\nDisallow: ") + pattern + "\n", "x");
  EXPECT_EQ(rules.allowed(path), !matched) << pattern << " vs " << path;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Matching,
    testing::Values(
        std::make_tuple("/fish", "/fish", true), std::make_tuple("/fish", "/fish.html", true),
        std::make_tuple("/fish", "/fish/salmon.html", true),
        std::make_tuple("/fish", "/Fish.asp", false),  // paths are case-sensitive
        std::make_tuple("/fish", "/catfish", false), std::make_tuple("/fish/", "/fish", false),
        std::make_tuple("/fish*", "/fishheads", true),
        std::make_tuple("/*.php", "/index.php", true),
        std::make_tuple("/*.php", "/folder/any.php.file.html", true),
        std::make_tuple("/*.php", "/windows.PHP", false),
        std::make_tuple("/*.php$", "/filename.php", true),
        std::make_tuple("/*.php$", "/filename.php?parameters", false),
        std::make_tuple("/*.php$", "/filename.php5", false),
        std::make_tuple("/fish*.php", "/fishheads/catfish.php?p=1", true),
        std::make_tuple("/fish*.php", "/Fish.PHP", false), std::make_tuple("/a**b", "/axxb", true),
        std::make_tuple("/a*b*c$", "/abxbxc", true), std::make_tuple("/a*b*c$", "/abxbxcd", false),
        std::make_tuple("*", "/anything", true), std::make_tuple("/$", "/", true),
        std::make_tuple("/$", "/a", false), std::make_tuple("/p?q=1", "/p?q=1&r=2", true),
        std::make_tuple("/a$b", "/a$b", true)));  // $ inside is literal

// RFC 9309 2.2.2's table: paths and patterns compare after the same normalisation.
TEST(Robots, PercentEncodingNormalisation) {
  EXPECT_EQ(normalise_robots_path("/foo/bar?baz=quz"), "/foo/bar?baz=quz");
  EXPECT_EQ(normalise_robots_path("/foo/bar?baz=https%3A%2F%2Ffoo.bar"),
            "/foo/bar?baz=https%3A%2F%2Ffoo.bar");
  EXPECT_EQ(normalise_robots_path("/foo/bar/\xE3\x83\x84"), "/foo/bar/%E3%83%84");
  EXPECT_EQ(normalise_robots_path("/foo/bar/%e3%83%84"), "/foo/bar/%E3%83%84");
  EXPECT_EQ(normalise_robots_path("/foo/bar/%62%61%7A"), "/foo/bar/baz");
  EXPECT_EQ(normalise_robots_path("/a b"), "/a%20b");
  EXPECT_EQ(normalise_robots_path("/100%"), "/100%");  // not an escape: kept
  EXPECT_EQ(normalise_robots_path("/%zz"), "/%zz");

  const auto rules = robots_rules::parse(
      "User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\nDisallow: /%62%61%7A\n", "x");
  EXPECT_FALSE(rules.allowed("/foo/bar/%E3%83%84"));
  EXPECT_FALSE(rules.allowed("/foo/bar/%e3%83%84"));
  EXPECT_FALSE(rules.allowed("/baz"));
  EXPECT_TRUE(rules.allowed("/foo/bar/%E3%83%85"));
}

TEST(Robots, AllowWinsAnEqualLengthTie) {
  const auto rules = robots_rules::parse("User-agent: *\nDisallow: /page\nAllow: /page\n", "x");
  EXPECT_TRUE(rules.allowed("/page"));
  const auto reversed = robots_rules::parse("User-agent: *\nAllow: /page\nDisallow: /page\n", "x");
  EXPECT_TRUE(reversed.allowed("/page"));
  // Longer beats Allow: "/page.html$" (11) over "/page" (5).
  const auto longer =
      robots_rules::parse("User-agent: *\nAllow: /page\nDisallow: /page.html$\n", "x");
  EXPECT_FALSE(longer.allowed("/page.html"));
  EXPECT_TRUE(longer.allowed("/page.htm"));
}

TEST(Robots, UserAgentMatchingUsesTheProductToken) {
  constexpr const char* body =
      "user-agent: PriceScrape/1.0 (+https://example.org)\n"
      "disallow: /private\n"
      "User-agent: *\n"
      "Disallow: /\n";
  const auto ours = robots_rules::parse(body, "pricescrape");
  EXPECT_FALSE(ours.allowed("/private/x"));
  EXPECT_TRUE(ours.allowed("/products/1"));                // our group applies, not the * one
  const auto prefix = robots_rules::parse(body, "price");  // a prefix is not a match
  EXPECT_FALSE(prefix.allowed("/products/1"));
}

TEST(Robots, GroupsNamingUsAreCombined) {
  const auto rules = robots_rules::parse(
      "User-agent: pricescrape\nDisallow: /a\n"
      "User-agent: other\nDisallow: /b\n"
      "User-agent: PRICESCRAPE\nDisallow: /c\n",
      "pricescrape");
  EXPECT_FALSE(rules.allowed("/a"));
  EXPECT_TRUE(rules.allowed("/b"));
  EXPECT_FALSE(rules.allowed("/c"));
  EXPECT_EQ(rules.rule_count(), 2u);
}

TEST(Robots, LineEndingsCommentsBomAndOddLines) {
  const auto rules = robots_rules::parse(
      "\xEF\xBB\xBF# a comment\r\n"
      "Disallow: /before-any-group\r\n"
      "USER-AGENT : * # everyone\r"
      "Sitemap: https://example.org/sitemap.xml\r\n"
      "this line has no colon\n"
      "Disallow:\n"  // empty: no rule
      "  disallow  :  /x   # trailing comment\n",
      "pricescrape");
  EXPECT_EQ(rules.rule_count(), 1u);
  EXPECT_FALSE(rules.allowed("/x"));
  EXPECT_TRUE(rules.allowed("/before-any-group"));
  EXPECT_TRUE(rules.allowed("/"));
}

TEST(Robots, CrawlDelayOfTheGroupThatApplies) {
  constexpr const char* body =
      "User-agent: *\nCrawl-delay: 2.5\nDisallow: /a\n"
      "User-agent: pricescrape\nCrawl-delay: 10\n";
  EXPECT_EQ(robots_rules::parse(body, "pricescrape").crawl_delay(), 10s);
  EXPECT_EQ(robots_rules::parse(body, "other").crawl_delay(), 2500ms);
  EXPECT_EQ(robots_rules::parse("User-agent: *\nCrawl-delay: soon\n", "x").crawl_delay(),
            std::nullopt);
  EXPECT_EQ(robots_rules::parse("User-agent: *\nCrawl-delay: 999999\n", "x").crawl_delay(),
            std::nullopt);
  EXPECT_EQ(robots_rules::parse("User-agent: *\nDisallow: /\n", "x").crawl_delay(), std::nullopt);
}

struct fetch_case {
  int status;
  bool allowed;
};

class FetchStatus : public testing::TestWithParam<fetch_case> {};

// RFC 9309 2.3.1: unavailable (4xx) allows everything, unreachable (5xx, no answer)
// disallows everything.
TEST_P(FetchStatus, DecidesTheRules) {
  const auto rules =
      robots_rules::from_fetch(GetParam().status, "User-agent: *\nDisallow: /\n", "x");
  EXPECT_EQ(rules.allowed("/products/1"), GetParam().allowed) << GetParam().status;
  EXPECT_TRUE(rules.allowed("/robots.txt"));
}

INSTANTIATE_TEST_SUITE_P(Table, FetchStatus,
                         testing::Values(fetch_case{200, false},  // the body says Disallow: /
                                         fetch_case{204, false}, fetch_case{400, true},
                                         fetch_case{401, true}, fetch_case{403, true},
                                         fetch_case{404, true}, fetch_case{410, true},
                                         fetch_case{429, false}, fetch_case{500, false},
                                         fetch_case{503, false}, fetch_case{0, false}));

TEST(Robots, EmptyOrMissingAllowsEverything) {
  EXPECT_TRUE(robots_rules::parse("", "x").allowed("/a"));
  EXPECT_TRUE(robots_rules::from_fetch(200, "", "x").allowed("/a"));
  EXPECT_TRUE(robots_rules::allow_all().allowed("/"));
  EXPECT_FALSE(robots_rules::disallow_all().allowed("/"));
  EXPECT_FALSE(robots_rules::disallow_all().allowed(""));  // an empty path is "/"
}

TEST(Robots, BodyOverTheCapIsCutAtALineBoundary) {
  std::string body = "User-agent: *\nDisallow: /early\n";
  while (body.size() < robots_rules::max_bytes - 10) body += "# padding padding padding\n";
  body += "Disallow: /late-rule-cut-in-half\n";
  ASSERT_GT(body.size(), robots_rules::max_bytes);
  const auto rules = robots_rules::parse(body, "x");
  EXPECT_TRUE(rules.truncated());
  EXPECT_EQ(rules.rule_count(), 1u);
  EXPECT_FALSE(rules.allowed("/early"));
  EXPECT_TRUE(rules.allowed("/late"));  // half a rule ("/late") must not apply
  EXPECT_FALSE(robots_rules::parse("User-agent: *\n", "x").truncated());
}

TEST(Robots, RuleCountAndPatternLengthAreBounded) {
  std::string body = "User-agent: *\n";
  for (std::size_t i = 0; i < robots_rules::max_rules + 50; ++i)
    body += "Disallow: /r" + std::to_string(i) + "$\n";
  const auto rules = robots_rules::parse(body, "x");
  EXPECT_EQ(rules.rule_count(), robots_rules::max_rules);
  EXPECT_FALSE(rules.allowed("/r0"));
  EXPECT_TRUE(rules.allowed("/r" + std::to_string(robots_rules::max_rules + 10)));

  const std::string at_cap = "/" + std::string(robots_rules::max_pattern - 1, 'a');
  const std::string over_cap = "/" + std::string(robots_rules::max_pattern, 'b');
  const auto long_rules = robots_rules::parse(
      "User-agent: *\nDisallow: " + at_cap + "\nDisallow: " + over_cap + "\n", "x");
  EXPECT_EQ(long_rules.rule_count(), 1u);
  EXPECT_FALSE(long_rules.allowed(at_cap));
  EXPECT_TRUE(long_rules.allowed(over_cap));
}

}  // namespace
}  // namespace pricescrape::engine
