#include <pricescrape/output/writer.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace pricescrape::output {
namespace {

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

record ok_record() {
  record r;
  r.index = 0;
  r.url = "https://shop.example/p/1";
  r.final_url = "https://shop.example/p/1?v=2";
  r.status = 200;
  r.price = "1299.99";
  r.currency = "USD";
  r.title = "Acme Widget";
  r.availability = "InStock";
  r.source = "jsonld";
  r.attempts = 1;
  r.elapsed_ms = 412;
  r.fetched_at = "2026-11-24T19:00:00Z";
  return r;
}

record failed_record() {
  record r;
  r.index = 1;
  r.url = "ftp://x";
  r.error = scrape_error{error_kind::invalid_url, "not an http(s) URL: 'ftp://x'"};
  return r;
}

record file_record() {
  record r;
  r.file = "pages/a \"b\".html";
  r.price = "0";
  r.currency = "EUR";
  r.title = "Line1\nLine2, with comma";
  r.source = "heuristic";
  return r;
}

std::string render(format f, schema s, const std::vector<record>& records) {
  std::ostringstream out;
  auto w = make_writer(f, s, out);
  for (const auto& r : records) w->write(r);
  w->finish();
  w->finish();  // idempotent
  return out.str();
}

const std::string ok_json =
    R"({"index": 0, "url": "https://shop.example/p/1", "final_url": "https://shop.example/p/1?v=2", )"
    R"("ok": true, "status": 200, "price": "1299.99", "currency": "USD", "title": "Acme Widget", )"
    R"("availability": "InStock", "source": "jsonld", "attempts": 1, "elapsed_ms": 412, )"
    R"("fetched_at": "2026-11-24T19:00:00Z", "error": null})";

const std::string failed_json =
    R"({"index": 1, "url": "ftp://x", "final_url": null, "ok": false, "status": null, )"
    R"("price": null, "currency": null, "title": null, "availability": null, "source": null, )"
    R"("attempts": 0, "elapsed_ms": 0, "fetched_at": null, )"
    R"("error": {"kind": "invalid_url", "message": "not an http(s) URL: 'ftp://x'"}})";

// --- format names and timestamps ------------------------------------------------------

TEST(Format, NamesRoundTrip) {
  for (format f : {format::json, format::jsonl, format::csv}) {
    EXPECT_EQ(parse_format(to_string(f)), f);
  }
  EXPECT_EQ(to_string(format::jsonl), "jsonl");
  EXPECT_EQ(parse_format("JSON"), std::nullopt);
  EXPECT_EQ(parse_format("tsv"), std::nullopt);
}

TEST(FormatUtc, Rfc3339SecondsZulu) {
  using namespace std::chrono;
  EXPECT_EQ(format_utc(system_clock::time_point{}), "1970-01-01T00:00:00Z");
  // 2026-11-24T19:00:00Z, plus a fraction that must be dropped, not rounded up.
  auto t = system_clock::time_point{seconds{1795546800}} + milliseconds{999};
  EXPECT_EQ(format_utc(t), "2026-11-24T19:00:00Z");
  auto leap_day = sys_days{year{2024} / February / 29} + hours{23} + minutes{59} + seconds{59};
  EXPECT_EQ(format_utc(leap_day), "2024-02-29T23:59:59Z");
}

// --- append_json_string --------------------------------------------------------------

TEST(AppendJsonString, EscapesPerRfc8259) {
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(json_string("C:\\dir"), R"("C:\\dir")");
  EXPECT_EQ(json_string("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
  EXPECT_EQ(json_string(std::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(json_string("/</script>\x7f"), "\"/</script>\x7f\"");
}

TEST(AppendJsonString, AppendsToExistingText) {
  std::string out = "x=";
  append_json_string(out, "y");
  EXPECT_EQ(out, R"(x="y")");
}

TEST(AppendJsonString, KeepsValidUtf8) {
  EXPECT_EQ(json_string("Gr\xC3\xBC\xC3\x9F"
                        "e \xE2\x82\xAC 5 \xF0\x9F\x9B\x92"),
            "\"Gr\xC3\xBC\xC3\x9F"
            "e \xE2\x82\xAC 5 \xF0\x9F\x9B\x92\"");
  EXPECT_EQ(json_string("\xEF\xBF\xBF\xF4\x8F\xBF\xBF"), "\"\xEF\xBF\xBF\xF4\x8F\xBF\xBF\"");
}

struct utf8_case {
  const char* name;
  std::string input;
  std::string expected;  // without quotes; R stands for U+FFFD
};

class InvalidUtf8 : public ::testing::TestWithParam<utf8_case> {};

TEST_P(InvalidUtf8, BecomesReplacementCharacters) {
  std::string expected = "\"";
  for (char c : GetParam().expected) expected += c == 'R' ? "\xEF\xBF\xBD" : std::string(1, c);
  expected += '"';
  std::string actual = json_string(GetParam().input);
  EXPECT_EQ(actual, expected);
  EXPECT_TRUE(nlohmann::json::accept(actual)) << actual;
}

std::string utf8_case_name(const ::testing::TestParamInfo<utf8_case>& param_info) {
  return param_info.param.name;
}

// One U+FFFD per maximal ill-formed subpart, as Unicode §3.9 recommends.
INSTANTIATE_TEST_SUITE_P(Writer, InvalidUtf8,
                         ::testing::Values(utf8_case{"latin1", "caf\xE9!", "cafR!"},
                                           utf8_case{"lone_continuation",
                                                     "a\x80"
                                                     "b",
                                                     "aRb"},
                                           utf8_case{"truncated_at_end", "a\xE2\x82", "aR"},
                                           utf8_case{"truncated_then_ascii", "\xE2\x82x", "Rx"},
                                           utf8_case{"overlong_slash", "\xC0\xAF", "RR"},
                                           utf8_case{"overlong_three", "\xE0\x80\xAF", "RRR"},
                                           utf8_case{"surrogate", "\xED\xA0\x80", "RRR"},
                                           utf8_case{"above_max", "\xF4\x90\x80\x80", "RRRR"},
                                           utf8_case{"f5", "\xF5\x80", "RR"},
                                           utf8_case{"ff", "\xFF", "R"},
                                           utf8_case{"four_truncated", "\xF0\x9F\x9B", "R"},
                                           utf8_case{"escape_after_bad", "\xC3\"", "R\\\""}),
                         utf8_case_name);

// --- json ---------------------------------------------------------------------------

TEST(JsonWriter, EmptyRunIsAnEmptyArray) {
  EXPECT_EQ(render(format::json, schema::fetch, {}), "[]\n");
}

TEST(JsonWriter, FetchRecordsExactBytes) {
  EXPECT_EQ(render(format::json, schema::fetch, {ok_record()}), "[" + ok_json + "\n]\n");
  EXPECT_EQ(render(format::json, schema::fetch, {ok_record(), failed_record()}),
            "[" + ok_json + ",\n" + failed_json + "\n]\n");
}

TEST(JsonWriter, FileRecordExactBytes) {
  EXPECT_EQ(render(format::json, schema::file, {file_record()}),
            R"([{"file": "pages/a \"b\".html", "ok": true, "price": "0", "currency": "EUR", )"
            R"("title": "Line1\nLine2, with comma", "availability": null, "source": "heuristic", )"
            R"("error": null})"
            "\n]\n");
}

TEST(JsonWriter, ExplainIsAppendedVerbatim) {
  record r = file_record();
  r.explain_json = R"({"candidates": [{"price": "0", "score": 1.5}]})";
  std::string text = render(format::json, schema::file, {r});
  EXPECT_NE(
      text.find(R"("error": null, "explain": {"candidates": [{"price": "0", "score": 1.5}]}})"),
      std::string::npos)
      << text;
  auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc[0]["explain"]["candidates"][0]["score"], 1.5);
}

TEST(JsonWriter, StreamsRecordsAsTheyAreWritten) {
  std::ostringstream out;
  auto w = make_writer(format::json, schema::fetch, out);
  EXPECT_EQ(out.str(), "");
  w->write(ok_record());
  EXPECT_EQ(out.str(), "[" + ok_json);
  w->flush();
  w->write(failed_record());
  EXPECT_EQ(out.str(), "[" + ok_json + ",\n" + failed_json);
  w->finish();
  EXPECT_EQ(out.str(), "[" + ok_json + ",\n" + failed_json + "\n]\n");
}

TEST(JsonWriter, OutputRoundTripsThroughAParser) {
  std::vector<record> records;
  for (int i = 0; i < 50; ++i) {
    record r = i % 3 == 0 ? failed_record() : ok_record();
    r.index = static_cast<std::size_t>(i);
    std::string nasty = "t\"\\\n\r\t\b\f";
    nasty += static_cast<char>(i % 32);
    nasty += "\xE9\xC3\xA9\xF0\x9F";
    r.title = nasty;
    r.elapsed_ms = std::int64_t{1} << (i % 62);
    records.push_back(r);
  }
  auto doc = nlohmann::json::parse(render(format::json, schema::fetch, records));
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& j = doc[i];
    const auto& r = records[i];
    EXPECT_EQ(j["index"], r.index);
    EXPECT_EQ(j["url"], r.url);
    EXPECT_EQ(j["ok"], r.ok());
    EXPECT_EQ(j["elapsed_ms"], r.elapsed_ms);
    std::string title = "t\"\\\n\r\t\b\f";
    title += static_cast<char>(i % 32);
    title += "\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD";
    EXPECT_EQ(j["title"], title);
    if (r.error) {
      EXPECT_EQ(j["error"]["kind"], "invalid_url");
      EXPECT_EQ(j["error"]["message"], r.error->message);
      EXPECT_TRUE(j["price"].is_null());
    } else {
      EXPECT_TRUE(j["error"].is_null());
      EXPECT_EQ(j["price"], "1299.99");
    }
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    EXPECT_EQ(keys.size(), 14u);
  }
}

TEST(JsonWriter, EveryErrorKindIsWritten) {
  std::vector<record> records;
  for (error_kind kind : all_error_kinds) {
    record r;
    r.index = records.size();
    r.error = scrape_error{kind, "m"};
    records.push_back(r);
  }
  auto doc = nlohmann::json::parse(render(format::json, schema::fetch, records));
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(doc[i]["error"]["kind"], to_string(all_error_kinds[i]));
  }
}

#ifndef NDEBUG
TEST(JsonWriterDeathTest, WriteAfterFinishIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::ostringstream out;
  auto w = make_writer(format::json, schema::fetch, out);
  w->finish();
  EXPECT_DEATH(w->write(ok_record()), "after finish");
}
#endif

// --- jsonl --------------------------------------------------------------------------

TEST(JsonlWriter, OneObjectPerLine) {
  EXPECT_EQ(render(format::jsonl, schema::fetch, {}), "");
  EXPECT_EQ(render(format::jsonl, schema::fetch, {ok_record(), failed_record()}),
            ok_json + "\n" + failed_json + "\n");
}

TEST(JsonlWriter, EachLineParses) {
  std::istringstream lines(render(format::jsonl, schema::file, {file_record(), file_record()}));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["title"], "Line1\nLine2, with comma");
    ++n;
  }
  EXPECT_EQ(n, 2);
}

