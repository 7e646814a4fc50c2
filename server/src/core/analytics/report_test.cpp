#include "core/analytics/report.hpp"

#include <gtest/gtest.h>

#include <random>

namespace otk {
namespace {

date::sys_days day(int y, unsigned m, unsigned d) { return date::sys_days{date::year{y} / date::month{m} / date::day{d}}; }
TimePoint at_utc(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  return TimePoint{day(y, m, d)} + std::chrono::hours(hour) + std::chrono::minutes(minute);
}

TEST(DurationStats, NearestRank) {
  std::vector<std::int64_t> none;
  EXPECT_EQ(duration_stats(none), (DurationStats{0, std::nullopt, std::nullopt}));
  std::vector<std::int64_t> one{7};
  EXPECT_EQ(duration_stats(one), (DurationStats{1, 7, 7}));
  std::vector<std::int64_t> two{9, 3};  // the median of two is the lower: rank ceil(0.5·2) = 1
  EXPECT_EQ(duration_stats(two), (DurationStats{2, 3, 9}));
  std::vector<std::int64_t> ten{10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  EXPECT_EQ(duration_stats(ten), (DurationStats{10, 5, 9}));
  std::vector<std::int64_t> eleven{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // ranks ceil(5.5) = 6 and ceil(9.9) = 10
  EXPECT_EQ(duration_stats(eleven), (DurationStats{11, 6, 10}));
}

TEST(ReportDays, MoscowDaysStartAtLocalMidnight) {
  auto days = report_days(day(2026, 11, 1), day(2026, 11, 3), "Europe/Moscow");
  ASSERT_TRUE(days) << days.error().message;
  ASSERT_EQ(days->names, (std::vector<std::string>{"2026-11-01", "2026-11-02", "2026-11-03"}));
  EXPECT_EQ(days->from(), at_utc(2026, 10, 31, 21));  // UTC+3
  EXPECT_EQ(days->until(), at_utc(2026, 11, 3, 21));
  EXPECT_EQ(days->day_of(at_utc(2026, 10, 31, 20, 59)), -1);
  EXPECT_EQ(days->day_of(at_utc(2026, 10, 31, 21)), 0);
  EXPECT_EQ(days->day_of(at_utc(2026, 11, 1, 20, 59)), 0);  // 23:59 in Moscow
  EXPECT_EQ(days->day_of(at_utc(2026, 11, 1, 21)), 1);
  EXPECT_EQ(days->day_of(at_utc(2026, 11, 3, 21)), -1);
}

TEST(ReportDays, DaylightSavingDaysAreShortAndLong) {
  // New York: 8 March 2026 has 23 hours, 1 November 2026 has 25.
  auto spring = report_days(day(2026, 3, 8), day(2026, 3, 8), "America/New_York");
  ASSERT_TRUE(spring);
  EXPECT_EQ(spring->until() - spring->from(), std::chrono::hours(23));
  auto autumn = report_days(day(2026, 11, 1), day(2026, 11, 1), "America/New_York");
  ASSERT_TRUE(autumn);
  EXPECT_EQ(autumn->until() - autumn->from(), std::chrono::hours(25));
  EXPECT_FALSE(report_days(day(2026, 11, 1), day(2026, 11, 1), "Mars/Olympus"));
}

TEST(CampaignKey, FirstTouchTags) {
  EXPECT_EQ(campaign_key("https://shop.example/?utm_source=yandex&utm_medium=cpc&utm_campaign=%D0%BE%D1%81%D0%B5%D0%BD%D1%8C"),
            R"(["yandex","cpc","осень"])");
  EXPECT_EQ(campaign_key("https://shop.example/?utm_campaign=+sale+"), R"(["","","sale"])");
  EXPECT_EQ(campaign_key("https://shop.example/catalog?page=2"), "");
  EXPECT_EQ(campaign_key(""), "");
}

// The builder against a direct count of a random data set, rule by rule as docs/metrics.md states them.
TEST(ReportBuilder, MatchesADirectCount) {
  auto days = report_days(day(2026, 11, 1), day(2026, 11, 7), "Europe/Moscow");
  ASSERT_TRUE(days);
  std::mt19937 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* bot_states[] = {"", "", "active", "handed_off"};
  const char* ratings[] = {"", "", "good", "bad"};
  const char* campaigns[] = {"", R"(["yandex","cpc","autumn"])"};
  std::vector<ConversationFact> facts;
  for (int i = 0; i < 500; ++i) {
    ConversationFact c;
    c.created = days->from() + std::chrono::minutes(pick(9 * 24 * 60)) - std::chrono::hours(24);  // some outside
    c.bot_state = bot_states[pick(4)];
    c.rating = ratings[pick(4)];
    c.campaign = campaigns[pick(2)];
    c.department = DepartmentId{1 + pick(2)};
    c.op = OperatorId{pick(3)};
    if (c.bot_state != "active" || pick(4) == 0) c.routed = c.created + std::chrono::seconds(pick(30));
    if (pick(3) != 0 && c.bot_state != "active") c.first_response = c.routed.value_or(c.created) + std::chrono::seconds(pick(120));
    if (pick(2) == 0) c.closed = c.created + std::chrono::minutes(5 + pick(60));
    facts.push_back(c);
  }
  ReportBuilder b(*days);
  for (const auto& c : facts) b.conversation(c);
  const Report r = b.finish();

  std::int64_t started = 0, answered = 0, missed = 0, bot_only = 0, good = 0, op1 = 0, autumn = 0;
  std::vector<std::int64_t> frt, frt_dep2;
  std::vector<std::int64_t> per_day(7, 0);
  for (const auto& c : facts) {
    if (c.created < days->from() || c.created >= days->until()) continue;
    started++;
    per_day[static_cast<std::size_t>((to_unix_ms(c.created) - to_unix_ms(days->from())) / 86'400'000)]++;
    if (c.first_response) {
      answered++;
      const auto ms = to_unix_ms(*c.first_response) - to_unix_ms(c.routed.value_or(c.created));
      frt.push_back(ms);
      if (c.department.value == 2) frt_dep2.push_back(ms);
    } else if (c.bot_state == "active") {
      bot_only++;
    } else {
      missed++;
    }
    if (c.rating == "good") good++;
    if (c.op.value == 1) op1++;
    if (!c.campaign.empty()) autumn++;
  }
  auto nearest = [](std::vector<std::int64_t> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1];
  };
  EXPECT_EQ(r.chats.started, started);
  EXPECT_EQ(r.chats.answered, answered);
  EXPECT_EQ(r.chats.missed, missed);
  EXPECT_EQ(r.chats.bot_only, bot_only);
  EXPECT_EQ(r.chats.good, good);
  EXPECT_EQ(r.chats.started, r.chats.answered + r.chats.missed + r.chats.bot_only);
  EXPECT_EQ(r.operators.at(1).chats.started, op1);
  EXPECT_EQ(r.campaigns.at(R"(["yandex","cpc","autumn"])").chats, autumn);
  ASSERT_EQ(r.days.size(), 7u);
  for (std::size_t d = 0; d < 7; ++d) EXPECT_EQ(r.days[d].chats.started, per_day[d]) << d;
  ASSERT_FALSE(frt.empty());
  EXPECT_EQ(r.first_response.count, static_cast<std::int64_t>(frt.size()));
  EXPECT_EQ(r.first_response.median_ms, nearest(frt, 0.5));
  EXPECT_EQ(r.first_response.p90_ms, nearest(frt, 0.9));
  EXPECT_EQ(r.departments.at(2).first_response.p90_ms, nearest(frt_dep2, 0.9));
}

TEST(ReportBuilder, LeadsCallbacksAndDaysOutsideThePeriod) {
  auto days = report_days(day(2026, 11, 1), day(2026, 11, 2), "UTC");
  ASSERT_TRUE(days);
  ReportBuilder b(*days);
  b.lead(at_utc(2026, 11, 1, 10), "chat", "");
  b.lead(at_utc(2026, 11, 2, 23, 59), "callback", "x");
  b.lead(at_utc(2026, 11, 3, 0), "chat", "");  // the day after
  b.callback(at_utc(2026, 11, 2, 9), "connected", 61'000, 120, 500, "x");
  b.callback(at_utc(2026, 11, 2, 9), "visitor_busy", 0, 0, 0, "");
  b.callback(at_utc(2026, 10, 31, 23, 59), "connected", 1, 1, 1, "");  // the day before
  const Report r = b.finish();
  EXPECT_EQ(r.leads, 2);
  EXPECT_EQ(r.leads_by_source.at("chat"), 1);
  EXPECT_EQ(r.leads_by_source.at("callback"), 1);
  EXPECT_EQ(r.days[1].leads, 1);
  EXPECT_EQ(r.callbacks.total, 2);
  EXPECT_EQ(r.callbacks.by_status.at("connected"), 1);
  EXPECT_EQ(r.callbacks.talk_ms, 61'000);
  EXPECT_EQ(r.callbacks.charge, 500);
  EXPECT_EQ(r.days[1].callbacks, 2);
  EXPECT_EQ(r.campaigns.at("x").leads, 1);
  EXPECT_EQ(r.campaigns.at("x").callbacks, 1);
}

}  // namespace
}  // namespace otk
