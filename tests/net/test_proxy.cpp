// test-proxy: a loopback forward proxy for the proxy tests, speaking HTTP (CONNECT tunnels
// and absolute-form requests) and SOCKS5 (RFC 1928, RFC 1929 login, names resolved here)
// on one port, told apart by the first byte. It counts what it did, so tests prove that
// traffic went through it: GET /__stats (origin-form) answers the counts as JSON, and
// they are printed as one JSON line at SIGTERM.
//
//   test-proxy [--auth user:pass] [--map name=ip]... [--stall]
// prints {"port":N} once listening on 127.0.0.1.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;
using boost::system::error_code;
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

struct counters {
  std::uint64_t connections = 0;        // accepted client connections
  std::uint64_t tunnels = 0;            // CONNECT tunnels opened
  std::uint64_t absolute_requests = 0;  // absolute-form requests forwarded
  std::uint64_t auth_failures = 0;      // 407 answers and refused SOCKS5 logins
  std::uint64_t socks_connects = 0;     // SOCKS5 CONNECTs that reached the target
  std::uint64_t socks_names = 0;        // ... of which named the target (socks5h)
  std::uint64_t upstream_failures = 0;  // targets that could not be reached
  std::uint64_t requests_seen = 0;      // HTTP requests of any kind (CONNECT included)

  std::string json() const {
    return "{\"connections\":" + std::to_string(connections) +
           ",\"tunnels\":" + std::to_string(tunnels) +
           ",\"absolute_requests\":" + std::to_string(absolute_requests) +
           ",\"auth_failures\":" + std::to_string(auth_failures) +
           ",\"socks_connects\":" + std::to_string(socks_connects) +
           ",\"socks_names\":" + std::to_string(socks_names) +
           ",\"upstream_failures\":" + std::to_string(upstream_failures) +
           ",\"requests_seen\":" + std::to_string(requests_seen) + "}";
  }
};

struct config {
  std::string user, password;                // empty user: no authentication asked
  std::map<std::string, std::string> names;  // made-up names and their addresses
  bool stall = false;                        // accept, read, never answer
  bool auth() const { return !user.empty(); }
};

counters stats;
config settings;

std::string base64(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63];
  while (out.size() % 4) out += '=';
  return out;
}

asio::awaitable<std::optional<tcp::socket>> connect_upstream(std::string host, std::string port) {
  auto ex = co_await asio::this_coro::executor;
  if (auto it = settings.names.find(host); it != settings.names.end()) host = it->second;
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(host, port, nothrow_awaitable);
  if (rec) co_return std::nullopt;
  tcp::socket upstream(ex);
  auto [cec, ep] = co_await asio::async_connect(upstream, results, nothrow_awaitable);
  (void)ep;
  if (cec) co_return std::nullopt;
  co_return std::move(upstream);
}

asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
  std::array<char, 16384> buf;
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), nothrow_awaitable);
    if (n > 0) {
      auto [wec, w] =
          co_await asio::async_write(to, asio::buffer(buf.data(), n), nothrow_awaitable);
      (void)w;
      if (wec) break;
    }
    if (ec) break;
  }
  error_code ignored;
  to.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> splice(tcp::socket client, tcp::socket upstream) {
  using namespace asio::experimental::awaitable_operators;
  co_await (pump(client, upstream) && pump(upstream, client));
}

bool authorized(const bhttp::request<bhttp::empty_body>& req) {
  if (!settings.auth()) return true;
  return req[bhttp::field::proxy_authorization] ==
         "Basic " + base64(settings.user + ':' + settings.password);
}

asio::awaitable<void> answer(tcp::socket& client, bhttp::status status, std::string body,
                             bool close, bool ask_auth = false) {
  bhttp::response<bhttp::string_body> res{status, 11};
  if (ask_auth) res.set(bhttp::field::proxy_authenticate, "Basic realm=\"test-proxy\"");
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  res.keep_alive(!close);
  res.prepare_payload();
  co_await bhttp::async_write(client, res, nothrow_awaitable);
}

// host and port of "host:port" or "[v6]:port".
std::pair<std::string, std::string> split_authority(std::string_view a, std::string_view dflt) {
  std::string host, port(dflt);
  if (!a.empty() && a.front() == '[') {
    const auto close = a.find(']');
    host = std::string(a.substr(1, close - 1));
    if (close + 1 < a.size() && a[close + 1] == ':') port = std::string(a.substr(close + 2));
  } else if (const auto colon = a.rfind(':'); colon != std::string_view::npos) {
    host = std::string(a.substr(0, colon));
    port = std::string(a.substr(colon + 1));
  } else {
    host = std::string(a);
  }
  return {host, port};
}

