// Working hours of a site: a weekly schedule in the site's time zone, with dated exceptions (a holiday is an
// exception with no intervals) and "24/7". Everything is wall-clock time in the site's zone, so "9:00" stays
// 9:00 across daylight-saving changes. Pure: the zone is an argument (loaded at the edge from the OS tzdb).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <date/tz.h>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace otk {

/// Minutes after local midnight, [open, close). close may be 1440 (midnight); a period over midnight is two
/// intervals on two days, and the days join: open 22:00-24:00 and 00:00-02:00 is one evening.
struct Interval {
  int open = 0;
  int close = 0;
  constexpr auto operator<=>(const Interval&) const = default;
};

struct DatedHours {
  date::year_month_day day;
  std::vector<Interval> intervals;  // empty: closed all day (a holiday)
};

struct WorkingHours {
  bool always_open = false;
  std::array<std::vector<Interval>, 7> weekly;  // [0] = Monday ... [6] = Sunday
  std::vector<DatedHours> exceptions;           // win over the weekly schedule on their day
};

/// Sorts intervals and checks them: 0 <= open < close <= 1440, no overlaps, one exception per day.
/// Error: bad_request naming the day.
[[nodiscard]] Result<WorkingHours> normalize_hours(WorkingHours hours);

/// The intervals that apply on a local day (an exception's, else the weekday's).
[[nodiscard]] const std::vector<Interval>& intervals_on(const WorkingHours& hours, date::local_days day);

[[nodiscard]] bool is_open(const WorkingHours& hours, const date::time_zone& zone, TimePoint t);

/// `from` itself when open; else the start of the next open period within a year; nullopt if there is none.
/// An opening time that does not exist that day (skipped by a DST jump) opens at the jump.
[[nodiscard]] std::optional<TimePoint> next_open(const WorkingHours& hours, const date::time_zone& zone, TimePoint from);

/// When the open period containing t ends (following periods that join across midnight, up to a week);
/// nullopt when closed at t or always open.
[[nodiscard]] std::optional<TimePoint> closes_at(const WorkingHours& hours, const date::time_zone& zone, TimePoint t);

/// Reads what an owner types: "24/7", or periods separated by ';' or ',' such as
/// "mon-fri 09:00-18:00; sat 10:00-14:00; sun closed" (days: mon tue wed thu fri sat sun, ranges wrap:
/// "fri-mon"; a day may have several periods). Days not named are closed. Error: bad_request naming the part.
[[nodiscard]] Result<WorkingHours> parse_hours(std::string_view spec);
/// "2027-01-01" as a holiday (closed all day). Error: bad_request.
[[nodiscard]] Result<DatedHours> parse_holiday(std::string_view day);
/// JSON text for storage and back; the reader refuses a malformed document with bad_request.
[[nodiscard]] std::string hours_to_json(const WorkingHours& hours);
[[nodiscard]] Result<WorkingHours> hours_from_json(std::string_view text);

/// The zone by IANA name from the OS database. Error: bad_request.
[[nodiscard]] Result<const date::time_zone*> find_zone(const std::string& name);

}  // namespace otk

namespace otk {

/// When the team is back, as a person says it in the site's zone, relative to `now`: "сегодня в 18:00",
/// "завтра в 9:00", "в понедельник в 9:00", "12.01 в 10:00" (more than a week ahead); English: "today at 18:00",
/// "tomorrow at 9:00", "on Monday at 9:00", "on 12 Jan at 10:00". `language` "en" is English, anything else Russian.
[[nodiscard]] std::string format_back_at(TimePoint at, TimePoint now, const date::time_zone& zone,
                                         std::string_view language);

}  // namespace otk
