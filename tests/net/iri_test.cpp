// International URLs and fetched_at through the real binary, against demo-shop serving a
// folder whose file names are non-ASCII (issue 12).
#include "support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace pricescrape::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// "bücher/über widget.html": UTF-8 on disk, as demo-shop finds it once it has decoded
// the request's percent-encoded path.
const std::string buecher =
    "b\xC3\xBC"
    "cher";
const std::string ueber =
    "\xC3\xBC"
    "ber";
const std::string encoded_page = "/b%C3%BCcher/%C3%BCber%20widget.html";

fs::path iri_root() {
  static const fs::path root = [] {
    auto dir = fs::temp_directory_path() / ("pricescrape-iri-test-" + std::to_string(::getpid()));
    fs::create_directories(dir / buecher);
    fs::create_directories(dir / "geheim");
    const fs::path widget = fs::path(PRICESCRAPE_EXAMPLES_DIR) / "shop/products/widget.html";
    fs::copy_file(widget, dir / buecher / (ueber + " widget.html"),
                  fs::copy_options::overwrite_existing);
    fs::copy_file(widget, dir / "geheim" / (ueber + ".html"), fs::copy_options::overwrite_existing);
    std::ofstream(dir / "robots.txt") << "User-agent: *\nDisallow: /geheim/\n";
    return dir;
  }();
  return root;
}

demo_shop& iri_shop() {
  static demo_shop instance("127.0.0.1", iri_root().string());
  return instance;
}

std::string write_input(const std::string& name, const std::string& text) {
  const auto path = iri_root() / name;
  std::ofstream(path) << text;
  return path.string();
}

std::vector<json> run_jsonl(const std::string& input, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{input,           "-f",       "jsonl",          "-q",
                                "--no-progress", "--cacert", iri_shop().cert()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_cli(args);
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.exit_code << ": " << r.err;
  return parse_records(r.out, true);
}

// The URL as the user wrote it stays in `url`; `final_url` is what was fetched (ASCII).
TEST(IriNet, NonAsciiPathAndQueryFetchThePage) {
  auto& shop = iri_shop();
  const std::string raw_path = "/" + buecher + "/" + ueber + " widget.html";
  const std::string urls[] = {
      shop.http_url(raw_path + "?q=" + ueber),
      shop.https_url(raw_path),
      // Already encoded, mixed with raw UTF-8: the same page.
      shop.http_url("/b%C3%BCcher/" + ueber + "%20widget.html"),
      // A Location with raw UTF-8 and a space (demo-shop sends ?to= decoded).
      shop.http_url("/__fault/redirect?to=%2F" +
                    std::string("b%C3%BCcher%2F%C3%BCber%20widget.html")),
  };
  std::string input;
  for (const auto& u : urls) input += u + "\n";
  shop.reset_stats();
  const auto records = run_jsonl(write_input("iri.txt", input));
  ASSERT_EQ(records.size(), 4u);
  const std::string finals[] = {shop.http_url(encoded_page + "?q=%C3%BCber"),
                                shop.https_url(encoded_page), shop.http_url(encoded_page),
                                shop.http_url(encoded_page)};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& r = records[i];
    EXPECT_EQ(r.at("url").get<std::string>(), urls[i]) << r.dump();
    EXPECT_EQ(r.at("final_url").get<std::string>(), finals[i]) << r.dump();
    EXPECT_EQ(r.at("status").get<int>(), 200) << r.dump();
    EXPECT_EQ(r.at("price").get<std::string>(), "19.99") << r.dump();
    EXPECT_TRUE(r.at("error").is_null()) << r.dump();
  }
  // Four pages and one redirect: nothing fetched twice, nothing refused.
  EXPECT_EQ(shop.stats().at("requests").get<int>(), 5);
}

// fetched_at is set only when a request for the URL went out: not for invalid lines nor
// for URLs robots.txt disallows. A 404 was fetched and has one.
TEST(IriNet, FetchedAtOnlyOnFetchedRecords) {
  auto& shop = iri_shop();
  const std::string input =
      "http://127.0.0.1/\xFF\n"                             // 0
      "ftp://x/\n"                                          // 1
      + shop.http_url("/geheim/" + ueber + ".html") + "\n"  // 2
      + shop.http_url(encoded_page) + "\n"                  // 3
      + shop.http_url("/no-such-page.html") + "\n";         // 4
  const auto records = run_jsonl(write_input("fetched_at.txt", input), {"--robots"});
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].at("error").at("kind"), "invalid_url");
  EXPECT_NE(records[0].at("error").at("message").get<std::string>().find("not valid UTF-8"),
            std::string::npos)
      << records[0].dump();
  EXPECT_EQ(records[1].at("error").at("kind"), "invalid_url");
  EXPECT_EQ(records[2].at("error").at("kind"), "robots");
  for (int i : {0, 1, 2}) EXPECT_TRUE(records[i].at("fetched_at").is_null()) << records[i].dump();
  EXPECT_TRUE(records[3].at("error").is_null()) << records[3].dump();
  EXPECT_EQ(records[4].at("status").get<int>(), 404) << records[4].dump();
  for (int i : {3, 4}) {
    const auto at = records[i].at("fetched_at").get<std::string>();
    EXPECT_EQ(at.size(), 20u) << at;  // 2026-11-30T16:00:00Z
    EXPECT_EQ(at.back(), 'Z') << at;
  }
}

// --csv-safe reaches the CSV writer: an input line is quoted back in the url cell, the
// easiest way for a hostile list to plant a formula. Nothing is fetched for either line.
TEST(CliCsvSafe, QuotesFormulaCellsOnlyWhenAsked) {
  const auto input = write_input("formula.txt", "=1+2\n@SUM(A1)\n");
  const std::vector<std::string> base{input, "-f", "csv", "-q", "--no-progress"};
  auto safe_args = base;
  safe_args.push_back("--csv-safe");
  const auto plain = run_cli(base);
  const auto safe = run_cli(safe_args);
  EXPECT_EQ(plain.exit_code, 1) << plain.err;
  EXPECT_EQ(safe.exit_code, 1) << safe.err;
  EXPECT_NE(plain.out.find("\n0,=1+2,,false,"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("\n1,@SUM(A1),,false,"), std::string::npos) << plain.out;
  EXPECT_NE(safe.out.find("\n0,'=1+2,,false,"), std::string::npos) << safe.out;
  EXPECT_NE(safe.out.find("\n1,'@SUM(A1),,false,"), std::string::npos) << safe.out;
  // Never fetched: the fetched_at cell is empty (",0,0,,invalid_url,").
  EXPECT_NE(safe.out.find(",0,0,,invalid_url,"), std::string::npos) << safe.out;
}

}  // namespace
}  // namespace pricescrape::testing
