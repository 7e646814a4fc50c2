// Whether a callback request may be placed. Every callback costs the site money and rings a stranger's phone, so
// before a call is placed one pure function, check_callback(), weighs the request against the site's FraudPolicy
// and what storage knows about the number, the visitor and the site (FraudHistory). It refuses, in order:
// bots (honeypot, a form sent too fast), numbers we must not ring (short codes, premium and other paid ranges,
// non-geographic and foreign numbers, denied prefixes), listed numbers and addresses (opt-out, blocklists),
// sites over their minute or spend caps, and finally anything over the rate limits (per number, per visitor, per
// site). Pure: no I/O, no clock reads, no libphonenumber — phone/ parses the number and the caller passes the facts.
// docs/callback.md ("Anti-fraud") lists every rule, its default, its status and its rule name.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/callback/call.hpp"

namespace otk {

/// What kind of line a number is, as libphonenumber classifies it (phone/ maps its types onto these). Names are
/// stored and logged, so they are stable.
enum class PhoneType {
  fixed_line,
  mobile,
  fixed_line_or_mobile,  // the numbering plan cannot tell (the US, Canada, ...)
  toll_free,
  premium_rate,
  shared_cost,
  voip,
  personal_number,
  pager,
  uan,        // "universal access" company numbers, routed on to some office
  voicemail,  // voicemail access
  unknown,
};
inline constexpr std::size_t kPhoneTypeCount = static_cast<std::size_t>(PhoneType::unknown) + 1;
[[nodiscard]] std::string_view phone_type_name(PhoneType t);
[[nodiscard]] std::optional<PhoneType> parse_phone_type(std::string_view name);

/// The region of non-geographic numbers (+800, +808, +870, +881, +882, +883, +888, +979, ...).
inline constexpr std::string_view kNonGeographicRegion = "001";

/// What the rules need to know about the destination number, from phone/ (parse_phone, is_short_or_emergency).
struct NumberFacts {
  std::string e164;                  // "+79161234567"
  std::string region;                // ISO 3166 alpha-2 ("RU", "KZ"), or "001" for non-geographic numbers
  PhoneType type = PhoneType::unknown;
  bool short_or_emergency = false;   // a short code or an emergency number in the visitor's region ("112", "911")
};

/// One callback request as the server saw it.
struct CallbackAttempt {
  NumberFacts number;
  std::string ip;          // the visitor's address as text ("203.0.113.7", "2001:db8::1"); "" if unknown
  std::string browser_id;  // the widget's visitor id (its cookie); "" if the browser keeps none
  bool honeypot_filled = false;  // the form's hidden field, which people never see, came back non-empty
  // From the widget's first contact with us to this request, measured on the server (a bot would lie about it).
  // None for a request with no page behind it (a site's backend through the REST API, which holds a token): the
  // page-time rule does not apply, every other rule does.
  std::optional<Millis> time_on_page = Millis{0};
};

/// An earlier request: which number, when.
struct NumberRequest {
  std::string e164;
  TimePoint at;
};

/// What storage knows, filled by the caller before the check. Requests are the ones check_callback() allowed
/// (placed or scheduled), so refusals cannot lock a number out for longer than the limits say. Each list needs
/// only the last 24 hours (the longest window) and older entries are ignored, so a plain
/// `WHERE at > now - 1 day` query is enough.
struct FraudHistory {
  // The destination number, across the whole installation (calls from any site ring the same phone).
  std::vector<TimePoint> number_requests;  // earlier requests to this number
  bool number_call_live = false;           // a call to this number is being placed or talked right now
  bool number_opted_out = false;           // the owner asked never to be called (the opt-out list)
  // The visitor.
  std::vector<NumberRequest> ip_requests;       // earlier requests from attempt.ip (any number)
  std::vector<NumberRequest> browser_requests;  // earlier requests from attempt.browser_id (any number)
  // The site.
  int site_live_calls = 0;                  // calls of this site being placed or talked right now
  std::vector<TimePoint> site_requests;     // the site's earlier requests (the last minute is enough)
  std::int64_t site_billed_seconds_today = 0;  // billed seconds of the site's calls today (the site's time zone)
  std::int64_t site_billed_seconds_month = 0;  // ... this calendar month
  std::int64_t site_spend_today = 0;           // charges of the site's calls today, kopecks
  std::int64_t site_spend_month = 0;           // ... this calendar month
};

/// A site's anti-fraud settings. default_fraud_policy() gives the defaults; validate() checks a stored or edited
/// one. "0 disables" marks the limits that may be switched off.
struct FraudPolicy {
  // ---- the number ----
  bool allow_voip = false;  // VoIP numbers are cheap to get in bulk and hard to trace, so opt-in
  // Regions (ISO 3166 alpha-2, upper case) whose numbers may be called; "*" means any geographic region.
  // Never empty. Non-geographic numbers ("001") are refused whatever this says.
  std::vector<std::string> allowed_regions;
  std::vector<std::string> denied_prefixes;  // E.164 prefixes never to call, e.g. "+7809"

  // ---- the site's blocklist, kept by its operators ----
  std::vector<std::string> blocked_numbers;   // E.164 numbers
  std::vector<std::string> blocked_prefixes;  // E.164 prefixes
  std::vector<std::string> blocked_ips;       // addresses or CIDR networks: "203.0.113.7", "2001:db8::/32"

