#include "core/callback/fraud.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

namespace otk {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = from_unix_ms(1'800'000'000'000);

FraudPolicy policy() {
  auto p = validate(default_fraud_policy("RU"));
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : FraudPolicy{};
}

CallbackAttempt attempt(std::string e164 = "+79161234567", std::string region = "RU",
                        PhoneType type = PhoneType::mobile) {
  CallbackAttempt a;
  a.number = {std::move(e164), std::move(region), type, false};
  a.ip = "203.0.113.7";
  a.browser_id = "browser-1";
  a.time_on_page = 20s;
  return a;
}

/// "allowed", or the name of the rule that fired: failures read like the log line.
std::string check(const FraudPolicy& p, const CallbackAttempt& a, const FraudHistory& h = {}, TimePoint now = kNow) {
  const auto v = check_callback(p, a, h, now);
  return v.allowed() ? "allowed" : std::string(fraud_rule_name(v.refusal->rule));
}

std::string check(const CallbackAttempt& a, const FraudHistory& h = {}) { return check(policy(), a, h); }
std::string check(const FraudHistory& h) { return check(policy(), attempt(), h); }

/// The validation message for a policy, or "ok".
std::string invalid(const FraudPolicy& p) {
  auto r = validate(p);
  if (r) return "ok";
  EXPECT_EQ(r.error().code, Errc::bad_request);
  return r.error().message;
}

std::vector<TimePoint> times(std::initializer_list<Millis> ages) {
  std::vector<TimePoint> out;
  for (auto age : ages) out.push_back(kNow - age);
  return out;
}

std::vector<NumberRequest> requests(std::initializer_list<std::pair<const char*, Millis>> list) {
  std::vector<NumberRequest> out;
  for (const auto& [n, age] : list) out.push_back({n, kNow - age});
  return out;
}

// ---- defaults and validation ----

TEST(FraudPolicy, Defaults) {
  const auto p = default_fraud_policy("ru");
  EXPECT_EQ(p.allowed_regions, std::vector<std::string>{"RU"});
  EXPECT_FALSE(p.allow_voip);
  EXPECT_TRUE(p.denied_prefixes.empty());
  EXPECT_TRUE(p.blocked_numbers.empty() && p.blocked_prefixes.empty() && p.blocked_ips.empty());
  EXPECT_EQ(p.min_time_on_page, 3s);
  EXPECT_EQ(p.number_per_5_minutes, 1);
  EXPECT_EQ(p.number_per_hour, 3);
  EXPECT_EQ(p.number_per_day, 5);
  EXPECT_EQ(p.ip_numbers_per_hour, 3);
  EXPECT_EQ(p.ip_numbers_per_day, 4);
  EXPECT_EQ(p.browser_numbers_per_hour, 3);
  EXPECT_EQ(p.browser_numbers_per_day, 4);
  EXPECT_EQ(p.site_concurrent_calls, 5);
  EXPECT_EQ(p.site_calls_per_minute, 10);
  EXPECT_EQ(p.site_daily_minutes, 300);
  EXPECT_EQ(p.site_monthly_minutes, 3000);
  EXPECT_EQ(p.site_daily_spend, 0);
  EXPECT_EQ(p.site_monthly_spend, 0);
  EXPECT_EQ(invalid(p), "ok");
}

TEST(FraudPolicy, ValidateNormalisesLists) {
  auto p = default_fraud_policy("RU");
  p.allowed_regions = {"kz", "RU", "Kz"};
  p.blocked_numbers = {"+79161234567", "+74951234567", "+79161234567"};
  p.blocked_ips = {"203.0.113.0/24", "2001:db8::/32", "203.0.113.0/24"};
  auto v = validate(p);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->allowed_regions, (std::vector<std::string>{"KZ", "RU"}));
  EXPECT_EQ(v->blocked_numbers, (std::vector<std::string>{"+74951234567", "+79161234567"}));
  EXPECT_EQ(v->blocked_ips.size(), 2u);
}

