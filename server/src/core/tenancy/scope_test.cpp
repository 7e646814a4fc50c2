#include "core/tenancy/scope.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

OperatorScope member_of(std::vector<SiteId> sites) {
  OperatorScope sc;
  sc.op.id = OperatorId{7};
  sc.sites = std::move(sites);
  return sc;
}

TEST(ChooseTokenSites, FoldsDuplicatesAndSorts) {
  const auto maker = member_of({SiteId{1}, SiteId{2}, SiteId{5}});
  const std::vector<SiteId> wanted{SiteId{5}, SiteId{1}, SiteId{5}};
  auto got = choose_token_sites(wanted, maker);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::vector<SiteId>{SiteId{1}, SiteId{5}}));
}

TEST(ChooseTokenSites, RefusesAnEmptyListAndNamesASiteTheMakerIsNotOn) {
  const auto maker = member_of({SiteId{1}, SiteId{2}});
  auto empty = choose_token_sites({}, maker);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, Errc::bad_request);
  const std::vector<SiteId> wanted{SiteId{2}, SiteId{9}, SiteId{3}};
  auto foreign = choose_token_sites(wanted, maker);
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().code, Errc::not_found);
  EXPECT_EQ(foreign.error().message, "no such site: 9");
}

TEST(NarrowToToken, KeepsTheMakersSitesThatAreOnTheList) {
  const auto maker = member_of({SiteId{1}, SiteId{2}, SiteId{5}});
  EXPECT_EQ(narrow_to_token(maker, std::nullopt).sites, maker.sites) << "no list: all the maker's sites";
  const auto narrowed = narrow_to_token(maker, std::vector<SiteId>{SiteId{2}, SiteId{4}});
  EXPECT_EQ(narrowed.sites, std::vector<SiteId>{SiteId{2}}) << "site 4 was left by the maker (or never theirs)";
  EXPECT_EQ(narrowed.op.id, maker.op.id);
  EXPECT_TRUE(narrowed.can_see(SiteId{2}));
  EXPECT_FALSE(narrowed.can_see(SiteId{1}));
  EXPECT_TRUE(narrow_to_token(maker, std::vector<SiteId>{SiteId{9}}).sites.empty()) << "nothing left: sees nothing";
}

}  // namespace
}  // namespace otk
