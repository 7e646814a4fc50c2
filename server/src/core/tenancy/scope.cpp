#include "core/tenancy/scope.hpp"

#include <string>

namespace otk {

Result<std::vector<SiteId>> choose_token_sites(std::span<const SiteId> wanted, const OperatorScope& maker) {
  if (wanted.empty()) return fail(Errc::bad_request, "'sites' must name at least one site (leave it out for all of them)");
  for (const SiteId site : wanted) {
    if (!maker.can_see(site)) return fail(Errc::not_found, "no such site: " + std::to_string(site.value));
  }
  std::vector<SiteId> out(wanted.begin(), wanted.end());
  std::ranges::sort(out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

OperatorScope narrow_to_token(OperatorScope maker, const std::optional<std::vector<SiteId>>& token_sites) {
  if (!token_sites) return maker;
  std::erase_if(maker.sites, [&](SiteId site) { return std::ranges::find(*token_sites, site) == token_sites->end(); });
  return maker;
}

}  // namespace otk
