// Who an authenticated operator is and what they may see. Every operator-facing read takes an OperatorScope;
// the storage turns it into the one tenant filter (store/sqlite/sqlite_storage.cpp: kVisibleSites).
#pragma once
#include <algorithm>
#include <vector>

#include "common/ids.hpp"
#include "core/chat/model.hpp"

namespace otk {

struct OperatorScope {
  OperatorAccount op;
  std::vector<SiteId> sites;  // sites of op.account that op is a member of

  [[nodiscard]] bool can_see(SiteId site) const { return std::ranges::find(sites, site) != sites.end(); }
};

}  // namespace otk
