// A state file written by the first release (schema version 1), made here by hand with
// its own SQL rather than the code under test, is migrated on open.
#include <pricescrape/state/store.hpp>

#include "state_test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

namespace pricescrape::state {
namespace {

constexpr const char* version_1_file = R"sql(
  PRAGMA journal_mode = DELETE;
  CREATE TABLE observations (
    url TEXT NOT NULL UNIQUE,
    price TEXT, currency TEXT, availability TEXT, title TEXT,
    status INTEGER,
    fetched_at TEXT NOT NULL
  );
  CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    price TEXT, currency TEXT, availability TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    input_path TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE TABLE run_records (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    idx INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
  ) WITHOUT ROWID;
  INSERT INTO observations VALUES
    ('https://shop.example/p/1', '19.99', 'EUR', 'InStock', 'Widget', 200, '2026-10-01T03:00:00Z'),
    ('https://shop.example/p/2', NULL, NULL, 'OutOfStock', 'Gadget', 200, '2026-10-01T03:00:00Z');
  INSERT INTO history (url, price, currency, availability, first_seen, last_seen) VALUES
    ('https://shop.example/p/1', '21', 'EUR', 'InStock', '2026-09-01T03:00:00Z', '2026-09-20T03:00:00Z'),
    ('https://shop.example/p/1', '19.99', 'EUR', 'InStock', '2026-09-21T03:00:00Z', '2026-10-01T03:00:00Z');
  INSERT INTO runs VALUES (1, '/lists/a.txt', '2026-09-30T03:00:00Z', '2026-09-30T03:20:00Z');
  INSERT INTO runs VALUES (2, '/lists/a.txt', '2026-10-01T03:00:00Z', NULL);
  INSERT INTO run_records VALUES (2, 0, '{}'), (2, 1, '{}');
  PRAGMA user_version = 1;
)sql";

class Migration : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    file_ = dir_ / "old.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, version_1_file, nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  std::filesystem::path file_;
};

TEST_F(Migration, Version1IsBroughtToTheCurrentSchemaKeepingItsData) {
  store s(file_);
  EXPECT_EQ(s.version(), store::schema_version);

  // Observations keep their values and gain empty validators.
  const auto p1 = s.lookup("https://shop.example/p/1");
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->price, "19.99");
  EXPECT_EQ(p1->title, "Widget");
  EXPECT_EQ(p1->fetched_at, "2026-10-01T03:00:00Z");
  EXPECT_TRUE(p1->cache.empty());
  EXPECT_EQ(s.lookup("https://shop.example/p/2")->availability, "OutOfStock");

  // History is untouched, and goes on from its last row.
  std::vector<history_row> rows;
  s.history({}, [&](const history_row& row) { rows.push_back(row); });
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].price, "21");
  EXPECT_EQ(rows[1].last_seen, "2026-10-01T03:00:00Z");

  // The version-1 run left unfinished cannot be matched to its input: abandoned, its
  // journal dropped. A new run uses the new columns.
  const input_identity input{"/lists/a.txt", 10, "hash"};
  EXPECT_EQ(s.find_unfinished_run(input), std::nullopt);
  EXPECT_EQ(s.stored_record(2, 0), std::nullopt);
  const auto run = s.begin_run(input, std::chrono::system_clock::now());
  EXPECT_EQ(run, 3);
  auto seen = testing::page(0, "https://shop.example/p/1", "19.99", "2026-10-02T03:00:00Z");
  const finished_record item{seen, validators{"\"e\"", std::nullopt}};
  s.commit(run, {&item, 1});
  EXPECT_EQ(s.lookup("https://shop.example/p/1")->cache.etag, "\"e\"");
  rows.clear();
  s.history(std::vector<std::string>{"https://shop.example/p/1"},
            [&](const history_row& row) { rows.push_back(row); });
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].last_seen, "2026-10-02T03:00:00Z");
  EXPECT_EQ(s.find_unfinished_run(input)->committed, std::vector<std::size_t>{0});
}

TEST_F(Migration, RunsOnceAndOpensInWalMode) {
  { store s(file_); }
  store again(file_);
  EXPECT_EQ(again.version(), store::schema_version);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace pricescrape::state