// --- csv ----------------------------------------------------------------------------

const std::string fetch_header =
    "index,url,final_url,ok,status,price,currency,title,availability,source,attempts,"
    "elapsed_ms,fetched_at,error_kind,error_message\n";

TEST(CsvWriter, EmptyRunHasTheHeader) {
  EXPECT_EQ(render(format::csv, schema::fetch, {}), fetch_header);
  EXPECT_EQ(render(format::csv, schema::file, {}),
            "file,ok,price,currency,title,availability,source,error_kind,error_message\n");
}

TEST(CsvWriter, FetchRecordsExactBytes) {
  EXPECT_EQ(render(format::csv, schema::fetch, {ok_record(), failed_record()}),
            fetch_header +
                "0,https://shop.example/p/1,https://shop.example/p/1?v=2,true,200,1299.99,USD,"
                "Acme Widget,InStock,jsonld,1,412,2026-11-24T19:00:00Z,,\n"
                "1,ftp://x,,false,,,,,,,0,0,,invalid_url,not an http(s) URL: 'ftp://x'\n");
}

TEST(CsvWriter, QuotesWhatNeedsQuoting) {
  record r = file_record();
  r.availability = "";  // present but empty: "" rather than an empty (null) cell
  r.error = scrape_error{error_kind::no_price, "say \"no\"\r\nplease"};
  r.explain_json = R"({"ignored": "in csv"})";
  EXPECT_EQ(render(format::csv, schema::file, {r}),
            "file,ok,price,currency,title,availability,source,error_kind,error_message\n"
            "\"pages/a \"\"b\"\".html\",false,0,EUR,\"Line1\nLine2, with comma\",\"\",heuristic,"
            "no_price,\"say \"\"no\"\"\r\nplease\"\n");
}

