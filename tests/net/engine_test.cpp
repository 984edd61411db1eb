// The engine end to end in-process: limits, reuse, order, every fault in one batch.
#include "support.hpp"

#include <pricescrape/engine.hpp>
#include <pricescrape/output/writer.hpp>
#include <pricescrape/url_source.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pricescrape::testing {
namespace {

using namespace std::chrono_literals;

demo_shop& shop() {
  static demo_shop instance;
  return instance;
}

struct batch_run {
  batch_summary summary;
  std::vector<nlohmann::json> records;
};

engine_options test_options(std::size_t concurrency) {
  engine_options o;
  o.concurrency = concurrency;
  o.handle_signals = false;
  o.http.cacert = shop().cert();
  o.politeness.backoff_base = 20ms;
  o.politeness.backoff_cap = 100ms;
  o.http.timeout = 5s;
  o.http.max_idle_per_origin = concurrency;
  return o;
}

std::string describe(const batch_run& r) {
  return std::to_string(r.records.size()) + " records, " + std::to_string(r.summary.ok) +
         " ok, first: " + (r.records.empty() ? std::string("none") : r.records.front().dump());
}

batch_run run(const std::string& input, const engine_options& options) {
  std::istringstream in(input);
  std::ostringstream out;
  url_source source(in);
  auto writer = output::make_writer(output::format::jsonl, output::schema::fetch, out);
  batch_run result;
  result.summary = run_batch(source, *writer, options);
  result.records = parse_records(out.str(), true);
  return result;
}

std::string lines(const std::vector<std::string>& urls) {
  std::string text;
  for (const auto& u : urls) text += u + "\n";
  return text;
}

class EngineOverBothSchemes : public ::testing::TestWithParam<bool> {
 protected:
  std::string url(const std::string& target) const { return shop().url(GetParam(), target); }
};

// Limits are measured on a shop of their own: requests that other tests abandoned
// (timeouts, slow routes) would still count as in flight at a shared one.
class EngineLimits : public ::testing::TestWithParam<bool> {
 protected:
  demo_shop fresh_;
  std::string url(const std::string& target) const { return fresh_.url(GetParam(), target); }
  engine_options options(std::size_t concurrency) const {
    auto o = test_options(concurrency);
    o.http.cacert = fresh_.cert();  // each shop generates its own certificate
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(Scheme, EngineLimits, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "https" : "http";
                         });

INSTANTIATE_TEST_SUITE_P(Scheme, EngineOverBothSchemes, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "https" : "http";
                         });

TEST_P(EngineLimits, ConcurrencyBoundHoldsAtTheServer) {
  std::vector<std::string> urls;
  for (int i = 0; i < 60; ++i)
    urls.push_back(url("/products/widget.html?delay=40&i=" + std::to_string(i)));
  fresh_.reset_stats();
  auto r = run(lines(urls), options(5));
  EXPECT_EQ(r.summary.ok, 60u);
  const auto stats = fresh_.stats();
  EXPECT_LE(stats.at("peak_in_flight").get<int>(), 5);
  EXPECT_GE(stats.at("peak_in_flight").get<int>(), 3);  // the limit is used, not just obeyed
}

TEST_P(EngineLimits, PerHostLimitHolds) {
  std::vector<std::string> urls;
  for (int i = 0; i < 30; ++i)
    urls.push_back(url("/products/widget.html?delay=40&i=" + std::to_string(i)));
  auto limited = options(10);
  limited.per_host = 2;
  fresh_.reset_stats();
  auto r = run(lines(urls), limited);
  EXPECT_EQ(r.summary.ok, 30u);
  EXPECT_LE(fresh_.stats().at("peak_in_flight").get<int>(), 2);
}

TEST_P(EngineLimits, HundredUrlsOnOneHostOpenAtMostConcurrencyConnections) {
  std::vector<std::string> urls;
  for (int i = 0; i < 100; ++i) urls.push_back(url("/products/widget.html?i=" + std::to_string(i)));
  fresh_.reset_stats();
  auto r = run(lines(urls), options(10));
  EXPECT_EQ(r.summary.ok, 100u) << describe(r);
  const auto stats = fresh_.stats();
  // The /__stats request itself arrives on one more connection.
  EXPECT_LE(stats.at("connections_accepted").get<int>() - 1, 10);
  EXPECT_LE(r.summary.http.connections_opened, 10u);
  EXPECT_EQ(r.summary.http.connections_opened + r.summary.http.connections_reused, 100u);
  if (GetParam()) {
    EXPECT_LE(stats.at("tls_handshakes").get<int>(), 10);
  }
}

TEST_P(EngineOverBothSchemes, ThousandUrlsGiveThousandRecordsInInputOrder) {
  std::vector<std::string> urls;
  for (int i = 0; i < 1000; ++i) {
    if (i % 97 == 5)
      urls.push_back("not a url " + std::to_string(i));
    else if (i % 50 == 7)
      urls.push_back(url("/missing-" + std::to_string(i) + ".html"));
    else
      urls.push_back(url("/products/widget.html?i=" + std::to_string(i)));
  }
  // Comments and blanks do not count towards indices.
  std::string input = "# a comment\n\n" + lines(urls) + "   \n";
  auto r = run(input, test_options(10));
  ASSERT_EQ(r.records.size(), 1000u);
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    ASSERT_EQ(r.records[i].at("index").get<std::size_t>(), i);
    ASSERT_EQ(r.records[i].at("url").get<std::string>(), urls[i]);
    const auto& error = r.records[i].at("error");
    if (i % 97 == 5)
      EXPECT_EQ(error.at("kind"), "invalid_url") << i;
    else if (i % 50 == 7)
      EXPECT_EQ(error.at("kind"), "http_status") << i;
    else
      EXPECT_EQ(r.records[i].at("price"), "19.99") << i;
  }
}

