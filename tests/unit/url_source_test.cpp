#include <pricescrape/url_source.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace pricescrape {
namespace {

std::vector<job> read_all(const std::string& text) {
  std::istringstream in(text);
  url_source source(in);
  std::vector<job> jobs;
  while (auto j = source.next()) jobs.push_back(std::move(*j));
  EXPECT_FALSE(source.read_failed());
  return jobs;
}

std::size_t count(const std::string& text) {
  std::istringstream in(text);
  return count_jobs(in);
}

// --- trim_line / is_skipped_line ----------------------------------------------------

TEST(TrimLine, StripsAsciiWhitespaceAndCr) {
  EXPECT_EQ(trim_line("  http://a/ \t\r"), "http://a/");
  EXPECT_EQ(trim_line("\v\fx\n"), "x");
  EXPECT_EQ(trim_line(" \t\r"), "");
  EXPECT_EQ(trim_line(""), "");
  EXPECT_EQ(trim_line("a b"), "a b");
}

TEST(TrimLine, StripsLeadingBom) {
  EXPECT_EQ(trim_line("\xEF\xBB\xBFhttp://a/\r"), "http://a/");
  EXPECT_EQ(trim_line("\xEF\xBB\xBF  # c"), "# c");
  EXPECT_EQ(trim_line("\xEF\xBB\xBF"), "");
  // Only a BOM at the start; non-breaking space and friends are not ASCII whitespace.
  EXPECT_EQ(trim_line("x\xEF\xBB\xBF"), "x\xEF\xBB\xBF");
  EXPECT_EQ(trim_line("\xC2\xA0x"), "\xC2\xA0x");
}

TEST(IsSkippedLine, BlankAndComments) {
  EXPECT_TRUE(is_skipped_line(""));
  EXPECT_TRUE(is_skipped_line("#"));
  EXPECT_TRUE(is_skipped_line("# http://a/"));
  EXPECT_FALSE(is_skipped_line("http://a/#frag"));
  EXPECT_FALSE(is_skipped_line("x"));
}

// --- validate_url ---------------------------------------------------------------------

class ValidUrl : public ::testing::TestWithParam<const char*> {};

TEST_P(ValidUrl, IsAccepted) {
  auto error = validate_url(GetParam());
  EXPECT_FALSE(error.has_value()) << GetParam() << ": " << (error ? error->message : "");
}

INSTANTIATE_TEST_SUITE_P(UrlSource, ValidUrl,
                         ::testing::Values("http://example.com", "https://example.com/p/1?x=2#f",
                                           "HTTP://EXAMPLE.COM/", "HtTpS://shop.example/",
                                           "http://[::1]:8080/", "http://127.0.0.1:8080/p",
                                           "http://a:65535/", "http://a:/p", "http://a:0080/",
                                           "https://user:pw@shop.example/",
                                           "https://shop.example/a%20b", "http://localhost",
                                           // Encoded before sending (iri_test.cpp).
                                           "https://shop.example/a b",
                                           "https://b\xC3\xBC"
                                           "cher.de/",
                                           "http://shop.example/?q=\xC3\xBC"
                                           "ber"));

struct invalid_case {
  const char* url;
  const char* message;
};

class InvalidUrl : public ::testing::TestWithParam<invalid_case> {};

TEST_P(InvalidUrl, IsRejectedWithAReason) {
  auto error = validate_url(GetParam().url);
  ASSERT_TRUE(error.has_value()) << GetParam().url;
  EXPECT_EQ(error->kind, error_kind::invalid_url);
  EXPECT_EQ(error->message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    UrlSource, InvalidUrl,
    ::testing::Values(
        invalid_case{"hello world", "not a URL: 'hello world'"},
        invalid_case{"example.com/p", "not a URL: 'example.com/p'"},
        invalid_case{"", "not a URL: ''"},
        invalid_case{"//example.com/", "not a URL: '//example.com/'"},
        invalid_case{"ftp://x", "not an http(s) URL: 'ftp://x'"},
        invalid_case{"mailto:a@b.c", "not an http(s) URL: 'mailto:a@b.c'"},
        invalid_case{"httpx://a/", "not an http(s) URL: 'httpx://a/'"},
        invalid_case{"http:///p", "URL has no host: 'http:///p'"},
        invalid_case{"http:/p", "URL has no host: 'http:/p'"},
        invalid_case{"http://:80/", "URL has no host: 'http://:80/'"},
        invalid_case{"https://shop.example/\x01",
                     "URL contains a control character: 'https://shop.example/\\x01'"},
        invalid_case{"https://shop.example/\x7F",
                     "URL contains a control character: 'https://shop.example/\\x7F'"},
        // International URLs are taken (see iri_test.cpp), but not broken UTF-8 or names
        // IDNA refuses.
        invalid_case{"https://shop.example/\xC3(",
                     "URL is not valid UTF-8: 'https://shop.example/\xC3('"},
        invalid_case{"http://\xE2\x98\x83.net/",
                     "invalid international host name (string contains a disallowed character): "
                     "'http://\xE2\x98\x83.net/'"},
        invalid_case{"http://xn--a.example/",
                     "invalid international host name (domain label has character forbidden in "
                     "non-transitional mode (TR46)): 'http://xn--a.example/'"},
        invalid_case{"http://exa mple.com/", "malformed URL: 'http://exa mple.com/'"},
        invalid_case{"http://[::1/", "malformed URL: 'http://[::1/'"},
        invalid_case{"http://a/%zz", "malformed URL: 'http://a/%zz'"},
        // Ports that wrapped (2^64 + 1 and 65536 + 8080) or fell back to 80 before.
        invalid_case{"http://127.0.0.1:18446744073709551617/p",
                     "URL has an invalid port (not 1-65535): "
                     "'http://127.0.0.1:18446744073709551617/p'"},
        invalid_case{"http://127.0.0.1:73616/p",
                     "URL has an invalid port (not 1-65535): 'http://127.0.0.1:73616/p'"},
        invalid_case{"http://127.0.0.1:65536/",
                     "URL has an invalid port (not 1-65535): 'http://127.0.0.1:65536/'"},
        invalid_case{"http://127.0.0.1:-1/p",
                     "URL has an invalid port (not 1-65535): 'http://127.0.0.1:-1/p'"},
        invalid_case{"http://a:+80/", "URL has an invalid port (not 1-65535): 'http://a:+80/'"},
        invalid_case{"http://a:0/", "URL has an invalid port (not 1-65535): 'http://a:0/'"},
        invalid_case{"https://[::1]:99999/",
                     "URL has an invalid port (not 1-65535): 'https://[::1]:99999/'"}));

TEST(ParsePort, AcceptsOneTo65535InDigits) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("80"), 80);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("0000000000000443"), 443);  // leading zeros: still digits
  EXPECT_EQ(parse_port(""), 0);                    // empty: the scheme's default
}

