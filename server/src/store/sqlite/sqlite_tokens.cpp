// SqliteStorage: API tokens — made, listed and revoked within one account (docs/api.md, "API tokens"). The
// session a token stands for is read in sqlite_storage.cpp (token_session), beside the console's.
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "store/sqlite/tenant.hpp"

namespace otk {
namespace {

// Columns 0..8 of an ApiToken; binds ?1 account.
#define OTK_TOKEN_SELECT                                                                                   \
  "SELECT t.id, t.name, t.prefix, t.operator_id, o.name, t.can_write, t.created_at, t.revoked_at, t.sites " \
  "FROM api_tokens t JOIN operators o ON o.id = t.operator_id WHERE t.account_id = ?1 "

ApiToken token_from(const sqlite::Stmt& s) {
  ApiToken t;
  t.id = s.i64(0);
  t.name = s.str(1);
  t.prefix = s.str(2);
  t.maker = OperatorId{s.i64(3)};
  t.maker_name = s.str(4);
  t.write = s.i64(5) != 0;
  t.created_at = from_unix_ms(s.i64(6));
  if (!s.is_null(7)) t.revoked_at = from_unix_ms(s.i64(7));
  t.sites = site_list_from(s, 8);
  return t;
}

}  // namespace

Result<ApiToken> SqliteStorage::create_api_token(const OperatorScope& scope, std::string_view name, std::string_view hash,
                                                 std::string_view prefix, bool write,
                                                 const std::optional<std::vector<SiteId>>& sites, TimePoint now) {
  return guarded([&]() -> Result<ApiToken> {
    auto s = db_.prepare(
        "INSERT INTO api_tokens(account_id, operator_id, name, token_hash, prefix, can_write, created_at, sites) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, scope.op.account.value).bind(2, scope.op.id.value).bind(3, name).bind(4, hash).bind(5, prefix);
    s.bind(6, write ? 1 : 0).bind(7, to_unix_ms(now));
    if (sites) {
      s.bind(8, site_list_json(*sites));
    } else {
      s.bind_null(8);
    }
    s.run();
    auto t = db_.prepare(OTK_TOKEN_SELECT "AND t.id = ?2");
    t.bind(1, scope.op.account.value).bind(2, db_.last_insert_id());
    if (!t.step()) return fail(Errc::internal, "the new token is not visible");
    return token_from(t);
  });
}

Result<std::vector<ApiToken>> SqliteStorage::api_tokens(const OperatorScope& scope) {
  return guarded([&]() -> Result<std::vector<ApiToken>> {
    auto s = db_.prepare(OTK_TOKEN_SELECT "ORDER BY t.id DESC LIMIT 500");
    s.bind(1, scope.op.account.value);
    std::vector<ApiToken> out;
    while (s.step()) out.push_back(token_from(s));
    return out;
  });
}

Result<void> SqliteStorage::revoke_api_token(const OperatorScope& scope, std::int64_t id, TimePoint now) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND account_id = ?");
    s.bind(1, to_unix_ms(now)).bind(2, id).bind(3, scope.op.account.value).run();
    if (db_.changes() == 0) return fail(Errc::not_found, "no such token");
    return {};
  });
}

}  // namespace otk
