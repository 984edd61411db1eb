#include <pricescrape/state/store.hpp>

#include <pricescrape/state/change.hpp>

#include "record_codec.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

#include <utility>

namespace pricescrape::state {

using detail::statement;

namespace {

std::int64_t to_int64(std::size_t n) { return static_cast<std::int64_t>(n); }

// History grows only when one of these differs; prices compare as decimals.
bool same_values(const std::optional<std::string>& price,
                 const std::optional<std::string>& currency,
                 const std::optional<std::string>& availability, const output::record& r) {
  if (currency != r.currency || availability != r.availability) return false;
  if (price.has_value() != r.price.has_value()) return false;
  return !price || !price_moved(*price, *r.price, "0");
}

}  // namespace

struct store::impl {
  detail::connection db;
  // The statements of the hot paths (a lookup per URL, a commit per record), prepared
  // once: preparing them per call cost more than running them.
  std::optional<statement> lookup;
  std::optional<statement> upsert_observation;
  std::optional<statement> last_history;
  std::optional<statement> touch_history;
  std::optional<statement> add_history;
  std::optional<statement> journal;

  impl(const std::filesystem::path& file, const store_options& options) : db(file, options.create) {
    // A busy reader (`pricescrape history` during a run) waits rather than fails.
    sqlite3_busy_timeout(db.get(), 5000);
    db.exec("PRAGMA journal_mode = WAL", "cannot open state");
    db.exec(options.durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
            "cannot open state");
    db.exec("PRAGMA foreign_keys = ON", "cannot open state");
    if (options.exclusive) db.exec("PRAGMA locking_mode = EXCLUSIVE", "cannot open state");
    detail::migrate(db);
    prepare();
  }

  void prepare() {
    lookup.emplace(db,
                   "SELECT price, currency, availability, title, status, fetched_at, etag, "
                   "last_modified FROM observations WHERE url = ?");
    upsert_observation.emplace(
        db,
        "INSERT INTO observations (url, price, currency, availability, title, status, "
        "fetched_at, etag, last_modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT (url) DO UPDATE SET price = excluded.price, currency = "
        "excluded.currency, availability = excluded.availability, title = excluded.title, "
        "status = excluded.status, fetched_at = excluded.fetched_at, "
        "etag = CASE WHEN ?10 THEN coalesce(excluded.etag, etag) ELSE excluded.etag END, "
        "last_modified = CASE WHEN ?10 THEN coalesce(excluded.last_modified, "
        "last_modified) ELSE excluded.last_modified END");
    last_history.emplace(db,
                         "SELECT id, price, currency, availability FROM history WHERE url = ? "
                         "ORDER BY id DESC LIMIT 1");
    touch_history.emplace(db, "UPDATE history SET last_seen = max(last_seen, ?) WHERE id = ?");
    add_history.emplace(db,
                        "INSERT INTO history (url, price, currency, availability, first_seen, "
                        "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    journal.emplace(db,
                    "INSERT OR REPLACE INTO run_records (run_id, idx, record) VALUES (?, ?, ?)");
  }

  void update_observation(const finished_record& item) {
    const auto& r = item.record;
    auto& st = *upsert_observation;
    st.bind(1, r.url).bind(2, r.price).bind(3, r.currency).bind(4, r.availability);
    st.bind(5, r.title);
    st.bind(6, r.status ? std::optional<std::int64_t>(*r.status) : std::nullopt);
    st.bind(7, r.fetched_at).bind(8, item.cache.etag).bind(9, item.cache.last_modified);
    // A 304 answers "as before": validators it does not repeat are still valid.
    st.bind(10, std::int64_t{r.status == 304 ? 1 : 0});
    st.run();
  }

