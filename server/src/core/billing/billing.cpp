#include "core/billing/billing.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

namespace otk {
namespace {

Result<void> check_amount(std::string_view field, const std::optional<Kopecks>& v) {
  if (!v) return {};
  if (*v < 0) return fail(Errc::bad_request, std::string(field) + " must not be negative");
  if (*v > kMaxPlanAmount) {
    return fail(Errc::bad_request, std::string(field) + " must be at most " + std::to_string(kMaxPlanAmount));
  }
  return {};
}

Result<void> check_increment(std::string_view field, std::int64_t v) {
  if (v < 1 || v > kMaxIncrementSeconds) {
    return fail(Errc::bad_request, std::string(field) + " must be 1.." + std::to_string(kMaxIncrementSeconds));
  }
  return {};
}

bool digit(char c) { return c >= '0' && c <= '9'; }

bool valid_month(const std::string& m) {
  if (m.size() != 7 || m[4] != '-' || !std::all_of(m.begin(), m.begin() + 4, digit) || !digit(m[5]) || !digit(m[6])) {
    return false;
  }
  const int month = (m[5] - '0') * 10 + (m[6] - '0');
  return month >= 1 && month <= 12;
}

}  // namespace

Result<BillingPlan> validate_plan(BillingPlan plan) {
  for (auto check : {check_amount("connected_fee", plan.connected_fee), check_amount("per_minute", plan.per_minute),
                     check_amount("unanswered_fee", plan.unanswered_fee),
                     check_increment("rounding.first_seconds", plan.rounding.first_seconds),
                     check_increment("rounding.step_seconds", plan.rounding.step_seconds)}) {
    if (!check) return std::unexpected(check.error());
  }
  return plan;
}

std::int64_t talk_seconds(Millis talk) {
  if (talk <= Millis::zero()) return 0;
  const auto ms = talk.count();
  const auto s = ms / 1000 + (ms % 1000 != 0 ? 1 : 0);  // not (ms + 999) / 1000, which overflows near the top
  return std::min(s, kMaxBilledSeconds);
}

std::int64_t billed_seconds(const Rounding& r, std::int64_t talk_seconds) {
  if (talk_seconds <= 0) return 0;
  if (talk_seconds <= r.first_seconds) return r.first_seconds;
  const auto rest = std::min(talk_seconds, kMaxBilledSeconds) - r.first_seconds;
  return std::min(kMaxBilledSeconds, r.first_seconds + (rest + r.step_seconds - 1) / r.step_seconds * r.step_seconds);
}

Kopecks time_charge(Kopecks per_minute, std::int64_t billed_seconds) {
  // Whole minutes first, so the product stays small; only the last partial minute can leave a fraction.
  const auto minutes = billed_seconds / 60;
  const auto rest = billed_seconds % 60;
  return minutes * per_minute + (rest * per_minute + 59) / 60;
}

bool is_unanswered_attempt(CallStatus s) {
  switch (s) {
    case CallStatus::operator_no_answer:
    case CallStatus::operator_busy:
    case CallStatus::operator_failed:
    case CallStatus::visitor_no_answer:
    case CallStatus::visitor_busy:
    case CallStatus::visitor_unreachable:
    case CallStatus::visitor_rejected:
    case CallStatus::operator_hung_up_early: return true;
    case CallStatus::scheduled:
    case CallStatus::rejected_invalid_number:
    case CallStatus::rejected_fraud_rule:
    case CallStatus::rate_limited:
    case CallStatus::connected:
    case CallStatus::failed_technical: return false;
  }
  return false;
}

Charge charge_call(const BillingPlan& plan, CallStatus status, Millis talk) {
  Charge c;
  if (status == CallStatus::connected) {
    c.amount = plan.connected_fee.value_or(0);
    if (plan.per_minute) {
      c.billed_seconds = billed_seconds(plan.rounding, talk_seconds(talk));
      c.amount += time_charge(*plan.per_minute, c.billed_seconds);
    }
  } else if (is_unanswered_attempt(status)) {
    c.amount = plan.unanswered_fee.value_or(0);
  }
  return c;
}

Result<std::vector<MonthlyTotal>> monthly_statement(std::span<const BilledCall> calls) {
  std::map<std::pair<SiteId, std::string>, MonthlyTotal> totals;  // ordered: the statement's order for free
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const BilledCall& c = calls[i];
    const auto bad = [&](std::string_view what) {
      return fail(Errc::bad_request, "calls[" + std::to_string(i) + "]." + std::string(what));
    };
    if (!c.site) return bad("site is missing");
    if (!valid_month(c.month)) return bad("month must be YYYY-MM");
    if (c.billed_seconds < 0 || c.billed_seconds > kMaxBilledSeconds) return bad("billed_seconds is out of range");
    if (c.amount < 0) return bad("amount must not be negative");
    if (const auto it = totals.find({c.site, c.month});
        it != totals.end() && it->second.amount > std::numeric_limits<Kopecks>::max() - c.amount) {
      return bad("amount overflows its month's total");
    }
    auto [it, fresh] = totals.try_emplace({c.site, c.month});
    MonthlyTotal& t = it->second;
    if (fresh) {
      t.site = c.site;
      t.month = c.month;
    }
    ++t.calls;
    if (c.status == CallStatus::connected) ++t.connected_calls;
    t.billed_seconds += c.billed_seconds;
    t.amount += c.amount;
  }
  std::vector<MonthlyTotal> out;
  out.reserve(totals.size());
  for (auto& [key, t] : totals) {
    t.billed_minutes = (t.billed_seconds + 59) / 60;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace otk