TEST(Engine, EveryFaultBecomesItsRecordAndTheBatchGoesOn) {
  auto options = test_options(4);
  options.http.timeout = 500ms;
  options.http.max_body = 2u << 20;
  options.http.max_redirects = 3;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {shop().https_url("/products/widget.html"), "ok"},
      {"ftp://example.com/file", "invalid_url"},
      {"http://" + unresolvable_host + "/", "dns"},
      {"http://127.0.0.1:" + std::to_string(unused_port()) + "/", "connect"},
      {"https://127.0.0.1:" + std::to_string(shop().http_port()) + "/", "tls"},
      {shop().http_url("/__fault/slow-headers?ms=5000"), "timeout"},
      {shop().http_url("/__fault/garbage-status"), "protocol"},
      {shop().http_url("/__fault/redirect-loop"), "redirects"},
      {shop().http_url("/nope.html"), "http_status"},
      {shop().http_url("/__fault/status/429?retry-after=0"), "rate_limited"},
      {shop().http_url("/__fault/gzip-bomb"), "too_large"},
      {shop().http_url("/__fault/content-type?type=image/png&body=binary"), "not_html"},
      {shop().http_url("/products/oak-bookshelf.html"), "no_price"},
      {shop().http_url("/products/widget.html?again=1"), "ok"},
  };
  std::vector<std::string> urls;
  for (const auto& c : cases) urls.push_back(c.first);
  auto r = run(lines(urls), options);
  ASSERT_EQ(r.records.size(), cases.size()) << describe(r);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& rec = r.records[i];
    const std::string got =
        rec.at("ok").get<bool>() ? "ok" : rec.at("error").at("kind").get<std::string>();
    EXPECT_EQ(got, cases[i].second) << cases[i].first << ": " << rec.dump();
    if (!rec.at("ok").get<bool>()) {
      EXPECT_FALSE(rec.at("error").at("message").get<std::string>().empty());
    }
  }
  EXPECT_EQ(r.summary.ok, 2u);
  EXPECT_EQ(r.summary.records, cases.size());
}

// Retries are the host policy's: each waits its turn at the host (Retry-After, backoff).
TEST(EngineRetries, RetryAfterIsWaitedThenTheUrlSucceeds) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(shop().http_url("/__fault/status/429?retry-after=1&times=1&key=engine-ra") + "\n",
               test_options(2));
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_TRUE(r.records[0].at("ok").get<bool>()) << r.records[0].dump();
  EXPECT_EQ(r.records[0].at("attempts"), 2);
  EXPECT_GE(waited, 1s);  // the backoff alone would be at most 100 ms
  ASSERT_EQ(r.summary.hosts.size(), 1u);
  EXPECT_EQ(r.summary.hosts[0].refusals, 1u);
  EXPECT_EQ(r.summary.hosts[0].pauses, 1u);
}

TEST(EngineRetries, PersistentRefusalIsRateLimitedAfterTheRefusalBudget) {
  auto options = test_options(2);
  options.politeness.refusal_retries = 2;
  auto r = run(shop().http_url("/__fault/status/429?retry-after=0") + "\n", options);
  ASSERT_EQ(r.records.size(), 1u);
  const auto& rec = r.records[0];
  EXPECT_EQ(rec.at("error").at("kind"), "rate_limited") << rec.dump();
  EXPECT_EQ(rec.at("attempts"), 3);
  EXPECT_EQ(rec.at("status"), 429);
  EXPECT_NE(rec.at("error").at("message").get<std::string>().find("after 3 attempts"),
            std::string::npos);
}

