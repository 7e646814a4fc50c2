#include "core/callback/settings.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

namespace otk {
namespace {

using json = nlohmann::json;

std::unexpected<Error> bad(std::string_view field, std::string_view why) {
  return fail(Errc::bad_request, std::string(field) + ": " + std::string(why));
}

bool has_bad_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"';
  });
}

// A SIP or SIPS URI as it may appear in a Request-URI: a scheme, a user or host, no spaces or brackets.
bool is_sip_uri(std::string_view s) {
  if (s.size() > kMaxUriBytes || has_bad_char(s)) return false;
  const auto rest = s.starts_with("sip:") ? s.substr(4) : s.starts_with("sips:") ? s.substr(5) : std::string_view{};
  return !rest.empty() && rest.front() != '@';
}

// host, host:port, [v6]:port — letters, digits, dots, dashes, a colon and a port.
bool is_host_port(std::string_view s) {
  if (s.empty() || s.size() > 253 || has_bad_char(s)) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

bool is_e164(std::string_view s) {
  return s.size() >= 4 && s.size() <= 16 && s.front() == '+' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Thrown for a number that is not a whole number of the field's type: nlohmann's get<int>() truncates 1.5, wraps
/// 4294967298 to 2 (which then passes validation) and casts 1e300 out of range (undefined behaviour).
struct NotWhole {
  std::string key;
};
struct WrongType {
  std::string key;
};

template <class T>
T value_of(const json& v, const char* key) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (v.is_number()) {
      if (!v.is_number_integer()) throw NotWhole{key};
      if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                                 : v.get<std::int64_t>() < std::numeric_limits<T>::min() ||
                                       v.get<std::int64_t>() > std::numeric_limits<T>::max()) {
        throw NotWhole{key};
      }
    }
  }
  try {
    return v.get<T>();
  } catch (const json::type_error&) {
    throw WrongType{key};  // a string for a number, a number in a list of strings, ...
  }
}

template <class T>
T take(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  return it == j.end() ? fallback : value_of<T>(*it, key);
}

Result<void> only_keys(const json& j, std::string_view where, std::initializer_list<std::string_view> keys) {
  if (!j.is_object()) return bad(where, "must be an object");
  for (const auto& [k, _] : j.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) return bad(where, "unknown key '" + k + "'");
  }
  return {};
}

json ms(Millis m) { return m.count(); }

}  // namespace

Result<CallbackSettings> validate_callback_settings(CallbackSettings s) {
  for (auto& c : s.region) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s.region.size() != 2 || !std::isalpha(static_cast<unsigned char>(s.region[0])) ||
      !std::isalpha(static_cast<unsigned char>(s.region[1]))) {
    return bad("region", "an ISO 3166 alpha-2 code such as RU");
  }
  for (std::size_t i = 0; i < s.plan.operator_uris.size(); ++i) {
    if (!is_sip_uri(s.plan.operator_uris[i])) {
      return bad("plan.operator_uris[" + std::to_string(i) + "]", "a sip: or sips: URI, at most 256 bytes");
    }
  }
  const auto& t = s.trunk;
  if (!t.domain.empty() && !is_host_port(t.domain)) return bad("trunk.domain", "a host or host:port");
  if (!t.outbound_proxy.empty() && !is_sip_uri(t.outbound_proxy)) return bad("trunk.outbound_proxy", "a sip: URI");
  if (t.username.size() > 128 || has_bad_char(t.username)) return bad("trunk.username", "at most 128 printable bytes");
  if (t.password.size() > 128) return bad("trunk.password", "at most 128 bytes");
  if (!t.caller_id.empty() && !is_e164(t.caller_id)) return bad("trunk.caller_id", "an E.164 number like +74951234567");
  if (t.display_name.size() > 64 || std::any_of(t.display_name.begin(), t.display_name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
      })) {
    return bad("trunk.display_name", "at most 64 bytes, no quotes or control characters");
  }
  if (t.transport != "udp" && t.transport != "tcp") return bad("trunk.transport", "udp or tcp");
  if (s.enabled) {
    if (s.plan.operator_uris.empty()) return bad("plan.operator_uris", "at least one operator to ring");
    if (t.domain.empty()) return bad("trunk.domain", "required to dial visitors");
    auto plan = new_call(s.plan);
    if (!plan) return bad("plan", plan.error().message);
  }
  auto fraud = validate(std::move(s.fraud));
  if (!fraud) return bad("fraud", fraud.error().message);
  s.fraud = std::move(*fraud);
  auto billing = validate_plan(s.billing);
  if (!billing) return bad("billing", billing.error().message);
  s.billing = *billing;
  return s;
}