TEST(FraudPolicy, ValidateNamesTheBadField) {
  const auto base = default_fraud_policy("RU");
  auto with = [&](auto change) {
    auto p = base;
    change(p);
    return invalid(p);
  };
  EXPECT_EQ(with([](auto& p) { p.allowed_regions.clear(); }),
            "allowed_regions: at least one region (\"*\" for any)");
  for (const char* r : {"RUS", "R", "001", "R1", "", "**"}) {
    EXPECT_EQ(with([&](auto& p) { p.allowed_regions = {r}; }),
              "allowed_regions: \"" + std::string(r) + "\" is not an ISO 3166 alpha-2 region or \"*\"");
  }
  EXPECT_EQ(with([](auto& p) { p.allowed_regions = {"*"}; }), "ok");
  for (const char* bad : {"7809", "+", "+0", "+7 809", "+1234567890123456", "+78O9"}) {
    EXPECT_EQ(with([&](auto& p) { p.denied_prefixes = {bad}; }),
              "denied_prefixes: \"" + std::string(bad) + "\" is not an E.164 prefix like \"+7809\"");
    EXPECT_EQ(with([&](auto& p) { p.blocked_prefixes = {bad}; }),
              "blocked_prefixes: \"" + std::string(bad) + "\" is not an E.164 prefix like \"+7809\"");
  }
  EXPECT_EQ(with([](auto& p) { p.denied_prefixes = {"+7", "+123456789012345"}; }), "ok");
  for (const char* bad : {"+791", "79161234567", "+7916123456789012", "+0916123"}) {
    EXPECT_EQ(with([&](auto& p) { p.blocked_numbers = {bad}; }),
              "blocked_numbers: \"" + std::string(bad) + "\" is not an E.164 number like \"+79161234567\"");
  }
  EXPECT_EQ(with([](auto& p) { p.blocked_numbers = {"+7916", "+791612345678901"}; }), "ok");
  for (const char* bad : {"300.1.1.1", "1.2.3.4/33", "::1/129", "1.2.3.4/", "1.2.3.4/-1", "host.example", "",
                          "1.2.3.4/0024"}) {
    EXPECT_EQ(with([&](auto& p) { p.blocked_ips = {bad}; }),
              "blocked_ips: \"" + std::string(bad) + "\" is not an IP address or CIDR network");
  }
  EXPECT_EQ(with([](auto& p) { p.blocked_ips = {"0.0.0.0/0", "::/0", "::ffff:1.2.3.4", "1.2.3.4/32"}; }), "ok");
  EXPECT_EQ(with([](auto& p) { p.blocked_numbers.assign(10'001, "+79161234567"); }),
            "blocked_numbers: at most 10000 entries");

  EXPECT_EQ(with([](auto& p) { p.min_time_on_page = -1ms; }), "min_time_on_page: must be 0..60 s");
  EXPECT_EQ(with([](auto& p) { p.min_time_on_page = 60'001ms; }), "min_time_on_page: must be 0..60 s");
  EXPECT_EQ(with([](auto& p) { p.min_time_on_page = 60s; }), "ok");
  EXPECT_EQ(with([](auto& p) { p.min_time_on_page = 0s; }), "ok");

  EXPECT_EQ(with([](auto& p) { p.number_per_5_minutes = -1; }), "number_per_5_minutes: must be 0..1000");
  EXPECT_EQ(with([](auto& p) { p.number_per_hour = 1001; }), "number_per_hour: must be 0..1000");
  EXPECT_EQ(with([](auto& p) { p.number_per_day = 0; }), "number_per_day: must be 1..1000");
  EXPECT_EQ(with([](auto& p) { p.ip_numbers_per_hour = -1; }), "ip_numbers_per_hour: must be 0..1000");
  EXPECT_EQ(with([](auto& p) { p.ip_numbers_per_day = 1001; }), "ip_numbers_per_day: must be 0..1000");
  EXPECT_EQ(with([](auto& p) { p.browser_numbers_per_hour = -1; }), "browser_numbers_per_hour: must be 0..1000");
  EXPECT_EQ(with([](auto& p) { p.browser_numbers_per_day = -1; }), "browser_numbers_per_day: must be 0..1000");
  EXPECT_EQ(with([](auto& p) { p.site_concurrent_calls = 0; }), "site_concurrent_calls: must be 1..1000");
  EXPECT_EQ(with([](auto& p) { p.site_calls_per_minute = 10'001; }), "site_calls_per_minute: must be 0..10000");
  EXPECT_EQ(with([](auto& p) { p.site_daily_minutes = -1; }), "site_daily_minutes: must be 0..1440000");
  EXPECT_EQ(with([](auto& p) { p.site_monthly_minutes = 44'640'001; }),
            "site_monthly_minutes: must be 0..44640000");
  EXPECT_EQ(with([](auto& p) { p.site_daily_spend = -1; }), "site_daily_spend: must be 0..10000000000");
  EXPECT_EQ(with([](auto& p) { p.site_monthly_spend = 10'000'000'001; }),
            "site_monthly_spend: must be 0..10000000000");
  // Every switch that may be off, off at once.
  EXPECT_EQ(with([](auto& p) {
              p.min_time_on_page = 0s;
              p.number_per_5_minutes = p.number_per_hour = 0;
              p.ip_numbers_per_hour = p.ip_numbers_per_day = p.browser_numbers_per_hour = p.browser_numbers_per_day = 0;
              p.site_calls_per_minute = 0;
              p.site_daily_minutes = p.site_monthly_minutes = p.site_daily_spend = p.site_monthly_spend = 0;
            }),
            "ok");
}

// ---- the form ----

TEST(CheckNumber, OnlyTheNumbersOwnRulesAnswerWhileTheVisitorTypes) {
  const auto p = policy();
  EXPECT_FALSE(check_number(p, attempt().number));
  const auto toll_free = check_number(p, attempt("+78001234567", "RU", PhoneType::toll_free).number);
  ASSERT_TRUE(toll_free);
  EXPECT_EQ(toll_free->rule, FraudRule::number_type_not_allowed);
  EXPECT_EQ(check_number(p, attempt("+88212345678", "001", PhoneType::mobile).number)->rule,
            FraudRule::non_geographic_number);
  EXPECT_EQ(check_number(p, attempt("+447400123456", "GB").number)->rule, FraudRule::region_not_allowed);
  // A number the rate limits would refuse is still a fine number to type: check_number knows no history.
  FraudHistory busy;
  busy.number_requests = times({1min, 2min, 3min, 4min, 5min, 6min});
  EXPECT_NE(check(busy), "allowed");
  EXPECT_FALSE(check_number(p, attempt().number));
}

TEST(CheckCallback, AnOrdinaryRequestIsAllowed) {
  const auto v = check_callback(policy(), attempt(), {}, kNow);
  EXPECT_TRUE(v.allowed());
  EXPECT_FALSE(v.refusal.has_value());
}

TEST(CheckCallback, Honeypot) {
  auto a = attempt();
  a.honeypot_filled = true;
  const auto v = check_callback(policy(), a, {}, kNow);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::honeypot_filled, CallStatus::rejected_fraud_rule,
                                 MessageKey::request_refused, false}));
}

TEST(CheckCallback, TimeOnPage) {
  auto a = attempt();
  a.time_on_page = 2'999ms;
  EXPECT_EQ(check(a), "filled_too_fast");
  EXPECT_EQ(check_callback(policy(), a, {}, kNow).refusal->status, CallStatus::rejected_fraud_rule);
  a.time_on_page = 3'000ms;
  EXPECT_EQ(check(a), "allowed");
  a.time_on_page = 0ms;
  auto p = policy();
  p.min_time_on_page = 0s;  // disabled
  EXPECT_EQ(check(p, a), "allowed");
}

TEST(CanonicalAddress, OneSpellingPerAddress) {
  EXPECT_EQ(canonical_address("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(canonical_address("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(canonical_address("2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical_address("999.1.1.1"), std::nullopt);
  EXPECT_EQ(canonical_address("203.0.113.0/24"), std::nullopt);
  EXPECT_EQ(canonical_address(""), std::nullopt);
}

// A request with no page behind it (the REST API): no page time to measure, so that rule is skipped — and only it.
TEST(CheckCallback, NoPageSkipsOnlyThePageTimeRule) {
  auto a = attempt();
  a.time_on_page = std::nullopt;
  EXPECT_EQ(check(a), "allowed");
  a.honeypot_filled = true;
  EXPECT_EQ(check(a), "honeypot_filled");
  a.honeypot_filled = false;
  a.ip = "";
  a.browser_id = "";
  FraudHistory h;
  h.number_requests = {kNow - 1min};
  EXPECT_EQ(check(a, h), "number_per_5_minutes");
}

// ---- the number ----

TEST(CheckCallback, OnlyPersonalLineTypesPass) {
  const std::set<PhoneType> pass = {PhoneType::fixed_line, PhoneType::mobile, PhoneType::fixed_line_or_mobile};
  for (std::size_t i = 0; i < kPhoneTypeCount; ++i) {
    const auto t = static_cast<PhoneType>(i);
    const auto got = check(attempt("+79161234567", "RU", t));
    if (pass.contains(t)) {
      EXPECT_EQ(got, "allowed") << phone_type_name(t);
    } else if (t == PhoneType::unknown) {
      EXPECT_EQ(got, "unknown_number_type");
    } else {
      EXPECT_EQ(got, "number_type_not_allowed") << phone_type_name(t);
    }
  }
  auto p = policy();
  p.allow_voip = true;
  EXPECT_EQ(check(p, attempt("+79161234567", "RU", PhoneType::voip)), "allowed");
  EXPECT_EQ(check(p, attempt("+79161234567", "RU", PhoneType::premium_rate)), "number_type_not_allowed");

  const auto premium = check_callback(policy(), attempt("+78095051234", "RU", PhoneType::premium_rate), {}, kNow);
  EXPECT_EQ(premium.refusal->status, CallStatus::rejected_fraud_rule);
  EXPECT_EQ(premium.refusal->message_key, MessageKey::number_not_callable);
  const auto unknown = check_callback(policy(), attempt("+79161234567", "RU", PhoneType::unknown), {}, kNow);
  EXPECT_EQ(unknown.refusal->status, CallStatus::rejected_invalid_number);
  EXPECT_EQ(unknown.refusal->message_key, MessageKey::invalid_number);
}

TEST(CheckCallback, NonGeographicNumbersAreAlwaysRefused) {
  auto p = policy();
  p.allowed_regions = {"*"};
  p.allow_voip = true;
  for (auto [e164, type] : {std::pair{"+881612345678", PhoneType::mobile}, {"+8823421234", PhoneType::mobile},
                            {"+883510012345", PhoneType::voip}, {"+870773111632", PhoneType::mobile}}) {
    EXPECT_EQ(check(p, attempt(e164, "001", type)), "non_geographic_number") << e164;
  }
  EXPECT_EQ(check_callback(p, attempt("+8823421234", "001"), {}, kNow).refusal->status,
            CallStatus::rejected_fraud_rule);
}

TEST(CheckCallback, ShortAndEmergencyNumbers) {
  auto a = attempt();
  a.number.short_or_emergency = true;
  const auto v = check_callback(policy(), a, {}, kNow);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::short_or_emergency_number, CallStatus::rejected_invalid_number,
                                 MessageKey::short_number, false}));
}

TEST(CheckCallback, RegionAllowList) {
  const auto kz = attempt("+77011234567", "KZ");
  EXPECT_EQ(check(kz), "region_not_allowed");
  const auto v = check_callback(policy(), kz, {}, kNow);
  EXPECT_EQ(v.refusal->status, CallStatus::rejected_fraud_rule);
  EXPECT_EQ(v.refusal->message_key, MessageKey::region_not_served);
  auto p = policy();
  p.allowed_regions = {"KZ", "RU"};
  EXPECT_EQ(check(p, kz), "allowed");
  EXPECT_EQ(check(p, attempt("+442079460958", "GB", PhoneType::fixed_line)), "region_not_allowed");
  p.allowed_regions = {"*"};
  EXPECT_EQ(check(p, attempt("+442079460958", "GB", PhoneType::fixed_line)), "allowed");
}

TEST(CheckCallback, DeniedPrefixes) {
  auto p = policy();
  p.denied_prefixes = {"+79161"};
  EXPECT_EQ(check(p, attempt("+79161234567")), "denied_prefix");
  EXPECT_EQ(check(p, attempt("+79162234567")), "allowed");
  p.denied_prefixes = {"+79161234567"};  // a whole number is a prefix of itself
  EXPECT_EQ(check(p, attempt("+79161234567")), "denied_prefix");
  p.denied_prefixes = {"+791612345678"};  // longer than the number
  EXPECT_EQ(check(p, attempt("+79161234567")), "allowed");
  p.denied_prefixes = {"+7"};
  EXPECT_EQ(check(p, attempt("+79161234567")), "denied_prefix");
  EXPECT_EQ(check_callback(p, attempt(), {}, kNow).refusal->message_key, MessageKey::number_not_callable);
}

// ---- lists ----

TEST(CheckCallback, OptOut) {
  FraudHistory h;
  h.number_opted_out = true;
  const auto v = check_callback(policy(), attempt(), h, kNow);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::opted_out, CallStatus::rejected_fraud_rule,
                                 MessageKey::cannot_call_number, false}));
}

TEST(CheckCallback, BlockedNumbersAndPrefixes) {
  auto p = policy();
  p.blocked_numbers = {"+79161234567"};
  EXPECT_EQ(check(p, attempt("+79161234567")), "blocked_number");
  EXPECT_EQ(check(p, attempt("+79161234568")), "allowed");
  EXPECT_EQ(check(p, attempt("+7916123456")), "allowed");  // a number is not a prefix in this list
  p.blocked_numbers.clear();
  p.blocked_prefixes = {"+7916123"};
  EXPECT_EQ(check(p, attempt("+79161234567")), "blocked_prefix");
  EXPECT_EQ(check(p, attempt("+79161244567")), "allowed");
  EXPECT_EQ(check_callback(p, attempt(), {}, kNow).refusal->message_key, MessageKey::cannot_call_number);
}

TEST(CheckCallback, BlockedIps) {
  auto p = policy();
  auto from = [&](const char* ip) {
    auto a = attempt();
    a.ip = ip;
    return check(p, a);
  };
  p.blocked_ips = {"203.0.113.7"};
  EXPECT_EQ(from("203.0.113.7"), "blocked_ip");
  EXPECT_EQ(from("::ffff:203.0.113.7"), "blocked_ip");  // what a dual-stack socket reports
  EXPECT_EQ(from("203.0.113.8"), "allowed");
  p.blocked_ips = {"203.0.113.0/24"};
  EXPECT_EQ(from("203.0.113.0"), "blocked_ip");
  EXPECT_EQ(from("203.0.113.255"), "blocked_ip");
  EXPECT_EQ(from("203.0.112.255"), "allowed");
  EXPECT_EQ(from("203.0.114.0"), "allowed");
  p.blocked_ips = {"203.0.113.64/27"};  // a mask that does not end on a byte: .64 ... .95
  EXPECT_EQ(from("203.0.113.63"), "allowed");
  EXPECT_EQ(from("203.0.113.64"), "blocked_ip");
  EXPECT_EQ(from("203.0.113.95"), "blocked_ip");
  EXPECT_EQ(from("203.0.113.96"), "allowed");
  p.blocked_ips = {"2001:db8::/32"};
  EXPECT_EQ(from("2001:db8:1::5"), "blocked_ip");
  EXPECT_EQ(from("2001:db9::5"), "allowed");
  EXPECT_EQ(from("203.0.113.7"), "allowed");  // families never match each other
  p.blocked_ips = {"0.0.0.0/0"};
  EXPECT_EQ(from("198.51.100.1"), "blocked_ip");
  EXPECT_EQ(from("2001:db8::1"), "allowed");
  EXPECT_EQ(from(""), "allowed");           // no address: nothing to match
  EXPECT_EQ(from("not an ip"), "allowed");  // the caller's problem; the other rules still apply
  auto a = attempt();
  a.ip = "198.51.100.1";
  const auto v = check_callback(p, a, {}, kNow);
  EXPECT_EQ(v.refusal->status, CallStatus::rejected_fraud_rule);
  EXPECT_EQ(v.refusal->message_key, MessageKey::request_refused);
}

// ---- the site's caps ----

TEST(CheckCallback, MinuteCapsSuspendTheSite) {
  FraudHistory h;
  h.site_billed_seconds_today = 300 * 60 - 1;
  EXPECT_EQ(check(h), "allowed");
  h.site_billed_seconds_today = 300 * 60;
  const auto v = check_callback(policy(), attempt(), h, kNow);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::site_daily_minutes_cap, CallStatus::rate_limited,
                                 MessageKey::callback_unavailable, true}));
  h = {};
  h.site_billed_seconds_month = 3000 * 60 - 1;
  EXPECT_EQ(check(h), "allowed");
  h.site_billed_seconds_month = 3000 * 60;
  EXPECT_EQ(check(h), "site_monthly_minutes_cap");
  EXPECT_TRUE(check_callback(policy(), attempt(), h, kNow).refusal->suspends_site);

  auto p = policy();
  p.site_daily_minutes = p.site_monthly_minutes = 0;  // disabled
  h.site_billed_seconds_today = h.site_billed_seconds_month = 1'000'000'000;
  EXPECT_EQ(check(p, attempt(), h), "allowed");
}

TEST(CheckCallback, SpendCapsSuspendTheSite) {
  auto p = policy();
  FraudHistory h;
  h.site_spend_today = h.site_spend_month = 1'000'000'000;
  EXPECT_EQ(check(p, attempt(), h), "allowed");  // off by default
  p.site_daily_spend = 50'000;
  p.site_monthly_spend = 1'000'000;
  h.site_spend_today = 49'999;
  h.site_spend_month = 999'999;
  EXPECT_EQ(check(p, attempt(), h), "allowed");
  h.site_spend_today = 50'000;
  EXPECT_EQ(check(p, attempt(), h), "site_daily_spend_cap");
  h.site_spend_today = 0;
  h.site_spend_month = 1'000'000;
  EXPECT_EQ(check(p, attempt(), h), "site_monthly_spend_cap");
  const auto v = check_callback(p, attempt(), h, kNow);
  EXPECT_TRUE(v.refusal->suspends_site);
  EXPECT_EQ(v.refusal->status, CallStatus::rate_limited);
}

// ---- rate limits: the number ----

TEST(CheckCallback, OneLiveCallPerNumber) {
  FraudHistory h;
  h.number_call_live = true;
  const auto v = check_callback(policy(), attempt(), h, kNow);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::number_call_in_progress, CallStatus::rate_limited,
                                 MessageKey::recently_requested, false}));
}

