// libFuzzer target: arbitrary bytes as a server's reply, read by the client's own
// response step (read_response, the template the client runs on its TCP and TLS
// streams) over an in-memory stream. Invariants: it never throws, it ends in a status
// or a classified error, and a connection with bytes left over is never reusable.
#include "http/response_reader.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string_view>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using pricescrape::error_kind;
using pricescrape::http::read_limits;
using pricescrape::http::response_read;

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks how many bytes each read returns (1..256, or all at once),
  // so one input also explores a reply split at every possible boundary.
  std::size_t read_size = 0;
  if (size > 0) {
    read_size = data[0] == 0 ? 0 : data[0];
    ++data;
    --size;
  }
  asio::io_context io;
  beast::test::stream client_side(io);
  if (read_size > 0) client_side.read_size(read_size);
  client_side.append(std::string_view(reinterpret_cast<const char*>(data), size));
  client_side.close_remote();  // the reply ends where the input ends: then EOF

  // Small limits, so the fuzzer reaches them with small inputs.
  const read_limits limits{1024, 4096, 3};
  beast::flat_buffer buffer;
  std::optional<response_read> result;
  std::exception_ptr thrown;
  asio::co_spawn(io, pricescrape::http::read_response(client_side, buffer, limits, "fuzz:80"),
                 [&](std::exception_ptr e, response_read r) {
                   thrown = e;
                   result = std::move(r);
                 });
  io.run();

  check(!thrown);
  check(result.has_value());
  const auto& r = *result;
  if (r.error) {
    check(!r.reusable);
    check(r.body.empty());
    check(!r.error->message.empty());
    check(r.error->kind != error_kind::invalid_url && r.error->kind != error_kind::cancelled);
  } else {
    check(r.status >= 200 && r.status <= 999);
    check(r.body.size() <= limits.max_body);
  }
  check(r.interim <= limits.max_interim + 1);
  // Reusable only with nothing left in the buffer: a leftover byte would be read as
  // the next request's response.
  if (r.reusable) check(buffer.size() == 0);
  return 0;
}
