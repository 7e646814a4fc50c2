#include "core/hours/slots.hpp"

#include <algorithm>

namespace otk {
namespace {

/// Every slot start of one local day, ascending, skipping times a DST jump leaves out.
std::vector<TimePoint> day_slots(const WorkingHours& hours, const date::time_zone& zone, date::local_days day, int slot) {
  static const std::vector<Interval> kAllDay{{0, 1440}};
  const auto& intervals = hours.always_open ? kAllDay : intervals_on(hours, day);
  std::vector<TimePoint> out;
  for (const auto& iv : intervals) {
    for (int m = iv.open; m < iv.close && (m == iv.open || m + slot <= iv.close); m += slot) {
      const auto local = date::local_seconds{day} + std::chrono::minutes(m);
      const auto info = zone.get_info(local);
      if (info.result == date::local_info::nonexistent) continue;
      const auto sys = zone.to_sys(local, date::choose::earliest);
      out.push_back(std::chrono::time_point_cast<TimePoint::duration>(sys));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Up to k of n items: the first, the last and evenly between.
std::vector<TimePoint> spread(const std::vector<TimePoint>& all, int k) {
  if (k <= 0) return {};
  if (static_cast<int>(all.size()) <= k) return all;
  if (k == 1) return {all.front()};
  std::vector<TimePoint> out;
  const auto n = all.size();
  for (int i = 0; i < k; ++i) out.push_back(all[(i * (n - 1) + (k - 1) / 2) / (k - 1)]);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// The open days from now on (slots after `earliest` only), each with every slot start, at most options.days.
std::vector<std::vector<TimePoint>> open_days(const WorkingHours& hours, const date::time_zone& zone, TimePoint now,
                                              TimePoint earliest, const SlotOptions& o) {
  std::vector<std::vector<TimePoint>> days;
  if (o.slot_minutes < 1 || o.days < 1) return days;
  const auto today = date::floor<date::days>(zone.to_local(now));
  for (int d = 0; d <= o.horizon_days && static_cast<int>(days.size()) < o.days; ++d) {
    auto slots = day_slots(hours, zone, today + date::days(d), o.slot_minutes);
    std::erase_if(slots, [&](TimePoint t) { return t < earliest; });
    if (!slots.empty()) days.push_back(std::move(slots));
  }
  return days;
}

}  // namespace

std::vector<TimePoint> callback_slots(const WorkingHours& hours, const date::time_zone& zone, TimePoint now,
                                      const SlotOptions& options) {
  std::vector<TimePoint> out;
  for (const auto& day : open_days(hours, zone, now, now + options.lead, options)) {
    const auto picked = spread(day, options.per_day);
    out.insert(out.end(), picked.begin(), picked.end());
  }
  return out;
}

bool is_offered_slot(const WorkingHours& hours, const date::time_zone& zone, TimePoint now, TimePoint at,
                     const SlotOptions& options) {
  if (at <= now) return false;
  for (const auto& day : open_days(hours, zone, now, now, options)) {
    if (std::binary_search(day.begin(), day.end(), at)) return true;
  }
  return false;
}

}  // namespace otk