TEST(CheckCallback, PerNumberFiveMinutes) {
  FraudHistory h;
  h.number_requests = times({5min - 1ms});
  EXPECT_EQ(check(h), "number_per_5_minutes");
  h.number_requests = times({5min});  // exactly five minutes ago: out of the window
  EXPECT_EQ(check(h), "allowed");
  h.number_requests = times({-1s});  // from a server whose clock runs ahead: counts
  EXPECT_EQ(check(h), "number_per_5_minutes");
  h.number_requests = times({0ms});
  EXPECT_EQ(check(h), "number_per_5_minutes");
  auto p = policy();
  p.number_per_5_minutes = 0;  // disabled: the hour's 3 still hold
  EXPECT_EQ(check(p, attempt(), h), "allowed");
  p.number_per_5_minutes = 2;
  h.number_requests = times({1min, 2min});
  EXPECT_EQ(check(p, attempt(), h), "number_per_5_minutes");
  EXPECT_EQ(check_callback(policy(), attempt(), h, kNow).refusal->status, CallStatus::rate_limited);
}

TEST(CheckCallback, PerNumberHour) {
  FraudHistory h;
  h.number_requests = times({10min, 20min});
  EXPECT_EQ(check(h), "allowed");
  h.number_requests = times({10min, 20min, 1h - 1ms});
  EXPECT_EQ(check(h), "number_per_hour");
  h.number_requests = times({10min, 20min, 1h});
  EXPECT_EQ(check(h), "allowed");
  auto p = policy();
  p.number_per_hour = 0;  // disabled
  h.number_requests = times({10min, 20min, 30min, 40min});
  EXPECT_EQ(check(p, attempt(), h), "allowed");
}

