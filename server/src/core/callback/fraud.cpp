#include "core/callback/fraud.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <utility>

namespace otk {
namespace {

using namespace std::chrono_literals;

constexpr std::array<std::string_view, kPhoneTypeCount> kPhoneTypeNames = {
    "fixed_line", "mobile", "fixed_line_or_mobile", "toll_free", "premium_rate", "shared_cost",
    "voip",       "personal_number", "pager",      "uan",       "voicemail",    "unknown",
};

constexpr std::array<std::string_view, kFraudRuleCount> kRuleNames = {
    "invalid_number",           "honeypot_filled",        "filled_too_fast",         "short_or_emergency_number",
    "unknown_number_type",      "non_geographic_number",  "number_type_not_allowed", "region_not_allowed",
    "denied_prefix",            "opted_out",              "blocked_ip",              "blocked_number",
    "blocked_prefix",           "site_daily_minutes_cap", "site_monthly_minutes_cap", "site_daily_spend_cap",
    "site_monthly_spend_cap",   "number_call_in_progress", "number_per_5_minutes",   "number_per_hour",
    "number_per_day",           "ip_numbers_per_hour",    "ip_numbers_per_day",      "browser_numbers_per_hour",
    "browser_numbers_per_day",  "site_concurrent_calls",  "site_calls_per_minute",
};

constexpr std::array<std::string_view, kMessageKeyCount> kMessageKeyNames = {
    "invalid_number",    "short_number",      "number_not_callable", "region_not_served",
    "cannot_call_number", "try_again",        "request_refused",     "recently_requested",
    "too_many_requests", "operators_busy",    "callback_unavailable",
};

struct Texts {
  std::string_view ru, en;
};

// Said the way a friendly operator would say it. None names a limit or a list: a visitor who is refused learns
// what to do next (fix a typo, wait, leave another number, write in the chat), an attacker learns nothing to tune.
constexpr std::array<Texts, kMessageKeyCount> kTexts = {{
    {"Кажется, в номере опечатка. Проверьте его, пожалуйста, и попробуйте ещё раз.",
     "That number doesn't look quite right. Could you check it and try again?"},
    {"На короткие и экстренные номера мы позвонить не можем — оставьте, пожалуйста, обычный номер телефона. "
     "Если нужна срочная помощь, звоните 112.",
     "We can't call short or emergency numbers — please leave a regular phone number. If it's an emergency, "
     "call your local emergency number right away."},
    {"На такой номер мы, к сожалению, позвонить не можем. Оставьте, пожалуйста, мобильный или городской — и мы "
     "сразу перезвоним.",
     "Sorry, we can't call this kind of number. Leave a mobile or landline number and we'll call you right back."},
    {"На номера этой страны мы пока не звоним. Напишите нам в чат — ответим прямо здесь.",
     "We don't call numbers in this country yet. Drop us a line in the chat and we'll answer right here."},
    {"На этот номер мы позвонить не можем. Напишите нам в чат — ответим прямо здесь.",
     "We can't call this number. Drop us a line in the chat and we'll answer right here."},
    {"Что-то пошло не так. Подождите пару секунд и попробуйте ещё раз.",
     "Something went wrong. Give it a couple of seconds and try again."},
    {"Не получилось заказать звонок. Напишите нам в чат — ответим прямо здесь.",
     "We couldn't book the call. Drop us a line in the chat and we'll answer right here."},
    {"Звонок на этот номер уже заказан — мы скоро перезвоним, подождите немного. А если вопрос срочный, "
     "напишите нам в чат.",
     "A call to this number is already on its way — we'll ring you shortly, hang on a moment. If it's urgent, "
     "just write to us in the chat."},
    {"Вы уже заказали несколько звонков — давайте сначала дозвонимся по ним. А пока можно написать нам в чат.",
     "You've already booked a few calls — let us get through to those first. Meanwhile, feel free to write to "
     "us in the chat."},
    {"Сейчас все операторы заняты. Попробуйте заказать звонок через пару минут или напишите нам в чат.",
     "All our operators are busy right now. Try again in a couple of minutes, or write to us in the chat."},
    {"Обратный звонок сейчас недоступен. Напишите нам в чат — ответим прямо здесь.",
     "Callbacks aren't available right now. Drop us a line in the chat and we'll answer right here."},
}};

// ---- policy limits ----

constexpr std::size_t kMaxRegions = 300;
constexpr std::size_t kMaxListEntries = 10'000;
constexpr Millis kMaxTimeOnPage = 60s;
constexpr int kMaxPerNumber = 1'000;
constexpr int kMaxPerVisitor = 1'000;
constexpr int kMaxConcurrent = 1'000;
constexpr int kMaxPerMinute = 10'000;
constexpr std::int64_t kMaxDailyMinutes = 1'440'000;     // 1000 lines talking all day
constexpr std::int64_t kMaxMonthlyMinutes = 44'640'000;  // the same for 31 days
constexpr std::int64_t kMaxSpend = 10'000'000'000;       // 100 000 000 ₽ in kopecks

// ---- windows ----

constexpr Millis kFiveMinutes = 5min;
constexpr Millis kHour = 1h;
constexpr Millis kDay = 24h;
constexpr Millis kMinute = 1min;

std::unexpected<Error> bad(std::string_view field, std::string_view what) {
  return fail(Errc::bad_request, std::string(field) + ": " + std::string(what));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// "+" then `min_digits`..15 digits, the first not 0 (E.164 has at most 15 digits and no country code starts
/// with 0).
bool is_e164_like(std::string_view s, std::size_t min_digits) {
  if (s.size() < 1 + min_digits || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
  return std::all_of(s.begin() + 1, s.end(), is_digit);
}

/// An IPv4 or IPv6 network; a single address is a network of its full length. IPv4-mapped IPv6 addresses
/// (::ffff:a.b.c.d, what a dual-stack socket reports) become IPv4 so that one entry covers both spellings.
struct IpNet {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
  int bits = 0;
};

std::optional<IpNet> parse_address(std::string_view s) {
  if (s.empty() || s.size() > 45) return std::nullopt;  // INET6_ADDRSTRLEN - 1
  const std::string z(s);                               // inet_pton wants a terminated string
  IpNet n;
  if (inet_pton(AF_INET, z.c_str(), n.bytes.data()) == 1) {
    n.bits = 32;
    return n;
  }
  if (inet_pton(AF_INET6, z.c_str(), n.bytes.data()) != 1) return std::nullopt;
  constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), n.bytes.begin())) {
    std::copy(n.bytes.begin() + 12, n.bytes.end(), n.bytes.begin());
    std::fill(n.bytes.begin() + 4, n.bytes.end(), 0);
    n.bits = 32;
    return n;
  }
  n.v6 = true;
  n.bits = 128;
  return n;
}

/// "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n".
std::optional<IpNet> parse_network(std::string_view s) {
  const auto slash = s.find('/');
  auto net = parse_address(s.substr(0, slash));
  if (!net || slash == std::string_view::npos) return net;
  const auto len = s.substr(slash + 1);
  if (len.empty() || len.size() > 3 || !std::all_of(len.begin(), len.end(), is_digit)) return std::nullopt;
  const int bits = std::stoi(std::string(len));
  if (bits > (net->v6 ? 128 : 32)) return std::nullopt;
  net->bits = bits;
  return net;
}

bool contains(const IpNet& net, const IpNet& addr) {
  if (net.v6 != addr.v6) return false;
  const int whole = net.bits / 8, rest = net.bits % 8;
  if (!std::equal(net.bytes.begin(), net.bytes.begin() + whole, addr.bytes.begin())) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net.bytes[whole] & mask) == (addr.bytes[whole] & mask);
}

