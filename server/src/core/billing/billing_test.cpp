#include "core/billing/billing.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace otk {
namespace {

using namespace std::chrono_literals;

// ---- talk seconds ----

TEST(TalkSeconds, AStartedSecondCounts) {
  EXPECT_EQ(talk_seconds(0ms), 0);
  EXPECT_EQ(talk_seconds(-5ms), 0);
  EXPECT_EQ(talk_seconds(1ms), 1);
  EXPECT_EQ(talk_seconds(999ms), 1);
  EXPECT_EQ(talk_seconds(1000ms), 1);
  EXPECT_EQ(talk_seconds(1001ms), 2);
  EXPECT_EQ(talk_seconds(60'000ms), 60);
  EXPECT_EQ(talk_seconds(60'001ms), 61);
  EXPECT_EQ(talk_seconds(Millis(std::numeric_limits<std::int64_t>::max())), kMaxBilledSeconds);
}

// ---- rounding: 0 s, 1 s, on a boundary, one second past ----

struct RoundingCase {
  std::int64_t talk;
  std::int64_t billed;
};

void expect_rounding(Rounding r, std::initializer_list<RoundingCase> cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(billed_seconds(r, c.talk), c.billed)
        << r.first_seconds << "/" << r.step_seconds << " for " << c.talk << " s";
  }
}

TEST(BilledSeconds, PerStartedMinute60By60) {
  expect_rounding({60, 60}, {{0, 0}, {1, 60}, {59, 60}, {60, 60}, {61, 120}, {119, 120}, {120, 120}, {121, 180},
                             {3600, 3600}, {3601, 3660}});
}

TEST(BilledSeconds, ThirtySecondMinimumThenSixSecondSteps) {
  expect_rounding({30, 6}, {{0, 0}, {1, 30}, {29, 30}, {30, 30}, {31, 36}, {36, 36}, {37, 42}, {42, 42}, {43, 48},
                            {60, 60}, {61, 66}});
}

TEST(BilledSeconds, PerSecond1By1) {
  expect_rounding({1, 1}, {{0, 0}, {1, 1}, {2, 2}, {59, 59}, {60, 60}, {61, 61}, {86'400, 86'400}});
}

TEST(BilledSeconds, OneMinuteMinimumThenPerSecond) {
  expect_rounding({60, 1}, {{0, 0}, {1, 60}, {60, 60}, {61, 61}, {62, 62}});
}

TEST(BilledSeconds, ShortFirstIncrementThenLongSteps) {
  expect_rounding({10, 60}, {{0, 0}, {1, 10}, {10, 10}, {11, 70}, {70, 70}, {71, 130}});
}

TEST(BilledSeconds, NegativeTalkIsNothingAndAbsurdTalkIsCapped) {
  expect_rounding({60, 60}, {{-1, 0}, {std::numeric_limits<std::int64_t>::min(), 0}});
  expect_rounding({30, 7}, {{std::numeric_limits<std::int64_t>::max(), kMaxBilledSeconds},
                            {kMaxBilledSeconds, kMaxBilledSeconds}});
}

// ---- money ----

TEST(TimeCharge, AppliesTheRateToBilledSecondsRoundingAFractionalKopeckUpOncePerCall) {
  EXPECT_EQ(time_charge(250, 0), 0);
  EXPECT_EQ(time_charge(250, 60), 250);
  EXPECT_EQ(time_charge(250, 120), 500);
  EXPECT_EQ(time_charge(250, 30), 125);
  EXPECT_EQ(time_charge(250, 36), 150);
  EXPECT_EQ(time_charge(250, 1), 5) << "4.1(6) kopecks rounds up";
  EXPECT_EQ(time_charge(250, 61), 255) << "254.1(6) kopecks rounds up";
  EXPECT_EQ(time_charge(1, 5), 1);
  EXPECT_EQ(time_charge(1, 59), 1);
  EXPECT_EQ(time_charge(1, 60), 1);
  EXPECT_EQ(time_charge(1, 61), 2);
  EXPECT_EQ(time_charge(0, 3600), 0);
  EXPECT_EQ(time_charge(60, 7), 7) << "exactly a kopeck a second: nothing to round";
  EXPECT_EQ(time_charge(kMaxPlanAmount, kMaxBilledSeconds),
            kMaxPlanAmount * (kMaxBilledSeconds / 60) + (kMaxBilledSeconds % 60 * kMaxPlanAmount + 59) / 60)
      << "the largest charge fits in 64 bits";
}

BillingPlan plan(std::optional<Kopecks> fee, std::optional<Kopecks> rate, Rounding r,
                 std::optional<Kopecks> unanswered = std::nullopt) {
  BillingPlan p;
  p.connected_fee = fee;
  p.per_minute = rate;
  p.rounding = r;
  p.unanswered_fee = unanswered;
  EXPECT_TRUE(validate_plan(p));
  return p;
}

TEST(ChargeCall, FeeAndPerMinuteTogether) {
  const auto p = plan(1500, 250, {60, 60});  // 15.00 a connected call plus 2.50 a started minute
  EXPECT_EQ(charge_call(p, CallStatus::connected, 0ms), (Charge{0, 1500})) << "no talk: the fee alone";
  EXPECT_EQ(charge_call(p, CallStatus::connected, 1ms), (Charge{60, 1750}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 60'000ms), (Charge{60, 1750}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 60'001ms), (Charge{120, 2000}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 83'456ms), (Charge{120, 2000}));
}

TEST(ChargeCall, ThirtyBySixAtAnOddRate) {
  const auto p = plan(std::nullopt, 199, {30, 6});  // 1.99 a minute
  EXPECT_EQ(charge_call(p, CallStatus::connected, 0ms), (Charge{0, 0}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 1ms), (Charge{30, 100})) << "99.5 rounds up to 100";
  EXPECT_EQ(charge_call(p, CallStatus::connected, 30'000ms), (Charge{30, 100}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 30'001ms), (Charge{36, 120})) << "119.4 rounds up to 120";
  EXPECT_EQ(charge_call(p, CallStatus::connected, 36'000ms), (Charge{36, 120}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 37'000ms), (Charge{42, 140})) << "139.3 rounds up to 140";
}

TEST(ChargeCall, PerSecond) {
  const auto p = plan(std::nullopt, 120, {1, 1});  // 1.20 a minute: 2 kopecks a second
  EXPECT_EQ(charge_call(p, CallStatus::connected, 0ms), (Charge{0, 0}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 1000ms), (Charge{1, 2}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 1001ms), (Charge{2, 4}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 90'000ms), (Charge{90, 180}));
}

TEST(ChargeCall, FeeOnlyPlanBillsNoSeconds) {
  const auto p = plan(990, std::nullopt, {60, 60});
  EXPECT_EQ(charge_call(p, CallStatus::connected, 0ms), (Charge{0, 990}));
  EXPECT_EQ(charge_call(p, CallStatus::connected, 3'600'000ms), (Charge{0, 990}));
}

TEST(ChargeCall, UnansweredAttemptsAreFreeUnlessThePlanSaysOtherwise) {
  const auto free_misses = plan(1500, 250, {60, 60});
  const auto paid_misses = plan(1500, 250, {60, 60}, 300);
  for (auto s : {CallStatus::operator_no_answer, CallStatus::operator_busy, CallStatus::operator_failed,
                 CallStatus::visitor_no_answer, CallStatus::visitor_busy, CallStatus::visitor_unreachable,
                 CallStatus::visitor_rejected, CallStatus::operator_hung_up_early}) {
    EXPECT_TRUE(is_unanswered_attempt(s)) << status_name(s);
    EXPECT_EQ(charge_call(free_misses, s, 0ms), (Charge{0, 0})) << status_name(s);
    EXPECT_EQ(charge_call(paid_misses, s, 5000ms), (Charge{0, 300})) << status_name(s) << ": talk is not billed";
  }
  for (auto s : {CallStatus::scheduled, CallStatus::rejected_invalid_number, CallStatus::rejected_fraud_rule,
                 CallStatus::rate_limited, CallStatus::failed_technical}) {
    EXPECT_FALSE(is_unanswered_attempt(s)) << status_name(s);
    EXPECT_EQ(charge_call(paid_misses, s, 0ms), (Charge{0, 0})) << status_name(s) << " is never charged";
  }
  EXPECT_FALSE(is_unanswered_attempt(CallStatus::connected));
}

TEST(ChargeCall, AnEmptyPlanChargesNothing) {
  const BillingPlan empty;
  EXPECT_TRUE(validate_plan(empty));
  for (std::size_t i = 0; i < kCallStatusCount; ++i) {
    EXPECT_EQ(charge_call(empty, static_cast<CallStatus>(i), 120'000ms), (Charge{0, 0}));
  }
}

// ---- validation ----

TEST(ValidatePlan, NamesTheFieldThatIsWrong) {
  const auto message_of = [](auto change) {
    BillingPlan p = plan(100, 100, {60, 60}, 10);
    change(p);
    auto r = validate_plan(p);
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code, Errc::bad_request);
    return r.error().message;
  };
  EXPECT_EQ(message_of([](BillingPlan& p) { p.connected_fee = -1; }), "connected_fee must not be negative");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.per_minute = -250; }), "per_minute must not be negative");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.unanswered_fee = -1; }), "unanswered_fee must not be negative");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.per_minute = kMaxPlanAmount + 1; }),
            "per_minute must be at most 100000000");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.rounding.first_seconds = 0; }), "rounding.first_seconds must be 1..3600");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.rounding.step_seconds = 0; }), "rounding.step_seconds must be 1..3600");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.rounding.step_seconds = -6; }), "rounding.step_seconds must be 1..3600");
  EXPECT_EQ(message_of([](BillingPlan& p) { p.rounding.first_seconds = 3601; }),
            "rounding.first_seconds must be 1..3600");
}

