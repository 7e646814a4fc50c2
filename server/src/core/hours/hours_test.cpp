#include "core/hours/hours.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

using namespace std::chrono_literals;
using date::local_days;

const date::time_zone& zone(const char* name) { return *date::locate_zone(name); }

/// A UTC instant from a local wall time in the zone (earliest when repeated).
TimePoint at(const char* tz, int y, unsigned m, unsigned d, int hh, int mm) {
  const auto local = local_days{date::year{y} / m / d} + std::chrono::hours(hh) + std::chrono::minutes(mm);
  return std::chrono::time_point_cast<TimePoint::duration>(zone(tz).to_sys(local, date::choose::earliest));
}

TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return std::chrono::time_point_cast<TimePoint::duration>(date::sys_days{date::year{y} / m / d} + std::chrono::hours(hh) +
                                                           std::chrono::minutes(mm));
}

WorkingHours office() {  // Monday to Friday 9:00-18:00, Saturday 10:00-14:00, Sunday closed
  WorkingHours h;
  for (int d = 0; d < 5; ++d) h.weekly[d] = {{9 * 60, 18 * 60}};
  h.weekly[5] = {{10 * 60, 14 * 60}};
  return h;
}

TEST(Hours, OpenAndClosedOnAnOrdinaryWeek) {
  const auto h = office();
  const auto& msk = zone("Europe/Moscow");
  // 2026-11-23 is a Monday.
  EXPECT_FALSE(is_open(h, msk, at("Europe/Moscow", 2026, 11, 23, 8, 59)));
  EXPECT_TRUE(is_open(h, msk, at("Europe/Moscow", 2026, 11, 23, 9, 0)));
  EXPECT_TRUE(is_open(h, msk, at("Europe/Moscow", 2026, 11, 23, 17, 59)));
  EXPECT_FALSE(is_open(h, msk, at("Europe/Moscow", 2026, 11, 23, 18, 0)));
  EXPECT_FALSE(is_open(h, msk, at("Europe/Moscow", 2026, 11, 29, 12, 0)));  // Sunday
  // Moscow is UTC+3 all year: 06:00 UTC is 9:00 there.
  EXPECT_TRUE(is_open(h, msk, utc(2026, 11, 23, 6, 0)));
  EXPECT_FALSE(is_open(h, msk, utc(2026, 11, 23, 5, 59)));
}

TEST(Hours, NextOpenSkipsTheWeekendAndStaysOnWallClockTime) {
  const auto h = office();
  const auto& msk = zone("Europe/Moscow");
  const auto sat_evening = at("Europe/Moscow", 2026, 11, 28, 15, 0);
  EXPECT_EQ(next_open(h, msk, sat_evening), at("Europe/Moscow", 2026, 11, 30, 9, 0));
  const auto open_now = at("Europe/Moscow", 2026, 11, 24, 11, 30);
  EXPECT_EQ(next_open(h, msk, open_now), open_now);
  EXPECT_EQ(closes_at(h, msk, open_now), at("Europe/Moscow", 2026, 11, 24, 18, 0));
  EXPECT_EQ(closes_at(h, msk, sat_evening), std::nullopt);
}

TEST(Hours, NineStaysNineAcrossDaylightSavingChanges) {
  const auto h = office();
  const auto& berlin = zone("Europe/Berlin");
  // Berlin springs forward on Sunday 2026-03-29: Friday 9:00 is 08:00 UTC, Monday 9:00 is 07:00 UTC.
  EXPECT_EQ(next_open(h, berlin, utc(2026, 3, 27, 20, 0)), utc(2026, 3, 28, 9, 0));  // Saturday 10:00 CET
  EXPECT_EQ(next_open(h, berlin, utc(2026, 3, 28, 14, 0)), utc(2026, 3, 30, 7, 0));
  // And falls back on Sunday 2026-10-25: Monday 9:00 is 08:00 UTC again.
  EXPECT_EQ(next_open(h, berlin, utc(2026, 10, 24, 14, 0)), utc(2026, 10, 26, 8, 0));
  EXPECT_TRUE(is_open(h, berlin, utc(2026, 10, 26, 8, 0)));
  EXPECT_FALSE(is_open(h, berlin, utc(2026, 10, 26, 7, 59)));
  const auto& ny = zone("America/New_York");
  EXPECT_EQ(next_open(h, ny, utc(2026, 3, 7, 20, 0)), utc(2026, 3, 9, 13, 0));   // EDT: UTC-4
  EXPECT_EQ(next_open(h, ny, utc(2026, 10, 31, 20, 0)), utc(2026, 11, 2, 14, 0));  // EST: UTC-5
}

