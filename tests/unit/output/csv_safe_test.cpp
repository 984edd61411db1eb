// --csv-safe: OWASP's CSV-injection rule on every text cell, and nothing when it is off.
#include <pricescrape/output/writer.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace pricescrape::output {
namespace {

// One CSV line of the fetch schema, without its header, for `r`.
std::string csv_line(const record& r, bool safe, schema s = schema::fetch) {
  std::ostringstream text;
  ostream_sink sink(text);
  auto w = make_writer(format::csv, s, sink, writer_options{.csv_safe = safe});
  w->write(r);
  w->finish();
  const std::string all = text.str();
  const auto header_end = all.find('\n');
  return all.substr(header_end + 1);
}

record record_with_title(std::string title) {
  record r;
  r.index = 3;
  r.url = "https://shop.example/p";
  r.price = "9.99";
  r.title = std::move(title);
  r.fetched_at = "2026-11-24T19:00:00Z";
  return r;
}

struct cell_case {
  const char* title;
  const char* safe_cell;   // the title's cell with --csv-safe
  const char* plain_cell;  // and without
};

class CsvSafe : public testing::TestWithParam<cell_case> {};

TEST_P(CsvSafe, TitleCell) {
  const auto& c = GetParam();
  const std::string prefix = "3,https://shop.example/p,,true,,9.99,,";
  const std::string suffix = ",,,0,0,2026-11-24T19:00:00Z,,\n";
  EXPECT_EQ(csv_line(record_with_title(c.title), true), prefix + c.safe_cell + suffix);
  EXPECT_EQ(csv_line(record_with_title(c.title), false), prefix + c.plain_cell + suffix);
}

INSTANTIATE_TEST_SUITE_P(
    Cells, CsvSafe,
    testing::Values(
        cell_case{"=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\"",
                  "\"=HYPERLINK(\"\"http://evil\"\")\""},
        cell_case{"=1+2", "'=1+2", "=1+2"}, cell_case{"+49 30 123", "'+49 30 123", "+49 30 123"},
        cell_case{"-5", "'-5", "-5"}, cell_case{"@SUM(A1)", "'@SUM(A1)", "@SUM(A1)"},
        cell_case{"\tcmd", "'\tcmd", "\tcmd"},
        // A CR makes the cell quoted; the quote goes inside the quotes.
        cell_case{"\rcmd", "\"'\rcmd\"", "\"\rcmd\""}, cell_case{"=a,b", "\"'=a,b\"", "\"=a,b\""},
        // Only the first character counts; ordinary text and the empty string stay.
        cell_case{"a=b", "a=b", "a=b"}, cell_case{"Widget -5%", "Widget -5%", "Widget -5%"},
        cell_case{" =1", " =1", " =1"}, cell_case{"", "\"\"", "\"\""},
        cell_case{"'=1", "'=1", "'=1"}));

TEST(CsvSafeRecord, EveryTextColumnIsCovered) {
  record r;
  r.index = 0;
  r.url = "https://shop.example/p";
  r.final_url = "https://shop.example/q";
  r.price = "-5";
  r.currency = "+X";
  r.title = "@t";
  r.availability = "=a";
  r.source = "-s";
  r.error = scrape_error{error_kind::no_price, "=msg"};
  EXPECT_EQ(csv_line(r, true),
            "0,https://shop.example/p,https://shop.example/q,false,,'-5,'+X,'@t,'=a,'-s,0,0,,"
            "no_price,'=msg\n");
  // Numbers of our own (index, status, attempts, elapsed_ms) are never touched, and by
  // default the data goes out as it is.
  EXPECT_EQ(csv_line(r, false),
            "0,https://shop.example/p,https://shop.example/q,false,,-5,+X,@t,=a,-s,0,0,,"
            "no_price,=msg\n");
}

TEST(CsvSafeRecord, FileSchemaToo) {
  record r;
  r.file = "-page.html";
  r.price = "-1";
  EXPECT_EQ(csv_line(r, true, schema::file), "'-page.html,true,'-1,,,,,,\n");
}

TEST(CsvSafeRecord, JsonIgnoresTheOption) {
  std::ostringstream plain;
  std::ostringstream safe;
  ostream_sink plain_sink(plain);
  ostream_sink safe_sink(safe);
  auto a = make_writer(format::jsonl, schema::fetch, plain_sink);
  auto b = make_writer(format::jsonl, schema::fetch, safe_sink, writer_options{.csv_safe = true});
  a->write(record_with_title("=1+2"));
  b->write(record_with_title("=1+2"));
  a->finish();
  b->finish();
  EXPECT_EQ(safe.str(), plain.str());
  EXPECT_NE(plain.str().find("\"=1+2\""), std::string::npos);
}

}  // namespace
}  // namespace pricescrape::output