/// Sorted and without duplicates, so that the stored policy reads the same however it was typed.
void dedupe(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

Result<void> check_list(std::string_view field, std::vector<std::string>& list, std::size_t max,
                        bool (*valid)(std::string_view), std::string_view expected) {
  if (list.size() > max) return bad(field, "at most " + std::to_string(max) + " entries");
  for (const auto& e : list) {
    if (!valid(e)) return bad(field, "\"" + e.substr(0, 64) + "\" is not " + std::string(expected));
  }
  dedupe(list);
  return {};
}

template <class T>
Result<void> check_range(std::string_view field, T value, T lo, T hi) {
  if (value < lo || value > hi) return bad(field, "must be " + std::to_string(lo) + ".." + std::to_string(hi));
  return {};
}

// ---- windows over the history ----

/// Entries inside the window (now - window, now]: one exactly `window` old has just left it. Entries from the
/// future (clock skew between servers) count, so that skew can only make us stricter.
std::size_t count_since(const std::vector<TimePoint>& times, TimePoint now, Millis window) {
  return static_cast<std::size_t>(
      std::count_if(times.begin(), times.end(), [&](TimePoint t) { return t > now - window; }));
}

/// Would this request make more than `limit` distinct numbers inside the window? A number already asked for in
/// the window adds nothing: repeats of one number are the per-number limits' business.
bool too_many_numbers(const std::vector<NumberRequest>& requests, const std::string& e164, TimePoint now,
                      Millis window, int limit) {
  if (limit <= 0) return false;
  std::set<std::string_view> seen;
  for (const auto& r : requests) {
    if (r.at <= now - window) continue;
    if (r.e164 == e164) return false;
    seen.insert(r.e164);
  }
  return seen.size() >= static_cast<std::size_t>(limit);
}

bool over(std::size_t count, int limit) { return limit > 0 && count >= static_cast<std::size_t>(limit); }

bool reached(std::int64_t used, std::int64_t cap) { return cap > 0 && used >= cap; }

bool starts_with_any(const std::string& s, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const auto& p) { return s.starts_with(p); });
}

