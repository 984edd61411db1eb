#include "sqlite.hpp"

#include <cstring>

namespace pricescrape::state::detail {

void throw_sqlite(sqlite3* db, std::string_view action, const std::string& file) {
  std::string message(action);
  message += " '";
  message += file;
  message += "': ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  // SQLite's own words ("disk I/O error") hide the cause a user can act on.
  const int os_error = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (os_error != 0) {
    message += " (";
    message += std::strerror(os_error);
    message += ')';
  }
  throw state_error(message, os_error);
}

connection::connection(const std::filesystem::path& file, bool create) : file_(file.string()) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(file_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    // The handle exists even on failure (except out of memory) and carries the message.
    try {
      throw_sqlite(db_, "cannot open state", file_);
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  sqlite3_extended_result_codes(db_, 1);
}

connection::~connection() {
  // Every statement is finalized by its owner first, so close cannot be busy.
  sqlite3_close(db_);
}

void connection::exec(const char* sql, std::string_view action) const {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    throw_sqlite(db_, action, file_);
}

std::int64_t connection::pragma_int(const char* pragma) const {
  statement st(*this, pragma);
  return st.step() ? st.integer(0) : 0;
}

statement::statement(const connection& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.get(), sql, -1, &stmt_, nullptr) != SQLITE_OK)
    throw_sqlite(db.get(), "cannot read state", db.file());
}

statement::~statement() { sqlite3_finalize(stmt_); }

void statement::check_bind(int rc) {
  if (rc != SQLITE_OK) throw_sqlite(db_.get(), "cannot write state", db_.file());
}

statement& statement::bind(int i, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so a temporary string may be bound.
  check_bind(
      sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

statement& statement::bind(int i, const std::optional<std::string>& text) {
  if (!text) {
    check_bind(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  return bind(i, std::string_view(*text));
}

statement& statement::bind(int i, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, i, value));
  return *this;
}

statement& statement::bind(int i, std::optional<std::int64_t> value) {
  if (!value) {
    check_bind(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  return bind(i, *value);
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  try {
    throw_sqlite(db_.get(),
                 sqlite3_stmt_readonly(stmt_) ? "cannot read state" : "cannot write state",
                 db_.file());
  } catch (...) {
    // The message is taken; a cached statement must be usable again.
    reset();
    throw;
  }
}

void statement::run() {
  while (step()) {
  }
  reset();
}

void statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int col) const noexcept {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::string statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> statement::optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::int64_t statement::integer(int col) const noexcept { return sqlite3_column_int64(stmt_, col); }

std::optional<std::int64_t> statement::optional_integer(int col) const noexcept {
  if (is_null(col)) return std::nullopt;
  return integer(col);
}

transaction::transaction(const connection& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

transaction::~transaction() {
  if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace pricescrape::state::detail
