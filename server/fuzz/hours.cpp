// core/hours/hours.hpp: working hours as an owner types them (parse_hours, parse_holiday) and as storage keeps them
// (hours_from_json). An accepted schedule reads back from its JSON unchanged, and the clock questions the widget
// asks (open now? opens when? closes when?) are answered in two zones, one with daylight saving.
#include "core/hours/hours.hpp"
#include "fuzz.hpp"

using namespace otk;

namespace {

void ask(const WorkingHours& h) {
  static const date::time_zone* zones[] = {*find_zone("Europe/Berlin"), *find_zone("Asia/Vladivostok")};
  // A Wednesday noon, and the night Berlin springs forward (2027-03-28 01:30 UTC).
  static const TimePoint instants[] = {from_unix_ms(1'800'000'000'000), from_unix_ms(1'806'197'400'000)};
  for (const auto* zone : zones) {
    for (const auto t : instants) {
      const bool open = is_open(h, *zone, t);
      if (const auto next = next_open(h, *zone, t)) {
        OTK_FUZZ_CHECK(*next >= t);
        OTK_FUZZ_CHECK(!open || *next == t);
        (void)format_back_at(*next, t, *zone, "ru");
      } else {
        OTK_FUZZ_CHECK(!open);
      }
      if (const auto closes = closes_at(h, *zone, t)) OTK_FUZZ_CHECK(open && *closes > t);
    }
  }
}

void accepted(const WorkingHours& h) {
  const auto doc = hours_to_json(h);
  auto again = hours_from_json(doc);
  OTK_FUZZ_CHECK(again.has_value());
  OTK_FUZZ_CHECK(hours_to_json(*again) == doc);
  ask(h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  if (auto h = parse_hours(text)) accepted(*h);
  if (auto h = hours_from_json(text)) accepted(*h);
  if (auto d = parse_holiday(text)) OTK_FUZZ_CHECK(d->day.ok() && d->intervals.empty());
  return 0;
}