bool region_allowed(const FraudPolicy& p, const std::string& region) {
  return std::any_of(p.allowed_regions.begin(), p.allowed_regions.end(),
                     [&](const auto& r) { return r == "*" || r == region; });
}

bool type_allowed(const FraudPolicy& p, PhoneType t) {
  switch (t) {
    case PhoneType::fixed_line:
    case PhoneType::mobile:
    case PhoneType::fixed_line_or_mobile: return true;
    case PhoneType::voip: return p.allow_voip;
    // Paid for by us per minute (toll_free, shared_cost), paid to whoever owns the range (premium_rate: the
    // classic way to cash in a callback button), or routed on to someone we cannot see (personal, pager, UAN,
    // voicemail).
    default: return false;
  }
}

bool ip_blocked(const FraudPolicy& p, const std::string& ip) {
  const auto addr = parse_address(ip);
  if (!addr) return false;  // no address, no match: the other rules still apply
  return std::any_of(p.blocked_ips.begin(), p.blocked_ips.end(), [&](const auto& entry) {
    const auto net = parse_network(entry);
    return net && contains(*net, *addr);
  });
}

// ---- the checks, in the order check_callback() runs them ----

using Check = std::optional<FraudRule>;

// 1. The form. Nothing to look up, and it catches the bulk of abuse (scripts posting the form). It also comes
// before the number rules so that a bot cannot use our answers to probe which numbers we would ring.
Check form(const FraudPolicy& p, const CallbackAttempt& a) {
  if (a.honeypot_filled) return FraudRule::honeypot_filled;
  if (p.min_time_on_page > Millis::zero() && a.time_on_page && *a.time_on_page < p.min_time_on_page) return FraudRule::filled_too_fast;
  return std::nullopt;
}

// 2. The number itself. Facts of the parse, definitive: asking again never helps. A short or emergency number
// first (it was never a number to ring), then non-geographic ranges before the type, because +881/+882/+883
// satellite and international networks are the costliest destinations whatever type the metadata gives them.
Check number(const FraudPolicy& p, const NumberFacts& n) {
  if (n.short_or_emergency) return FraudRule::short_or_emergency_number;
  if (n.type == PhoneType::unknown) return FraudRule::unknown_number_type;
  if (n.region == kNonGeographicRegion) return FraudRule::non_geographic_number;
  if (!type_allowed(p, n.type)) return FraudRule::number_type_not_allowed;
  if (!region_allowed(p, n.region)) return FraudRule::region_not_allowed;
  if (starts_with_any(n.e164, p.denied_prefixes)) return FraudRule::denied_prefix;
  return std::nullopt;
}

