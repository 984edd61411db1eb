// Tests for extract/charset: the order of evidence, label aliases, and repair of bad input.
#include <pricescrape/extract/charset.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace pricescrape::extract {
namespace {

using namespace std::string_literals;

TEST(Charset, ValidUtf8WithoutDeclarationPassesThrough) {
  const std::string page = "<p>12,99 \xE2\x82\xAC</p>";
  const utf8_page out = to_utf8(page);
  EXPECT_EQ(out.encoding, "utf-8");
  EXPECT_EQ(out.text, page);
}

TEST(Charset, InvalidUtf8WithoutDeclarationIsWindows1252) {
  const utf8_page out = to_utf8("<p>\x80 5 \xA3 3</p>");
  EXPECT_EQ(out.encoding, "windows-1252");
  EXPECT_EQ(out.text, "<p>\u20AC 5 \u00A3 3</p>");
}

TEST(Charset, Windows1252HolesMapToControlsNotReplacement) {
  // 0x81 has no glyph in windows-1252; browsers decode it as U+0081.
  EXPECT_EQ(to_utf8("\x81", "text/html; charset=windows-1252").text, "\xC2\x81");
}

TEST(Charset, Utf8BomIsStrippedAndWins) {
  const utf8_page out = to_utf8("\xEF\xBB\xBFhi \xC3\xA9", "text/html; charset=iso-8859-1");
  EXPECT_EQ(out.encoding, "utf-8");
  EXPECT_EQ(out.text, "hi \u00E9");
}

TEST(Charset, Utf16LittleEndianBom) {
  const std::string bytes =
      "\xFF\xFE"
      "1\0"
      "9\0"
      " \0"
      "\xAC\x20"s;
  const utf8_page out = to_utf8(bytes);
  EXPECT_EQ(out.encoding, "utf-16le");
  EXPECT_EQ(out.text, "19 \u20AC");
}

TEST(Charset, Utf16BigEndianBom) {
  const std::string bytes =
      "\xFE\xFF"
      "\0<"
      "\0p"
      "\x20\xAC"s;
  const utf8_page out = to_utf8(bytes);
  EXPECT_EQ(out.encoding, "utf-16be");
  EXPECT_EQ(out.text, "<p\u20AC");
}

TEST(Charset, ContentTypeCharsetBeatsMeta) {
  const std::string page = "<meta charset=\"utf-8\"><p>\xE9</p>";
  const utf8_page out = to_utf8(page, "text/html; charset=ISO-8859-1");
  EXPECT_EQ(out.encoding, "windows-1252");
  EXPECT_EQ(out.text, "<meta charset=\"utf-8\"><p>\u00E9</p>");
}

TEST(Charset, ContentTypeCharsetMayBeQuoted) {
  EXPECT_EQ(to_utf8("x", "text/html;charset=\"KOI8-R\"").encoding, "koi8-r");
  EXPECT_EQ(to_utf8("x", "text/html; Charset = utf-8 ; q=1").encoding, "utf-8");
}

TEST(Charset, UnknownContentTypeCharsetFallsThroughToMeta) {
  const utf8_page out = to_utf8("<meta charset=koi8-r>\xF0", "text/html; charset=bogus");
  EXPECT_EQ(out.encoding, "koi8-r");
  EXPECT_EQ(out.text, "<meta charset=koi8-r>\u041F");  // 0xF0 is П in KOI8-R
}

TEST(Charset, MetaCharsetPrescan) {
  const utf8_page out = to_utf8("<html><head><META CHARSET='windows-1251'></head>\xC0");
  EXPECT_EQ(out.encoding, "windows-1251");
  EXPECT_EQ(out.text, "<html><head><META CHARSET='windows-1251'></head>\u0410");
}

TEST(Charset, MetaHttpEquivPrescan) {
  const std::string page =
      "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\">\xA4";
  const utf8_page out = to_utf8(page);
  EXPECT_EQ(out.encoding, "iso-8859-15");
  EXPECT_EQ(out.text.substr(out.text.size() - 3), "\u20AC");  // 0xA4 is € in latin-9
}

TEST(Charset, MetaInsideCommentIsIgnored) {
  EXPECT_EQ(to_utf8("<!-- <meta charset=koi8-r> --><p>\xE9").encoding, "windows-1252");
}

TEST(Charset, MetaAfterFirst1024BytesIsIgnored) {
  const std::string page = std::string(1100, ' ') + "<meta charset=shift_jis>abc";
  EXPECT_EQ(to_utf8(page).encoding, "utf-8");
}

TEST(Charset, MetaUtf16MeansUtf8) {
  EXPECT_EQ(to_utf8("<meta charset=utf-16><p>x").encoding, "utf-8");
}

struct label_case {
  std::string label;
  std::string encoding;
};

class CharsetLabels : public testing::TestWithParam<label_case> {};

TEST_P(CharsetLabels, NormalisesAsTheHtmlStandard) {
  EXPECT_EQ(to_utf8("x", "text/html; charset=" + GetParam().label).encoding, GetParam().encoding);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CharsetLabels,
    testing::Values(label_case{"latin1", "windows-1252"}, label_case{"ISO-8859-1", "windows-1252"},
                    label_case{"us-ascii", "windows-1252"}, label_case{"ascii", "windows-1252"},
                    label_case{"utf8", "utf-8"}, label_case{"Shift_JIS", "shift_jis"},
                    label_case{"x-sjis", "shift_jis"}, label_case{"EUC-JP", "euc-jp"},
                    label_case{"gbk", "gb18030"}, label_case{"GB2312", "gb18030"},
                    label_case{"big5", "big5"}, label_case{"koi8-r", "koi8-r"},
                    label_case{"windows-1250", "windows-1250"},
                    label_case{"cp1251", "windows-1251"}, label_case{"iso-8859-2", "iso-8859-2"},
                    label_case{"latin5", "windows-1254"}, label_case{"euc-kr", "euc-kr"}));

TEST(Charset, ShiftJisConverts) {
  // "価格" (price) in Shift_JIS, then 1,980円.
  const std::string bytes = "\x89\xBF\x8A\x69 1,980\x89\x7E";
  const utf8_page out = to_utf8(bytes, "text/html; charset=shift_jis");
  EXPECT_EQ(out.text, "価格 1,980円");
}

TEST(Charset, EucJpConverts) {
  EXPECT_EQ(to_utf8("\xB1\xDF", "text/html; charset=euc-jp").text, "円");
}

TEST(Charset, Gb2312ConvertsAsGb18030) {
  EXPECT_EQ(to_utf8("\xD4\xAA", "text/html; charset=gb2312").text, "元");
}

TEST(Charset, Big5Converts) {
  EXPECT_EQ(to_utf8("\xA4\xB8", "text/html; charset=big5").text, "元");
}

TEST(Charset, InvalidUtf8IsReplacedNotDropped) {
  const utf8_page out = to_utf8("a\xC3(b\xF0\x9F\x98z\xED\xA0\x80", "text/html; charset=utf-8");
  EXPECT_EQ(out.encoding, "utf-8");
  // One U+FFFD per maximal subpart, as browsers do; surrogates are three bad bytes.
  EXPECT_EQ(out.text, "a\uFFFD(b\uFFFDz\uFFFD\uFFFD\uFFFD");
}

TEST(Charset, InvalidMultibyteSequenceIsReplaced) {
  const utf8_page out = to_utf8(
      "A\x81\xFF"
      "B\x82",
      "text/html; charset=shift_jis");
  EXPECT_EQ(out.text.front(), 'A');
  EXPECT_NE(out.text.find("\uFFFD"), std::string::npos);
  EXPECT_NE(out.text.find('B'), std::string::npos);
}

TEST(Charset, TruncatedUtf16IsReplaced) {
  const utf8_page out = to_utf8(
      "\xFF\xFE"
      "A\0B"s);
  EXPECT_EQ(out.text, "A\uFFFD");
}

TEST(Charset, EmptyInput) {
  const utf8_page out = to_utf8("");
  EXPECT_EQ(out.text, "");
  EXPECT_EQ(out.encoding, "utf-8");
}

TEST(Charset, BinaryGarbageNeverThrowsAndYieldsValidUtf8) {
  std::string garbage;
  unsigned state = 12345;
  for (int i = 0; i < 200000; ++i) {
    state = state * 1103515245u + 12345u;
    garbage.push_back(static_cast<char>(state >> 16));
  }
  for (const char* ct : {"", "text/html; charset=utf-8", "text/html; charset=shift_jis",
                         "text/html; charset=iso-2022-jp", "text/html; charset=utf-16"}) {
    const utf8_page out = to_utf8(garbage, ct);
    // Valid UTF-8 maps to itself: the round trip through the UTF-8 path is a no-op.
    EXPECT_EQ(to_utf8(out.text, "text/html; charset=utf-8").text, out.text) << ct;
  }
}

TEST(Charset, LargeUtf8PageIsFast) {
  std::string page;
  while (page.size() < 20 * 1024 * 1024) page += "<div class=\"price\">12,99 \xE2\x82\xAC</div>\n";
  const auto start = std::chrono::steady_clock::now();
  const utf8_page out = to_utf8(page);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.text.size(), page.size());
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace pricescrape::extract