Result<CallbackSettings> callback_settings_from_json(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(Errc::bad_json, "callback settings are not JSON");
  std::string where;  // "plan." while reading the plan, so that a type error names the whole field
  try {
    if (auto r = only_keys(j, "settings", {"enabled", "slots", "region", "plan", "trunk", "fraud", "billing"}); !r) {
      return std::unexpected(r.error());
    }
    CallbackSettings s;
    s.enabled = take(j, "enabled", false);
    s.slots = take(j, "slots", false);
    s.region = take<std::string>(j, "region", "RU");
    s.fraud = default_fraud_policy(s.region);
    if (auto it = j.find("plan"); it != j.end()) {
      where = "plan.";
      const auto& p = *it;
      if (auto r = only_keys(p, "plan", {"operators", "strategy", "operator_ring_ms", "rounds", "round_pause_ms",
                                         "visitor_ring_ms", "reinvite_ms", "max_talk_ms"});
          !r) {
        return std::unexpected(r.error());
      }
      s.plan.operator_uris = take(p, "operators", std::vector<std::string>{});
      const auto strategy = take<std::string>(p, "strategy", "all_at_once");
      if (strategy != "all_at_once" && strategy != "in_turn") return bad("plan.strategy", "all_at_once or in_turn");
      s.plan.strategy = strategy == "in_turn" ? RingStrategy::in_turn : RingStrategy::all_at_once;
      s.plan.operator_ring_timeout = Millis(take(p, "operator_ring_ms", s.plan.operator_ring_timeout.count()));
      s.plan.rounds = take(p, "rounds", s.plan.rounds);
      s.plan.round_pause = Millis(take(p, "round_pause_ms", s.plan.round_pause.count()));
      s.plan.visitor_ring_timeout = Millis(take(p, "visitor_ring_ms", s.plan.visitor_ring_timeout.count()));
      s.plan.reinvite_timeout = Millis(take(p, "reinvite_ms", s.plan.reinvite_timeout.count()));
      s.plan.max_talk = Millis(take(p, "max_talk_ms", s.plan.max_talk.count()));
    }
    if (auto it = j.find("trunk"); it != j.end()) {
      where = "trunk.";
      const auto& t = *it;
      if (auto r = only_keys(t, "trunk",
                             {"domain", "outbound_proxy", "username", "password", "caller_id", "display_name", "transport"});
          !r) {
        return std::unexpected(r.error());
      }
      s.trunk = TrunkSettings{take<std::string>(t, "domain", ""),   take<std::string>(t, "outbound_proxy", ""),
                              take<std::string>(t, "username", ""), take<std::string>(t, "password", ""),
                              take<std::string>(t, "caller_id", ""), take<std::string>(t, "display_name", ""),
                              take<std::string>(t, "transport", "udp")};
    }
    if (auto it = j.find("fraud"); it != j.end()) {
      where = "fraud.";
      const auto& f = *it;
      auto& p = s.fraud;
      if (auto r = only_keys(f, "fraud", {"allow_voip", "allowed_regions", "denied_prefixes", "blocked_numbers",
                                          "blocked_prefixes", "blocked_ips", "min_time_on_page_ms",
                                          "number_per_5_minutes", "number_per_hour", "number_per_day",
                                          "ip_numbers_per_hour", "ip_numbers_per_day", "browser_numbers_per_hour",
                                          "browser_numbers_per_day", "site_concurrent_calls", "site_calls_per_minute",
                                          "site_daily_minutes", "site_monthly_minutes", "site_daily_spend",
                                          "site_monthly_spend"});
          !r) {
        return std::unexpected(r.error());
      }
      p.allow_voip = take(f, "allow_voip", p.allow_voip);
      p.allowed_regions = take(f, "allowed_regions", p.allowed_regions);
      p.denied_prefixes = take(f, "denied_prefixes", p.denied_prefixes);
      p.blocked_numbers = take(f, "blocked_numbers", p.blocked_numbers);
      p.blocked_prefixes = take(f, "blocked_prefixes", p.blocked_prefixes);
      p.blocked_ips = take(f, "blocked_ips", p.blocked_ips);
      p.min_time_on_page = Millis(take(f, "min_time_on_page_ms", p.min_time_on_page.count()));
      p.number_per_5_minutes = take(f, "number_per_5_minutes", p.number_per_5_minutes);
      p.number_per_hour = take(f, "number_per_hour", p.number_per_hour);
      p.number_per_day = take(f, "number_per_day", p.number_per_day);
      p.ip_numbers_per_hour = take(f, "ip_numbers_per_hour", p.ip_numbers_per_hour);
      p.ip_numbers_per_day = take(f, "ip_numbers_per_day", p.ip_numbers_per_day);
      p.browser_numbers_per_hour = take(f, "browser_numbers_per_hour", p.browser_numbers_per_hour);
      p.browser_numbers_per_day = take(f, "browser_numbers_per_day", p.browser_numbers_per_day);
      p.site_concurrent_calls = take(f, "site_concurrent_calls", p.site_concurrent_calls);
      p.site_calls_per_minute = take(f, "site_calls_per_minute", p.site_calls_per_minute);
      p.site_daily_minutes = take(f, "site_daily_minutes", p.site_daily_minutes);
      p.site_monthly_minutes = take(f, "site_monthly_minutes", p.site_monthly_minutes);
      p.site_daily_spend = take(f, "site_daily_spend", p.site_daily_spend);
      p.site_monthly_spend = take(f, "site_monthly_spend", p.site_monthly_spend);
    }
    if (auto it = j.find("billing"); it != j.end()) {
      where = "billing.";
      const auto& b = *it;
      if (auto r = only_keys(b, "billing", {"connected_fee", "per_minute", "first_seconds", "step_seconds", "unanswered_fee"});
          !r) {
        return std::unexpected(r.error());
      }
      if (b.contains("connected_fee")) s.billing.connected_fee = value_of<Kopecks>(b["connected_fee"], "connected_fee");
      if (b.contains("per_minute")) s.billing.per_minute = value_of<Kopecks>(b["per_minute"], "per_minute");
      if (b.contains("unanswered_fee")) s.billing.unanswered_fee = value_of<Kopecks>(b["unanswered_fee"], "unanswered_fee");
      s.billing.rounding.first_seconds = take(b, "first_seconds", s.billing.rounding.first_seconds);
      s.billing.rounding.step_seconds = take(b, "step_seconds", s.billing.rounding.step_seconds);
    }
    where.clear();
    return validate_callback_settings(std::move(s));
  } catch (const WrongType& e) {
    return bad(where + e.key, "has the wrong type");
  } catch (const json::exception& e) {
    return fail(Errc::bad_request, std::string("callback settings: a value has the wrong type (") + e.what() + ")");
  } catch (const NotWhole& e) {
    return bad(where + e.key, "must be a whole number within range");
  }
}

