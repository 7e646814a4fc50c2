// Internal to store/sqlite: the storage error contract, shared by the files that implement SqliteStorage.
#pragma once
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "store/sqlite/sqlite.hpp"

namespace otk {

/// Who wrote something, as stored in the idempotency columns: "o<operator id>" or "v<visitor id>".
inline std::string operator_sender(OperatorId op) { return "o" + std::to_string(op.value); }
inline std::string visitor_sender(VisitorId v) { return "v" + std::to_string(v.value); }
/// A supervisor's "joined" system message: one per (operator, conversation), client_id = the conversation id.
inline std::string joiner_sender(OperatorId op) { return "j" + std::to_string(op.value); }

// Runs f, turning adapter exceptions into the storage error contract: a full disk or an I/O failure is
// `unavailable` (nothing stored, try later); anything else is `internal`.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sqlite::SqliteError& e) {
    const int c = e.code();
    if (c == SQLITE_FULL || c == SQLITE_IOERR || c == SQLITE_BUSY || c == SQLITE_LOCKED || c == SQLITE_READONLY ||
        c == SQLITE_CANTOPEN) {
      return fail(Errc::unavailable, std::string("storage unavailable: ") + e.what());
    }
    return fail(Errc::internal, e.what());
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::internal, std::string("stored JSON is malformed: ") + e.what());
  }
}

}  // namespace otk
