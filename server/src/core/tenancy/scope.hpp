// Who an authenticated operator is and what they may see. Every operator-facing read takes an OperatorScope;
// the storage turns it into the one tenant filter (store/sqlite/tenant.hpp: OTK_SCOPE_JOIN).
#pragma once
#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "core/chat/model.hpp"

namespace otk {

struct OperatorScope {
  OperatorAccount op;
  // Sites of op.account that op is a member of, ascending; for an API token with a site list, only those of
  // them that are on the list (docs/api.md, "API tokens").
  std::vector<SiteId> sites;

  [[nodiscard]] bool can_see(SiteId site) const { return std::ranges::find(sites, site) != sites.end(); }
};

/// The sites a new API token is limited to, from the ids its maker asked for: duplicates folded, ascending.
/// Errors: bad_request for an empty list; not_found naming the first id that is not one of `maker.sites`
/// (another account's site looks exactly like one that does not exist).
[[nodiscard]] Result<std::vector<SiteId>> choose_token_sites(std::span<const SiteId> wanted, const OperatorScope& maker);

/// The scope of a request made with an API token: its maker's scope as it is now, narrowed to the token's own
/// sites when it has a list (std::nullopt: all the maker's sites). A site the maker has left stays out even
/// when the token lists it.
[[nodiscard]] OperatorScope narrow_to_token(OperatorScope maker, const std::optional<std::vector<SiteId>>& token_sites);

}  // namespace otk
