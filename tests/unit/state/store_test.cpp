#include <pricescrape/state/store.hpp>

#include "state_test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <vector>

namespace pricescrape::state {
namespace {

using namespace std::chrono_literals;
using testing::page;
using clock_type = std::chrono::system_clock;

const auto night1 =
    clock_type::time_point{std::chrono::seconds{1795575600}};  // 2026-11-25T03:00:00Z

// The text of a one-value query on a file, straight through SQLite (not the store).
std::string query_text(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::vector<history_row> all_history(store& s, std::vector<std::string> urls = {}) {
  std::vector<history_row> rows;
  s.history(urls, [&](const history_row& row) { rows.push_back(row); });
  return rows;
}

input_identity identity(std::string path, std::string hash = "abc") {
  return input_identity{std::move(path), 42, std::move(hash)};
}

class Store : public testing::TempDirTest {
 protected:
  std::filesystem::path file() const { return dir_ / "state.db"; }
};

TEST_F(Store, CreatesAFileInWalModeAtTheCurrentVersion) {
  {
    store s(file());
    EXPECT_EQ(s.version(), store::schema_version);
  }
  EXPECT_TRUE(std::filesystem::exists(file()));
  EXPECT_EQ(query_text(file(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(file(), "PRAGMA user_version"), "2");
  // Opening again migrates nothing and keeps the data.
  store again(file());
  EXPECT_EQ(again.version(), 2);
}

TEST_F(Store, WithoutCreateAMissingFileIsAnError) {
  try {
    store s(file(), store_options{.create = false});
    FAIL() << "opened a missing file";
  } catch (const state_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open state '" + file().string() + "'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(file()));
}

TEST_F(Store, RefusesAFileThatIsNotADatabase) {
  std::ofstream(file()) << "index,url\n0,https://x\n";
  try {
    store s(file());
    FAIL() << "opened a CSV file";
  } catch (const state_error& e) {
    EXPECT_NE(std::string(e.what()).find("file is not a database"), std::string::npos) << e.what();
  }
}

TEST_F(Store, RefusesADatabaseThatIsNotOurs) {
  ASSERT_EQ(query_text(file(), "CREATE TABLE invoices (id INTEGER)"), "");
  try {
    store s(file());
    FAIL() << "took over a foreign database";
  } catch (const state_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a pricescrape state file"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(query_text(file(), "SELECT count(*) FROM sqlite_master"), "1");
}

TEST_F(Store, RefusesANewerSchema) {
  { store s(file()); }
  query_text(file(), "PRAGMA user_version = 7");
  try {
    store s(file());
    FAIL() << "opened a newer schema";
  } catch (const state_error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 7 is newer"), std::string::npos)
        << e.what();
  }
}

TEST_F(Store, CommitStoresTheObservationAndItsValidators) {
  store s(file());
  EXPECT_EQ(s.lookup("https://shop.example/p/1"), std::nullopt);
  const auto run = s.begin_run(identity("/lists/a.txt"), night1);
  const finished_record item{page(0, "https://shop.example/p/1", "19.99", "2026-11-25T03:00:01Z"),
                             validators{"\"v1\"", "Tue, 24 Nov 2026 10:00:00 GMT"}};
  s.commit(run, {&item, 1});
  const auto seen = s.lookup("https://shop.example/p/1");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->price, "19.99");
  EXPECT_EQ(seen->currency, "EUR");
  EXPECT_EQ(seen->availability, "InStock");
  EXPECT_EQ(seen->title, "Widget");
  EXPECT_EQ(seen->status, 200);
  EXPECT_EQ(seen->fetched_at, "2026-11-25T03:00:01Z");
  EXPECT_EQ(seen->cache, (validators{"\"v1\"", "Tue, 24 Nov 2026 10:00:00 GMT"}));
  EXPECT_EQ(seen->as_previous(),
            (output::previous_observation{"19.99", "EUR", "InStock", "2026-11-25T03:00:01Z"}));
}

TEST_F(Store, ExclusiveAndNotDurableStoresWorkTheSame) {
  const std::string url = "https://shop.example/p/1";
  {
    store s(file(), store_options{.create = true, .durable = false, .exclusive = true});
    const auto run = s.begin_run(identity("/lists/a.txt"), night1);
    const finished_record item{page(0, url, "3", "2026-11-25T03:00:01Z"), {}};
    s.commit(run, {&item, 1});
    EXPECT_EQ(s.lookup(url)->price, "3");
  }
  // Closed: the file is readable by anyone again.
  store s(file(), store_options{.create = false});
  EXPECT_EQ(s.lookup(url)->price, "3");
  EXPECT_EQ(all_history(s).size(), 1u);
}

TEST_F(Store, NotModifiedKeepsTheValidatorsItDoesNotRepeat) {
  store s(file());
  const auto run = s.begin_run(identity("/lists/a.txt"), night1);
  const std::string url = "https://shop.example/p/1";
  const finished_record first{page(0, url, "5", "2026-11-25T03:00:00Z"),
                              validators{"\"a\"", "Mon, 23 Nov 2026 10:00:00 GMT"}};
  s.commit(run, {&first, 1});
  finished_record revalidated{page(0, url, "5", "2026-11-26T03:00:00Z"),
                              validators{"\"b\"", std::nullopt}};
  revalidated.record.status = 304;
  s.commit(run, {&revalidated, 1});
  EXPECT_EQ(s.lookup(url)->cache, (validators{"\"b\"", "Mon, 23 Nov 2026 10:00:00 GMT"}));
  // A 200 replaces them all: a validator it lacks is no longer valid.
  const finished_record fresh{page(0, url, "6", "2026-11-27T03:00:00Z"), validators{}};
  s.commit(run, {&fresh, 1});
  EXPECT_EQ(s.lookup(url)->cache, validators{});
}

TEST_F(Store, HistoryGrowsOnlyWhenPriceCurrencyOrAvailabilityChange) {
  store s(file());
  const auto run = s.begin_run(identity("/lists/a.txt"), night1);
  const std::string url = "https://shop.example/p/1";
  const std::vector<finished_record> nights = {
      {page(0, url, "10", "2026-11-01T03:00:00Z"), {}},
      {page(0, url, "10.00", "2026-11-02T03:00:00Z"), {}},  // same value
      {page(0, url, "12", "2026-11-03T03:00:00Z"), {}},
      {page(0, url, "12", "2026-11-04T03:00:00Z"), {}},
      {page(0, url, "12", "2026-11-05T03:00:00Z", "EUR", "OutOfStock"), {}},
      {page(0, url, "12", "2026-11-06T03:00:00Z", "CHF", "OutOfStock"), {}},
      {page(0, url, std::nullopt, "2026-11-07T03:00:00Z", "CHF", "OutOfStock"), {}},
  };
  for (const auto& night : nights) s.commit(run, {&night, 1});
  // Failures observe nothing: neither history nor the observation move.
  auto failed = page(0, url, std::nullopt, "2026-11-08T03:00:00Z", std::nullopt, std::nullopt);
  failed.error = scrape_error{error_kind::timeout, "timed out"};
  const finished_record failed_item{failed, {}};
  s.commit(run, {&failed_item, 1});

  const auto rows = all_history(s);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (history_row{url, "10", "EUR", "InStock", "2026-11-01T03:00:00Z",
                                  "2026-11-02T03:00:00Z"}));
  EXPECT_EQ(rows[1], (history_row{url, "12", "EUR", "InStock", "2026-11-03T03:00:00Z",
                                  "2026-11-04T03:00:00Z"}));
  EXPECT_EQ(rows[2], (history_row{url, "12", "EUR", "OutOfStock", "2026-11-05T03:00:00Z",
                                  "2026-11-05T03:00:00Z"}));
  EXPECT_EQ(rows[3].currency, "CHF");
  EXPECT_EQ(rows[4], (history_row{url, std::nullopt, "CHF", "OutOfStock", "2026-11-07T03:00:00Z",
                                  "2026-11-07T03:00:00Z"}));
  EXPECT_EQ(s.lookup(url)->fetched_at, "2026-11-07T03:00:00Z");
  EXPECT_EQ(s.lookup(url)->price, std::nullopt);
}

TEST_F(Store, HistoryOfChosenUrlsInTheirOrder) {
  store s(file());
  const auto run = s.begin_run(identity("/lists/a.txt"), night1);
  const std::vector<finished_record> batch = {
      {page(0, "https://b.example/1", "1", "2026-11-01T03:00:00Z"), {}},
      {page(1, "https://a.example/1", "2", "2026-11-01T03:00:00Z"), {}},
      {page(2, "https://c.example/1", "3", "2026-11-01T03:00:00Z"), {}},
  };
  s.commit(run, batch);
  const auto everything = all_history(s);
  ASSERT_EQ(everything.size(), 3u);
  EXPECT_EQ(everything[0].url, "https://a.example/1");  // all URLs: sorted
  EXPECT_EQ(everything[2].url, "https://c.example/1");
  const auto chosen =
      all_history(s, {"https://c.example/1", "https://nowhere/", "https://b.example/1"});
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ(chosen[0].url, "https://c.example/1");
  EXPECT_EQ(chosen[1].url, "https://b.example/1");
}

TEST_F(Store, AFailedCommitStoresNothingOfItsBatch) {
  store s(file());
  const auto run = s.begin_run(identity("/lists/a.txt"), night1);
  const std::vector<finished_record> batch = {
      {page(0, "https://a.example/1", "1", "2026-11-01T03:00:00Z"), {}},
      {page(1, "https://a.example/2", "2", "2026-11-01T03:00:00Z"), {}},
  };
  // No such run: the journal's foreign key refuses the first record, after its
  // observation and history were written inside the transaction.
  EXPECT_THROW(s.commit(run + 100, batch), state_error);
  EXPECT_EQ(s.lookup("https://a.example/1"), std::nullopt);
  EXPECT_TRUE(all_history(s).empty());
  s.commit(run, batch);
  EXPECT_EQ(s.lookup("https://a.example/2")->price, "2");
}

// --- the run journal: begin, commit, resume, finish -------------------------------------

TEST_F(Store, AnUnfinishedRunIsFoundWithItsCommittedIndices) {
  store s(file());
  const auto input = identity("/lists/a.txt");
  const auto run = s.begin_run(input, night1);
  std::vector<finished_record> batch;
  for (std::size_t i : {0u, 1u, 2u, 5u})
    batch.push_back(
        {page(i, "https://a.example/" + std::to_string(i), "1", "2026-11-25T03:00:00Z"), {}});
  s.commit(run, std::span(batch).first(2));
  s.commit(run, std::span(batch).subspan(2));

  const auto found = s.find_unfinished_run(input);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, run);
  EXPECT_EQ(found->started_at, "2026-11-25T03:00:00Z");
  EXPECT_EQ(found->committed, (std::vector<std::size_t>{0, 1, 2, 5}));
  // Another list, or the same path with other contents, is not this run.
  EXPECT_EQ(s.find_unfinished_run(identity("/lists/b.txt")), std::nullopt);
  EXPECT_EQ(s.find_unfinished_run(identity("/lists/a.txt", "changed")), std::nullopt);
  auto bigger = input;
  bigger.size += 1;
  EXPECT_EQ(s.find_unfinished_run(bigger), std::nullopt);
}

TEST_F(Store, StoredRecordsComeBackExactlyAndInOrder) {
  store s(file());
  const auto run = s.begin_run(identity("/lists/a.txt"), night1);
  auto priced = page(3, "https://a.example/3", "1299.99", "2026-11-25T03:00:00Z");
  priced.title = "Caf\xC3\xA9 \"quoted\"\n";
  priced.changed = true;
  priced.previous =
      output::previous_observation{"1399", "EUR", std::nullopt, "2026-11-24T03:00:00Z"};
  auto invalid = output::record{};
  invalid.index = 1;
  invalid.url = "ftp://x";
  invalid.error = scrape_error{error_kind::invalid_url, "not an http(s) URL"};
  auto timed_out = page(2, "https://a.example/2", std::nullopt, "2026-11-25T03:00:02Z");
  timed_out.error = scrape_error{error_kind::timeout, "timed out after 30 s"};
  timed_out.changed = std::nullopt;
  const std::vector<finished_record> batch = {{priced, {}}, {invalid, {}}, {timed_out, {}}};
  s.commit(run, batch);

  std::vector<output::record> back;
  s.for_each_record(run, 0, 10, [&](output::record&& r) { back.push_back(std::move(r)); });
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].index, 1u);
  EXPECT_EQ(back[1].index, 2u);
  EXPECT_EQ(back[2].index, 3u);
  EXPECT_EQ(back[0].error, invalid.error);
  EXPECT_EQ(back[0].fetched_at, "");
  EXPECT_EQ(back[0].status, std::nullopt);
  EXPECT_EQ(back[1].error, timed_out.error);
  EXPECT_EQ(back[1].changed, std::nullopt);
  const auto& p = back[2];
  EXPECT_EQ(p.url, priced.url);
  EXPECT_EQ(p.final_url, priced.final_url);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.attempts, 1);
  EXPECT_EQ(p.elapsed_ms, 12);
  EXPECT_EQ(p.fetched_at, priced.fetched_at);
  EXPECT_EQ(p.price, "1299.99");
  EXPECT_EQ(p.currency, "EUR");
  EXPECT_EQ(p.title, priced.title);
  EXPECT_EQ(p.availability, "InStock");
  EXPECT_EQ(p.source, "jsonld");
  EXPECT_EQ(p.error, std::nullopt);
  EXPECT_EQ(p.changed, true);
  EXPECT_EQ(p.previous, priced.previous);
  // A window of indices, and one record alone.
  std::size_t in_window = 0;
  s.for_each_record(run, 2, 3, [&](output::record&& r) {
    EXPECT_EQ(r.index, 2u);
    ++in_window;
  });
  EXPECT_EQ(in_window, 1u);
  EXPECT_EQ(s.stored_record(run, 3)->price, "1299.99");
  EXPECT_EQ(s.stored_record(run, 0), std::nullopt);
}