  void extend_history(const output::record& r) {
    auto& last = *last_history;
    last.bind(1, r.url);
    std::optional<std::int64_t> same_row;
    if (last.step() &&
        same_values(last.optional_text(1), last.optional_text(2), last.optional_text(3), r))
      same_row = last.integer(0);
    last.reset();  // done reading before the table is written
    if (same_row) {
      touch_history->bind(1, r.fetched_at).bind(2, *same_row).run();
      return;
    }
    auto& add = *add_history;
    add.bind(1, r.url).bind(2, r.price).bind(3, r.currency).bind(4, r.availability);
    add.bind(5, r.fetched_at).run();
  }
};

output::previous_observation observation::as_previous() const {
  return {price, currency, availability, fetched_at};
}

store::store(const std::filesystem::path& file, store_options options)
    : impl_(std::make_unique<impl>(file, options)) {}

store::~store() = default;
store::store(store&&) noexcept = default;
store& store::operator=(store&&) noexcept = default;

int store::version() const { return static_cast<int>(impl_->db.pragma_int("PRAGMA user_version")); }

std::optional<observation> store::lookup(std::string_view url) {
  auto& st = *impl_->lookup;
  st.bind(1, url);
  // Reset however this ends, so the cached statement holds no read open.
  struct reset_on_exit {
    statement& st;
    ~reset_on_exit() { st.reset(); }
  } guard{st};
  if (!st.step()) return std::nullopt;
  observation o;
  o.price = st.optional_text(0);
  o.currency = st.optional_text(1);
  o.availability = st.optional_text(2);
  o.title = st.optional_text(3);
  if (const auto status = st.optional_integer(4)) o.status = static_cast<int>(*status);
  o.fetched_at = st.text(5);
  o.cache = {st.optional_text(6), st.optional_text(7)};
  return o;
}

std::int64_t store::begin_run(const input_identity& input,
                              std::chrono::system_clock::time_point now) {
  detail::transaction tx(impl_->db);
  statement abandon(impl_->db,
                    "UPDATE runs SET status = 'abandoned' WHERE status = 'running' AND "
                    "input_path = ?");
  abandon.bind(1, input.path).run();
  impl_->db.exec(
      "DELETE FROM run_records WHERE run_id IN (SELECT id FROM runs WHERE status = 'abandoned')");
  statement add(impl_->db,
                "INSERT INTO runs (input_path, input_size, input_hash, started_at, status) "
                "VALUES (?, ?, ?, ?, 'running')");
  add.bind(1, input.path).bind(2, static_cast<std::int64_t>(input.size)).bind(3, input.sha256);
  add.bind(4, output::format_utc(now)).run();
  const auto id = sqlite3_last_insert_rowid(impl_->db.get());
  tx.commit();
  return id;
}

std::optional<unfinished_run> store::find_unfinished_run(const input_identity& input) {
  statement st(impl_->db,
               "SELECT id, started_at FROM runs WHERE status = 'running' AND input_path = ? AND "
               "input_size = ? AND input_hash = ? ORDER BY id DESC LIMIT 1");
  st.bind(1, input.path).bind(2, static_cast<std::int64_t>(input.size)).bind(3, input.sha256);
  if (!st.step()) return std::nullopt;
  unfinished_run run{st.integer(0), st.text(1), {}};
  statement indices(impl_->db, "SELECT idx FROM run_records WHERE run_id = ? ORDER BY idx");
  indices.bind(1, run.id);
  while (indices.step()) run.committed.push_back(static_cast<std::size_t>(indices.integer(0)));
  return run;
}

void store::commit(std::int64_t run_id, std::span<const finished_record> batch) {
  detail::transaction tx(impl_->db);
  auto& journal = *impl_->journal;
  for (const auto& item : batch) {
    if (observed(item.record) && !item.record.fetched_at.empty()) {
      impl_->update_observation(item);
      impl_->extend_history(item.record);
    }
    journal.bind(1, run_id).bind(2, to_int64(item.record.index));
    journal.bind(3, detail::encode_record(item.record)).run();
  }
  tx.commit();
}

std::optional<output::record> store::stored_record(std::int64_t run_id, std::size_t index) {
  std::optional<output::record> found;
  for_each_record(run_id, index, index + 1, [&](output::record&& r) { found = std::move(r); });
  return found;
}

void store::for_each_record(std::int64_t run_id, std::size_t first, std::size_t last,
                            const std::function<void(output::record&&)>& each) {
  statement st(impl_->db,
               "SELECT idx, record FROM run_records WHERE run_id = ? AND idx >= ? AND idx < ? "
               "ORDER BY idx");
  st.bind(1, run_id).bind(2, to_int64(first)).bind(3, to_int64(last));
  while (st.step()) {
    auto r = detail::decode_record(st.text(1));
    if (!r) {
      throw state_error("cannot read state '" + impl_->db.file() + "': the record of line " +
                            std::to_string(st.integer(0)) + " of run " + std::to_string(run_id) +
                            " is damaged",
                        0);
    }
    each(std::move(*r));
  }
}

void store::finish_run(std::int64_t run_id, std::chrono::system_clock::time_point now) {
  detail::transaction tx(impl_->db);
  statement done(impl_->db, "UPDATE runs SET status = 'finished', finished_at = ? WHERE id = ?");
  done.bind(1, output::format_utc(now)).bind(2, run_id).run();
  statement drop(impl_->db, "DELETE FROM run_records WHERE run_id = ?");
  drop.bind(1, run_id).run();
  tx.commit();
}

void store::history(std::span<const std::string> urls,
                    const std::function<void(const history_row&)>& each) {
  const char* all =
      "SELECT url, price, currency, availability, first_seen, last_seen FROM history "
      "ORDER BY url, id";
  const char* one =
      "SELECT url, price, currency, availability, first_seen, last_seen FROM history "
      "WHERE url = ? ORDER BY id";
  statement st(impl_->db, urls.empty() ? all : one);
  const auto emit_rows = [&] {
    while (st.step()) {
      each(history_row{st.text(0), st.optional_text(1), st.optional_text(2), st.optional_text(3),
                       st.text(4), st.text(5)});
    }
    st.reset();
  };
  if (urls.empty()) {
    emit_rows();
    return;
  }
  for (const auto& url : urls) {
    st.bind(1, url);
    emit_rows();
  }
}

}  // namespace pricescrape::state