TEST(CheckCallback, PerNumberDay) {
  FraudHistory h;
  h.number_requests = times({2h, 3h, 4h, 5h});
  EXPECT_EQ(check(h), "allowed");
  h.number_requests = times({2h, 3h, 4h, 5h, 24h - 1ms});
  EXPECT_EQ(check(h), "number_per_day");
  h.number_requests = times({2h, 3h, 4h, 5h, 24h});
  EXPECT_EQ(check(h), "allowed");
  h.number_requests = times({2h, 3h, 4h, 5h, 24h, 48h, 72h});  // old rows the query did not filter: ignored
  EXPECT_EQ(check(h), "allowed");
  const auto v = check_callback(policy(), attempt(), FraudHistory{.number_requests = times({2h, 3h, 4h, 5h, 6h})},
                                kNow);
  EXPECT_EQ(v.refusal->message_key, MessageKey::recently_requested);
}

// ---- rate limits: the visitor ----

TEST(CheckCallback, DistinctNumbersPerIp) {
  FraudHistory h;
  h.ip_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}});
  EXPECT_EQ(check(h), "allowed");
  h.ip_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}, {"+79160000003", 1h - 1ms}});
  EXPECT_EQ(check(h), "ip_numbers_per_hour");
  const auto v = check_callback(policy(), attempt(), h, kNow);
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::ip_numbers_per_hour, CallStatus::rate_limited,
                                 MessageKey::too_many_requests, false}));
  h.ip_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}, {"+79160000003", 1h}});
  EXPECT_EQ(check(h), "allowed");
  // Repeats of one number are one number.
  h.ip_requests = requests({{"+79160000001", 10min}, {"+79160000001", 20min}, {"+79160000002", 30min}});
  EXPECT_EQ(check(h), "allowed");
  // Asking again for a number already asked for adds no number (the per-number limits judge the repeat).
  h.ip_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}, {"+79161234567", 30min}});
  EXPECT_EQ(check(h), "allowed");
  // The day: 4 distinct numbers, spread so that the hour never sees 3.
  h.ip_requests = requests({{"+79160000001", 2h}, {"+79160000002", 3h}, {"+79160000003", 4h}});
  EXPECT_EQ(check(h), "allowed");
  h.ip_requests = requests(
      {{"+79160000001", 2h}, {"+79160000002", 3h}, {"+79160000003", 4h}, {"+79160000004", 24h - 1ms}});
  EXPECT_EQ(check(h), "ip_numbers_per_day");
  h.ip_requests =
      requests({{"+79160000001", 2h}, {"+79160000002", 3h}, {"+79160000003", 4h}, {"+79160000004", 24h}});
  EXPECT_EQ(check(h), "allowed");
  // No address, or the limits off (a call centre behind one NAT): not applied.
  h.ip_requests = requests({{"+79160000001", 1min}, {"+79160000002", 2min}, {"+79160000003", 3min},
                            {"+79160000004", 4min}});
  auto a = attempt();
  a.ip = "";
  EXPECT_EQ(check(a, h), "allowed");
  auto p = policy();
  p.ip_numbers_per_hour = p.ip_numbers_per_day = 0;
  EXPECT_EQ(check(p, attempt(), h), "allowed");
}