// 3. Lists: one lookup each, definitive. The opt-out first: it is a promise to a person, and the rule name we
// store for it should say so even when the number is also blocklisted.
Check lists(const FraudPolicy& p, const CallbackAttempt& a, const FraudHistory& h) {
  if (h.number_opted_out) return FraudRule::opted_out;
  if (ip_blocked(p, a.ip)) return FraudRule::blocked_ip;
  if (std::find(p.blocked_numbers.begin(), p.blocked_numbers.end(), a.number.e164) != p.blocked_numbers.end()) {
    return FraudRule::blocked_number;
  }
  if (starts_with_any(a.number.e164, p.blocked_prefixes)) return FraudRule::blocked_prefix;
  return std::nullopt;
}

// 4. The site's caps: counters, definitive until the day or month turns. After the fraud rules, so that the
// stored refusals of a suspended site still tell attacks apart from honest visitors.
Check caps(const FraudPolicy& p, const FraudHistory& h) {
  if (reached(h.site_billed_seconds_today, p.site_daily_minutes * 60)) return FraudRule::site_daily_minutes_cap;
  if (reached(h.site_billed_seconds_month, p.site_monthly_minutes * 60)) return FraudRule::site_monthly_minutes_cap;
  if (reached(h.site_spend_today, p.site_daily_spend)) return FraudRule::site_daily_spend_cap;
  if (reached(h.site_spend_month, p.site_monthly_spend)) return FraudRule::site_monthly_spend_cap;
  return std::nullopt;
}

// 5. Rate limits: transient (trying later succeeds) and the only checks that scan lists of times, so last.
// The destination number before the visitor, because protecting a stranger's phone matters most; the site's
// own throughput last, because it is nobody's fault.
Check rates(const FraudPolicy& p, const CallbackAttempt& a, const FraudHistory& h, TimePoint now) {
  if (h.number_call_live) return FraudRule::number_call_in_progress;
  if (over(count_since(h.number_requests, now, kFiveMinutes), p.number_per_5_minutes)) {
    return FraudRule::number_per_5_minutes;
  }
  if (over(count_since(h.number_requests, now, kHour), p.number_per_hour)) return FraudRule::number_per_hour;
  if (over(count_since(h.number_requests, now, kDay), p.number_per_day)) return FraudRule::number_per_day;
  const auto& e164 = a.number.e164;
  if (!a.ip.empty()) {
    if (too_many_numbers(h.ip_requests, e164, now, kHour, p.ip_numbers_per_hour)) {
      return FraudRule::ip_numbers_per_hour;
    }
    if (too_many_numbers(h.ip_requests, e164, now, kDay, p.ip_numbers_per_day)) return FraudRule::ip_numbers_per_day;
  }
  if (!a.browser_id.empty()) {
    if (too_many_numbers(h.browser_requests, e164, now, kHour, p.browser_numbers_per_hour)) {
      return FraudRule::browser_numbers_per_hour;
    }
    if (too_many_numbers(h.browser_requests, e164, now, kDay, p.browser_numbers_per_day)) {
      return FraudRule::browser_numbers_per_day;
    }
  }
  if (h.site_live_calls >= p.site_concurrent_calls) return FraudRule::site_concurrent_calls;
  if (over(count_since(h.site_requests, now, kMinute), p.site_calls_per_minute)) {
    return FraudRule::site_calls_per_minute;
  }
  return std::nullopt;
}

}  // namespace

std::string_view phone_type_name(PhoneType t) {
  const auto i = static_cast<std::size_t>(t);
  return i < kPhoneTypeCount ? kPhoneTypeNames[i] : "unknown";
}

