#include "schema.hpp"

#include <iterator>
#include <string>

#include <pricescrape/state/store.hpp>

namespace pricescrape::state::detail {

namespace {

// Step i takes a file from version i to i + 1. Steps are never edited once released:
// a change is a new step, so every file, however old, takes the same path.
constexpr const char* steps[] = {
    // 0 -> 1: the first release. A run journal without input identity, observations
    // without validators.
    R"sql(
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
    )sql",
    // 1 -> 2: validators for conditional requests; runs know their input's size and
    // hash (a resume must read the same list) and their status. A version-1 run left
    // unfinished cannot be matched to its input any more: it is abandoned. History is
    // read by URL, so it gets an index.
    R"sql(
      ALTER TABLE observations ADD COLUMN etag TEXT;
      ALTER TABLE observations ADD COLUMN last_modified TEXT;
      ALTER TABLE runs ADD COLUMN input_size INTEGER;
      ALTER TABLE runs ADD COLUMN input_hash TEXT;
      ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'running';
      UPDATE runs SET status = CASE WHEN finished_at IS NULL THEN 'abandoned' ELSE 'finished' END;
      DELETE FROM run_records WHERE run_id IN (SELECT id FROM runs WHERE status = 'abandoned');
      CREATE INDEX IF NOT EXISTS history_by_url ON history (url, id);
      CREATE INDEX IF NOT EXISTS runs_unfinished ON runs (input_path) WHERE status = 'running';
    )sql",
};

static_assert(std::size(steps) == store::schema_version, "one step per schema version");

bool has_tables(const connection& db) {
  statement st(db, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
  return st.step() && st.integer(0) > 0;
}

}  // namespace

void migrate(const connection& db) {
  // Read outside the transaction first: a current file (every night's case) needs no
  // write lock at all.
  if (db.pragma_int("PRAGMA user_version") == store::schema_version) return;
  transaction tx(db);
  // Again under the write lock: another process may have migrated meanwhile.
  const auto version = db.pragma_int("PRAGMA user_version");
  if (version > store::schema_version) {
    throw state_error("cannot open state '" + db.file() + "': its schema version " +
                          std::to_string(version) + " is newer than this pricescrape knows (" +
                          std::to_string(store::schema_version) + ")",
                      0);
  }
  if (version < 0 || (version == 0 && has_tables(db)))
    throw state_error("cannot open state '" + db.file() + "': not a pricescrape state file", 0);
  for (auto v = version; v < store::schema_version; ++v) db.exec(steps[v]);
  db.exec(("PRAGMA user_version = " + std::to_string(store::schema_version)).c_str());
  tx.commit();
}

}  // namespace pricescrape::state::detail
