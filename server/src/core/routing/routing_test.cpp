#include "core/routing/routing.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

using namespace std::chrono_literals;

const DepartmentId kSales{1}, kTech{2}, kBilling{3};
const TimePoint t0 = from_unix_ms(1'800'000'000'000);

TEST(Routing, ReadsPathAndUtmFromThePageUrl) {
  auto v = visit_context("https://shop.example/developers/api%20v2?utm_source=Yandex&utm_medium=cpc&x=1#top",
                         "https://ya.ru/search", true);
  EXPECT_EQ(v.path, "/developers/api v2");
  EXPECT_EQ(v.utm_source, "Yandex");
  EXPECT_EQ(v.utm_medium, "cpc");
  EXPECT_EQ(v.utm_campaign, "");
  EXPECT_TRUE(v.logged_in);
  EXPECT_EQ(visit_context("https://shop.example", "", false).path, "/");
  EXPECT_EQ(visit_context("https://shop.example?utm_campaign=winter+sale", "", false).utm_campaign, "winter sale");
}

TEST(Routing, GlobMatchesWholeText) {
  EXPECT_TRUE(glob_match("/developers*", "/developers"));
  EXPECT_TRUE(glob_match("/developers*", "/developers/api"));
  EXPECT_FALSE(glob_match("/developers*", "/about/developers"));
  EXPECT_TRUE(glob_match("*/pricing", "/en/pricing"));
  EXPECT_TRUE(glob_match("/shop/*/reviews*", "/shop/42/reviews?page=2"));
  EXPECT_FALSE(glob_match("/shop/*/reviews", "/shop/42/reviews/extra"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("", "/"));
  EXPECT_TRUE(glob_match("/a*b*c", "/aXbYbZc"));
}

TEST(Routing, FirstMatchingRuleWinsAndEveryConditionMustHold) {
  std::vector<RoutingRule> rules;
  rules.push_back(*normalize_rule({.path_pattern = "/developers*", .department = kTech}));
  rules.push_back(*normalize_rule({.utm_source = "yandex", .utm_medium = "cpc", .department = kSales}));
  rules.push_back(*normalize_rule({.referrer_contains = "Bank", .logged_in = true, .department = kBilling}));
  EXPECT_EQ(route(rules, visit_context("https://s.example/developers/sdk?utm_source=yandex&utm_medium=cpc", "", false), kSales), kTech);
  EXPECT_EQ(route(rules, visit_context("https://s.example/?utm_source=YANDEX&utm_medium=cpc", "", false), kBilling), kSales);
  EXPECT_EQ(route(rules, visit_context("https://s.example/?utm_source=yandex", "", false), kBilling), kBilling)
      << "utm_medium missing: the sales rule does not hold, the fallback applies";
  EXPECT_EQ(route(rules, visit_context("https://s.example/", "https://mybank.example/", true), kSales), kBilling);
  EXPECT_EQ(route(rules, visit_context("https://s.example/", "https://mybank.example/", false), kSales), kSales);
}

TEST(Routing, RulesNeedADepartmentAndACondition) {
  EXPECT_FALSE(normalize_rule({.path_pattern = "/x"}));
  EXPECT_FALSE(normalize_rule({.department = kSales}));
  EXPECT_FALSE(normalize_rule({.path_pattern = "developers", .department = kSales}));
  EXPECT_FALSE(normalize_rule({.referrer_contains = std::string(201, 'a'), .department = kSales}));
  EXPECT_TRUE(normalize_rule({.logged_in = false, .department = kSales}));
}

OperatorLoad op(std::int64_t id, int active, int limit = 3, TimePoint last = t0, Presence p = Presence::online,
                std::vector<DepartmentId> deps = {kSales}) {
  return OperatorLoad{OperatorId{id}, p, limit, active, last, std::move(deps)};
}

TEST(Assign, LeastLoadedThenLongestIdleThenLowestId) {
  std::vector<OperatorLoad> roster{op(1, 2), op(2, 1, 3, t0 + 5s), op(3, 1, 3, t0 + 2s), op(4, 1, 3, t0 + 2s)};
  EXPECT_EQ(choose_operator(roster, {kSales}), OperatorId{3});
  roster[2].active = 2;
  EXPECT_EQ(choose_operator(roster, {kSales}), OperatorId{4});
  roster[3].active = 2;
  EXPECT_EQ(choose_operator(roster, {kSales}), OperatorId{2});
}

TEST(Assign, OnlyOnlineOperatorsOfTheDepartmentUnderTheirLimit) {
  std::vector<OperatorLoad> roster{op(1, 0, 3, t0, Presence::away), op(2, 0, 3, t0, Presence::offline),
                                   op(3, 3, 3), op(4, 0, 3, t0, Presence::online, {kTech})};
  EXPECT_EQ(choose_operator(roster, {kSales}), std::nullopt);
  EXPECT_EQ(choose_operator(roster, {kTech}), OperatorId{4});
  roster[2].active = 2;
  EXPECT_EQ(choose_operator(roster, {kSales}), OperatorId{3});
  roster[2].limit = 0;  // a limit of zero takes no chats
  roster[2].active = 0;
  EXPECT_EQ(choose_operator(roster, {kSales}), std::nullopt);
}

TEST(Assign, ReturningVisitorGoesBackToTheirOperatorWhenThatOperatorCanTakeIt) {
  std::vector<OperatorLoad> roster{op(1, 0), op(2, 2, 3, t0, Presence::online, {kTech})};
  EXPECT_EQ(choose_operator(roster, {kSales, OperatorId{2}}), OperatorId{2}) << "even from another department";
  roster[1].active = 3;
  EXPECT_EQ(choose_operator(roster, {kSales, OperatorId{2}}), OperatorId{1});
  roster[1].active = 0;
  roster[1].presence = Presence::away;
  EXPECT_EQ(choose_operator(roster, {kSales, OperatorId{2}}), OperatorId{1});
  EXPECT_EQ(choose_operator(roster, {kSales, OperatorId{99}}), OperatorId{1}) << "an operator no longer on the roster";
}

TEST(Queue, FirstComeFirstServedWithPositions) {
  WaitingLine line;
  line.push(ConversationId{10}, t0 + 1s);
  line.push(ConversationId{11}, t0 + 2s);
  line.push(ConversationId{12}, t0 + 3s);
  line.push(ConversationId{11}, t0 + 9s);  // already waiting: keeps its place
  EXPECT_EQ(line.size(), 3u);
  EXPECT_EQ(line.position(ConversationId{12}), 3u);
  EXPECT_TRUE(line.remove(ConversationId{10}));
  EXPECT_FALSE(line.remove(ConversationId{10}));
  EXPECT_EQ(line.front(), ConversationId{11});
  EXPECT_EQ(line.chats(), (std::vector<ConversationId>{ConversationId{11}, ConversationId{12}}));
  EXPECT_EQ(line.position(ConversationId{12}), 2u);
  EXPECT_EQ(line.position(ConversationId{10}), std::nullopt);
  line.push(ConversationId{9}, t0);  // re-queued with its original arrival time: goes first
  EXPECT_EQ(line.front(), ConversationId{9});
}

TEST(Queue, EstimateIsHonestAndRoundedUpToAMinute) {
  std::vector<OperatorLoad> roster{op(1, 3, 3), op(2, 2, 2)};  // 5 places, 10-minute chats: one leaves every 2 min
  EXPECT_EQ(estimate_wait(1, roster, kSales, 10min), Millis(2min));
  EXPECT_EQ(estimate_wait(3, roster, kSales, 10min), Millis(6min));
  EXPECT_EQ(estimate_wait(1, roster, kSales, 1min), Millis(1min)) << "never promises under a minute";
  EXPECT_EQ(estimate_wait(2, roster, kSales, 7min), Millis(3min));  // 2.8 -> 3
  roster[0].presence = Presence::away;
  roster[1].presence = Presence::offline;
  EXPECT_EQ(estimate_wait(1, roster, kSales, 10min), std::nullopt) << "nobody online: no promise";
  EXPECT_EQ(estimate_wait(1, roster, kTech, 10min), std::nullopt);
}

TEST(FirstResponse, OffersToTheNextOperatorThenAdmitsEveryoneIsBusy) {
  std::vector<OperatorLoad> roster{op(1, 1), op(2, 2), op(3, 0, 3, t0, Presence::away)};
  PendingOffer offer{ConversationId{7}, kSales, OperatorId{1}, t0, {OperatorId{1}}};
  EXPECT_EQ(first_response_deadline(offer, 25s), t0 + 25s);
  auto d = on_first_response_timeout(offer, roster, 10min);
  ASSERT_TRUE(std::holds_alternative<Reoffer>(d));
  EXPECT_EQ(std::get<Reoffer>(d).to, OperatorId{2});
  offer.to = OperatorId{2};
  offer.tried.push_back(OperatorId{2});
  d = on_first_response_timeout(offer, roster, 10min);
  ASSERT_TRUE(std::holds_alternative<AllBusy>(d));
  // Operators 1 and 2 are online with 6 places: one frees every 100 s -> 2 minutes, rounded up.
  EXPECT_EQ(std::get<AllBusy>(d).expected_wait, Millis(2min));
}

}  // namespace
}  // namespace otk