TEST(ParsePort, RejectsEverythingElse) {
  for (const char* bad : {"0", "00", "65536", "73616", "4294967376", "18446744073709551617",
                          "99999999999999999999999", "-1", "+80", " 80", "80 ", "8O", "0x50"}) {
    EXPECT_FALSE(parse_port(bad).has_value()) << bad;
  }
}

TEST(ValidateUrl, LongInputIsShortenedInTheMessage) {
  std::string url = "ftp://" + std::string(1000, 'a');
  auto error = validate_url(url);
  ASSERT_TRUE(error.has_value());
  EXPECT_LT(error->message.size(), 260u);
  EXPECT_EQ(error->message.substr(error->message.size() - 4), "...'");
}

// --- url_source ---------------------------------------------------------------------

TEST(UrlSource, EmptyInputHasNoJobs) {
  EXPECT_TRUE(read_all("").empty());
  EXPECT_TRUE(read_all("\n\n  \n# only comments\n").empty());
  EXPECT_EQ(count(""), 0u);
}

TEST(UrlSource, IndicesCountOnlyJobLines) {
  auto jobs = read_all(
      "# header\n"
      "\n"
      "http://a/1\n"
      "   \n"
      "  # indented comment\n"
      "http://a/2\n"
      "not a url\n"
      "http://a/3");  // no final newline
  ASSERT_EQ(jobs.size(), 4u);
  for (std::size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(jobs[i].index, i);
  EXPECT_EQ(jobs[0].url, "http://a/1");
  EXPECT_EQ(jobs[1].url, "http://a/2");
  EXPECT_EQ(jobs[2].url, "not a url");
  EXPECT_EQ(jobs[3].url, "http://a/3");
  EXPECT_FALSE(jobs[0].invalid);
  ASSERT_TRUE(jobs[2].invalid);
  EXPECT_EQ(jobs[2].invalid->kind, error_kind::invalid_url);
  EXPECT_FALSE(jobs[3].invalid);
}

TEST(UrlSource, CrlfAndBom) {
  auto jobs = read_all("\xEF\xBB\xBFhttp://a/1\r\n\r\n# c\r\nHTTPS://A/2 \r\n");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].url, "http://a/1");
  EXPECT_EQ(jobs[1].url, "HTTPS://A/2");
  EXPECT_FALSE(jobs[0].invalid);
  EXPECT_FALSE(jobs[1].invalid);
}

TEST(UrlSource, BomBeforeCommentIsStillAComment) {
  auto jobs = read_all("\xEF\xBB\xBF# list\nhttp://a/\n");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].index, 0u);
}