TEST(CheckCallback, DistinctNumbersPerBrowser) {
  FraudHistory h;
  h.browser_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}});
  EXPECT_EQ(check(h), "allowed");
  h.browser_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}, {"+79160000003", 59min}});
  EXPECT_EQ(check(h), "browser_numbers_per_hour");
  EXPECT_EQ(check_callback(policy(), attempt(), h, kNow).refusal->message_key, MessageKey::too_many_requests);
  h.browser_requests = requests({{"+79160000001", 10min}, {"+79160000002", 20min}, {"+79160000003", 60min}});
  EXPECT_EQ(check(h), "allowed");
  h.browser_requests = requests(
      {{"+79160000001", 2h}, {"+79160000002", 3h}, {"+79160000003", 4h}, {"+79160000004", 23h}});
  EXPECT_EQ(check(h), "browser_numbers_per_day");
  auto a = attempt();
  a.browser_id = "";  // no cookie: the IP rule still applies, this one cannot
  EXPECT_EQ(check(a, h), "allowed");
  auto p = policy();
  p.browser_numbers_per_hour = p.browser_numbers_per_day = 0;
  EXPECT_EQ(check(p, attempt(), h), "allowed");
  p.browser_numbers_per_day = 5;
  EXPECT_EQ(check(p, attempt(), h), "allowed");
}

