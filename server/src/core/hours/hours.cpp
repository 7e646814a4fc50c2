#include "core/hours/hours.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

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

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> day_index(std::string_view s) {
  static constexpr std::string_view kNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 7; ++i) {
    if (s == kNames[i]) return i;
  }
  return std::nullopt;
}

std::optional<int> minutes_of(std::string_view hhmm) {  // "09:00", "24:00"
  if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
  int h = 0, m = 0;
  if (std::from_chars(hhmm.data(), hhmm.data() + 2, h).ptr != hhmm.data() + 2) return std::nullopt;
  if (std::from_chars(hhmm.data() + 3, hhmm.data() + 5, m).ptr != hhmm.data() + 5) return std::nullopt;
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

Result<WorkingHours> parse_hours(std::string_view spec) {
  std::string lowered(trim(spec));
  std::ranges::transform(lowered, lowered.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  WorkingHours h;
  if (lowered == "24/7") {
    h.always_open = true;
    return h;
  }
  std::string_view rest = lowered;
  while (!rest.empty()) {
    const auto end = rest.find_first_of(";,");
    const auto part = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (part.empty()) continue;
    const auto bad = [&](const char* why) { return fail(Errc::bad_request, "hours '" + std::string(part) + "': " + why); };
    const auto space = part.find(' ');
    if (space == std::string_view::npos) return bad("write days, then a period: \"mon-fri 09:00-18:00\"");
    const auto days = part.substr(0, space);
    const auto period = trim(part.substr(space + 1));
    const auto dash = days.find('-');
    const auto first = day_index(days.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : day_index(days.substr(dash + 1));
    if (!first || !last) return bad("days are mon, tue, wed, thu, fri, sat, sun");
    std::vector<int> which;
    for (int d = *first;; d = (d + 1) % 7) {
      which.push_back(d);
      if (d == *last) break;
    }
    if (period == "closed") continue;
    const auto pdash = period.find('-');
    const auto open = minutes_of(period.substr(0, pdash));
    const auto close = pdash == std::string_view::npos ? std::nullopt : minutes_of(period.substr(pdash + 1));
    if (!open || !close) return bad("a period is HH:MM-HH:MM, e.g. 09:00-18:00");
    for (int d : which) h.weekly[d].push_back(Interval{*open, *close});
  }
  return normalize_hours(std::move(h));
}

Result<DatedHours> parse_holiday(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  const auto s = trim(text);
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || std::from_chars(s.data(), s.data() + 4, y).ptr != s.data() + 4 ||
      std::from_chars(s.data() + 5, s.data() + 7, m).ptr != s.data() + 7 ||
      std::from_chars(s.data() + 8, s.data() + 10, d).ptr != s.data() + 10) {
    return fail(Errc::bad_request, "holiday '" + std::string(s) + "': write it as YYYY-MM-DD");
  }
  const date::year_month_day day{date::year{y}, date::month{m}, date::day{d}};
  if (!day.ok()) return fail(Errc::bad_request, "holiday '" + std::string(s) + "' is not a date");
  return DatedHours{day, {}};
}

std::string hours_to_json(const WorkingHours& h) {
  using nlohmann::json;
  json weekly = json::array();
  for (const auto& day : h.weekly) {
    json list = json::array();
    for (const auto& i : day) list.push_back(json::array({i.open, i.close}));
    weekly.push_back(std::move(list));
  }
  json exceptions = json::array();
  for (const auto& e : h.exceptions) {
    json list = json::array();
    for (const auto& i : e.intervals) list.push_back(json::array({i.open, i.close}));
    exceptions.push_back(json{{"day", static_cast<std::int64_t>(date::sys_days(e.day).time_since_epoch().count())},
                              {"intervals", std::move(list)}});
  }
  return json{{"always_open", h.always_open}, {"weekly", std::move(weekly)}, {"exceptions", std::move(exceptions)}}
      .dump();
}

namespace {

/// A whole number in [lo, hi]. Not get<int>(): that truncates 540.5, wraps 4294967836 to 540 and, for 1e10, casts
/// out of range (undefined behaviour).
std::optional<std::int64_t> whole(const nlohmann::json& v, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) return std::nullopt;
  const auto n = v.get<std::int64_t>();
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

/// [open, close] as stored; normalize_hours() then checks that they make a period.
std::optional<Interval> interval_of(const nlohmann::json& i) {
  constexpr std::int64_t kLimit = std::numeric_limits<int>::max();
  const auto open = whole(i.at(0), -kLimit, kLimit);
  const auto close = whole(i.at(1), -kLimit, kLimit);
  if (!open || !close) return std::nullopt;
  return Interval{static_cast<int>(*open), static_cast<int>(*close)};
}

/// Days since the epoch that name a date of date::year's range (-32767..32767); a day outside it would overflow
/// inside date's calendar arithmetic.
std::optional<date::year_month_day> day_of(const nlohmann::json& v) {
  static const auto first = date::sys_days(date::year::min() / date::January / 1).time_since_epoch().count();
  static const auto last = date::sys_days(date::year::max() / date::December / 31).time_since_epoch().count();
  const auto n = whole(v, first, last);
  if (!n) return std::nullopt;
  return date::year_month_day{date::sys_days{date::days{static_cast<int>(*n)}}};
}

}  // namespace

Result<WorkingHours> hours_from_json(std::string_view text) {
  using nlohmann::json;
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::bad_request, "stored hours are not a JSON object");
  const auto malformed = [](const char* what) { return fail(Errc::bad_request, std::string("stored hours are malformed: ") + what); };
  WorkingHours h;
  try {
    h.always_open = j.value("always_open", false);
    if (j.contains("weekly")) {
      const auto& w = j.at("weekly");
      for (std::size_t d = 0; d < 7 && d < w.size(); ++d) {
        for (const auto& i : w.at(d)) {
          const auto interval = interval_of(i);
          if (!interval) return malformed("a period is not two whole numbers of minutes");
          h.weekly[d].push_back(*interval);
        }
      }
    }
    if (j.contains("exceptions")) {
      for (const auto& e : j.at("exceptions")) {
        const auto day = day_of(e.at("day"));
        if (!day) return malformed("an exception's day is not a whole number of days of a possible date");
        DatedHours dh{*day, {}};
        for (const auto& i : e.at("intervals")) {
          const auto interval = interval_of(i);
          if (!interval) return malformed("a period is not two whole numbers of minutes");
          dh.intervals.push_back(*interval);
        }
        h.exceptions.push_back(std::move(dh));
      }
    }
  } catch (const json::exception& e) {
    return fail(Errc::bad_request, std::string("stored hours are malformed: ") + e.what());
  }
  return normalize_hours(std::move(h));
}

Result<const date::time_zone*> find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return fail(Errc::bad_request, "unknown time zone '" + name + "'");
  }
}

}  // namespace otk

