// Callback slots: the times a visitor may pick to be called back (docs/protocol.md, `callback_slots`). Starts of
// 30-minute slots inside the site's working hours, in its zone, over the next few open days; a handful per day,
// spread over the day, so that the widget shows a short list grouped by day. Pure: the zone is an argument.
#pragma once
#include <vector>

#include "core/hours/hours.hpp"

namespace otk {

struct SlotOptions {
  int slot_minutes = 30;                 // slot starts lie on this grid from each period's opening
  int days = 3;                          // open days offered (today counts when a slot is left today)
  int per_day = 4;                       // at most this many per day: the first, the last, evenly between
  Millis lead{std::chrono::minutes(15)};  // no slot starts sooner than this after now
  int horizon_days = 60;                 // how far ahead to look for open days
};

/// The offered slots, ascending. A slot starts at an opening time or a whole number of slots after it, and the
/// whole slot lies inside the period (a period shorter than a slot offers its opening). Local times that a DST
/// jump skips are not offered; a repeated one is its first occurrence. Always open: every slot of the day.
[[nodiscard]] std::vector<TimePoint> callback_slots(const WorkingHours& hours, const date::time_zone& zone, TimePoint now,
                                                    const SlotOptions& options = {});

/// Whether `at` is one of the slots a visitor could have been offered a moment ago: on the slot grid of an open
/// period, in the future, within the offered days. Checked with the lead waived (the visitor took time to choose).
[[nodiscard]] bool is_offered_slot(const WorkingHours& hours, const date::time_zone& zone, TimePoint now, TimePoint at,
                                   const SlotOptions& options = {});

}  // namespace otk
