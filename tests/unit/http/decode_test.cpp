#include "http/decode.hpp"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <string>

namespace pricescrape::http {
namespace {

// window_bits: 15+16 gzip, 15 zlib, -15 raw deflate.
std::string deflate_with(std::string_view text, int window_bits, int level = 6) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string gzip(std::string_view text) { return deflate_with(text, 15 + 16); }

std::string brotli(std::string_view text) {
  std::string out(BrotliEncoderMaxCompressedSize(text.size()) + 16, '\0');
  std::size_t size = out.size();
  EXPECT_TRUE(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, text.size(),
                                    reinterpret_cast<const uint8_t*>(text.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())));
  out.resize(size);
  return out;
}

const std::string page = [] {
  std::string p = "<!doctype html><title>t</title>";
  for (int i = 0; i < 2000; ++i) p += "<p class=\"price\">19.99 EUR</p>\n";
  return p;
}();

TEST(ContentEncoding, ParsesKnownCodingsCaseInsensitively) {
  EXPECT_EQ(parse_content_encoding(""), content_coding::identity);
  EXPECT_EQ(parse_content_encoding(" GZIP "), content_coding::gzip);
  EXPECT_EQ(parse_content_encoding("x-gzip"), content_coding::gzip);
  EXPECT_EQ(parse_content_encoding("deflate"), content_coding::deflate);
  EXPECT_EQ(parse_content_encoding("br"), content_coding::br);
  EXPECT_EQ(parse_content_encoding("zstd"), std::nullopt);
  EXPECT_EQ(parse_content_encoding("gzip, br"), std::nullopt);
}

TEST(DecodeBody, GzipRoundTrips) {
  auto out = decode_body(gzip(page), content_coding::gzip, 1 << 20);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, page);
}

TEST(DecodeBody, DeflateWithZlibHeaderAndRaw) {
  for (int bits : {15, -15}) {
    auto out = decode_body(deflate_with(page, bits), content_coding::deflate, 1 << 20);
    ASSERT_TRUE(out) << "window bits " << bits << ": " << out.error().message;
    EXPECT_EQ(*out, page);
  }
}

TEST(DecodeBody, BrotliRoundTrips) {
  auto out = decode_body(brotli(page), content_coding::br, 1 << 20);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, page);
}

TEST(DecodeBody, ConcatenatedGzipMembersAreJoined) {
  auto out = decode_body(gzip("abc") + gzip("def"), content_coding::gzip, 100);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "abcdef");
}

TEST(DecodeBody, IdentityOverCapIsTooLarge) {
  auto out = decode_body(std::string(101, 'x'), content_coding::identity, 100);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, error_kind::too_large);
  EXPECT_TRUE(decode_body(std::string(100, 'x'), content_coding::identity, 100));
}

TEST(DecodeBody, GzipBombStopsAtTheCapQuickly) {
  // 256 MiB of zeros compresses to ~250 KB; decoding must stop at the 1 MiB cap.
  const std::string zeros(256u << 20, '\0');
  const std::string bomb = deflate_with(zeros, 15 + 16, 9);
  ASSERT_LT(bomb.size(), 1u << 20);
  const auto t0 = std::chrono::steady_clock::now();
  auto out = decode_body(bomb, content_coding::gzip, 1u << 20);
  const auto spent = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, error_kind::too_large);
  // Not a speed target: a loose bound proving we did not inflate all 256 MiB.
  EXPECT_LT(spent, std::chrono::seconds(2));
}

// The fast path trusts a gzip trailer's size only as far as the cap: a bomb whose
// trailer claims a small size must still stop at the cap, not decode in full.
TEST(DecodeBody, GzipBombWithALyingTrailerStopsAtTheCap) {
  std::string bomb = deflate_with(std::string(64u << 20, '\0'), 15 + 16, 9);
  bomb[bomb.size() - 4] = 100;  // ISIZE = 100
  bomb[bomb.size() - 3] = bomb[bomb.size() - 2] = bomb[bomb.size() - 1] = 0;
  auto out = decode_body(bomb, content_coding::gzip, 1u << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, error_kind::too_large);
}

