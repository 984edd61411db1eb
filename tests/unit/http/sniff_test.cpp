#include "http/sniff.hpp"

#include <gtest/gtest.h>

namespace pricescrape::http {
namespace {

TEST(ContentType, HtmlTypesWithParametersAndCase) {
  EXPECT_EQ(classify_content_type("text/html"), html_verdict::html);
  EXPECT_EQ(classify_content_type("Text/HTML; charset=ISO-8859-1"), html_verdict::html);
  EXPECT_EQ(classify_content_type("application/xhtml+xml"), html_verdict::html);
}

TEST(ContentType, OtherTypesAreNotHtml) {
  for (auto t : {"application/json", "text/plain", "image/png", "application/pdf", "text/css"})
    EXPECT_EQ(classify_content_type(t), html_verdict::not_html) << t;
}

TEST(ContentType, MissingOrGenericTypesAreSniffed) {
  EXPECT_EQ(classify_content_type(""), html_verdict::sniff);
  EXPECT_EQ(classify_content_type("application/octet-stream"), html_verdict::sniff);
}

TEST(Sniff, RecognisesHtmlStarts) {
  EXPECT_TRUE(looks_like_html("<!DOCTYPE html><html>"));
  EXPECT_TRUE(looks_like_html("\xEF\xBB\xBF  \n<html lang=en>"));
  EXPECT_TRUE(looks_like_html("<!-- comment --><p>"));
  EXPECT_TRUE(looks_like_html("<head>"));
  EXPECT_TRUE(looks_like_html("<div class=x>"));
}

TEST(Sniff, RejectsNonHtml) {
  EXPECT_FALSE(looks_like_html("{\"price\": 1}"));
  EXPECT_FALSE(looks_like_html("\x89PNG\r\n\x1a\n"));
  EXPECT_FALSE(looks_like_html("<?xml version=\"1.0\"?><rss>"));
  EXPECT_FALSE(looks_like_html("<html"));  // no delimiter after the tag name
  EXPECT_FALSE(looks_like_html("<htmlx>"));
  EXPECT_FALSE(looks_like_html(""));
}

TEST(Sniff, ResponseVerdictCombinesBoth) {
  EXPECT_TRUE(is_html_response("", "<html><body>"));
  EXPECT_FALSE(is_html_response("", "%PDF-1.4"));
  EXPECT_FALSE(is_html_response("application/json", "<html>"));
  EXPECT_TRUE(is_html_response("text/html", "not really html but the server says so"));
}

}  // namespace
}  // namespace pricescrape::http
