#include "http/classify.hpp"

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace pricescrape::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

error_kind kind_of(boost::system::error_code ec, phase p) {
  return classify(ec, p, "shop:443").kind;
}

TEST(Classify, TimeoutsInAnyPhase) {
  for (auto p :
       {phase::connect, phase::handshake, phase::write, phase::read_header, phase::read_body})
    EXPECT_EQ(kind_of(beast::error::timeout, p), error_kind::timeout);
}

TEST(Classify, ConnectFailures) {
  EXPECT_EQ(kind_of(asio::error::connection_refused, phase::connect), error_kind::connect);
  EXPECT_EQ(kind_of(asio::error::network_unreachable, phase::connect), error_kind::connect);
  auto e = classify(asio::error::connection_refused, phase::connect, "shop:443");
  EXPECT_NE(e.message.find("shop:443"), std::string::npos) << e.message;
}

TEST(Classify, HandshakeFailuresAreTls) {
  EXPECT_EQ(kind_of(asio::error::eof, phase::handshake), error_kind::tls);
  EXPECT_EQ(kind_of(asio::ssl::error::stream_truncated, phase::handshake), error_kind::tls);
}

TEST(Classify, MalformedResponsesAreProtocol) {
  EXPECT_EQ(kind_of(beast::http::error::bad_version, phase::read_header), error_kind::protocol);
  EXPECT_EQ(kind_of(beast::http::error::bad_status, phase::read_header), error_kind::protocol);
  EXPECT_EQ(kind_of(beast::http::error::header_limit, phase::read_header), error_kind::protocol);
}

TEST(Classify, DroppedConnectionsAreProtocol) {
  EXPECT_EQ(kind_of(asio::error::connection_reset, phase::read_body), error_kind::protocol);
  EXPECT_EQ(kind_of(beast::http::error::partial_message, phase::read_body), error_kind::protocol);
  EXPECT_EQ(kind_of(beast::http::error::end_of_stream, phase::read_header), error_kind::protocol);
}

TEST(Classify, BodyLimitIsTooLarge) {
  EXPECT_EQ(kind_of(beast::http::error::body_limit, phase::read_body), error_kind::too_large);
}

TEST(Classify, OutOfFileDescriptorsIsConnectAndSaysSo) {
  for (auto ec :
       {boost::system::errc::make_error_code(boost::system::errc::too_many_files_open),
        boost::system::errc::make_error_code(boost::system::errc::too_many_files_open_in_system)}) {
    EXPECT_TRUE(is_out_of_descriptors(ec));
    for (auto p : {phase::resolve, phase::connect, phase::read_header}) {
      auto e = classify(ec, p, "shop:443");
      EXPECT_EQ(e.kind, error_kind::connect);
      EXPECT_NE(e.message.find("ran out of file descriptors"), std::string::npos) << e.message;
      EXPECT_NE(e.message.find("lower -c or raise ulimit -n"), std::string::npos) << e.message;
    }
  }
  EXPECT_FALSE(is_out_of_descriptors(asio::error::connection_refused));
}

TEST(Classify, OverlongChunkMetadataIsProtocol) {
  auto e = classify(beast::http::error::buffer_overflow, phase::read_body, "shop:443");
  EXPECT_EQ(e.kind, error_kind::protocol);
  EXPECT_NE(e.message.find("trailer"), std::string::npos) << e.message;
}

TEST(Classify, AbortIsCancelled) {
  EXPECT_EQ(kind_of(asio::error::operation_aborted, phase::read_body), error_kind::cancelled);
}

}  // namespace
}  // namespace pricescrape::http