// ---- rate limits: the site ----

TEST(CheckCallback, SiteConcurrentCalls) {
  FraudHistory h;
  h.site_live_calls = 4;
  EXPECT_EQ(check(h), "allowed");
  h.site_live_calls = 5;
  const auto v = check_callback(policy(), attempt(), h, kNow);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::site_concurrent_calls, CallStatus::rate_limited,
                                 MessageKey::operators_busy, false}));
}

TEST(CheckCallback, SiteCallsPerMinute) {
  FraudHistory h;
  for (int i = 0; i < 9; ++i) h.site_requests.push_back(kNow - Millis(i * 1000));
  EXPECT_EQ(check(h), "allowed");
  h.site_requests.push_back(kNow - 1min + 1ms);
  EXPECT_EQ(check(h), "site_calls_per_minute");
  EXPECT_FALSE(check_callback(policy(), attempt(), h, kNow).refusal->suspends_site);
  h.site_requests.back() = kNow - 1min;
  EXPECT_EQ(check(h), "allowed");
  auto p = policy();
  p.site_calls_per_minute = 0;  // disabled
  h.site_requests.assign(1000, kNow);
  EXPECT_EQ(check(p, attempt(), h), "allowed");
}

// ---- order ----

TEST(CheckCallback, ChecksRunInTheDocumentedOrder) {
  // A request that breaks every rule at once; take the fired rule away one at a time.
  auto p = policy();
  p.denied_prefixes = {"+7916"};
  p.blocked_ips = {"203.0.113.7"};
  p.blocked_numbers = {"+79161234567"};
  p.blocked_prefixes = {"+7916"};
  p.site_daily_spend = 1;
  p.site_monthly_spend = 1;
  auto a = attempt("+79161234567", "001", PhoneType::unknown);
  a.honeypot_filled = true;
  a.time_on_page = 0s;
  a.number.short_or_emergency = true;
  FraudHistory h;
  h.number_opted_out = true;
  h.site_billed_seconds_today = h.site_billed_seconds_month = 1'000'000;
  h.site_spend_today = h.site_spend_month = 1'000'000;
  h.number_call_live = true;
  h.number_requests = times({1min, 10min, 20min, 30min, 2h, 3h, 4h});
  h.ip_requests = requests({{"+1", 1min}, {"+2", 2min}, {"+3", 3min}, {"+4", 2h}, {"+5", 3h}});
  h.browser_requests = h.ip_requests;
  h.site_live_calls = 5;
  h.site_requests.assign(10, kNow);

  std::vector<std::string> order;
  const std::vector<std::function<void()>> undo = {
      [&] { a.honeypot_filled = false; },
      [&] { a.time_on_page = 10s; },
      [&] { a.number.short_or_emergency = false; },
      [&] { a.number.type = PhoneType::premium_rate; },
      [&] { a.number.region = "KZ"; },
      [&] { a.number.type = PhoneType::mobile; },
      [&] { a.number.region = "RU"; },
      [&] { p.denied_prefixes.clear(); },
      [&] { h.number_opted_out = false; },
      [&] { p.blocked_ips.clear(); },
      [&] { p.blocked_numbers.clear(); },
      [&] { p.blocked_prefixes.clear(); },
      [&] { h.site_billed_seconds_today = 0; },
      [&] { h.site_billed_seconds_month = 0; },
      [&] { h.site_spend_today = 0; },
      [&] { h.site_spend_month = 0; },
      [&] { h.number_call_live = false; },
      [&] { h.number_requests.erase(h.number_requests.begin()); },  // 3 in the hour
      [&] { h.number_requests.erase(h.number_requests.begin()); },  // 2 in the hour, 5 in the day
      [&] { h.number_requests.pop_back(); },                        // 4 in the day
      [&] { h.ip_requests.erase(h.ip_requests.begin()); },          // 2 numbers in the hour, 4 in the day
      [&] { h.ip_requests.erase(h.ip_requests.begin()); },          // 3 in the day
      [&] { h.browser_requests.erase(h.browser_requests.begin()); },
      [&] { h.browser_requests.erase(h.browser_requests.begin()); },
      [&] { h.site_live_calls = 0; },
      [&] { h.site_requests.clear(); },
  };
  for (const auto& step : undo) {
    order.push_back(check(p, a, h));
    step();
  }
  order.push_back(check(p, a, h));
  EXPECT_EQ(order, (std::vector<std::string>{
                       "honeypot_filled", "filled_too_fast", "short_or_emergency_number", "unknown_number_type",
                       "non_geographic_number", "number_type_not_allowed", "region_not_allowed", "denied_prefix",
                       "opted_out", "blocked_ip", "blocked_number", "blocked_prefix", "site_daily_minutes_cap",
                       "site_monthly_minutes_cap", "site_daily_spend_cap", "site_monthly_spend_cap",
                       "number_call_in_progress", "number_per_5_minutes", "number_per_hour", "number_per_day",
                       "ip_numbers_per_hour", "ip_numbers_per_day", "browser_numbers_per_hour",
                       "browser_numbers_per_day", "site_concurrent_calls", "site_calls_per_minute", "allowed"}));
}

