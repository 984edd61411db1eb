#include "http/redirect.hpp"

#include <gtest/gtest.h>

namespace pricescrape::http {
namespace {

TEST(WithoutUserinfo, StripsCredentialsOnly) {
  EXPECT_EQ(without_userinfo("http://u:p@h:8080/a?b#c"), "http://h:8080/a?b#c");
  EXPECT_EQ(without_userinfo("https://user@shop.example/"), "https://shop.example/");
  EXPECT_EQ(without_userinfo("http://a@b@h/"), "http://h/");
  EXPECT_EQ(without_userinfo("http://h/p?mail=a@b"), "http://h/p?mail=a@b");
  EXPECT_EQ(without_userinfo("http://h"), "http://h");
  EXPECT_EQ(without_userinfo("http://u:p@[::1/broken"), "http://[::1/broken");
  EXPECT_EQ(without_userinfo("not a url @ all"), "not a url @ all");
}

TEST(NextLocation, ResolvesRelativeAndDropsFragmentAndUserinfo) {
  EXPECT_EQ(next_location("http://h/a/b", "c#frag", false).value(), "http://h/a/c");
  EXPECT_EQ(next_location("http://h/a", "http://u:p@g:81/x", false).value(), "http://g:81/x");
  EXPECT_EQ(next_location("http://h/a", "https://g/x", false).value(), "https://g/x");
}

// Servers put raw UTF-8 in Location: it is followed as browsers follow it, encoded.
TEST(NextLocation, RawUtf8LocationIsEncoded) {
  EXPECT_EQ(next_location("http://h/a/b",
                          "\xC3\xBC"
                          "ber?q=\xC3\xBC",
                          false)
                .value(),
            "http://h/a/%C3%BCber?q=%C3%BC");
  EXPECT_EQ(next_location("http://h/a",
                          "https://b\xC3\xBC"
                          "cher.example/p d",
                          false)
                .value(),
            "https://xn--bcher-kva.example/p%20d");
  EXPECT_EQ(next_location("http://h/a",
                          "//B\xC3\x9C"
                          "CHER.example/",
                          false)
                .value(),
            "http://xn--bcher-kva.example/");
  auto broken = next_location("http://h/a", "/\xC3(", false);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().kind, error_kind::redirects);
  EXPECT_NE(broken.error().message.find("not valid UTF-8"), std::string::npos)
      << broken.error().message;
  auto bad_host = next_location("http://h/a", "http://xn--a.example/", false);
  ASSERT_FALSE(bad_host.has_value());
  EXPECT_NE(bad_host.error().message.find("invalid international host name"), std::string::npos)
      << bad_host.error().message;
}

TEST(NextLocation, RefusesBadPortsWithRedirectsErrors) {
  for (const char* location : {"http://h:18446744073709551617/p", "http://h:73616/p",
                               "http://h:65536/", "http://h:-1/p", "http://h:0/", "//h:99999/x"}) {
    auto next = next_location("http://h/a", location, false);
    ASSERT_FALSE(next.has_value()) << location;
    EXPECT_EQ(next.error().kind, error_kind::redirects);
    EXPECT_NE(next.error().message.find("invalid port"), std::string::npos) << next.error().message;
  }
}

TEST(NextLocation, DowngradeNeedsPermission) {
  auto refused = next_location("https://h/a", "http://h/b", false);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, error_kind::redirects);
  EXPECT_NE(refused.error().message.find("https to plain http"), std::string::npos);
  EXPECT_EQ(next_location("https://h/a", "http://h/b", true).value(), "http://h/b");
  // A scheme-relative Location keeps the scheme: no downgrade.
  EXPECT_EQ(next_location("HTTPS://h/a", "//h/b", false).value(), "HTTPS://h/b");
}

TEST(NextLocation, MessagesQuoteUrlsWithoutCredentials) {
  auto bad = next_location("https://h/a", "http://u:s3cret@h/b", false);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.find("s3cret"), std::string::npos) << bad.error().message;
  auto scheme = next_location("http://h/a", "ftp://u:s3cret@h/b", false);
  ASSERT_FALSE(scheme.has_value());
  EXPECT_EQ(scheme.error().message.find("s3cret"), std::string::npos) << scheme.error().message;
}

}  // namespace
}  // namespace pricescrape::http