TEST(UrlSource, InvalidLinesStillYieldJobsInPlace) {
  auto jobs = read_all("ftp://x\nhttp://[::1]:8080/\nhttp://a b/c\nhttp:///p\n");
  ASSERT_EQ(jobs.size(), 4u);
  ASSERT_TRUE(jobs[0].invalid);
  EXPECT_EQ(jobs[0].invalid->message, "not an http(s) URL: 'ftp://x'");
  EXPECT_FALSE(jobs[1].invalid);
  ASSERT_TRUE(jobs[2].invalid);
  EXPECT_EQ(jobs[2].url, "http://a b/c");
  ASSERT_TRUE(jobs[3].invalid);
  EXPECT_EQ(jobs[3].invalid->message, "URL has no host: 'http:///p'");
}

// An international host's politeness key is its ASCII (IDNA) form, so "bücher.example"
// and "xn--bcher-kva.example" are one shop; the job keeps the URL as written.
TEST(UrlSource, InternationalHostKeyIsTheAsciiForm) {
  auto jobs = read_all(
      "https://B\xC3\x9C"
      "CHER.example/\xC3\xBC?q=\xC3\xBC\n"
      "https://xn--bcher-kva.example/p\n"
      "http://b\xC3\xBC"
      "cher.example:8080/\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].url,
            "https://B\xC3\x9C"
            "CHER.example/\xC3\xBC?q=\xC3\xBC");
  EXPECT_FALSE(jobs[0].invalid.has_value());
  EXPECT_EQ(jobs[0].host, "xn--bcher-kva.example");
  EXPECT_EQ(jobs[1].host, "xn--bcher-kva.example");
  EXPECT_EQ(jobs[2].host, "xn--bcher-kva.example:8080");
}

TEST(UrlSource, JobsCarryTheHostKeyForPerHostPolicies) {
  auto jobs = read_all(
      "https://Shop.EXAMPLE:8443/p?q=1\nhttp://[::1]:8080/\nftp://x/\n"
      "https://shop.example/a\nhttp://SHOP.example:80/b\nhttps://shop.example:443/c\n");
  ASSERT_EQ(jobs.size(), 6u);
  EXPECT_EQ(jobs[0].host, "shop.example:8443");  // another port is another server
  EXPECT_EQ(jobs[1].host, "[::1]:8080");
  EXPECT_TRUE(jobs[2].host.empty());  // invalid lines have no host
  // Default ports, written or not, and both schemes: one shop, one policy.
  EXPECT_EQ(jobs[3].host, "shop.example");
  EXPECT_EQ(jobs[4].host, "shop.example");
  EXPECT_EQ(jobs[5].host, "shop.example");
}

TEST(UrlSource, LineTooLongIsInvalidAndBounded) {
  std::string huge = "http://a/" + std::string(200 * 1024, 'x');
  auto jobs = read_all("http://a/1\n" + huge + "\nhttp://a/3\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_FALSE(jobs[0].invalid);
  ASSERT_TRUE(jobs[1].invalid);
  EXPECT_EQ(jobs[1].invalid->kind, error_kind::invalid_url);
  EXPECT_EQ(jobs[1].invalid->message.rfind("line too long", 0), 0u) << jobs[1].invalid->message;
  EXPECT_LE(jobs[1].url.size(), 200u);
  EXPECT_LT(jobs[1].invalid->message.size(), 300u);
  EXPECT_EQ(jobs[2].index, 2u);
  EXPECT_EQ(jobs[2].url, "http://a/3");
  EXPECT_FALSE(jobs[2].invalid);
}

TEST(UrlSource, LineOfExactlyTheLimitIsNotTooLong) {
  std::string line = "http://a/";
  line += std::string(64 * 1024 - line.size(), 'x');
  auto jobs = read_all(line + "\n");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_FALSE(jobs[0].invalid);
  EXPECT_EQ(jobs[0].url.size(), 64u * 1024);
}

TEST(UrlSource, LongCommentIsSkipped) {
  auto jobs = read_all("#" + std::string(100 * 1024, 'c') + "\nhttp://a/\n");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].index, 0u);
}

TEST(UrlSource, ReadsLazily) {
  std::istringstream in("http://a/1\nhttp://a/2\n");
  url_source source(in);
  EXPECT_EQ(in.tellg(), 0);
  ASSERT_TRUE(source.next());
  EXPECT_EQ(in.tellg(), 11);
}

TEST(CountJobs, MatchesTheJobsProduced) {
  const std::string text = "\xEF\xBB\xBF# c\r\nhttp://a/1\r\n\r\nbad\n  \n#x\nhttp://a/2\n" +
                           std::string(70 * 1024, 'y') + "\nlast";
  EXPECT_EQ(count(text), read_all(text).size());
  EXPECT_EQ(count(text), 5u);  // a/1, bad, a/2, the long line, last
}

}  // namespace
}  // namespace pricescrape
