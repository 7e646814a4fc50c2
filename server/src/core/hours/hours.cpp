#include "core/hours/hours.hpp"

#include <algorithm>

namespace otk {
namespace {

constexpr int kDayMinutes = 24 * 60;
constexpr int kHorizonDays = 400;  // a year and a bit: far enough for an annual holiday season

int weekday_index(date::local_days day) {
  return static_cast<int>(date::weekday(day).iso_encoding()) - 1;  // Monday = 0
}

std::string day_name(const date::year_month_day& d) {
  return std::to_string(static_cast<int>(d.year())) + "-" + std::to_string(static_cast<unsigned>(d.month())) + "-" +
         std::to_string(static_cast<unsigned>(d.day()));
}

Result<void> check(std::vector<Interval>& v, const std::string& where) {
  std::ranges::sort(v);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i].open < 0 || v[i].close > kDayMinutes || v[i].open >= v[i].close) {
      return fail(Errc::bad_request, where + ": a period must open before it closes, within 00:00-24:00");
    }
    if (i > 0 && v[i].open < v[i - 1].close) return fail(Errc::bad_request, where + ": periods overlap");
  }
  return {};
}

/// Local wall time to UTC: a time skipped by a DST jump maps to the jump, a repeated one to its first pass.
TimePoint to_sys(const date::time_zone& zone, date::local_time<std::chrono::minutes> local) {
  return std::chrono::time_point_cast<TimePoint::duration>(zone.to_sys(local, date::choose::earliest));
}

date::local_time<std::chrono::minutes> local_minutes(const date::time_zone& zone, TimePoint t) {
  return std::chrono::floor<std::chrono::minutes>(zone.to_local(t));
}

}  // namespace

Result<WorkingHours> normalize_hours(WorkingHours hours) {
  static constexpr const char* kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  for (int d = 0; d < 7; ++d) {
    if (auto r = check(hours.weekly[d], kDays[d]); !r) return std::unexpected(r.error());
  }
  std::ranges::sort(hours.exceptions, {}, [](const DatedHours& e) { return date::sys_days(e.day); });
  for (std::size_t i = 0; i < hours.exceptions.size(); ++i) {
    auto& e = hours.exceptions[i];
    if (!e.day.ok()) return fail(Errc::bad_request, "an exception has an impossible date");
    if (i > 0 && hours.exceptions[i - 1].day == e.day) {
      return fail(Errc::bad_request, day_name(e.day) + ": two exceptions for one day");
    }
    if (auto r = check(e.intervals, day_name(e.day)); !r) return std::unexpected(r.error());
  }
  return hours;
}

const std::vector<Interval>& intervals_on(const WorkingHours& hours, date::local_days day) {
  const date::year_month_day ymd{day};
  auto it = std::ranges::lower_bound(hours.exceptions, date::sys_days(ymd), {},
                                     [](const DatedHours& e) { return date::sys_days(e.day); });
  if (it != hours.exceptions.end() && it->day == ymd) return it->intervals;
  return hours.weekly[weekday_index(day)];
}

bool is_open(const WorkingHours& hours, const date::time_zone& zone, TimePoint t) {
  if (hours.always_open) return true;
  const auto local = local_minutes(zone, t);
  const auto day = std::chrono::floor<date::days>(local);
  const int minute = static_cast<int>((local - day).count());
  return std::ranges::any_of(intervals_on(hours, day),
                             [minute](const Interval& i) { return i.open <= minute && minute < i.close; });
}

std::optional<TimePoint> next_open(const WorkingHours& hours, const date::time_zone& zone, TimePoint from) {
  if (is_open(hours, zone, from)) return from;
  const auto first = std::chrono::floor<date::days>(local_minutes(zone, from));
  for (int n = 0; n < kHorizonDays; ++n) {
    const auto day = first + date::days(n);
    for (const auto& i : intervals_on(hours, day)) {
      const auto start = to_sys(zone, day + std::chrono::minutes(i.open));
      const auto end = to_sys(zone, day + std::chrono::minutes(i.close));
      if (end > from && start >= from) return start;
      if (end > from) return from;  // only around a DST jump: the period began in the repeated or skipped hour
    }
  }
  return std::nullopt;
}

std::optional<TimePoint> closes_at(const WorkingHours& hours, const date::time_zone& zone, TimePoint t) {
  if (hours.always_open || !is_open(hours, zone, t)) return std::nullopt;
  const auto local = local_minutes(zone, t);
  auto day = std::chrono::floor<date::days>(local);
  int minute = static_cast<int>((local - day).count());
  for (int n = 0; n < 7; ++n) {
    const auto& list = intervals_on(hours, day);
    auto it = std::ranges::find_if(list, [minute](const Interval& i) { return i.open <= minute && minute < i.close; });
    if (it == list.end()) break;
    if (it->close < kDayMinutes) return to_sys(zone, day + std::chrono::minutes(it->close));
    // Open until midnight: the period goes on if the next day opens at 00:00.
    day += date::days(1);
    minute = 0;
    const auto& next = intervals_on(hours, day);
    if (next.empty() || next.front().open != 0) return to_sys(zone, day);
  }
  return to_sys(zone, day);
}

Result<const date::time_zone*> find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return fail(Errc::bad_request, "unknown time zone '" + name + "'");
  }
}

}  // namespace otk
