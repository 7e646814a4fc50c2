#include "core/hours/slots.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

using namespace std::chrono_literals;

const date::time_zone& zone(const char* name) { return *date::locate_zone(name); }

TimePoint at(const char* tz, int y, unsigned m, unsigned d, int hh, int mm) {
  const auto local = date::local_days{date::year{y} / m / d} + std::chrono::hours(hh) + std::chrono::minutes(mm);
  return std::chrono::time_point_cast<TimePoint::duration>(zone(tz).to_sys(local, date::choose::earliest));
}

WorkingHours office() {  // Monday to Friday 9:00-18:00, Saturday 10:00-14:00, Sunday closed
  WorkingHours h;
  for (int d = 0; d < 5; ++d) h.weekly[d] = {{9 * 60, 18 * 60}};
  h.weekly[5] = {{10 * 60, 14 * 60}};
  return h;
}

std::vector<TimePoint> msk(std::initializer_list<std::array<int, 5>> wall) {
  std::vector<TimePoint> out;
  for (const auto& w : wall) out.push_back(at("Europe/Moscow", w[0], w[1], w[2], w[3], w[4]));
  return out;
}

TEST(Slots, ThreeOpenDaysFourEachSpreadOverTheDay) {
  // Friday 2026-11-27 at 20:00: closed. Next open days: Saturday 10-14, (Sunday closed), Monday, Tuesday.
  const auto now = at("Europe/Moscow", 2026, 11, 27, 20, 0);
  const auto slots = callback_slots(office(), zone("Europe/Moscow"), now);
  EXPECT_EQ(slots, msk({{2026, 11, 28, 10, 0}, {2026, 11, 28, 11, 0}, {2026, 11, 28, 12, 30}, {2026, 11, 28, 13, 30},
                        {2026, 11, 30, 9, 0}, {2026, 11, 30, 12, 0}, {2026, 11, 30, 14, 30}, {2026, 11, 30, 17, 30},
                        {2026, 12, 1, 9, 0}, {2026, 12, 1, 12, 0}, {2026, 12, 1, 14, 30}, {2026, 12, 1, 17, 30}}));
  for (const auto t : slots) EXPECT_TRUE(is_offered_slot(office(), zone("Europe/Moscow"), now, t));
}

TEST(Slots, TodayCountsWhenSlotsAreLeftAfterTheLead) {
  const auto now = at("Europe/Moscow", 2026, 11, 23, 17, 0);  // Monday, open until 18:00
  const auto slots = callback_slots(office(), zone("Europe/Moscow"), now, SlotOptions{30, 1, 4});
  EXPECT_EQ(slots, msk({{2026, 11, 23, 17, 30}}));  // 17:00 is past; 17:30-18:00 is the last whole slot
  const auto late = at("Europe/Moscow", 2026, 11, 23, 17, 20);  // 17:30 is sooner than the 15-minute lead
  EXPECT_EQ(callback_slots(office(), zone("Europe/Moscow"), late, SlotOptions{30, 1, 4}), msk({{2026, 11, 24, 9, 0},
            {2026, 11, 24, 12, 0}, {2026, 11, 24, 14, 30}, {2026, 11, 24, 17, 30}}));
  EXPECT_TRUE(is_offered_slot(office(), zone("Europe/Moscow"), late, at("Europe/Moscow", 2026, 11, 23, 17, 30)))
      << "offered a moment ago: the lead is waived when checking";
}