// ---- names, statuses, messages ----

TEST(FraudNames, RulesAreStableAndUnique) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kFraudRuleCount; ++i) {
    const auto r = static_cast<FraudRule>(i);
    const auto name = fraud_rule_name(r);
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(parse_fraud_rule(name), r);
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789"), std::string_view::npos) << name;
  }
  EXPECT_EQ(fraud_rule_name(FraudRule::site_daily_minutes_cap), "site_daily_minutes_cap");
  EXPECT_EQ(parse_fraud_rule("no_such_rule"), std::nullopt);
}

TEST(FraudNames, PhoneTypes) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kPhoneTypeCount; ++i) {
    const auto t = static_cast<PhoneType>(i);
    EXPECT_TRUE(seen.insert(phone_type_name(t)).second);
    EXPECT_EQ(parse_phone_type(phone_type_name(t)), t);
  }
  EXPECT_EQ(phone_type_name(PhoneType::fixed_line_or_mobile), "fixed_line_or_mobile");
  EXPECT_EQ(parse_phone_type("landline"), std::nullopt);
}

TEST(FraudNames, EveryRuleHasAStatusAMessageAndSuspendsOnlyForCaps) {
  const std::set<FraudRule> caps = {FraudRule::site_daily_minutes_cap, FraudRule::site_monthly_minutes_cap,
                                    FraudRule::site_daily_spend_cap, FraudRule::site_monthly_spend_cap};
  const std::set<CallStatus> statuses = {CallStatus::rejected_invalid_number, CallStatus::rejected_fraud_rule,
                                         CallStatus::rate_limited};
  for (std::size_t i = 0; i < kFraudRuleCount; ++i) {
    const auto r = static_cast<FraudRule>(i);
    const auto f = refusal_for(r);
    EXPECT_EQ(f.rule, r);
    EXPECT_TRUE(statuses.contains(f.status)) << fraud_rule_name(r);
    EXPECT_LT(static_cast<std::size_t>(f.message_key), kMessageKeyCount);
    EXPECT_EQ(f.suspends_site, caps.contains(r)) << fraud_rule_name(r);
    if (caps.contains(r)) {
      EXPECT_EQ(f.status, CallStatus::rate_limited);
    }
  }
  const auto v = refuse_invalid_number();
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(*v.refusal, (Refusal{FraudRule::invalid_number, CallStatus::rejected_invalid_number,
                                 MessageKey::invalid_number, false}));
}