TEST(Hours, AnOpeningSkippedByTheJumpOpensAtTheJump) {
  WorkingHours h;
  for (auto& d : h.weekly) d = {{2 * 60 + 30, 5 * 60}};  // a night shift from 02:30
  const auto& berlin = zone("Europe/Berlin");
  // On 2026-03-29 local time goes 01:59:59 -> 03:00:00 (01:00 UTC); 02:30 never happens.
  EXPECT_EQ(next_open(h, berlin, utc(2026, 3, 28, 23, 0)), utc(2026, 3, 29, 1, 0));
  EXPECT_TRUE(is_open(h, berlin, utc(2026, 3, 29, 1, 0)));  // 03:00 CEST
  // On 2026-10-25 02:30 happens twice; the shift opens at the first.
  EXPECT_EQ(next_open(h, berlin, utc(2026, 10, 24, 23, 0)), utc(2026, 10, 25, 0, 30));
}

TEST(Hours, HolidaysAndDatedExceptionsWinOverTheWeek) {
  auto h = office();
  h.exceptions.push_back({date::year{2026} / 12 / 31, {{9 * 60, 13 * 60}}});  // short day
  h.exceptions.push_back({date::year{2027} / 1 / 1, {}});                      // holiday
  h.exceptions.push_back({date::year{2027} / 1 / 4, {}});
  h = *normalize_hours(h);
  const auto& msk = zone("Europe/Moscow");
  EXPECT_FALSE(is_open(h, msk, at("Europe/Moscow", 2026, 12, 31, 14, 0)));
  EXPECT_EQ(closes_at(h, msk, at("Europe/Moscow", 2026, 12, 31, 10, 0)), at("Europe/Moscow", 2026, 12, 31, 13, 0));
  // After the short day: Friday 1st and Monday 4th are holidays, Saturday 2nd is an ordinary Saturday.
  EXPECT_EQ(next_open(h, msk, at("Europe/Moscow", 2026, 12, 31, 13, 0)), at("Europe/Moscow", 2027, 1, 2, 10, 0));
  EXPECT_EQ(next_open(h, msk, at("Europe/Moscow", 2027, 1, 2, 14, 0)), at("Europe/Moscow", 2027, 1, 5, 9, 0));
}

TEST(Hours, PeriodsJoinAcrossMidnight) {
  WorkingHours h;
  h.weekly[4] = {{20 * 60, 24 * 60}};  // Friday 20:00 to Saturday 02:00
  h.weekly[5] = {{0, 2 * 60}};
  const auto& msk = zone("Europe/Moscow");
  EXPECT_EQ(closes_at(h, msk, at("Europe/Moscow", 2026, 11, 27, 23, 0)), at("Europe/Moscow", 2026, 11, 28, 2, 0));
  EXPECT_TRUE(is_open(h, msk, at("Europe/Moscow", 2026, 11, 28, 1, 59)));
}

TEST(Hours, AlwaysOpenAndNeverOpen) {
  WorkingHours always;
  always.always_open = true;
  const auto& msk = zone("Europe/Moscow");
  const auto t = utc(2026, 11, 23, 3, 0);
  EXPECT_TRUE(is_open(always, msk, t));
  EXPECT_EQ(next_open(always, msk, t), t);
  EXPECT_EQ(closes_at(always, msk, t), std::nullopt);
  EXPECT_EQ(next_open(WorkingHours{}, msk, t), std::nullopt);
}

TEST(Hours, NormalizeRefusesBrokenSchedules) {
  auto overlap = office();
  overlap.weekly[2].push_back({17 * 60, 19 * 60});
  auto r = normalize_hours(overlap);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Wednesday"), std::string::npos);
  auto backwards = office();
  backwards.weekly[0] = {{18 * 60, 9 * 60}};
  EXPECT_FALSE(normalize_hours(backwards));
  auto late = office();
  late.weekly[6] = {{23 * 60, 25 * 60}};
  EXPECT_FALSE(normalize_hours(late));
  auto twice = office();
  twice.exceptions = {{date::year{2027} / 1 / 1, {}}, {date::year{2027} / 1 / 1, {{600, 700}}}};
  EXPECT_FALSE(normalize_hours(twice));
  auto sorted = office();
  sorted.weekly[0] = {{14 * 60, 18 * 60}, {9 * 60, 13 * 60}};
  EXPECT_EQ(normalize_hours(sorted)->weekly[0].front().open, 9 * 60);
}

TEST(Hours, ParsesWhatOwnersType) {
  auto h = parse_hours("Mon-Fri 09:00-18:00; sat 10:00-14:00, sun closed; wed 19:00-21:00");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_FALSE(h->always_open);
  EXPECT_EQ(h->weekly[0], (std::vector<Interval>{{540, 1080}}));
  EXPECT_EQ(h->weekly[2], (std::vector<Interval>{{540, 1080}, {1140, 1260}}));
  EXPECT_EQ(h->weekly[5], (std::vector<Interval>{{600, 840}}));
  EXPECT_TRUE(h->weekly[6].empty());
  auto wrap = parse_hours("fri-mon 20:00-24:00");
  ASSERT_TRUE(wrap);
  EXPECT_EQ(wrap->weekly[0].size(), 1u);
  EXPECT_TRUE(wrap->weekly[1].empty());
  EXPECT_EQ(wrap->weekly[4].front().close, 1440);
  EXPECT_TRUE(parse_hours(" 24/7 ")->always_open);
  for (const char* bad : {"mon-fry 09:00-18:00", "mon 9-18", "mon 18:00-09:00", "mon 09:00-25:00", "monday",
                          "mon 09:00-12:00; mon 11:00-13:00"}) {
    auto r = parse_hours(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::bad_request);
    }
  }
  EXPECT_EQ(parse_holiday("2027-01-01")->day, date::year{2027} / 1 / 1);
  EXPECT_FALSE(parse_holiday("2027-02-30"));
  EXPECT_FALSE(parse_holiday("1.1.2027"));
}