TEST_F(Store, FinishingARunDropsItsJournal) {
  store s(file());
  const auto input = identity("/lists/a.txt");
  const auto run = s.begin_run(input, night1);
  const finished_record item{page(0, "https://a.example/0", "1", "2026-11-25T03:00:00Z"), {}};
  s.commit(run, {&item, 1});
  s.finish_run(run, night1 + 10min);
  EXPECT_EQ(s.find_unfinished_run(input), std::nullopt);
  EXPECT_EQ(s.stored_record(run, 0), std::nullopt);
  EXPECT_EQ(query_text(file(), "SELECT count(*) FROM run_records"), "0");
  EXPECT_EQ(query_text(file(), "SELECT finished_at || ' ' || status FROM runs"),
            "2026-11-25T03:10:00Z finished");
  // What the run observed stays.
  EXPECT_EQ(s.lookup("https://a.example/0")->price, "1");
}

TEST_F(Store, ANewRunOfTheSameListAbandonsTheUnfinishedOne) {
  store s(file());
  const auto old_input = identity("/lists/a.txt", "old");
  const auto other_list = identity("/lists/b.txt");
  const auto old_run = s.begin_run(old_input, night1);
  const auto other_run = s.begin_run(other_list, night1);
  const finished_record item{page(0, "https://a.example/0", "1", "2026-11-25T03:00:00Z"), {}};
  s.commit(old_run, {&item, 1});
  s.commit(other_run, {&item, 1});
  // The list was edited and run again without --resume.
  const auto new_run = s.begin_run(identity("/lists/a.txt", "new"), night1 + 24h);
  EXPECT_EQ(s.find_unfinished_run(old_input), std::nullopt);
  EXPECT_EQ(s.stored_record(old_run, 0), std::nullopt);
  EXPECT_EQ(query_text(file(), "SELECT status FROM runs WHERE id = 1"), "abandoned");
  // Another list's unfinished run is left to be resumed.
  EXPECT_EQ(s.find_unfinished_run(other_list)->committed, std::vector<std::size_t>{0});
  EXPECT_EQ(s.find_unfinished_run(identity("/lists/a.txt", "new"))->id, new_run);
}