std::optional<PhoneType> parse_phone_type(std::string_view name) {
  for (std::size_t i = 0; i < kPhoneTypeCount; ++i) {
    if (kPhoneTypeNames[i] == name) return static_cast<PhoneType>(i);
  }
  return std::nullopt;
}

std::optional<std::string> canonical_address(std::string_view text) {
  const auto addr = parse_address(text);
  if (!addr) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(addr->v6 ? AF_INET6 : AF_INET, addr->bytes.data(), out, sizeof out) == nullptr) return std::nullopt;
  return std::string(out);
}

std::string_view fraud_rule_name(FraudRule r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kFraudRuleCount ? kRuleNames[i] : "invalid_number";
}

std::optional<FraudRule> parse_fraud_rule(std::string_view name) {
  for (std::size_t i = 0; i < kFraudRuleCount; ++i) {
    if (kRuleNames[i] == name) return static_cast<FraudRule>(i);
  }
  return std::nullopt;
}

std::string_view message_key_name(MessageKey k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kMessageKeyCount ? kMessageKeyNames[i] : "request_refused";
}

std::string_view visitor_message(MessageKey key, std::string_view language) {
  const auto i = static_cast<std::size_t>(key);
  const Texts& t = kTexts[i < kMessageKeyCount ? i : static_cast<std::size_t>(MessageKey::request_refused)];
  return language == "en" ? t.en : t.ru;
}

Refusal refusal_for(FraudRule rule) {
  using R = FraudRule;
  using M = MessageKey;
  const auto refuse = [&](CallStatus s, M m, bool suspends = false) { return Refusal{rule, s, m, suspends}; };
  const auto invalid = CallStatus::rejected_invalid_number;
  const auto fraud = CallStatus::rejected_fraud_rule;
  const auto limited = CallStatus::rate_limited;
  switch (rule) {
    case R::invalid_number: return refuse(invalid, M::invalid_number);
    case R::honeypot_filled: return refuse(fraud, M::request_refused);
    case R::filled_too_fast: return refuse(fraud, M::try_again);
    case R::short_or_emergency_number: return refuse(invalid, M::short_number);
    case R::unknown_number_type: return refuse(invalid, M::invalid_number);
    case R::non_geographic_number:
    case R::number_type_not_allowed:
    case R::denied_prefix: return refuse(fraud, M::number_not_callable);
    case R::region_not_allowed: return refuse(fraud, M::region_not_served);
    case R::opted_out:
    case R::blocked_number:
    case R::blocked_prefix: return refuse(fraud, M::cannot_call_number);
    // Not "cannot call this number": the number may be fine, the sender is not.
    case R::blocked_ip: return refuse(fraud, M::request_refused);
    case R::site_daily_minutes_cap:
    case R::site_monthly_minutes_cap:
    case R::site_daily_spend_cap:
    case R::site_monthly_spend_cap: return refuse(limited, M::callback_unavailable, true);
    case R::number_call_in_progress:
    case R::number_per_5_minutes:
    case R::number_per_hour:
    case R::number_per_day: return refuse(limited, M::recently_requested);
    case R::ip_numbers_per_hour:
    case R::ip_numbers_per_day:
    case R::browser_numbers_per_hour:
    case R::browser_numbers_per_day: return refuse(limited, M::too_many_requests);
    case R::site_concurrent_calls:
    case R::site_calls_per_minute: return refuse(limited, M::operators_busy);
  }
  return refuse(fraud, M::request_refused);  // unreachable for a valid enum value
}

Verdict refuse_invalid_number() { return Verdict{refusal_for(FraudRule::invalid_number)}; }