// One absolute-form request forwarded on `upstream` (opened or reused for its origin).
asio::awaitable<bool> forward(tcp::socket& client, beast::flat_buffer& client_buffer,
                              bhttp::request<bhttp::empty_body> req,
                              std::optional<tcp::socket>& upstream, std::string& upstream_origin) {
  const std::string target(req.target());
  const auto rest = std::string_view(target).substr(7);  // after "http://"
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto [host, port] = split_authority(authority, "80");
  if (!upstream || upstream_origin != std::string(authority)) {
    upstream = co_await connect_upstream(host, port);
    upstream_origin = std::string(authority);
    if (!upstream) {
      ++stats.upstream_failures;
      co_await answer(client, bhttp::status::bad_gateway, "{}", true);
      co_return false;
    }
  }
  ++stats.absolute_requests;
  req.target(path);
  req.erase(bhttp::field::proxy_authorization);
  auto [wec, w] = co_await bhttp::async_write(*upstream, req, nothrow_awaitable);
  (void)w;
  beast::flat_buffer upstream_buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  if (!wec) {
    auto [rec, r] =
        co_await bhttp::async_read(*upstream, upstream_buffer, parser, nothrow_awaitable);
    (void)r;
    wec = rec;
  }
  if (wec) {
    upstream.reset();
    co_await answer(client, bhttp::status::bad_gateway, "{}", true);
    co_return false;
  }
  auto res = parser.release();
  const bool keep = res.keep_alive() && req.keep_alive();
  if (!res.keep_alive()) upstream.reset();
  res.prepare_payload();
  res.keep_alive(keep);
  auto [cec, c] = co_await bhttp::async_write(client, res, nothrow_awaitable);
  (void)c;
  (void)client_buffer;
  co_return !cec && keep;
}

asio::awaitable<void> serve_http(tcp::socket client) {
  beast::flat_buffer buffer;
  std::optional<tcp::socket> upstream;
  std::string upstream_origin;
  for (;;) {
    bhttp::request_parser<bhttp::empty_body> parser;
    auto [ec, n] = co_await bhttp::async_read(client, buffer, parser, nothrow_awaitable);
    (void)n;
    if (ec) co_return;
    auto req = parser.release();
    ++stats.requests_seen;
    if (req.method() != bhttp::verb::connect && req.target().starts_with("/__stats")) {
      co_await answer(client, bhttp::status::ok, stats.json(), !req.keep_alive());
      if (!req.keep_alive()) co_return;
      continue;
    }
    if (!authorized(req)) {
      ++stats.auth_failures;
      co_await answer(client, bhttp::status::proxy_authentication_required, "{}", true, true);
      co_return;
    }
    if (req.method() == bhttp::verb::connect) {
      const auto [host, port] = split_authority(req.target(), "443");
      auto up = co_await connect_upstream(host, port);
      if (!up) {
        ++stats.upstream_failures;
        co_await answer(client, bhttp::status::bad_gateway, "{}", true);
        co_return;
      }
      ++stats.tunnels;
      const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
      co_await asio::async_write(client, asio::buffer(ok), nothrow_awaitable);
      co_await splice(std::move(client), std::move(*up));
      co_return;
    }
    if (!req.target().starts_with("http://")) {
      co_await answer(client, bhttp::status::bad_request, "{}", true);
      co_return;
    }
    if (!co_await forward(client, buffer, std::move(req), upstream, upstream_origin)) co_return;
  }
}