TEST_F(Store, CommitsSurviveAKill9) {
  // A child process commits three batches and kills itself with SIGKILL mid-run, with
  // nothing closed: the parent finds every committed record.
  const auto input = identity("/lists/a.txt");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    store s(file());
    const auto run = s.begin_run(input, night1);
    for (std::size_t b = 0; b < 3; ++b) {
      std::vector<finished_record> batch;
      for (std::size_t i = 0; i < 4; ++i) {
        const auto index = b * 4 + i;
        batch.push_back(
            {page(index, "https://a.example/" + std::to_string(index), "1", "2026-11-25T03:00:00Z"),
             {}});
      }
      s.commit(run, batch);
    }
    ::raise(SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  store s(file());
  const auto found = s.find_unfinished_run(input);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->committed.size(), 12u);
  EXPECT_EQ(found->committed.back(), 11u);
  EXPECT_EQ(s.lookup("https://a.example/11")->price, "1");
}

TEST(InputIdentity, SizeAndSha256OfTheWholeFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("pricescrape-identity-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "abc";
  const auto id = identify_input(path);
  EXPECT_EQ(id.size, 3u);
  EXPECT_EQ(id.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(id.path, std::filesystem::absolute(path).lexically_normal().string());
  std::filesystem::remove(path);
  EXPECT_THROW(identify_input(path), std::runtime_error);
}

}  // namespace
}  // namespace pricescrape::state