FraudPolicy default_fraud_policy(std::string_view site_region) {
  FraudPolicy p;
  std::string region(site_region);
  std::transform(region.begin(), region.end(), region.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  p.allowed_regions.push_back(std::move(region));
  return p;
}

Result<FraudPolicy> validate(FraudPolicy p) {
  const auto region_ok = [](std::string_view r) {
    return r == "*" || (r.size() == 2 && std::all_of(r.begin(), r.end(), [](char c) {
                          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
                        }));
  };
  if (p.allowed_regions.empty()) return bad("allowed_regions", "at least one region (\"*\" for any)");
  for (auto& r : p.allowed_regions) {
    for (auto& c : r) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (auto r = check_list("allowed_regions", p.allowed_regions, kMaxRegions, +region_ok,
                          "an ISO 3166 alpha-2 region or \"*\"");
      !r) {
    return std::unexpected(r.error());
  }
  if (p.min_time_on_page < Millis::zero() || p.min_time_on_page > kMaxTimeOnPage) {
    return bad("min_time_on_page", "must be 0..60 s");
  }
  const auto prefix_ok = [](std::string_view s) { return is_e164_like(s, 1); };
  const auto number_ok = [](std::string_view s) { return is_e164_like(s, 4); };
  const auto ip_ok = [](std::string_view s) { return parse_network(s).has_value(); };
  // Every check runs (the lists are normalised in passing); the first failure, in field order, is reported.
  for (auto r : {check_list("denied_prefixes", p.denied_prefixes, kMaxListEntries, +prefix_ok,
                            "an E.164 prefix like \"+7809\""),
                 check_list("blocked_numbers", p.blocked_numbers, kMaxListEntries, +number_ok,
                            "an E.164 number like \"+79161234567\""),
                 check_list("blocked_prefixes", p.blocked_prefixes, kMaxListEntries, +prefix_ok,
                            "an E.164 prefix like \"+7809\""),
                 check_list("blocked_ips", p.blocked_ips, kMaxListEntries, +ip_ok,
                            "an IP address or CIDR network"),
                 check_range("number_per_5_minutes", p.number_per_5_minutes, 0, kMaxPerNumber),
                 check_range("number_per_hour", p.number_per_hour, 0, kMaxPerNumber),
                 check_range("number_per_day", p.number_per_day, 1, kMaxPerNumber),
                 check_range("ip_numbers_per_hour", p.ip_numbers_per_hour, 0, kMaxPerVisitor),
                 check_range("ip_numbers_per_day", p.ip_numbers_per_day, 0, kMaxPerVisitor),
                 check_range("browser_numbers_per_hour", p.browser_numbers_per_hour, 0, kMaxPerVisitor),
                 check_range("browser_numbers_per_day", p.browser_numbers_per_day, 0, kMaxPerVisitor),
                 check_range("site_concurrent_calls", p.site_concurrent_calls, 1, kMaxConcurrent),
                 check_range("site_calls_per_minute", p.site_calls_per_minute, 0, kMaxPerMinute),
                 check_range<std::int64_t>("site_daily_minutes", p.site_daily_minutes, 0, kMaxDailyMinutes),
                 check_range<std::int64_t>("site_monthly_minutes", p.site_monthly_minutes, 0, kMaxMonthlyMinutes),
                 check_range<std::int64_t>("site_daily_spend", p.site_daily_spend, 0, kMaxSpend),
                 check_range<std::int64_t>("site_monthly_spend", p.site_monthly_spend, 0, kMaxSpend)}) {
    if (!r) return std::unexpected(r.error());
  }
  return p;
}

Verdict check_callback(const FraudPolicy& policy, const CallbackAttempt& attempt, const FraudHistory& history,
                       TimePoint now) {
  // Cheapest and most definitive first (see the comment on each stage): a request that will be refused whatever
  // happens is refused for that reason, not for a transient one that would invite the visitor to retry.
  Check fired = form(policy, attempt);
  if (!fired) fired = number(policy, attempt.number);
  if (!fired) fired = lists(policy, attempt, history);
  if (!fired) fired = caps(policy, history);
  if (!fired) fired = rates(policy, attempt, history, now);
  if (!fired) return Verdict{};
  return Verdict{refusal_for(*fired)};
}

std::optional<Refusal> check_number(const FraudPolicy& policy, const NumberFacts& facts) {
  if (auto fired = number(policy, facts)) return refusal_for(*fired);
  return std::nullopt;
}

}  // namespace otk
