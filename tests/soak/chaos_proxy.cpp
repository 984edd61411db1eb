// chaos-proxy: a loopback TCP proxy that breaks a share of the exchanges passing through
// it (resets, stalls, truncation, garbage, slow delivery, injected 1xx), for the soak test.
//
// It works below HTTP and TLS on purpose: it knows nothing of either, so the same proxy
// breaks plain and TLS connections (a slowed or cut TLS handshake is "slow TLS"). An
// exchange is a turn of the conversation: the client speaks, then the server answers.
// Each time the client speaks after the server has, a new turn starts and a fault is
// drawn for the server's answer. Counts of what was injected are printed at exit.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <array>
#include <csignal>
#include <iostream>
#include <memory>
#include <random>
#include <string>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

enum class fault { none, reset, stall, truncate, garbage, slow, early_hints, count };

constexpr std::array<const char*, static_cast<std::size_t>(fault::count)> fault_names = {
    "none", "reset", "stall", "truncate", "garbage", "slow", "early_hints"};

struct proxy_state {
  tcp::endpoint upstream;
  double rate = 0.1;
  bool plain_http = false;  // only then can a 1xx be injected without breaking TLS
  std::mt19937_64 rng;
  std::array<std::uint64_t, static_cast<std::size_t>(fault::count)> injected{};
  std::uint64_t connections = 0;

  fault draw() {
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    if (coin(rng) >= rate) return fault::none;
    const int kinds = plain_http ? 6 : 5;
    std::uniform_int_distribution<int> pick(1, kinds);
    return static_cast<fault>(pick(rng));
  }
};

// One proxied connection: two sockets and the fault of the current turn. Shared by the
// two pumps; the io thread is the only thread, so no locking.
struct session : std::enable_shared_from_this<session> {
  session(tcp::socket c, proxy_state& s)
      : client(std::move(c)), upstream(client.get_executor()), state(s) {}

  tcp::socket client;
  tcp::socket upstream;
  proxy_state& state;
  fault current = fault::none;
  bool server_spoke = true;  // so the client's first bytes start the first turn
  std::size_t turn_bytes = 0;
  std::size_t truncate_at = 0;

  void start_turn() {
    current = state.draw();
    ++state.injected[static_cast<std::size_t>(current)];
    server_spoke = false;
    turn_bytes = 0;
    truncate_at = std::uniform_int_distribution<std::size_t>(0, 1500)(state.rng);
  }

  // An abortive close: the peer sees a reset, not an orderly end.
  void reset_all() {
    error_code ignored;
    client.set_option(asio::socket_base::linger(true, 0), ignored);
    close_all();
  }
  void close_all() {
    error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
  }
};

asio::awaitable<void> client_to_upstream(std::shared_ptr<session> s) {
  std::array<char, 16384> buf;
  for (;;) {
    auto [ec, n] = co_await s->client.async_read_some(asio::buffer(buf), nothrow_awaitable);
    if (ec) break;
    if (s->server_spoke) s->start_turn();
    auto [wec, written] =
        co_await asio::async_write(s->upstream, asio::buffer(buf.data(), n), nothrow_awaitable);
    (void)written;
    if (wec) break;
  }
  s->close_all();
}

// Sends `data` to the client as the current turn's fault says; false ends the session.
asio::awaitable<bool> deliver(std::shared_ptr<session> s, const char* data, std::size_t n) {
  auto ex = co_await asio::this_coro::executor;
  switch (s->current) {
    case fault::reset:
      s->reset_all();
      co_return false;
    case fault::stall:
      co_return true;  // swallowed: the client waits until its own deadline
    case fault::garbage: {
      std::string junk(200, '\0');
      for (auto& c : junk) c = static_cast<char>(s->state.rng());
      co_await asio::async_write(s->client, asio::buffer(junk), nothrow_awaitable);
      s->close_all();
      co_return false;
    }
    case fault::truncate: {
      const std::size_t room = s->truncate_at > s->turn_bytes ? s->truncate_at - s->turn_bytes : 0;
      const std::size_t take = std::min(room, n);
      co_await asio::async_write(s->client, asio::buffer(data, take), nothrow_awaitable);
      s->turn_bytes += take;
      if (take < n) {
        s->close_all();
        co_return false;
      }
      co_return true;
    }
    case fault::slow: {
      asio::steady_timer timer(ex);
      for (std::size_t at = 0; at < n; at += 512) {
        timer.expires_after(std::chrono::milliseconds(2));
        co_await timer.async_wait(nothrow_awaitable);
        auto [ec, w] = co_await asio::async_write(
            s->client, asio::buffer(data + at, std::min<std::size_t>(512, n - at)),
            nothrow_awaitable);
        (void)w;
        if (ec) co_return false;
      }
      co_return true;
    }
    case fault::early_hints:
      if (s->turn_bytes == 0) {
        static const std::string hints =
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
        co_await asio::async_write(s->client, asio::buffer(hints), nothrow_awaitable);
      }
      break;
    case fault::none:
    case fault::count:
      break;
  }
  s->turn_bytes += n;
  auto [ec, w] = co_await asio::async_write(s->client, asio::buffer(data, n), nothrow_awaitable);
  (void)w;
  co_return !ec;
}

asio::awaitable<void> upstream_to_client(std::shared_ptr<session> s) {
  std::array<char, 16384> buf;
  for (;;) {
    auto [ec, n] = co_await s->upstream.async_read_some(asio::buffer(buf), nothrow_awaitable);
    if (ec) break;
    s->server_spoke = true;
    if (!co_await deliver(s, buf.data(), n)) co_return;
  }
  s->close_all();
}

asio::awaitable<void> serve(tcp::socket client, proxy_state& state) {
  auto s = std::make_shared<session>(std::move(client), state);
  ++state.connections;
  auto [ec] = co_await s->upstream.async_connect(state.upstream, nothrow_awaitable);
  if (ec) {
    s->close_all();
    co_return;
  }
  auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(ex, client_to_upstream(s), asio::detached);
  asio::co_spawn(ex, upstream_to_client(s), asio::detached);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, proxy_state& state) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow_awaitable);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. out of descriptors for a moment: go on accepting
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), state), asio::detached);
  }
}

void print_counts(const proxy_state& state) {
  std::cout << "{\"connections\":" << state.connections;
  for (std::size_t i = 0; i < fault_names.size(); ++i)
    std::cout << ",\"" << fault_names[i] << "\":" << state.injected[i];
  std::cout << "}" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A loopback TCP proxy that injects faults into a share of exchanges. Prints "
      "{\"port\":N} once listening and the counts of injected faults at exit (SIGTERM).",
      "chaos-proxy"};
  int upstream_port = 0;
  double rate = 0.1;
  bool plain_http = false;
  std::uint64_t seed = 1;
  app.add_option("--upstream-port", upstream_port, "port on 127.0.0.1 to forward to")->required();
  app.add_option("--rate", rate, "share of exchanges broken, 0..1")->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "random seed");
  app.add_flag("--plain-http", plain_http, "upstream speaks plain HTTP: also inject 103s");
  CLI11_PARSE(app, argc, argv);

  asio::io_context io;
  proxy_state state;
  state.upstream =
      tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(upstream_port));
  state.rate = rate;
  state.plain_http = plain_http;
  state.rng.seed(seed);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  std::cout << "{\"port\":" << acceptor.local_endpoint().port() << "}" << std::endl;

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const error_code&, int) { io.stop(); });
  asio::co_spawn(io, accept_loop(acceptor, state), asio::detached);
  io.run();
  print_counts(state);
  return 0;
}