TEST(Hours, JsonRoundTripKeepsEverything) {
  auto h = *parse_hours("mon-fri 09:00-18:00; sat 10:00-14:00");
  h.exceptions.push_back(*parse_holiday("2027-01-01"));
  h.exceptions.push_back({date::year{2026} / 12 / 31, {{540, 780}}});
  h = *normalize_hours(h);
  auto back = hours_from_json(hours_to_json(h));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->weekly, h.weekly);
  ASSERT_EQ(back->exceptions.size(), 2u);
  EXPECT_EQ(back->exceptions[0].day, date::year{2026} / 12 / 31);
  EXPECT_EQ(back->exceptions[0].intervals, (std::vector<Interval>{{540, 780}}));
  EXPECT_TRUE(hours_from_json(R"({"always_open":true})")->always_open);
  EXPECT_FALSE(hours_from_json("[1,2]"));
  EXPECT_FALSE(hours_from_json(R"({"weekly":[[[900,100]]]})")) << "normalised on the way in";
}

// Found by fuzz_hours (server/fuzz): numbers were read with get<int>(), which truncated 540.5, wrapped 4294967836 to
// 540, and cast 1e10 out of range; a day near INT_MAX overflowed inside date's calendar arithmetic (UBSan).
TEST(Hours, JsonRefusesNumbersThatAreNotWholeMinutesOrDays) {
  for (const char* doc : {R"({"weekly":[[[540.5,1080]]]})", R"({"weekly":[[[4294967836,1080]]]})",
                          R"({"weekly":[[[540,1e10]]]})", R"({"weekly":[[["540",1080]]]})",
                          R"({"exceptions":[{"day":2147483000,"intervals":[]}]})",
                          R"({"exceptions":[{"day":1e300,"intervals":[]}]})",
                          R"({"exceptions":[{"day":9223372036854775807,"intervals":[]}]})",
                          R"({"exceptions":[{"day":20819,"intervals":[[600,900.25]]}]})"}) {
    auto h = hours_from_json(doc);
    ASSERT_FALSE(h) << doc;
    EXPECT_EQ(h.error().code, Errc::bad_request);
  }
  auto ok = hours_from_json(R"({"weekly":[[[540,1080]]],"exceptions":[{"day":20819,"intervals":[]}]})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->exceptions.at(0).day, date::year{2027} / 1 / 1);
}

TEST(Hours, FindZone) {
  EXPECT_TRUE(find_zone("Asia/Vladivostok"));
  EXPECT_EQ(find_zone("Mars/Olympus").error().code, Errc::bad_request);
}

}  // namespace
}  // namespace otk

namespace otk {
namespace {

TEST(Hours, BackAtReadsLikeAPersonWouldSayIt) {
  const char* msk = "Europe/Moscow";
  const auto now = at(msk, 2026, 11, 30, 20, 15);  // a Monday evening
  EXPECT_EQ(format_back_at(at(msk, 2026, 11, 30, 21, 5), now, zone(msk), "ru"), "сегодня в 21:05");
  EXPECT_EQ(format_back_at(at(msk, 2026, 12, 1, 9, 0), now, zone(msk), "ru"), "завтра в 9:00");
  EXPECT_EQ(format_back_at(at(msk, 2026, 12, 1, 9, 0), now, zone(msk), "en"), "tomorrow at 9:00");
  EXPECT_EQ(format_back_at(at(msk, 2026, 12, 2, 10, 30), now, zone(msk), "ru"), "в среду в 10:30");
  EXPECT_EQ(format_back_at(at(msk, 2026, 12, 1, 9, 0) + std::chrono::days(0), at(msk, 2026, 11, 29, 9, 0), zone(msk), "ru"),
            "во вторник в 9:00");
  EXPECT_EQ(format_back_at(at(msk, 2026, 12, 4, 9, 0), now, zone(msk), "en"), "on Friday at 9:00");
  EXPECT_EQ(format_back_at(at(msk, 2027, 1, 11, 10, 0), now, zone(msk), "ru"), "11.01 в 10:00");
  EXPECT_EQ(format_back_at(at(msk, 2027, 1, 11, 10, 0), now, zone(msk), "en"), "on 11 Jan at 10:00");
  // The site's zone decides "tomorrow", not UTC: 01:00 in Moscow is still the previous day in UTC.
  EXPECT_EQ(format_back_at(at(msk, 2026, 12, 1, 1, 0), now, zone(msk), "ru"), "завтра в 1:00");
}

}  // namespace
}  // namespace otk