asio::awaitable<void> serve_socks(tcp::socket client) {
  std::array<std::uint8_t, 2> head{};
  if (std::get<0>(co_await asio::async_read(client, asio::buffer(head), nothrow_awaitable)))
    co_return;
  std::vector<std::uint8_t> methods(head[1]);
  if (std::get<0>(co_await asio::async_read(client, asio::buffer(methods), nothrow_awaitable)))
    co_return;
  const std::uint8_t wanted = settings.auth() ? 2 : 0;
  const bool offered = std::find(methods.begin(), methods.end(), wanted) != methods.end();
  std::array<std::uint8_t, 2> choice{5, offered ? wanted : std::uint8_t{0xff}};
  co_await asio::async_write(client, asio::buffer(choice), nothrow_awaitable);
  if (!offered) {
    ++stats.auth_failures;
    co_return;
  }
  if (settings.auth()) {
    std::array<std::uint8_t, 2> vl{};
    co_await asio::async_read(client, asio::buffer(vl), nothrow_awaitable);
    std::string user(vl[1], '\0');
    co_await asio::async_read(client, asio::buffer(user), nothrow_awaitable);
    std::uint8_t plen = 0;
    co_await asio::async_read(client, asio::buffer(&plen, 1), nothrow_awaitable);
    std::string password(plen, '\0');
    co_await asio::async_read(client, asio::buffer(password), nothrow_awaitable);
    const bool ok = user == settings.user && password == settings.password;
    std::array<std::uint8_t, 2> verdict{1, static_cast<std::uint8_t>(ok ? 0 : 1)};
    co_await asio::async_write(client, asio::buffer(verdict), nothrow_awaitable);
    if (!ok) {
      ++stats.auth_failures;
      co_return;
    }
  }
  std::array<std::uint8_t, 4> req{};
  if (std::get<0>(co_await asio::async_read(client, asio::buffer(req), nothrow_awaitable)))
    co_return;
  std::string host;
  if (req[3] == 1 || req[3] == 4) {
    std::vector<std::uint8_t> raw(req[3] == 1 ? 4 : 16);
    co_await asio::async_read(client, asio::buffer(raw), nothrow_awaitable);
    if (raw.size() == 4) {
      asio::ip::address_v4::bytes_type b;
      std::copy(raw.begin(), raw.end(), b.begin());
      host = asio::ip::address_v4(b).to_string();
    } else {
      asio::ip::address_v6::bytes_type b;
      std::copy(raw.begin(), raw.end(), b.begin());
      host = asio::ip::address_v6(b).to_string();
    }
  } else {
    std::uint8_t len = 0;
    co_await asio::async_read(client, asio::buffer(&len, 1), nothrow_awaitable);
    host.assign(len, '\0');
    co_await asio::async_read(client, asio::buffer(host), nothrow_awaitable);
    ++stats.socks_names;
  }
  std::array<std::uint8_t, 2> port_bytes{};
  co_await asio::async_read(client, asio::buffer(port_bytes), nothrow_awaitable);
  const int port = port_bytes[0] << 8 | port_bytes[1];
  auto up = co_await connect_upstream(host, std::to_string(port));
  std::array<std::uint8_t, 10> reply{5, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  if (!up) {
    ++stats.upstream_failures;
    reply[1] = 5;  // connection refused
    co_await asio::async_write(client, asio::buffer(reply), nothrow_awaitable);
    co_return;
  }
  ++stats.socks_connects;
  co_await asio::async_write(client, asio::buffer(reply), nothrow_awaitable);
  co_await splice(std::move(client), std::move(*up));
}

asio::awaitable<void> serve(tcp::socket client) {
  if (settings.stall) {
    std::array<char, 4096> sink;
    while (!std::get<0>(co_await client.async_read_some(asio::buffer(sink), nothrow_awaitable))) {
    }
    co_return;
  }
  std::uint8_t first = 0;
  auto [ec, n] = co_await client.async_receive(asio::buffer(&first, 1), tcp::socket::message_peek,
                                               nothrow_awaitable);
  if (ec || n == 0) co_return;
  if (first == 5)
    co_await serve_socks(std::move(client));
  else
    co_await serve_http(std::move(client));
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow_awaitable);
    if (ec) co_return;
    ++stats.connections;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"loopback HTTP/SOCKS5 proxy for tests"};
  std::string auth;
  std::vector<std::string> maps;
  app.add_option("--auth", auth, "user:pass required from clients");
  app.add_option("--map", maps, "name=ip: names this proxy resolves itself");
  app.add_flag("--stall", settings.stall, "accept connections and never answer");
  CLI11_PARSE(app, argc, argv);
  if (const auto colon = auth.find(':'); colon != std::string::npos) {
    settings.user = auth.substr(0, colon);
    settings.password = auth.substr(colon + 1);
  }
  for (const auto& m : maps) {
    const auto eq = m.find('=');
    if (eq != std::string::npos) settings.names[m.substr(0, eq)] = m.substr(eq + 1);
  }
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const error_code&, int) {
    std::cout << stats.json() << std::endl;
    io.stop();
  });
  std::cout << "{\"port\":" << acceptor.local_endpoint().port() << "}" << std::endl;
  asio::co_spawn(io, accept_loop(acceptor), asio::detached);
  io.run();
  return 0;
}