TEST(EngineRetries, OverlongRetryAfterFailsTheHostFastNamingWhatTheServerAsked) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(lines({shop().http_url("/__fault/status/503?retry-after=3600"),
                      shop().http_url("/products/widget.html?after-pause=1")}),
               test_options(1));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ASSERT_EQ(r.records.size(), 2u);
  for (const auto& rec : r.records) {
    EXPECT_EQ(rec.at("error").at("kind"), "rate_limited") << rec.dump();
    const auto message = rec.at("error").at("message").get<std::string>();
    EXPECT_NE(message.find("3600 s"), std::string::npos) << message;
    EXPECT_NE(message.find("120 s cap"), std::string::npos) << message;
  }
  EXPECT_EQ(r.records[0].at("attempts"), 1);
  ASSERT_EQ(r.summary.hosts.size(), 1u);
  EXPECT_TRUE(r.summary.hosts[0].blocked);
  EXPECT_EQ(r.summary.hosts[0].requests, 1u);  // the second URL never reached the host
}

TEST(EngineRetries, ServerErrorsAndResetsAreRetriedWithinRetries) {
  auto r = run(lines({shop().http_url("/__fault/status/503?times=2&key=engine-503"),
                      shop().http_url("/__fault/reset-mid-body"),
                      "http://127.0.0.1:" + std::to_string(unused_port()) + "/p"}),
               test_options(2));
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_TRUE(r.records[0].at("ok").get<bool>()) << r.records[0].dump();
  EXPECT_EQ(r.records[0].at("attempts"), 3);
  EXPECT_EQ(r.records[1].at("error").at("kind"), "protocol");
  EXPECT_EQ(r.records[1].at("attempts"), 3);  // 1 + retries 2
  EXPECT_EQ(r.records[2].at("error").at("kind"), "connect");
  EXPECT_EQ(r.records[2].at("attempts"), 3);
}

TEST(Engine, SlowHeadOfLineDoesNotBreakOrderWithATinyWindow) {
  auto options = test_options(4);
  options.reorder_window = 3;
  options.max_active = 3;
  std::vector<std::string> urls{shop().http_url("/products/widget.html?delay=300")};
  for (int i = 0; i < 20; ++i)
    urls.push_back(shop().http_url("/products/widget.html?n=" + std::to_string(i)));
  auto r = run(lines(urls), options);
  ASSERT_EQ(r.records.size(), urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) EXPECT_EQ(r.records[i].at("index"), i);
}

TEST(Engine, RecordsCarryProductFields) {
  auto r = run(lines({shop().https_url("/products/widget.html")}), test_options(1));
  ASSERT_EQ(r.records.size(), 1u);
  const auto& rec = r.records[0];
  EXPECT_EQ(rec.at("price"), "19.99");
  EXPECT_EQ(rec.at("currency"), "USD");
  EXPECT_EQ(rec.at("title"), "Acme Widget");
  EXPECT_EQ(rec.at("availability"), "InStock");
  EXPECT_EQ(rec.at("status"), 200);
  EXPECT_EQ(rec.at("attempts"), 1);
  EXPECT_TRUE(rec.at("error").is_null());
  EXPECT_EQ(rec.at("fetched_at").get<std::string>().back(), 'Z');
}

// Regression: the reader thread once completed its first send before the io_context had
// any work, which stopped it before run() began, and a batch ended with no records.
// It showed on a loaded machine, so the test loads both cores while it runs.
TEST(Engine, ManyShortBatchesEachWriteAllTheirRecords) {
  std::atomic<bool> done{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t)
    load.emplace_back([&done] {
      volatile std::uint64_t spin = 0;
      while (!done) spin = spin + 1;
    });
  std::size_t lost = 0, first_lost = 0;
  for (int i = 0; i < 300; ++i) {
    auto r = run("not a url\nftp://x/\n", test_options(2));
    if (r.records.size() != 2u && lost++ == 0) first_lost = static_cast<std::size_t>(i);
  }
  done = true;
  for (auto& t : load) t.join();
  EXPECT_EQ(lost, 0u) << "first lost batch: " << first_lost;
}

