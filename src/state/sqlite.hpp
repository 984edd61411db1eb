// A thin RAII layer over the SQLite C API, private to src/state: a connection, prepared
// statements with typed binds and columns, and a transaction guard. Every failure
// becomes a state_error naming the state file and SQLite's message.
#pragma once

#include <pricescrape/state/store.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::state::detail {

// Throws state_error("<action> '<file>': <sqlite message>"), with the OS errno when
// SQLite saw one (a full disk) so the app can name the cause.
[[noreturn]] void throw_sqlite(sqlite3* db, std::string_view action, const std::string& file);

class connection {
 public:
  // `create`: make the file when it is missing; otherwise a missing file is an error.
  connection(const std::filesystem::path& file, bool create);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  sqlite3* get() const noexcept { return db_; }
  const std::string& file() const noexcept { return file_; }
  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  void exec(const char* sql, std::string_view action = "cannot write state") const;
  // The integer a PRAGMA (user_version, ...) answers.
  std::int64_t pragma_int(const char* pragma) const;

 private:
  sqlite3* db_ = nullptr;
  std::string file_;
};

class statement {
 public:
  statement(const connection& db, const char* sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Binds are 1-based like SQLite's; nullopt binds NULL.
  statement& bind(int i, std::string_view text);
  // Exact matches, so a std::string is not ambiguous between the two text overloads.
  statement& bind(int i, const std::string& text) { return bind(i, std::string_view(text)); }
  statement& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  statement& bind(int i, const std::optional<std::string>& text);
  statement& bind(int i, std::int64_t value);
  statement& bind(int i, std::optional<std::int64_t> value);
  // One step: true while a row is available.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Clears the bindings and rewinds, so a cached statement is used again.
  void reset() noexcept;

  // Columns are 0-based like SQLite's.
  bool is_null(int col) const noexcept;
  std::string text(int col) const;
  std::optional<std::string> optional_text(int col) const;
  std::int64_t integer(int col) const noexcept;
  std::optional<std::int64_t> optional_integer(int col) const noexcept;

 private:
  void check_bind(int rc);

  const connection& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction (the write lock at once, so two writers never
// deadlock on an upgrade), ROLLBACK on destruction unless commit() ran.
class transaction {
 public:
  explicit transaction(const connection& db);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();

 private:
  const connection& db_;
  bool done_ = false;
};

}  // namespace pricescrape::state::detail
