// iri::to_uri and iri::to_ascii_host: international URLs as the ASCII URLs we send.
#include <pricescrape/iri.hpp>

#include <gtest/gtest.h>

#include <string>

namespace pricescrape::iri {
namespace {

struct uri_case {
  const char* iri;
  const char* uri;
};

class ToUri : public testing::TestWithParam<uri_case> {};

TEST_P(ToUri, EncodesAsBrowsersDo) {
  const auto converted = to_uri(GetParam().iri);
  ASSERT_TRUE(converted.has_value()) << GetParam().iri << ": " << converted.error().message;
  EXPECT_EQ(*converted, GetParam().uri);
  // Converting again changes nothing: the fetch converts what the input check converted.
  EXPECT_EQ(to_uri(*converted).value(), *converted);
}

INSTANTIATE_TEST_SUITE_P(
    Hosts, ToUri,
    testing::Values(uri_case{"http://b\xC3\xBC"
                             "cher.example/",
                             "http://xn--bcher-kva.example/"},
                    // Upper-case non-ASCII hosts are folded (UTS 46 mapping).
                    uri_case{"http://B\xC3\x9C"
                             "CHER.Example/",
                             "http://xn--bcher-kva.example/"},
                    // Nontransitional, as browsers: ß stays ß (not "fass").
                    uri_case{"http://fa\xC3\x9F.de/", "http://xn--fa-hia.de/"},
                    // An ideographic full stop separates labels.
                    uri_case{"http://b\xC3\xBC"
                             "cher\xE3\x80\x82"
                             "example/",
                             "http://xn--bcher-kva.example/"},
                    // NFC first: u + combining diaeresis is ü.
                    uri_case{"http://bu\xCC\x88"
                             "cher.example/",
                             "http://xn--bcher-kva.example/"},
                    uri_case{"http://\xE4\xBE\x8B\xE5\xAD\x90.\xE6\xB5\x8B\xE8\xAF\x95/",
                             "http://xn--fsqu00a.xn--0zwm56d/"},
                    // Percent-encoded UTF-8 in the host is decoded first.
                    uri_case{"http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/"},
                    // Port, userinfo, and a host with only its path international.
                    uri_case{"https://user:p\xC3\xA4ss@b\xC3\xBC"
                             "cher.example:8443/",
                             "https://user:p%C3%A4ss@xn--bcher-kva.example:8443/"},
                    // ASCII hosts as written: case, underscores, valid A-labels.
                    uri_case{"http://Shop.EXAMPLE/", "http://Shop.EXAMPLE/"},
                    uri_case{"http://a_b.example/", "http://a_b.example/"},
                    uri_case{"http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/"},
                    uri_case{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
                    // IPv6 literals are never touched; their path still is.
                    uri_case{"http://[::1]:8080/\xC3\xBC", "http://[::1]:8080/%C3%BC"},
                    uri_case{"http://[fe80::1%25eth0]/", "http://[fe80::1%25eth0]/"}));

INSTANTIATE_TEST_SUITE_P(
    PathQueryFragment, ToUri,
    testing::Values(uri_case{"http://h/?q=\xC3\xBC"
                             "ber",
                             "http://h/?q=%C3%BCber"},
                    uri_case{"http://h/b\xC3\xBC"
                             "cher/\xE2\x82\xAC",
                             "http://h/b%C3%BCcher/%E2%82%AC"},
                    // Already encoded stays; mixed with raw UTF-8, only the raw part changes.
                    uri_case{"http://h/%C3%BC/\xC3\xBC?a=%20&b=\xC3\xBC",
                             "http://h/%C3%BC/%C3%BC?a=%20&b=%C3%BC"},
                    uri_case{"http://h/a%2Fb?x=%26", "http://h/a%2Fb?x=%26"},
                    // Spaces and the other bytes RFC 3986 does not allow.
                    uri_case{"http://h/a b?c d#e f", "http://h/a%20b?c%20d#e%20f"},
                    uri_case{"http://h/\"<>`{}|\\^", "http://h/%22%3C%3E%60%7B%7D%7C%5C%5E"},
                    uri_case{"http://h/[x]?[y]", "http://h/%5Bx%5D?%5By%5D"},
                    // '?' and '/' are data in a query; a second '#' is not a delimiter.
                    uri_case{"http://h/p?a=/b?c#f?g#h", "http://h/p?a=/b?c#f?g%23h"},
                    // Four-byte UTF-8 (an emoji).
                    uri_case{"http://h/\xF0\x9F\x9B\x92", "http://h/%F0%9F%9B%92"},
                    // A valid ASCII URI is returned byte for byte.
                    uri_case{"https://shop.example/p/1?x=2&y=%41#frag",
                             "https://shop.example/p/1?x=2&y=%41#frag"},
                    uri_case{"http://h", "http://h"},
                    // A port is never international: encoded, so the URL parser refuses it.
                    uri_case{"http://h:8\xC3\xBC/", "http://h:8%C3%BC/"}));

INSTANTIATE_TEST_SUITE_P(RelativeReferences, ToUri,
                         testing::Values(uri_case{"/\xC3\xBC?q=\xC3\xBC", "/%C3%BC?q=%C3%BC"},
                                         uri_case{"\xC3\xBC"
                                                  "ber",
                                                  "%C3%BCber"},
                                         uri_case{"//b\xC3\xBC"
                                                  "cher.example/p",
                                                  "//xn--bcher-kva.example/p"},
                                         uri_case{"?q=a b", "?q=a%20b"}, uri_case{"", ""}));

struct refused_case {
  const char* iri;
  const char* message;
};

class ToUriRefuses : public testing::TestWithParam<refused_case> {};

TEST_P(ToUriRefuses, WithAReason) {
  const auto converted = to_uri(GetParam().iri);
  ASSERT_FALSE(converted.has_value()) << GetParam().iri << " -> " << converted.value();
  EXPECT_EQ(converted.error().kind, error_kind::invalid_url);
  EXPECT_EQ(converted.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ToUriRefuses,
    testing::Values(
        refused_case{"http://h/\xFF", "URL is not valid UTF-8"},
        refused_case{"http://h/\xC3", "URL is not valid UTF-8"},              // cut short
        refused_case{"http://h/\xC0\xAF", "URL is not valid UTF-8"},          // overlong '/'
        refused_case{"http://h/\xED\xA0\x80", "URL is not valid UTF-8"},      // a surrogate
        refused_case{"http://h/\xF4\x90\x80\x80", "URL is not valid UTF-8"},  // > U+10FFFF
        refused_case{"http://\xFF.example/", "URL is not valid UTF-8"},
        refused_case{"http://[::\xC3\xBC]/", "IPv6 address contains non-ASCII characters"},
        // Percent-encoded bytes in the host that are not UTF-8.
        refused_case{"http://b%FCcher.example/", "host is not valid UTF-8 once decoded"},
        // Invalid Punycode in an A-label.
        refused_case{"http://xn--a.example/",
                     "invalid international host name (domain label has character forbidden in "
                     "non-transitional mode (TR46))"},
        refused_case{"http://b\xC3\xBC"
                     "cher.xn--zz-/",
                     "invalid international host name (string contains invalid punycode data)"},
        // Code points IDNA 2008 disallows: a snowman, a leading hyphen, a ZWJ alone.
        refused_case{"http://\xE2\x98\x83.net/",
                     "invalid international host name (string contains a disallowed character)"},
        refused_case{"http://-\xC3\xBC.example/",
                     "invalid international host name (string start/ends with forbidden hyphen)"},
        refused_case{"http://a\xE2\x80\x8D"
                     "b.example/",
                     "invalid international host name (string contains a forbidden context-j "
                     "character)"}));

TEST(ToAsciiHost, ConvertsOnlyWhatNeedsIt) {
  EXPECT_EQ(to_ascii_host("b\xC3\xBC"
                          "cher.example")
                .value(),
            "xn--bcher-kva.example");
  EXPECT_EQ(to_ascii_host("B\xC3\x9C"
                          "CHER.EXAMPLE")
                .value(),
            "xn--bcher-kva.example");
  EXPECT_EQ(to_ascii_host("Shop.Example").value(), "Shop.Example");
  EXPECT_EQ(to_ascii_host("[::1]").value(), "[::1]");
  EXPECT_EQ(to_ascii_host("%41bc").value(), "%41bc");  // ASCII once decoded: as written
  EXPECT_FALSE(to_ascii_host("xn--a").has_value());
}

}  // namespace
}  // namespace pricescrape::iri
