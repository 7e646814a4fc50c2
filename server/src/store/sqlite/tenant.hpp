// Internal to store/sqlite: the one tenant filter of operator-facing queries. A query sees a site's rows only
// when the operator is a member of the site now (site_members, checked in the same statement) and the site is
// in the request's scope (OperatorScope::sites: the memberships read at the start of the request, narrowed to an
// API token's own site list; docs/api.md, "API tokens").
//
// The scope is bound as one named parameter, :scope = {"op": <operator id>, "sites": [<site id>, ...]}. A named
// parameter takes the number an anonymous `?` would have taken at its first use and keeps it at every later use,
// so writing OTK_SCOPE_JOIN where `... AND m.operator_id = ?` stood leaves every other parameter's number as it
// was. Bind it with bind_scope().
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tenancy/scope.hpp"
#include "store/sqlite/sqlite.hpp"

namespace otk {

/// The operator of the bound scope (an SQL expression).
#define OTK_SCOPE_OPERATOR "json_extract(:scope, '$.op')"
/// The sites of the bound scope (an SQL subquery, for `x IN ...`).
#define OTK_SCOPE_SITES "(SELECT value FROM json_each(:scope, '$.sites'))"
/// Joins site_members as `alias` on the row's site column `site_col`: rows of the scope's sites only.
#define OTK_SCOPE_JOIN(alias, site_col)                                                                  \
  "JOIN site_members " alias " ON " alias ".site_id = " site_col " AND " alias ".operator_id = " OTK_SCOPE_OPERATOR \
  " AND " alias ".site_id IN " OTK_SCOPE_SITES " "
/// The scope's sites that its operator is still a member of (an SQL subquery, for `x IN ...`).
#define OTK_SCOPE_MEMBER_SITES                                                                         \
  "(SELECT site_id FROM site_members WHERE operator_id = " OTK_SCOPE_OPERATOR " AND site_id IN " OTK_SCOPE_SITES \
  ")"

/// A stored list of site ids (a JSON array, as in api_tokens.sites); NULL: no list.
inline std::optional<std::vector<SiteId>> site_list_from(const sqlite::Stmt& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  std::vector<SiteId> out;
  for (const auto& id : nlohmann::json::parse(s.str(col))) out.push_back(SiteId{id.get<std::int64_t>()});
  return out;
}

/// The stored form of a list of site ids.
inline std::string site_list_json(const std::vector<SiteId>& sites) {
  std::string out = "[";
  for (std::size_t i = 0; i < sites.size(); ++i) out += (i ? "," : "") + std::to_string(sites[i].value);
  return out + "]";
}

/// The value of :scope.
inline std::string scope_json(const OperatorScope& scope) {
  return "{\"op\":" + std::to_string(scope.op.id.value) + ",\"sites\":" + site_list_json(scope.sites) + "}";
}

/// Binds :scope of a statement written with the macros above.
inline sqlite::Stmt& bind_scope(sqlite::Stmt& s, const OperatorScope& scope) {
  return s.bind(s.param(":scope"), scope_json(scope));
}

}  // namespace otk