TEST(ValidatePlan, AcceptsZeroesAndTheLimits) {
  BillingPlan p;
  p.connected_fee = 0;
  p.per_minute = kMaxPlanAmount;
  p.unanswered_fee = 0;
  p.rounding = {kMaxIncrementSeconds, 1};
  auto r = validate_plan(p);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, p);
}

// ---- the monthly statement ----

constexpr SiteId kShop{7};
constexpr SiteId kBakery{3};

TEST(MonthlyStatement, TotalsPerSiteAndMonthInOrder) {
  const std::vector<BilledCall> calls = {
      {kShop, "2026-11", CallStatus::connected, 120, 2000},
      {kShop, "2026-11", CallStatus::visitor_busy, 0, 300},
      {kBakery, "2026-11", CallStatus::connected, 36, 120},
      {kShop, "2026-10", CallStatus::connected, 60, 1750},
      {kShop, "2026-11", CallStatus::connected, 60, 1750},
      {kShop, "2026-11", CallStatus::rate_limited, 0, 0},
      {kBakery, "2026-11", CallStatus::connected, 42, 140},
      {kShop, "2027-01", CallStatus::operator_no_answer, 0, 0},
  };
  auto r = monthly_statement(calls);
  ASSERT_TRUE(r) << r.error().message;
  const std::vector<MonthlyTotal> expected = {
      {kBakery, "2026-11", 2, 2, 78, 2, 260},  // 78 s shows as 2 minutes; the money is the stored charges
      {kShop, "2026-10", 1, 1, 60, 1, 1750},
      {kShop, "2026-11", 4, 2, 180, 3, 4050},
      {kShop, "2027-01", 1, 0, 0, 0, 0},
  };
  EXPECT_EQ(*r, expected);
}

