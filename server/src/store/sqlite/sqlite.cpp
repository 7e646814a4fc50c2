#include "store/sqlite/sqlite.hpp"

namespace otk::sqlite {

void throw_error(sqlite3* db, int rc) {
  throw SqliteError(rc, std::string("sqlite: ") + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(s_, i, v); rc != SQLITE_OK) throw_error(sqlite3_db_handle(s_), rc);
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  // A default-constructed string_view has a null data(), which SQLite would bind as NULL, not ''.
  if (int rc = sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT); rc != SQLITE_OK) {
    throw_error(sqlite3_db_handle(s_), rc);
  }
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  if (int rc = sqlite3_bind_null(s_, i); rc != SQLITE_OK) throw_error(sqlite3_db_handle(s_), rc);
  return *this;
}

int Stmt::param(const char* name) const {
  const int i = sqlite3_bind_parameter_index(s_, name);
  if (i == 0) throw SqliteError(SQLITE_RANGE, std::string("the statement has no parameter ") + name);
  return i;
}

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_error(sqlite3_db_handle(s_), rc);
}

void Stmt::run() {
  while (step()) {
  }
}

std::string Stmt::str(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

std::string_view Stmt::view(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string_view();
}

Connection::Connection(const std::string& path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "sqlite: cannot open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  exec("PRAGMA journal_mode=WAL");
  // FULL: a commit survives power loss, not only a process crash. Group commit pays for the extra fsync.
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA busy_timeout=5000");
}

Connection::~Connection() {
  for (auto& [_, s] : cache_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

void Connection::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(sqlite3_extended_errcode(db_), "sqlite: " + msg);
  }
}

Stmt Connection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    if (int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr); rc != SQLITE_OK) {
      throw_error(db_, rc);
    }
    it = cache_.emplace(sql, s).first;
  }
  return Stmt(it->second);
}

}  // namespace otk::sqlite
