// Numbered schema migrations, applied in order on start (and by `otklik migrate`). A migration is never
// edited once released: add a new one. The SQLite schema version lives in PRAGMA user_version.
#pragma once
#include <span>

namespace otk::migrations {

struct Migration {
  int version;
  const char* name;
  const char* sqlite_sql;
};

/// All migrations, ascending by version.
std::span<const Migration> all();

}  // namespace otk::migrations