TEST(Slots, HolidaysAndClosedDaysAreSkipped) {
  auto h = office();
  h.exceptions.push_back(DatedHours{date::year{2026} / 11 / 30, {}});           // Monday: a holiday
  h.exceptions.push_back(DatedHours{date::year{2026} / 12 / 1, {{12 * 60, 13 * 60 + 10}}});  // Tuesday: one short period
  const auto now = at("Europe/Moscow", 2026, 11, 28, 15, 0);  // Saturday after closing
  const SlotOptions two{30, 2, 4};
  const auto slots = callback_slots(h, zone("Europe/Moscow"), now, two);
  // Sunday closed, Monday a holiday; Tuesday 12:00 and 12:30 (12:30-13:00 fits, 13:00-13:30 does not); Wednesday.
  EXPECT_EQ(slots, msk({{2026, 12, 1, 12, 0}, {2026, 12, 1, 12, 30},
                        {2026, 12, 2, 9, 0}, {2026, 12, 2, 12, 0}, {2026, 12, 2, 14, 30}, {2026, 12, 2, 17, 30}}));
  EXPECT_FALSE(is_offered_slot(h, zone("Europe/Moscow"), now, at("Europe/Moscow", 2026, 11, 30, 10, 0), two)) << "the holiday";
  EXPECT_FALSE(is_offered_slot(h, zone("Europe/Moscow"), now, at("Europe/Moscow", 2026, 12, 1, 13, 0), two)) << "does not fit";
  EXPECT_FALSE(is_offered_slot(h, zone("Europe/Moscow"), now, at("Europe/Moscow", 2026, 12, 2, 9, 15), two)) << "off the grid";
  EXPECT_TRUE(is_offered_slot(h, zone("Europe/Moscow"), now, at("Europe/Moscow", 2026, 12, 2, 9, 30), two))
      << "on the grid, though not among the four shown";
  EXPECT_FALSE(is_offered_slot(h, zone("Europe/Moscow"), now, at("Europe/Moscow", 2026, 12, 3, 9, 0), two)) << "a third day";
  EXPECT_FALSE(is_offered_slot(h, zone("Europe/Moscow"), now, now - 1h, two));

  WorkingHours never;  // no open day at all: nothing to offer
  EXPECT_TRUE(callback_slots(never, zone("Europe/Moscow"), now).empty());
}

TEST(Slots, DaylightSavingDaySkipsTheMissingHourAndKeepsWallClockTimes) {
  // Berlin springs forward on Sunday 2026-03-29 at 02:00 (to 03:00); a night shift 01:00-04:00 that day.
  WorkingHours h;
  h.weekly[6] = {{60, 4 * 60}};
  const auto now = at("Europe/Berlin", 2026, 3, 28, 12, 0);
  const auto slots = callback_slots(h, zone("Europe/Berlin"), now, SlotOptions{30, 1, 10});
  std::vector<TimePoint> want;
  for (auto [hh, mm] : {std::pair{1, 0}, {1, 30}, {3, 0}, {3, 30}}) want.push_back(at("Europe/Berlin", 2026, 3, 29, hh, mm));
  EXPECT_EQ(slots, want) << "02:00 and 02:30 do not exist that night";
  // Autumn: 2026-10-25 02:00-03:00 happens twice; each wall time is offered once, at its first occurrence.
  WorkingHours autumn;
  autumn.weekly[6] = {{2 * 60, 3 * 60}};
  const auto a = callback_slots(autumn, zone("Europe/Berlin"), at("Europe/Berlin", 2026, 10, 24, 12, 0), SlotOptions{30, 1, 10});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1] - a[0], 30min);
  EXPECT_EQ(a[0], at("Europe/Berlin", 2026, 10, 25, 2, 0));
  // A normal office day after the change is still 9:00 local.
  const auto mon = callback_slots(office(), zone("Europe/Berlin"), at("Europe/Berlin", 2026, 3, 29, 12, 0), SlotOptions{30, 1, 1});
  EXPECT_EQ(mon, std::vector<TimePoint>{at("Europe/Berlin", 2026, 3, 30, 9, 0)});
}

TEST(Slots, AlwaysOpenOffersTheWholeDay) {
  WorkingHours h;
  h.always_open = true;
  const auto now = at("Europe/Moscow", 2026, 11, 23, 23, 0);
  const auto slots = callback_slots(h, zone("Europe/Moscow"), now, SlotOptions{30, 2, 4});
  // Today: 23:30 only (23:15 is the earliest). Tomorrow: 0:00, 8:00, 15:30, 23:30 of the 48 slots.
  EXPECT_EQ(slots, msk({{2026, 11, 23, 23, 30}, {2026, 11, 24, 0, 0}, {2026, 11, 24, 8, 0}, {2026, 11, 24, 15, 30},
                        {2026, 11, 24, 23, 30}}));
}

}  // namespace
}  // namespace otk