bool has_cyrillic(std::string_view s) { return s.find("\xD0") != std::string_view::npos; }

TEST(FraudMessages, EveryKeyHasRussianAndEnglish) {
  std::set<std::string_view> names, ru, en;
  for (std::size_t i = 0; i < kMessageKeyCount; ++i) {
    const auto k = static_cast<MessageKey>(i);
    EXPECT_TRUE(names.insert(message_key_name(k)).second) << message_key_name(k);
    const auto r = visitor_message(k, "ru");
    const auto e = visitor_message(k, "en");
    EXPECT_TRUE(ru.insert(r).second) << message_key_name(k);
    EXPECT_TRUE(en.insert(e).second) << message_key_name(k);
    EXPECT_GT(r.size(), 20u);
    EXPECT_GT(e.size(), 20u);
    EXPECT_TRUE(has_cyrillic(r)) << r;
    EXPECT_FALSE(has_cyrillic(e)) << e;
    // Polite and vague: never a limit, a list or a rule.
    for (std::string_view word : {"limit", "block", "rule", "fraud", "spam", "bot"}) {
      EXPECT_EQ(e.find(word), std::string_view::npos) << e;
    }
    for (std::string_view word : {"лимит", "блок", "правил", "спам", "бот", "мошен", "чёрн", "черн"}) {
      EXPECT_EQ(r.find(word), std::string_view::npos) << r;
    }
  }
  // Only the emergency number is a number; no message gives a count or a time to wait to the minute.
  for (std::size_t i = 0; i < kMessageKeyCount; ++i) {
    const auto k = static_cast<MessageKey>(i);
    for (auto lang : {"ru", "en"}) {
      std::string text(visitor_message(k, lang));
      if (auto at = text.find("112"); at != std::string::npos) text.erase(at, 3);
      EXPECT_EQ(text.find_first_of("0123456789"), std::string::npos) << text;
    }
  }
  EXPECT_EQ(visitor_message(MessageKey::recently_requested, "de"),
            visitor_message(MessageKey::recently_requested, "ru"));
  EXPECT_EQ(visitor_message(MessageKey::recently_requested, ""),
            visitor_message(MessageKey::recently_requested, "ru"));
  EXPECT_EQ(message_key_name(MessageKey::recently_requested), "recently_requested");
}

}  // namespace
}  // namespace otk