std::string callback_settings_to_json(const CallbackSettings& s) {
  const auto& p = s.plan;
  const auto& f = s.fraud;
  json billing{{"first_seconds", s.billing.rounding.first_seconds}, {"step_seconds", s.billing.rounding.step_seconds}};
  if (s.billing.connected_fee) billing["connected_fee"] = *s.billing.connected_fee;
  if (s.billing.per_minute) billing["per_minute"] = *s.billing.per_minute;
  if (s.billing.unanswered_fee) billing["unanswered_fee"] = *s.billing.unanswered_fee;
  return json{{"enabled", s.enabled},
              {"slots", s.slots},
              {"region", s.region},
              {"plan",
               {{"operators", p.operator_uris},
                {"strategy", p.strategy == RingStrategy::in_turn ? "in_turn" : "all_at_once"},
                {"operator_ring_ms", ms(p.operator_ring_timeout)},
                {"rounds", p.rounds},
                {"round_pause_ms", ms(p.round_pause)},
                {"visitor_ring_ms", ms(p.visitor_ring_timeout)},
                {"reinvite_ms", ms(p.reinvite_timeout)},
                {"max_talk_ms", ms(p.max_talk)}}},
              {"trunk",
               {{"domain", s.trunk.domain},
                {"outbound_proxy", s.trunk.outbound_proxy},
                {"username", s.trunk.username},
                {"password", s.trunk.password},
                {"caller_id", s.trunk.caller_id},
                {"display_name", s.trunk.display_name},
                {"transport", s.trunk.transport}}},
              {"fraud",
               {{"allow_voip", f.allow_voip},
                {"allowed_regions", f.allowed_regions},
                {"denied_prefixes", f.denied_prefixes},
                {"blocked_numbers", f.blocked_numbers},
                {"blocked_prefixes", f.blocked_prefixes},
                {"blocked_ips", f.blocked_ips},
                {"min_time_on_page_ms", ms(f.min_time_on_page)},
                {"number_per_5_minutes", f.number_per_5_minutes},
                {"number_per_hour", f.number_per_hour},
                {"number_per_day", f.number_per_day},
                {"ip_numbers_per_hour", f.ip_numbers_per_hour},
                {"ip_numbers_per_day", f.ip_numbers_per_day},
                {"browser_numbers_per_hour", f.browser_numbers_per_hour},
                {"browser_numbers_per_day", f.browser_numbers_per_day},
                {"site_concurrent_calls", f.site_concurrent_calls},
                {"site_calls_per_minute", f.site_calls_per_minute},
                {"site_daily_minutes", f.site_daily_minutes},
                {"site_monthly_minutes", f.site_monthly_minutes},
                {"site_daily_spend", f.site_daily_spend},
                {"site_monthly_spend", f.site_monthly_spend}}},
              {"billing", billing}}
      .dump();
}

std::string visitor_sip_uri(const TrunkSettings& trunk, std::string_view e164) {
  return "sip:" + std::string(e164) + "@" + trunk.domain + (trunk.transport == "tcp" ? ";transport=tcp" : "");
}

}  // namespace otk