TEST(CsvWriter, InvalidUtf8IsReplaced) {
  record r = file_record();
  r.file = "a.html";
  r.title = "caf\xE9";
  std::string text = render(format::csv, schema::file, {r});
  EXPECT_NE(text.find(",caf\xEF\xBF\xBD,"), std::string::npos) << text;
}

TEST(CsvWriter, HeaderOnlyOnce) {
  std::string text = render(format::csv, schema::fetch, {ok_record(), ok_record(), ok_record()});
  EXPECT_EQ(text.find("index,url"), 0u);
  EXPECT_EQ(text.find("index,url", 1), std::string::npos);
}

// --- change fields (--state) ---------------------------------------------------------

std::string render_with_changes(format f, const std::vector<record>& records) {
  std::ostringstream out;
  ostream_sink sink(out);
  auto w = make_writer(f, schema::fetch, sink, writer_options{.change_fields = true});
  for (const auto& r : records) w->write(r);
  w->finish();
  return out.str();
}

record changed_record() {
  record r = ok_record();
  r.changed = true;
  r.previous = previous_observation{"1399", "USD", std::nullopt, "2026-11-23T19:00:00Z"};
  return r;
}

TEST(ChangeFields, AbsentWithoutTheOption) {
  // A record carrying change data renders as today when the writer was not asked for it.
  for (format f : {format::json, format::jsonl, format::csv}) {
    EXPECT_EQ(render(f, schema::fetch, {changed_record(), failed_record()}),
              render(f, schema::fetch, {ok_record(), failed_record()}))
        << to_string(f);
  }
}