TEST(Engine, ProfileCountsEveryExtractedPageAndFitsInTheProcessCpu) {
  std::vector<std::string> urls;
  for (int i = 0; i < 12; ++i)
    urls.push_back(shop().https_url("/products/widget.html?profile=" + std::to_string(i)));
  urls.push_back(shop().https_url("/missing.html"));  // fetched, never extracted
  auto r = run(lines(urls), test_options(4));
  ASSERT_EQ(r.records.size(), urls.size()) << describe(r);
  const auto& p = r.summary.profile;
  EXPECT_EQ(p.pages_extracted, 12u);
  EXPECT_LE(p.full_parse_pages, p.pages_extracted);
  EXPECT_LE(p.visible_scan_pages, p.pages_extracted);
  EXPECT_GT(p.fetch_tls_ns, 0u);  // 13 TLS exchanges cannot be free
  EXPECT_GT(p.output_ns, 0u);
  EXPECT_EQ(p.decode_ns, r.summary.http.decode_cpu_ns);
  EXPECT_GT(p.process_ns, 0u);
  EXPECT_LE(p.stages_ns(), p.process_ns);
  EXPECT_EQ(p.stages_ns() + p.other_ns(), p.process_ns);
}

// Memory is bounded by pages, not URLs: with one extraction thread behind 16 fast
// fetches, fetched pages would pile up for the pool without the body slots.
TEST(Engine, FetchedPagesInMemoryNeverExceedConcurrencyPlusExtractThreads) {
  std::vector<std::string> urls;
  for (int i = 0; i < 400; ++i)
    urls.push_back(shop().http_url("/products/widget.html?held=" + std::to_string(i)));
  auto o = test_options(16);
  o.extract_threads = 1;
  auto r = run(lines(urls), o);
  ASSERT_EQ(r.records.size(), urls.size()) << describe(r);
  EXPECT_EQ(r.summary.ok, urls.size());
  EXPECT_GE(r.summary.peak_pages_held, 2u);  // pages did overlap: the bound was exercised
  EXPECT_LE(r.summary.peak_pages_held, 16u + 1u);
}

TEST(Engine, EmptyInputGivesNoRecords) {
  auto r = run("# nothing here\n\n", test_options(3));
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.summary.records, 0u);
}

int shop_requests() { return shop().stats().at("requests").get<int>(); }

TEST(EngineOutput, WriteFailureStopsTheBatchAndIsReported) {
  std::vector<std::string> urls;
  for (int i = 0; i < 100; ++i)
    urls.push_back(shop().http_url("/products/widget.html?full=" + std::to_string(i)));
  std::istringstream in(lines(urls));
  url_source source(in);
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  output::fd_sink sink(fd, "to stdout");
  auto writer = output::make_writer(output::format::json, output::schema::fetch, sink);
  auto options = test_options(1);
  options.extract_threads = 1;
  const int before = shop_requests();
  auto summary = run_batch(source, *writer, options);
  ::close(fd);
  ASSERT_TRUE(summary.output_failed);
  EXPECT_EQ(summary.output_failed->error_number, ENOSPC);
  EXPECT_EQ(summary.output_failed->message, "cannot write to stdout: No space left on device");
  EXPECT_EQ(summary.records, 0u);  // not one record reached the device
  EXPECT_EQ(sink.bytes_written(), 0u);
  EXPECT_FALSE(summary.interrupted);
  // Stopped at the first record: job 0, and job 1 whose request went out while job 0
  // was extracted (one slot, one pool thread), not the hundred.
  const int sent = shop_requests() - before;
  EXPECT_GE(sent, 1);
  EXPECT_LE(sent, 2);
}

// A writer whose every write fails with something other than an output_error (a bug,
// memory): the batch still ends with an output failure, not an exception.
class throwing_writer final : public output::writer {
 public:
  void write(const output::record&) override {
    ++writes;
    throw std::runtime_error("boom");
  }
  void finish() override { ++finishes; }
  void flush() override {}
  int writes = 0;
  int finishes = 0;
};

TEST(EngineOutput, AnyWriterExceptionBecomesTheOutputFailure) {
  std::istringstream in(lines({shop().http_url("/products/widget.html?throw=1"), "not a url",
                               shop().http_url("/products/widget.html?throw=2")}));
  url_source source(in);
  throwing_writer writer;
  batch_summary summary;
  ASSERT_NO_THROW(summary = run_batch(source, writer, test_options(1)));
  ASSERT_TRUE(summary.output_failed);
  EXPECT_EQ(summary.output_failed->message, "cannot write the output: boom");
  EXPECT_EQ(summary.output_failed->error_number, 0);
  EXPECT_EQ(writer.writes, 1);    // nothing is written after the failure
  EXPECT_EQ(writer.finishes, 0);  // nor is the document closed over lost records
  EXPECT_EQ(summary.records, 0u);
}

}  // namespace
}  // namespace pricescrape::testing
