// What callback calls cost a site: its plan, the charge for one call, and the monthly statement. Money is always
// an integer number of minor units (kopecks); nothing here touches floating point. The charge is computed once,
// when a call ends, under the plan in force then, and stored with the call; the statement only adds stored charges
// up, so a later change of plan never rewrites history. Pure: no I/O. docs/callback.md has worked examples.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "core/callback/call.hpp"

namespace otk {

/// Money in minor units: kopecks for roubles, cents for dollars.
using Kopecks = std::int64_t;

/// The largest amount a plan may name (one million roubles), so that every sum stays far from overflow.
inline constexpr Kopecks kMaxPlanAmount = 100'000'000;
/// The largest rounding increment, in seconds.
inline constexpr std::int64_t kMaxIncrementSeconds = 3600;
/// Talk and billed seconds are capped at this many (about 31 years): more is a bug upstream, but the arithmetic on
/// it stays defined.
inline constexpr std::int64_t kMaxBilledSeconds = 1'000'000'000;

/// How talk seconds become billed seconds: any talk at all is billed at least `first_seconds` (the first increment,
/// or minimum), and every started `step_seconds` after it is billed whole. 60/60 bills started minutes, 30/6 a
/// 30-second minimum then 6-second steps, 1/1 exact seconds.
struct Rounding {
  std::int64_t first_seconds = 60;  // 1..kMaxIncrementSeconds
  std::int64_t step_seconds = 60;   // 1..kMaxIncrementSeconds
  bool operator==(const Rounding&) const = default;
};

/// A site's price list for callback calls. Every part is optional; an empty plan makes every call free.
struct BillingPlan {
  std::optional<Kopecks> connected_fee;   // per connected call, whatever its length
  std::optional<Kopecks> per_minute;      // per billed minute, applied to billed seconds (see time_charge)
  Rounding rounding;                      // used only with per_minute
  std::optional<Kopecks> unanswered_fee;  // per placed call that did not connect; absent: those are free
  bool operator==(const BillingPlan&) const = default;
};

/// Checks a plan: amounts 0..kMaxPlanAmount, increments 1..kMaxIncrementSeconds. Error: bad_request naming the
/// field ("per_minute must not be negative", "rounding.step_seconds must be 1..3600").
[[nodiscard]] Result<BillingPlan> validate_plan(BillingPlan plan);

/// Whole seconds of talk: a started second counts (1 ms is 1 s, 1000 ms is 1 s, 1001 ms is 2 s). Negative is 0.
[[nodiscard]] std::int64_t talk_seconds(Millis talk);

/// Billed seconds for `talk_seconds` of talk: 0 for none, `first` up to `first`, then `first` plus started steps.
/// Capped at kMaxBilledSeconds. Precondition: a validated rounding.
[[nodiscard]] std::int64_t billed_seconds(const Rounding& r, std::int64_t talk_seconds);

/// `per_minute` kopecks a minute for `billed_seconds`: per_minute * billed_seconds / 60, a fractional kopeck rounded
/// up, once per call (5 s at 1 kopeck a minute is 1 kopeck). Precondition: both non-negative, within the limits.
[[nodiscard]] Kopecks time_charge(Kopecks per_minute, std::int64_t billed_seconds);

/// True for a call that was placed (somebody was rung) and did not connect: the operator_* and visitor_*
/// outcomes and operator_hung_up_early. Not for requests never placed (scheduled, rejected_*, rate_limited) and not
/// for failed_technical, which is our fault and never charged.
[[nodiscard]] bool is_unanswered_attempt(CallStatus s);

/// What one call costs.
struct Charge {
  std::int64_t billed_seconds = 0;
  Kopecks amount = 0;
  bool operator==(const Charge&) const = default;
};

/// The charge for a call that ended with `status` after `talk` (talk_time() of the call). Connected: connected_fee
/// plus time_charge(per_minute, billed_seconds(rounding, talk_seconds(talk))) — so a connected call with no talk
/// pays the fee alone. Unanswered attempts: unanswered_fee, no seconds. Anything else: nothing.
/// Precondition: a validated plan.
[[nodiscard]] Charge charge_call(const BillingPlan& plan, CallStatus status, Millis talk);

/// One call as stored for billing. `month` is "YYYY-MM" in the site's time zone, computed by the caller.
struct BilledCall {
  SiteId site;
  std::string month;
  CallStatus status = CallStatus::failed_technical;
  std::int64_t billed_seconds = 0;
  Kopecks amount = 0;
};

/// One line of the statement: a site's month.
struct MonthlyTotal {
  SiteId site;
  std::string month;
  std::int64_t calls = 0;            // every record, placed or not
  std::int64_t connected_calls = 0;  // status connected
  std::int64_t billed_seconds = 0;   // the sum over the month's calls
  std::int64_t billed_minutes = 0;   // billed_seconds / 60 rounded up, for display: amounts are per call, not this
  Kopecks amount = 0;                // the sum of the stored charges
  bool operator==(const MonthlyTotal&) const = default;
};

/// Totals per site and month, ordered by site id then month. Error: bad_request naming the first bad record
/// ("calls[3].month must be YYYY-MM"): a missing site, a malformed month, seconds out of range, a negative
/// amount, or a month whose total would overflow.
[[nodiscard]] Result<std::vector<MonthlyTotal>> monthly_statement(std::span<const BilledCall> calls);

}  // namespace otk
