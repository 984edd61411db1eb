// demo-shop: a local HTTP/HTTPS shop over a folder of pages, with fault routes, used by
// the README demo, the integration tests and the benchmark.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "certificate.hpp"
#include "content.hpp"
#include "server.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace pricescrape::demo_shop;

fs::path default_cert_path() {
  const char* tmp = std::getenv("TMPDIR");
  const fs::path dir = tmp != nullptr && *tmp != '\0' ? fs::path(tmp) : fs::path("/tmp");
  return dir / ("demo-shop-" + std::to_string(::getpid()) + "-cert.pem");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A local shop server for pricescrape's demo and tests: serves a folder of pages over "
      "HTTP and HTTPS, with fault routes under /__fault/, rate-limited routes under /__limit/ "
      "(a limiter and a request log per Host name, read at /__limit/stats?host=NAME) and "
      "counters at /__stats.\n"
      "Prints one JSON line on stdout once listening: "
      "{\"http_port\":N,\"https_port\":M,\"cert\":PATH,\"pid\":P}",
      "demo-shop"};
  std::string root;
  server_options options;
  std::string cert_file, key_file, cert_out;
  bool verbose = false;
  app.add_option("--root", root, "folder of pages to serve")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--host", options.host, "address to listen on")->capture_default_str();
  app.add_option("--http-port", options.http_port, "plain HTTP port; 0 picks a free one")
      ->capture_default_str();
  app.add_option("--https-port", options.https_port, "HTTPS port; 0 picks a free one")
      ->capture_default_str();
  auto* cert_opt = app.add_option("--cert", cert_file, "PEM certificate (chain) to serve")
                       ->check(CLI::ExistingFile);
  auto* key_opt =
      app.add_option("--key", key_file, "PEM private key for --cert")->check(CLI::ExistingFile);
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--cert-out", cert_out,
                 "where to write the generated certificate "
                 "(default $TMPDIR or /tmp + /demo-shop-<pid>-cert.pem, removed at exit)")
      ->excludes(cert_opt);
  app.add_flag("-v,--verbose", verbose, "log every request on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // usage errors exit 2, like pricescrape
  }

  // Writes to a client that has gone must fail with EPIPE, not kill the server.
  std::signal(SIGPIPE, SIG_IGN);

  fs::path cert_path;
  bool remove_cert = false;
  try {
    asio::ssl::context tls{asio::ssl::context::tls_server};
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    certificate_pem generated;
    if (!cert_file.empty()) {
      tls.use_certificate_chain_file(cert_file);
      tls.use_private_key_file(key_file, asio::ssl::context::pem);
      cert_path = fs::absolute(cert_file);
    } else {
      generated = generate_self_signed();
      tls.use_certificate_chain(asio::buffer(generated.certificate));
      tls.use_private_key(asio::buffer(generated.private_key), asio::ssl::context::pem);
      cert_path = fs::absolute(cert_out.empty() ? default_cert_path() : fs::path(cert_out));
    }

    auto state = std::make_shared<shop_state>(content_store{root}, std::move(tls), verbose);
    asio::io_context ioc{1};
    server shop{ioc, state, options};
    shop.start();
    // Written only once both ports are bound, so a failed start leaves no file behind.
    if (!generated.certificate.empty()) {
      write_pem_file(cert_path, generated.certificate);
      remove_cert = cert_out.empty();
    }

    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
      if (ec) return;
      std::clog << "demo-shop: stopping on signal " << signal_number << '\n';
      shop.stop();
      ioc.stop();  // open keep-alive connections are dropped, not drained
    });

    nlohmann::ordered_json ready = {{"http_port", shop.http_port()},
                                    {"https_port", shop.https_port()},
                                    {"cert", cert_path.string()},
                                    {"pid", ::getpid()}};
    std::cout << ready.dump() << std::endl;  // endl: the parent is waiting on this line
    std::clog << "demo-shop: serving " << state->content.root().string() << " on http://"
              << options.host << ':' << shop.http_port() << " and https://" << options.host << ':'
              << shop.https_port() << '\n';

    ioc.run();
  } catch (const std::exception& e) {
    std::clog << "demo-shop: " << e.what() << '\n';
    std::error_code ignored;
    if (remove_cert) fs::remove(cert_path, ignored);
    return 1;
  }
  if (remove_cert) {
    std::error_code ignored;
    fs::remove(cert_path, ignored);
  }
  return 0;
}
