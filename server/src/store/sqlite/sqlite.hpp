// A thin RAII layer over the SQLite C API: one connection, cached prepared statements, typed bind/column.
// Failures throw SqliteError inside the adapter; SqliteStorage converts them to Result at its boundary.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace otk::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  /// Primary result code (SQLITE_FULL, SQLITE_IOERR, SQLITE_CONSTRAINT, ...).
  [[nodiscard]] int code() const { return code_ & 0xff; }

 private:
  int code_;
};

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i);
  /// The index of the named parameter (":name"); throws (a bug) when the statement has none of that name.
  [[nodiscard]] int param(const char* name) const;

  /// Steps once: true when a row is available, false when done.
  bool step();
  /// Steps to completion, expecting no rows.
  void run();

  [[nodiscard]] std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  [[nodiscard]] std::string str(int col) const;
  /// The text without a copy, valid until the next step() or reset.
  [[nodiscard]] std::string_view view(int col) const;
  [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_;
};

class Connection {
 public:
  /// Opens (creating) the database file and applies the durability pragmas.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql);
  /// A cached statement, reset when the returned Stmt goes out of scope. `sql` must be a string literal
  /// (the cache is keyed by its address).
  Stmt prepare(const char* sql);
  [[nodiscard]] std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  [[nodiscard]] int changes() const { return sqlite3_changes(db_); }
  [[nodiscard]] sqlite3* raw() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

[[noreturn]] void throw_error(sqlite3* db, int rc);

}  // namespace otk::sqlite