  // ---- the form ----
  Millis min_time_on_page{3'000};  // 0..60 s; 0 disables

  // ---- per destination number, sliding windows (0 disables, except the day) ----
  int number_per_5_minutes = 1;
  int number_per_hour = 3;
  int number_per_day = 5;  // 1..1000: the last line between a stranger's phone and a call-bombing script

  // ---- per visitor: distinct numbers requested from one IP or one browser (0 disables) ----
  int ip_numbers_per_hour = 3;
  int ip_numbers_per_day = 4;
  int browser_numbers_per_hour = 3;
  int browser_numbers_per_day = 4;

  // ---- per site ----
  int site_concurrent_calls = 5;    // 1..1000: calls placed or talking at once
  int site_calls_per_minute = 10;   // 0 disables
  std::int64_t site_daily_minutes = 300;     // billed minutes per day; 0 disables. Reaching it suspends callbacks
  std::int64_t site_monthly_minutes = 3000;  // per calendar month; 0 disables. Reaching it suspends callbacks
  std::int64_t site_daily_spend = 0;         // kopecks per day; 0 (the default: prices differ) disables
  std::int64_t site_monthly_spend = 0;       // kopecks per calendar month; 0 disables
};

/// An IPv4 or IPv6 address in its canonical text, an IPv4-mapped IPv6 one (::ffff:a.b.c.d) as IPv4, so that both
/// spellings of one address count as one in the per-address limits; nullopt when `text` is not an address.
[[nodiscard]] std::optional<std::string> canonical_address(std::string_view text);

/// The defaults for a site whose visitors are in `site_region` ("RU"): only that region's numbers are called.
[[nodiscard]] FraudPolicy default_fraud_policy(std::string_view site_region);

/// Checks every field and returns the policy with regions upper-cased and list duplicates dropped.
/// Error: bad_request naming the field (e.g. "number_per_day: must be 1..1000").
[[nodiscard]] Result<FraudPolicy> validate(FraudPolicy policy);

/// Why a request was refused. Names are logged and stored with the request, so they are stable.
enum class FraudRule {
  invalid_number,             // the number did not parse (see refuse_invalid_number())
  honeypot_filled,
  filled_too_fast,            // time_on_page under min_time_on_page
  short_or_emergency_number,
  unknown_number_type,
  non_geographic_number,      // region "001"
  number_type_not_allowed,    // toll-free, premium, shared cost, personal, pager, UAN, voicemail; VoIP unless allowed
  region_not_allowed,
  denied_prefix,
  opted_out,
  blocked_ip,
  blocked_number,
  blocked_prefix,
  site_daily_minutes_cap,     // the four caps suspend the site's callbacks: see suspends_site()
  site_monthly_minutes_cap,
  site_daily_spend_cap,
  site_monthly_spend_cap,
  number_call_in_progress,
  number_per_5_minutes,
  number_per_hour,
  number_per_day,
  ip_numbers_per_hour,
  ip_numbers_per_day,
  browser_numbers_per_hour,
  browser_numbers_per_day,
  site_concurrent_calls,
  site_calls_per_minute,
};
inline constexpr std::size_t kFraudRuleCount = static_cast<std::size_t>(FraudRule::site_calls_per_minute) + 1;
[[nodiscard]] std::string_view fraud_rule_name(FraudRule r);
[[nodiscard]] std::optional<FraudRule> parse_fraud_rule(std::string_view name);

/// Which polite text the visitor sees. Several rules share a text on purpose: telling a visitor which limit
/// fired would tell an attacker how to stay just under it.
enum class MessageKey {
  invalid_number,      // "check the number for a typo"
  short_number,        // a short or emergency number
  number_not_callable, // a line type or range we do not ring: leave a mobile or landline instead
  region_not_served,   // a country we do not call
  cannot_call_number,  // listed, opted out: write in the chat instead
  try_again,           // the form came too fast: try again in a moment
  request_refused,     // a bot, as far as we can tell (people do not read this one, but may: say it kindly)
  recently_requested,  // the number already has a call coming
  too_many_requests,   // this visitor asked for many numbers
  operators_busy,      // the site is at its concurrent or per-minute limit: in a couple of minutes
  callback_unavailable,  // the site is suspended
};
inline constexpr std::size_t kMessageKeyCount = static_cast<std::size_t>(MessageKey::callback_unavailable) + 1;
[[nodiscard]] std::string_view message_key_name(MessageKey k);

/// The text for the visitor: `language` "en" gives English, anything else Russian (the product's default).
[[nodiscard]] std::string_view visitor_message(MessageKey key, std::string_view language);

/// A refusal: the rule that fired, the status to record (rejected_invalid_number, rejected_fraud_rule or
/// rate_limited), the text to show, and whether the site's callbacks are now suspended (alert someone).
struct Refusal {
  FraudRule rule = FraudRule::invalid_number;
  CallStatus status = CallStatus::rejected_invalid_number;
  MessageKey message_key = MessageKey::invalid_number;
  bool suspends_site = false;
  bool operator==(const Refusal&) const = default;
};

struct Verdict {
  std::optional<Refusal> refusal;  // none: place (or schedule) the call
  [[nodiscard]] bool allowed() const { return !refusal.has_value(); }
};

/// The refusal for a rule (its status, message and whether it suspends the site are fixed per rule).
[[nodiscard]] Refusal refusal_for(FraudRule rule);

/// The verdict for a number that phone/ could not parse: rejected_invalid_number.
[[nodiscard]] Verdict refuse_invalid_number();

/// The decision. Checks run in a fixed order and the first rule that fires is the verdict (see fraud.cpp).
/// `policy` must have passed validate(). Times in `history` after `now` count as inside every window.
[[nodiscard]] Verdict check_callback(const FraudPolicy& policy, const CallbackAttempt& attempt,
                                     const FraudHistory& history, TimePoint now);

/// Only the checks on the number itself (type, region, prefixes, short codes): what the widget's form can tell
/// the visitor while they type, before anything is requested. None of the rate limits or lists is consulted,
/// so it reveals nothing about them.
[[nodiscard]] std::optional<Refusal> check_number(const FraudPolicy& policy, const NumberFacts& facts);

}  // namespace otk