TEST(ChangeFields, JsonlAddsChangedAndPreviousAfterError) {
  record unchanged = ok_record();
  unchanged.index = 1;
  unchanged.changed = false;
  unchanged.previous = previous_observation{"1299.99", "USD", "InStock", "2026-11-23T19:00:00Z"};
  record fresh = failed_record();
  fresh.index = 2;
  const std::string base = ok_json.substr(0, ok_json.size() - 1);
  EXPECT_EQ(render_with_changes(format::jsonl, {changed_record(), unchanged, fresh}),
            base +
                R"(, "changed": true, "previous": {"price": "1399", "currency": "USD", )"
                R"("availability": null, "fetched_at": "2026-11-23T19:00:00Z"}})"
                "\n" +
                R"({"index": 1)" + base.substr(11) +
                R"(, "changed": false, "previous": {"price": "1299.99", "currency": "USD", )"
                R"("availability": "InStock", "fetched_at": "2026-11-23T19:00:00Z"}})"
                "\n" +
                R"({"index": 2)" + failed_json.substr(11, failed_json.size() - 12) +
                R"(, "changed": null})"
                "\n");
}

TEST(ChangeFields, JsonArrayParsesWithTheNewMembers) {
  const auto doc = nlohmann::ordered_json::parse(
      render_with_changes(format::json, {changed_record(), ok_record()}));
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[0].at("changed"), true);
  EXPECT_EQ(doc[0].at("previous").at("price"), "1399");
  EXPECT_TRUE(doc[0].at("previous").at("availability").is_null());
  EXPECT_TRUE(doc[1].at("changed").is_null());
  EXPECT_FALSE(doc[1].contains("previous"));
  // The fields of today are all still there, the new ones after them.
  std::vector<std::string> keys;
  for (const auto& [key, value] : doc[0].items()) keys.push_back(key);
  ASSERT_EQ(keys.size(), 16u);
  EXPECT_EQ(keys[13], "error");
  EXPECT_EQ(keys[14], "changed");
  EXPECT_EQ(keys[15], "previous");
}

TEST(ChangeFields, CsvAddsFiveColumns) {
  const auto text = render_with_changes(format::csv, {changed_record(), failed_record()});
  const auto first_eol = text.find('\n');
  EXPECT_EQ(text.substr(0, first_eol),
            "index,url,final_url,ok,status,price,currency,title,availability,source,attempts,"
            "elapsed_ms,fetched_at,error_kind,error_message,changed,previous_price,"
            "previous_currency,previous_availability,previous_fetched_at");
  EXPECT_NE(text.find(",,true,1399,USD,,2026-11-23T19:00:00Z\n"), std::string::npos) << text;
  // A URL never seen: five empty cells.
  EXPECT_NE(text.find("'ftp://x',,,,,\n"), std::string::npos) << text;
}

TEST(ChangeFields, FileSchemaIgnoresTheOption) {
  std::ostringstream plain;
  std::ostringstream with;
  ostream_sink with_sink(with);
  auto a = make_writer(format::csv, schema::file, plain);
  auto b = make_writer(format::csv, schema::file, with_sink, writer_options{.change_fields = true});
  a->write(file_record());
  b->write(file_record());
  a->finish();
  b->finish();
  EXPECT_EQ(with.str(), plain.str());
}

TEST(FormatForPath, FollowsTheExtension) {
  EXPECT_EQ(format_for_path("prices.csv"), format::csv);
  EXPECT_EQ(format_for_path("/var/lib/x/PRICES.CSV"), format::csv);
  EXPECT_EQ(format_for_path("out.jsonl"), format::jsonl);
  EXPECT_EQ(format_for_path("out.ndjson"), format::jsonl);
  EXPECT_EQ(format_for_path("dir.v2/out.json"), format::json);
  EXPECT_EQ(format_for_path("out.txt"), std::nullopt);
  EXPECT_EQ(format_for_path("out"), std::nullopt);
  EXPECT_EQ(format_for_path("dir.csv/out"), std::nullopt);
  EXPECT_EQ(format_for_path(".csv"), std::nullopt);
  EXPECT_EQ(format_for_path("-"), std::nullopt);
}

}  // namespace
}  // namespace pricescrape::output