// A whole member decodes through libdeflate; junk after it, or a size that does not
// match, goes to the streaming decoder, with the same results as before.
TEST(DecodeBody, LargeGzipPagesRoundTripAndEdgesStillHold) {
  std::string big;
  for (int i = 0; big.size() < (300u << 10); ++i)
    big += "<li class=\"card\">item " + std::to_string(i * 7919 % 100003) + "</li>\n";
  auto out = decode_body(gzip(big), content_coding::gzip, 1u << 20);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, big);

  auto junk = decode_body(gzip(big) + "\n\n", content_coding::gzip, 1u << 20);
  ASSERT_TRUE(junk) << junk.error().message;
  EXPECT_EQ(*junk, big);

  std::string wrong_size = gzip(big);
  wrong_size[wrong_size.size() - 4] ^= 1;  // ISIZE off by one: corrupt either way
  auto corrupt = decode_body(wrong_size, content_coding::gzip, 1u << 20);
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().kind, error_kind::decode);

  auto over = decode_body(gzip(big), content_coding::gzip, 100u << 10);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, error_kind::too_large);
}

TEST(DecodeBody, BrotliBombStopsAtTheCap) {
  auto out = decode_body(brotli(std::string(8u << 20, 'a')), content_coding::br, 1u << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, error_kind::too_large);
}

TEST(DecodeBody, CorruptAndTruncatedStreamsAreDecodeErrors) {
  auto garbage = decode_body("definitely not gzip", content_coding::gzip, 1 << 20);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, error_kind::decode);

  std::string cut = gzip(page);
  cut.resize(cut.size() / 2);
  auto truncated = decode_body(cut, content_coding::gzip, 1 << 20);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().kind, error_kind::decode);

  auto bad_br = decode_body("\xff\xff\xff\xff junk", content_coding::br, 1 << 20);
  ASSERT_FALSE(bad_br);
  EXPECT_EQ(bad_br.error().kind, error_kind::decode);
}

TEST(DecodeBody, EmptyCompressedBodyIsEmptyPage) {
  auto out = decode_body("", content_coding::gzip, 100);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->empty());
}

TEST(BodyDecoder, StreamsInSmallPieces) {
  const std::string compressed = gzip(page);
  body_decoder decoder(content_coding::gzip, 1 << 20);
  std::string out;
  for (std::size_t i = 0; i < compressed.size(); i += 7) {
    auto e = decoder.feed(std::string_view(compressed).substr(i, 7), out);
    ASSERT_FALSE(e) << e->message;
  }
  EXPECT_FALSE(decoder.finish());
  EXPECT_EQ(out, page);
}

// Found by the decode fuzzer: the zlib header is two bytes, and a one-byte first piece
// made "deflate" take a zlib-wrapped body for a raw one.
TEST(BodyDecoder, ZlibDeflateFedByteByByte) {
  for (const int bits : {15, -15}) {
    const std::string compressed = deflate_with(page, bits);
    body_decoder decoder(content_coding::deflate, 1 << 20);
    std::string out;
    for (std::size_t i = 0; i < compressed.size(); ++i) {
      auto e = decoder.feed(std::string_view(compressed).substr(i, 1), out);
      ASSERT_FALSE(e) << bits << ": " << e->message;
    }
    EXPECT_FALSE(decoder.finish());
    EXPECT_EQ(out, page);
  }
}

// Junk after a complete gzip member is ignored whether it arrives with the member or
// byte by byte (the decode fuzzer's finding: the streaming decoder forgot, between
// pieces, that a member had already ended, and called the junk corrupt).
TEST(BodyDecoder, JunkAfterAGzipMemberFedByteByByteIsIgnoredAsWhenWhole) {
  // The junk is long enough that, fed byte by byte, later bytes once looked like the
  // start of a new member again (the fuzzer's second finding).
  const std::string body =
      gzip(page) + std::string("\0\0\xee\xea\0\xff`\0", 8) + std::string(120, '\xc8');
  const auto whole = decode_body(body, content_coding::gzip, 1 << 20);
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(*whole, page);
  body_decoder decoder(content_coding::gzip, 1 << 20);
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto e = decoder.feed(std::string_view(body).substr(i, 1), out);
    ASSERT_FALSE(e) << "byte " << i << ": " << e->message;
  }
  EXPECT_FALSE(decoder.finish());
  EXPECT_EQ(out, page);
}

}  // namespace
}  // namespace pricescrape::http
