// Time is a port: production code asks a Clock, tests inject a ManualClock. core/ never reads the clock;
// it takes TimePoint arguments.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace otk {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

inline std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline TimePoint from_unix_ms(std::int64_t ms) { return TimePoint(Millis(ms)); }

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return std::chrono::system_clock::now(); }
};

/// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = from_unix_ms(1'800'000'000'000)) : ms_(to_unix_ms(start)) {}
  [[nodiscard]] TimePoint now() const override { return from_unix_ms(ms_.load()); }
  void advance(Millis d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace otk