namespace otk {

std::string format_back_at(TimePoint at, TimePoint now, const date::time_zone& zone, std::string_view language) {
  const bool en = language == "en";
  const auto local = zone.to_local(date::floor<std::chrono::minutes>(at));
  const auto day = date::floor<date::days>(local);
  const auto today = date::floor<date::days>(zone.to_local(now));
  const date::hh_mm_ss hms{local - day};
  const std::string clock = std::to_string(hms.hours().count()) + ":" +
                            (hms.minutes().count() < 10 ? "0" : "") + std::to_string(hms.minutes().count());
  const auto ahead = (day - today).count();
  if (ahead <= 0) return (en ? "today at " : "сегодня в ") + clock;
  if (ahead == 1) return (en ? "tomorrow at " : "завтра в ") + clock;
  const unsigned wd = date::weekday{day}.iso_encoding() - 1;  // 0 = Monday
  if (ahead < 7) {
    // Russian takes the accusative after "в"/"во": "в среду", "во вторник".
    static constexpr const char* kRu[] = {"в понедельник", "во вторник", "в среду", "в четверг",
                                          "в пятницу",     "в субботу",  "в воскресенье"};
    static constexpr const char* kEn[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    return en ? std::string("on ") + kEn[wd] + " at " + clock : std::string(kRu[wd]) + " в " + clock;
  }
  const date::year_month_day ymd{day};
  const unsigned d = static_cast<unsigned>(ymd.day());
  const unsigned m = static_cast<unsigned>(ymd.month());
  if (en) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return "on " + std::to_string(d) + " " + kMonths[m - 1] + " at " + clock;
  }
  return (d < 10 ? "0" : "") + std::to_string(d) + "." + (m < 10 ? "0" : "") + std::to_string(m) + " в " + clock;
}

}  // namespace otk