TEST(MonthlyStatement, EmptyInEmptyOut) {
  auto r = monthly_statement({});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(MonthlyStatement, NamesTheFirstBadRecord) {
  const auto message_of = [](BilledCall bad) {
    const std::vector<BilledCall> calls = {{kShop, "2026-11", CallStatus::connected, 60, 100}, bad};
    auto r = monthly_statement(calls);
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code, Errc::bad_request);
    return r.error().message;
  };
  EXPECT_EQ(message_of({SiteId{}, "2026-11", CallStatus::connected, 0, 0}), "calls[1].site is missing");
  for (const char* month : {"2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "", "20a6-11"}) {
    EXPECT_EQ(message_of({kShop, month, CallStatus::connected, 0, 0}), "calls[1].month must be YYYY-MM") << month;
  }
  EXPECT_EQ(message_of({kShop, "2026-11", CallStatus::connected, -1, 0}), "calls[1].billed_seconds is out of range");
  EXPECT_EQ(message_of({kShop, "2026-11", CallStatus::connected, 0, -1}), "calls[1].amount must not be negative");
  EXPECT_EQ(message_of({kShop, "2026-11", CallStatus::connected, 0, std::numeric_limits<Kopecks>::max()}),
            "calls[1].amount overflows its month's total");
}

TEST(MonthlyStatement, ChargedCallsFlowIntoTheStatement) {
  const auto p = plan(1000, 300, {30, 6}, 100);
  struct Made {
    CallStatus status;
    Millis talk;
  };
  std::vector<BilledCall> calls;
  for (const auto& m : {Made{CallStatus::connected, 29'500ms}, Made{CallStatus::connected, 31'000ms},
                        Made{CallStatus::visitor_no_answer, 0ms}, Made{CallStatus::failed_technical, 0ms}}) {
    const auto c = charge_call(p, m.status, m.talk);
    calls.push_back({kShop, "2026-11", m.status, c.billed_seconds, c.amount});
  }
  auto r = monthly_statement(calls);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  // 30 s: 1000 + 150; 36 s: 1000 + 180; unanswered: 100; technical failure: free.
  EXPECT_EQ(r->front(), (MonthlyTotal{kShop, "2026-11", 4, 2, 66, 2, 2430}));
}

}  // namespace
}  // namespace otk
