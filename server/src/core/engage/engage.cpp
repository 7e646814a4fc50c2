#include "core/engage/engage.hpp"

#include <algorithm>
#include <array>

#include "core/chat/text.hpp"
#include "core/routing/routing.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

std::unexpected<Error> bad(std::string_view field, std::string_view why) {
  return fail(Errc::bad_request, std::string(field) + ": " + std::string(why));
}

std::string at(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

std::string item(std::string_view path, std::size_t i) { return std::string(path) + "[" + std::to_string(i) + "]"; }

std::string range(std::int64_t lo, std::int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

Result<void> only_keys(const json& j, std::string_view where, std::initializer_list<std::string_view> keys) {
  if (!j.is_object()) return bad(where, "must be an object");
  for (const auto& [k, _] : j.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) return bad(where, "unknown key '" + k + "'");
  }
  return {};
}

// ---- UTF-8 ----------------------------------------------------------------------------------------

// Decodes the code point at s[i]. Malformed input yields U+FFFD and length 1, so scanning never stalls; callers
// that must keep such bytes copy them raw.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 1;
  if (b0 < 0x80) { cp = b0; return 1; }
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; }
  else { cp = 0xFFFD; return 1; }
  if (i + len > s.size()) { cp = 0xFFFD; return 1; }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) { cp = 0xFFFD; return 1; }
    cp = (cp << 6) | (b & 0x3F);
  }
  return len;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::size_t chars(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Letters and digits of the scripts our sites write in; a word boundary is anything else.
bool is_word_cp(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x400 && cp <= 0x4FF);
}

bool word_before(std::string_view s, std::size_t pos) {
  if (pos == 0) return false;
  std::size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && pos - start < 4) --start;
  char32_t cp;
  decode(s, start, cp);
  return is_word_cp(cp);
}

bool word_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return false;
  char32_t cp;
  decode(s, pos, cp);
  return is_word_cp(cp);
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// ---- placeholders -----------------------------------------------------------------------------------

bool is_placeholder_name(std::string_view n) { return n == "utm_term" || n == "utm_campaign"; }

// Every '{' must open a known placeholder and every '}' close one; the message says what is wrong.
std::optional<std::string> placeholder_error(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return "a '}' without its '{'";
    if (text[i] != '{') continue;
    const auto close = text.find('}', i + 1);
    if (close == std::string_view::npos) return "a '{' without its '}'";
    const auto inner = text.substr(i + 1, close - i - 1);
    const auto name = inner.substr(0, inner.find('|'));
    if (!is_placeholder_name(name)) {
      return "unknown placeholder '{" + std::string(inner) + "}': use {utm_term} or {utm_campaign}, optionally with "
             "a fallback after '|'";
    }
    if (inner.find('{') != std::string_view::npos) return "a '{' inside a placeholder";
    i = close;
  }
  return std::nullopt;
}

// The search phrase a search engine put in the referrer: Yandex's text=, the others' q=.
std::string search_phrase(std::string_view referrer) {
  if (auto hash = referrer.find('#'); hash != std::string_view::npos) referrer = referrer.substr(0, hash);
  const auto q = referrer.find('?');
  if (q == std::string_view::npos) return {};
  std::string text, query;
  for (auto rest = referrer.substr(q + 1); !rest.empty();) {
    const auto amp = rest.find('&');
    const auto kv = rest.substr(0, amp);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) {
      const auto key = kv.substr(0, eq);
      if (key == "text" && text.empty()) text = percent_decode(kv.substr(eq + 1));
      if (key == "q" && query.empty()) query = percent_decode(kv.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return trim(text).empty() ? query : text;
}

// ---- reading fields ---------------------------------------------------------------------------------

enum class TextKind {
  plain,         // no placeholders
  invitation,    // placeholders allowed
  asks_nothing,  // placeholders allowed, and no request for contacts (guard 6)
};

Result<std::string> check_text(std::string_view raw, const std::string& field, std::size_t lo, std::size_t hi,
                               TextKind kind) {
  if (!is_valid_utf8(raw)) return bad(field, "must be valid UTF-8");
  for (std::size_t i = 0; i < raw.size();) {
    char32_t cp;
    i += decode(raw, i, cp);
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      return bad(field, "may not contain line breaks or control characters");
    }
  }
  auto s = trim(raw);
  const auto n = chars(s);
  if (n < lo || n > hi) {
    return bad(field, lo == 0 ? "must be at most " + std::to_string(hi) + " characters"
                              : "must be " + range(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)) +
                                    " characters");
  }
  if (kind != TextKind::plain) {  // plain fields are shown as they are: braces there are just braces
    if (auto e = placeholder_error(s)) return bad(field, *e);
  }
  if (kind == TextKind::asks_nothing) {
    if (auto w = contact_request_word(s); !w.empty()) {
      return bad(field, "may not ask for a phone or an e-mail before the visitor wrote ('" + w + "'); offer a call "
                        "back with a callback_offer instead");
    }
  }
  return s;
}

Result<std::string> read_text(const json& obj, std::string_view path, std::string_view key, std::size_t lo,
                              std::size_t hi, std::optional<std::string> fallback, TextKind kind = TextKind::plain) {
  const auto field = at(path, key);
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return bad(field, "required");
  }
  if (!it->is_string()) return bad(field, "must be a string");
  return check_text(it->get_ref<const std::string&>(), field, lo, hi, kind);
}

Result<std::int64_t> read_int(const json& obj, std::string_view path, std::string_view key, std::int64_t lo,
                              std::int64_t hi, std::optional<std::int64_t> fallback) {
  const auto field = at(path, key);
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return bad(field, "required");
  }
  if (!it->is_number_integer()) return bad(field, "must be a whole number " + range(lo, hi));
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    return bad(field, "must be " + range(lo, hi));
  }
  const auto v = it->get<std::int64_t>();
  if (v < lo || v > hi) return bad(field, "must be " + range(lo, hi));
  return v;
}

Result<bool> read_bool(const json& obj, std::string_view path, std::string_view key, std::optional<bool> fallback) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return bad(at(path, key), "required");
  }
  if (!it->is_boolean()) return bad(at(path, key), "must be true or false");
  return it->get<bool>();
}

template <std::size_t N>
Result<std::string> read_choice(const json& obj, std::string_view path, std::string_view key,
                                const std::array<std::string_view, N>& choices, std::optional<std::string> fallback) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return bad(at(path, key), "required");
  }
  std::string all;
  for (auto c : choices) all += (all.empty() ? "" : ", ") + std::string(c);
  if (!it->is_string() || std::find(choices.begin(), choices.end(), it->get<std::string>()) == choices.end()) {
    return bad(at(path, key), "must be one of " + all);
  }
  return it->get<std::string>();
}

// A glob on path + query: "/catalog*" or "*cart*".
Result<std::string> read_pattern(const json& obj, std::string_view path, std::string_view key) {
  auto p = read_text(obj, path, key, 1, 300, std::nullopt);
  if (p && p->front() != '/' && p->front() != '*') return bad(at(path, key), "a page pattern starts with '/' or '*'");
  return p;
}

bool is_https_url(std::string_view s) {
  if (s.size() > 1000 || !s.starts_with("https://")) return false;
  const auto end = s.find_first_of("/?#", 8);
  const auto host = s.substr(8, end == std::string_view::npos ? std::string_view::npos : end - 8);
  if (host.empty() || host.front() == '.' || host.front() == ':') return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`';
  });
}

// std::expected has no '?' operator; these keep the many field reads below one line each.
#define OTK_TRY_ASSIGN(target, expr)                   \
  do {                                                 \
    auto otk_r_ = (expr);                              \
    if (!otk_r_) return std::unexpected(otk_r_.error()); \
    target = std::move(*otk_r_);                       \
  } while (0)

#define OTK_TRY(expr)                                  \
  do {                                                 \
    auto otk_r_ = (expr);                              \
    if (!otk_r_) return std::unexpected(otk_r_.error()); \
  } while (0)

constexpr std::array<std::string_view, 14> kConditionTypes{
    "time_on_page", "time_on_site", "pages_viewed", "visit_count", "inactivity", "scroll_depth", "exit_intent",
    "url",          "referrer",     "utm",          "logged_in",   "email_campaign", "device",   "event"};
constexpr std::array<std::string_view, 4> kActionTypes{"teaser", "banner", "poll", "callback_offer"};
constexpr std::array<std::string_view, 5> kUtmParams{"source", "medium", "campaign", "term", "content"};
constexpr std::array<std::string_view, 3> kDevices{"desktop", "mobile", "tablet"};

Result<Condition> parse_condition(const json& j, const std::string& p) {
  if (!j.is_object()) return bad(p, "must be an object");
  std::string type;
  OTK_TRY_ASSIGN(type, read_choice(j, p, "type", kConditionTypes, std::nullopt));
  Condition c;
  c.type = static_cast<ConditionType>(std::find(kConditionTypes.begin(), kConditionTypes.end(), type) -
                                      kConditionTypes.begin());
  switch (c.type) {
    case ConditionType::time_on_page:
    case ConditionType::time_on_site:
      OTK_TRY(only_keys(j, p, {"type", "min_seconds"}));
      OTK_TRY_ASSIGN(c.min_seconds, read_int(j, p, "min_seconds", 1, 86400, std::nullopt));
      break;
    case ConditionType::pages_viewed:
      OTK_TRY(only_keys(j, p, {"type", "min"}));
      OTK_TRY_ASSIGN(c.min, read_int(j, p, "min", 1, 1000, std::nullopt));
      break;
    case ConditionType::visit_count:
      OTK_TRY(only_keys(j, p, {"type", "min", "max"}));
      OTK_TRY_ASSIGN(c.min, read_int(j, p, "min", 1, 10000, std::nullopt));
      if (j.contains("max")) OTK_TRY_ASSIGN(c.max, read_int(j, p, "max", c.min, 10000, std::nullopt));
      break;
    case ConditionType::inactivity:
      OTK_TRY(only_keys(j, p, {"type", "seconds"}));
      OTK_TRY_ASSIGN(c.seconds, read_int(j, p, "seconds", 1, 3600, std::nullopt));
      break;
    case ConditionType::scroll_depth:
      OTK_TRY(only_keys(j, p, {"type", "min_percent"}));
      OTK_TRY_ASSIGN(c.min_percent, read_int(j, p, "min_percent", 1, 100, std::nullopt));
      break;
    case ConditionType::exit_intent:
    case ConditionType::email_campaign:
      OTK_TRY(only_keys(j, p, {"type"}));
      break;
    case ConditionType::url:
      OTK_TRY(only_keys(j, p, {"type", "pattern"}));
      OTK_TRY_ASSIGN(c.pattern, read_pattern(j, p, "pattern"));
      break;
    case ConditionType::referrer:
      OTK_TRY(only_keys(j, p, {"type", "contains"}));
      OTK_TRY_ASSIGN(c.contains, read_text(j, p, "contains", 1, 200, std::nullopt));
      break;
    case ConditionType::utm:
      OTK_TRY(only_keys(j, p, {"type", "param", "equals"}));
      OTK_TRY_ASSIGN(c.param, read_choice(j, p, "param", kUtmParams, std::nullopt));
      OTK_TRY_ASSIGN(c.equals, read_text(j, p, "equals", 1, 200, std::nullopt));
      break;
    case ConditionType::logged_in:
      OTK_TRY(only_keys(j, p, {"type", "value"}));
      OTK_TRY_ASSIGN(c.logged_in, read_bool(j, p, "value", std::nullopt));
      break;
    case ConditionType::device:
      OTK_TRY(only_keys(j, p, {"type", "value"}));
      OTK_TRY_ASSIGN(c.device, read_choice(j, p, "value", kDevices, std::nullopt));
      break;
    case ConditionType::event:
      OTK_TRY(only_keys(j, p, {"type", "name"}));
      OTK_TRY_ASSIGN(c.name, read_text(j, p, "name", 1, 64, std::nullopt));
      break;
  }
  return c;
}

Result<Action> parse_action(const json& j, const std::string& p) {
  if (!j.is_object()) return bad(p, "must be an object");
  std::string type;
  OTK_TRY_ASSIGN(type, read_choice(j, p, "type", kActionTypes, std::nullopt));
  Action a;
  a.type = static_cast<ActionType>(std::find(kActionTypes.begin(), kActionTypes.end(), type) - kActionTypes.begin());
  switch (a.type) {
    case ActionType::teaser:
      OTK_TRY(only_keys(j, p, {"type", "text"}));
      OTK_TRY_ASSIGN(a.text, read_text(j, p, "text", 1, 200, std::nullopt, TextKind::asks_nothing));
      break;
    case ActionType::callback_offer:
      // An offer the visitor takes or ignores: it may mention the phone (guard 6).
      OTK_TRY(only_keys(j, p, {"type", "text"}));
      OTK_TRY_ASSIGN(a.text, read_text(j, p, "text", 1, 200, std::nullopt, TextKind::invitation));
      break;
    case ActionType::banner:
      OTK_TRY(only_keys(j, p, {"type", "title", "text", "link", "link_text"}));
      OTK_TRY_ASSIGN(a.title, read_text(j, p, "title", 1, 80, std::nullopt, TextKind::asks_nothing));
      OTK_TRY_ASSIGN(a.text, read_text(j, p, "text", 0, 300, std::string(), TextKind::asks_nothing));
      OTK_TRY_ASSIGN(a.link, read_text(j, p, "link", 0, 1000, std::string()));
      if (!a.link.empty() && !is_https_url(a.link)) return bad(at(p, "link"), "must be an https:// URL");
      OTK_TRY_ASSIGN(a.link_text, read_text(j, p, "link_text", 1, 40, std::string(), TextKind::asks_nothing));
      // The card needs words for its link, and words without a link would be a dead button.
      if (!a.link.empty() && a.link_text.empty()) return bad(at(p, "link_text"), "required with a link");
      if (a.link.empty() && !a.link_text.empty()) return bad(at(p, "link"), "required with link_text");
      break;
    case ActionType::poll: {
      OTK_TRY(only_keys(j, p, {"type", "question", "options"}));
      OTK_TRY_ASSIGN(a.question, read_text(j, p, "question", 1, 200, std::nullopt, TextKind::asks_nothing));
      const auto field = at(p, "options");
      const auto it = j.find("options");
      if (it == j.end()) return bad(field, "required");
      if (!it->is_array() || it->size() < 2 || it->size() > 5) return bad(field, "must be 2..5 answers");
      std::vector<std::string> seen;
      for (std::size_t i = 0; i < it->size(); ++i) {
        const auto& o = (*it)[i];
        if (!o.is_string()) return bad(item(field, i), "must be a string");
        std::string opt;
        OTK_TRY_ASSIGN(opt, check_text(o.get_ref<const std::string&>(), item(field, i), 1, 60, TextKind::asks_nothing));
        const auto key = lower_utf8(opt);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
          return bad(item(field, i), "repeats another answer");
        }
        seen.push_back(key);
        a.options.push_back(std::move(opt));
      }
      break;
    }
  }
  return a;
}

bool is_trigger_id(std::string_view id) {
  return !id.empty() && id.size() <= 40 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<Trigger> parse_trigger(const json& j, const std::string& p) {
  OTK_TRY(only_keys(j, p, {"id", "enabled", "match", "conditions", "action"}));
  Trigger t;
  const auto id = j.find("id");
  if (id == j.end()) return bad(at(p, "id"), "required");
  if (!id->is_string() || !is_trigger_id(id->get<std::string>())) {
    return bad(at(p, "id"), "must be 1..40 characters of a-z, 0-9 and '-'");
  }
  t.id = id->get<std::string>();
  if (t.id == "campaign") return bad(at(p, "id"), "'campaign' is reserved for the campaign greeting");
  OTK_TRY_ASSIGN(t.enabled, read_bool(j, p, "enabled", true));
  std::string match;
  OTK_TRY_ASSIGN(match, read_choice(j, p, "match", std::array<std::string_view, 2>{"all", "any"}, "all"));
  t.match_any = match == "any";
  const auto conditions = j.find("conditions");
  const auto cfield = at(p, "conditions");
  if (conditions == j.end()) return bad(cfield, "required");
  if (!conditions->is_array() || conditions->empty() || conditions->size() > kMaxConditions) {
    return bad(cfield, "must be 1.." + std::to_string(kMaxConditions) + " conditions");
  }
  for (std::size_t i = 0; i < conditions->size(); ++i) {
    Condition c;
    OTK_TRY_ASSIGN(c, parse_condition((*conditions)[i], item(cfield, i)));
    t.conditions.push_back(std::move(c));
  }
  const auto action = j.find("action");
  if (action == j.end()) return bad(at(p, "action"), "required");
  OTK_TRY_ASSIGN(t.action, parse_action(*action, at(p, "action")));
  return t;
}

Result<Guards> parse_guards(const json& j) {
  OTK_TRY(only_keys(j, "guards", {"period_hours", "excluded_pages"}));
  Guards g;
  OTK_TRY_ASSIGN(g.period_hours, read_int(j, "guards", "period_hours", 1, 720, 24));
  if (const auto it = j.find("excluded_pages"); it != j.end()) {
    if (!it->is_array() || it->size() > kMaxExcludedPages) {
      return bad("guards.excluded_pages",
                 "must be a list of at most " + std::to_string(kMaxExcludedPages) + " patterns");
    }
    g.excluded_pages.clear();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto field = item("guards.excluded_pages", i);
      const auto& e = (*it)[i];
      if (!e.is_string()) return bad(field, "must be a string");
      std::string pattern;
      OTK_TRY_ASSIGN(pattern, check_text(e.get_ref<const std::string&>(), field, 1, 300, TextKind::plain));
      if (pattern.front() != '/' && pattern.front() != '*') return bad(field, "a page pattern starts with '/' or '*'");
      g.excluded_pages.push_back(std::move(pattern));
    }
  }
  return g;
}

Result<Campaign> parse_campaign(const json& j) {
  OTK_TRY(only_keys(j, "campaign", {"medium", "greeting", "greetings"}));
  Campaign c;
  OTK_TRY_ASSIGN(c.medium, read_text(j, "campaign", "medium", 1, 64, std::string("email")));
  // Greetings speak before the visitor wrote, so guard 6 holds for them as for teasers.
  OTK_TRY_ASSIGN(c.greeting, read_text(j, "campaign", "greeting", 0, 300, std::string(), TextKind::asks_nothing));
  if (const auto it = j.find("greetings"); it != j.end()) {
    if (!it->is_object() || it->size() > kMaxCampaignGreetings) {
      return bad("campaign.greetings", "must be an object of at most " + std::to_string(kMaxCampaignGreetings) +
                                           " greetings by utm_campaign");
    }
    for (const auto& [name, text] : it->items()) {
      const auto field = "campaign.greetings." + name;
      std::string key;
      OTK_TRY_ASSIGN(key, check_text(name, field, 1, 200, TextKind::plain));
      if (key != name) return bad(field, "a campaign name has no spaces at its ends");
      key = lower_utf8(key);  // utm_campaign is compared case-insensitively, as in utm conditions
      if (c.greetings.contains(key)) return bad(field, "the same campaign as another greeting (names ignore case)");
      if (!text.is_string()) return bad(field, "must be a string");
      OTK_TRY_ASSIGN(c.greetings[key],
                     check_text(text.get_ref<const std::string&>(), field, 1, 300, TextKind::asks_nothing));
    }
  }
  return c;
}

json condition_json(const Condition& c) {
  json j{{"type", condition_type_name(c.type)}};
  switch (c.type) {
    case ConditionType::time_on_page:
    case ConditionType::time_on_site: j["min_seconds"] = c.min_seconds; break;
    case ConditionType::pages_viewed: j["min"] = c.min; break;
    case ConditionType::visit_count:
      j["min"] = c.min;
      if (c.max) j["max"] = *c.max;
      break;
    case ConditionType::inactivity: j["seconds"] = c.seconds; break;
    case ConditionType::scroll_depth: j["min_percent"] = c.min_percent; break;
    case ConditionType::exit_intent:
    case ConditionType::email_campaign: break;
    case ConditionType::url: j["pattern"] = c.pattern; break;
    case ConditionType::referrer: j["contains"] = c.contains; break;
    case ConditionType::utm:
      j["param"] = c.param;
      j["equals"] = c.equals;
      break;
    case ConditionType::logged_in: j["value"] = c.logged_in; break;
    case ConditionType::device: j["value"] = c.device; break;
    case ConditionType::event: j["name"] = c.name; break;
  }
  return j;
}

json action_json(const Action& a) {
  json j{{"type", action_type_name(a.type)}};
  switch (a.type) {
    case ActionType::teaser:
    case ActionType::callback_offer: j["text"] = a.text; break;
    case ActionType::banner:
      j["title"] = a.title;
      j["text"] = a.text;
      if (!a.link.empty()) {
        j["link"] = a.link;
        j["link_text"] = a.link_text;
      }
      break;
    case ActionType::poll:
      j["question"] = a.question;
      j["options"] = a.options;
      break;
  }
  return j;
}

json trigger_json(const Trigger& t) {
  json conditions = json::array();
  for (const auto& c : t.conditions) conditions.push_back(condition_json(c));
  return json{{"id", t.id},
              {"enabled", t.enabled},
              {"match", t.match_any ? "any" : "all"},
              {"conditions", std::move(conditions)},
              {"action", action_json(t.action)}};
}

// ---- evaluation ------------------------------------------------------------------------------------

std::string utm_value(const std::map<std::string, std::string>& utm, const std::string& key) {
  const auto it = utm.find(key);
  return it == utm.end() ? std::string() : it->second;
}

bool holds(const Condition& c, const VisitorFacts& f) {
  switch (c.type) {
    case ConditionType::time_on_page: return f.time_on_page_s >= c.min_seconds;
    case ConditionType::time_on_site: return f.time_on_site_s >= c.min_seconds;
    case ConditionType::pages_viewed: return f.pages_viewed >= c.min;
    case ConditionType::visit_count: return f.visit_count >= c.min && (!c.max || f.visit_count <= *c.max);
    case ConditionType::inactivity: return f.inactive_s >= c.seconds;
    case ConditionType::scroll_depth: return f.scroll_percent >= c.min_percent;
    case ConditionType::exit_intent: return f.exit_intent && f.device == "desktop";  // there is no top edge on touch
    case ConditionType::url: return glob_match(c.pattern, f.path_and_query);
    case ConditionType::referrer: return lower_utf8(f.referrer).find(lower_utf8(c.contains)) != std::string::npos;
    case ConditionType::utm: return lower_utf8(utm_value(f.utm, c.param)) == lower_utf8(c.equals);
    case ConditionType::logged_in: return f.logged_in == c.logged_in;
    case ConditionType::email_campaign: return f.email_campaign;
    case ConditionType::device: return f.device == c.device;
    case ConditionType::event: return f.events.contains(c.name);
  }
  return false;
}

bool triggered(const Trigger& t, const VisitorFacts& f) {
  const auto check = [&](const Condition& c) { return holds(c, f); };
  return t.match_any ? std::any_of(t.conditions.begin(), t.conditions.end(), check)
                     : std::all_of(t.conditions.begin(), t.conditions.end(), check);
}

const std::string& headline(const Action& a) {
  switch (a.type) {
    case ActionType::banner: return a.title;
    case ActionType::poll: return a.question;
    default: return a.text;
  }
}

// A guard errs on the side of silence: "/Checkout" is as excluded as "/checkout".
bool excluded(const Guards& g, std::string_view path_and_query) {
  const auto page = lower_utf8(path_and_query);
  return std::any_of(g.excluded_pages.begin(), g.excluded_pages.end(),
                     [&](const std::string& p) { return glob_match(lower_utf8(p), page); });
}

json preset(std::string_view id, std::string_view name, std::string_view description, json trigger) {
  return json{{"id", id}, {"name", name}, {"description", description}, {"trigger", std::move(trigger)}};
}

json teaser_trigger(std::string_view id, json conditions, std::string_view text) {
  return json{{"id", id},
              {"enabled", true},
              {"match", "all"},
              {"conditions", std::move(conditions)},
              {"action", {{"type", "teaser"}, {"text", text}}}};
}

bool english(std::string_view language) { return language.starts_with("en"); }

}  // namespace

std::string_view condition_type_name(ConditionType t) { return kConditionTypes[static_cast<std::size_t>(t)]; }
std::string_view action_type_name(ActionType t) { return kActionTypes[static_cast<std::size_t>(t)]; }

const std::vector<std::string>& default_excluded_pages() {
  static const std::vector<std::string> pages{"*cart*", "*checkout*", "*order*", "*korzina*", "*oformlenie*"};
  return pages;
}

std::string default_bot_name(std::string_view language) { return english(language) ? "Otklik bot" : "Робот Отклик"; }

EngageSettings default_engage_settings(std::string_view language) {
  EngageSettings s;
  s.bot.name = default_bot_name(language);
  return s;
}

std::string lower_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    const auto n = decode(s, i, cp);
    if (cp == 0xFFFD && n == 1) {
      out.push_back(s[i]);  // keep malformed bytes as they are
    } else {
      const bool plus_32 = (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||  // Latin
                           (cp >= 0x410 && cp <= 0x42F);                                        // А..Я
      if (plus_32) cp += 0x20;
      else if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;  // Ѐ..Џ, Ё among them
      append_utf8(out, cp);
    }
    i += n;
  }
  return out;
}

std::string contact_request_word(std::string_view text) {
  static const std::array<std::string_view, 7> words{"телефон", "номер", "почт", "e-mail", "email", "phone", "number"};
  const auto lower = lower_utf8(text);
  for (auto w : words) {
    for (auto pos = lower.find(w); pos != std::string::npos; pos = lower.find(w, pos + 1)) {
      if (word_before(lower, pos)) continue;  // "smartphone" does not ask for one
      if (w == "почт" && lower.compare(pos, 10, "почти") == 0 && !word_at(lower, pos + 10)) continue;
      return std::string(w);
    }
  }
  return {};
}

Result<EngageSettings> engage_settings_from_document(const json& j, std::string_view language) {
  OTK_TRY(only_keys(j, "settings", {"triggers", "guards", "campaign", "launcher", "goals", "bot"}));
  auto s = default_engage_settings(language);
  if (const auto it = j.find("triggers"); it != j.end()) {
    if (!it->is_array() || it->size() > kMaxTriggers) {
      return bad("triggers", "must be a list of at most " + std::to_string(kMaxTriggers) + " triggers");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      Trigger t;
      OTK_TRY_ASSIGN(t, parse_trigger((*it)[i], item("triggers", i)));
      for (std::size_t k = 0; k < s.triggers.size(); ++k) {
        if (s.triggers[k].id == t.id) {
          return bad(item("triggers", i) + ".id", "'" + t.id + "' is already the id of " + item("triggers", k));
        }
      }
      s.triggers.push_back(std::move(t));
    }
  }
  if (const auto it = j.find("guards"); it != j.end()) OTK_TRY_ASSIGN(s.guards, parse_guards(*it));
  if (const auto it = j.find("campaign"); it != j.end()) OTK_TRY_ASSIGN(s.campaign, parse_campaign(*it));
  if (const auto it = j.find("launcher"); it != j.end()) {
    OTK_TRY(only_keys(*it, "launcher", {"style", "label"}));
    std::string style;
    OTK_TRY_ASSIGN(style,
                   read_choice(*it, "launcher", "style", std::array<std::string_view, 2>{"round", "flat"}, "round"));
    s.launcher.flat = style == "flat";
    OTK_TRY_ASSIGN(s.launcher.label, read_text(*it, "launcher", "label", 0, 30, std::string()));
  }
  if (const auto it = j.find("goals"); it != j.end()) {
    OTK_TRY(only_keys(*it, "goals", {"yandex_metrica", "google"}));
    OTK_TRY_ASSIGN(s.goals.yandex_metrica, read_int(*it, "goals", "yandex_metrica", 0, 9'999'999'999, 0));
    OTK_TRY_ASSIGN(s.goals.google, read_bool(*it, "goals", "google", false));
  }
  if (const auto it = j.find("bot"); it != j.end()) {
    OTK_TRY(only_keys(*it, "bot", {"enabled", "name", "threshold"}));
    OTK_TRY_ASSIGN(s.bot.enabled, read_bool(*it, "bot", "enabled", false));
    OTK_TRY_ASSIGN(s.bot.name, read_text(*it, "bot", "name", 1, 40, s.bot.name));
    if (const auto t = it->find("threshold"); t != it->end()) {
      if (!t->is_number() || t->get<double>() < 0.1 || t->get<double>() > 0.95) {
        return bad("bot.threshold", "must be 0.1..0.95");
      }
      s.bot.threshold = t->get<double>();
    }
  }
  return s;
}

Result<EngageSettings> engage_settings_from_json(std::string_view text, std::string_view language) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(Errc::bad_json, "engage settings are not JSON");
  return engage_settings_from_document(j, language);
}

json engage_settings_to_json(const EngageSettings& s) {
  json triggers = json::array();
  for (const auto& t : s.triggers) triggers.push_back(trigger_json(t));
  json greetings = json::object();
  for (const auto& [k, v] : s.campaign.greetings) greetings[k] = v;
  return json{
      {"triggers", std::move(triggers)},
      {"guards", {{"period_hours", s.guards.period_hours}, {"excluded_pages", s.guards.excluded_pages}}},
      {"campaign", {{"medium", s.campaign.medium}, {"greeting", s.campaign.greeting}, {"greetings", greetings}}},
      {"launcher", {{"style", s.launcher.flat ? "flat" : "round"}, {"label", s.launcher.label}}},
      {"goals", {{"yandex_metrica", s.goals.yandex_metrica}, {"google", s.goals.google}}},
      {"bot", {{"enabled", s.bot.enabled}, {"name", s.bot.name}, {"threshold", s.bot.threshold}}}};
}

json engage_widget_json(const EngageSettings& s, bool callback_enabled) {
  auto j = engage_settings_to_json(s);
  json triggers = json::array();
  for (const auto& t : s.triggers) {
    const bool shown = t.enabled && (callback_enabled || t.action.type != ActionType::callback_offer);
    if (shown) triggers.push_back(trigger_json(t));
  }
  j["triggers"] = std::move(triggers);
  j["bot"].erase("threshold");
  return j;
}

json engage_presets(std::string_view language) {
  if (english(language)) {
    return json::array({
        preset("shop", "Online shop",
               "Someone has opened three products and spent over a minute on the site: they are choosing. A small "
               "hint appears by the chat button; the chat itself stays closed.",
               teaser_trigger("shop-browse",
                              json::array({{{"type", "pages_viewed"}, {"min", 3}},
                                           {{"type", "time_on_site"}, {"min_seconds", 60}}}),
                              "Looking for {utm_term|something special}? We'll help you pick — just ask here.")),
        preset("landing", "Landing page",
               "They read half the page and headed for the close button. One last chance to clear up whatever "
               "stopped them. Desktop only: phones have no such gesture.",
               teaser_trigger("landing-exit",
                              json::array({{{"type", "scroll_depth"}, {"min_percent", 50}}, {{"type", "exit_intent"}}}),
                              "Leaving already? If something is still unclear, ask — a real person will answer.")),
        preset("service", "Services",
               "Forty seconds on your prices page means they are working out a budget. Offer to do the maths for "
               "them.",
               teaser_trigger("service-prices",
                              json::array({{{"type", "time_on_page"}, {"min_seconds", 40}},
                                           {{"type", "url"}, {"pattern", "*price*"}}}),
                              "Working out the cost? Tell us what you need and we'll price it for you.")),
    });
  }
  return json::array({
      preset("shop", "Интернет-магазин",
             "Покупатель открыл три товара и провёл на сайте больше минуты — похоже, выбирает. Рядом с кнопкой чата "
             "появится подсказка, сам чат не откроется.",
             teaser_trigger(
                 "shop-browse",
                 json::array({{{"type", "pages_viewed"}, {"min", 3}}, {{"type", "time_on_site"}, {"min_seconds", 60}}}),
                 "Ищете {utm_term|что-то особенное}? Подскажем с выбором и расскажем про доставку.")),
      preset("landing", "Лендинг",
             "Человек дочитал страницу до середины и потянулся закрыть вкладку. Последний шанс ответить на то, что "
             "его остановило. Только на компьютере: на телефоне такого жеста нет.",
             teaser_trigger("landing-exit",
                            json::array({{{"type", "scroll_depth"}, {"min_percent", 50}}, {{"type", "exit_intent"}}}),
                            "Уже уходите? Если что-то осталось непонятным — спросите, ответит живой человек.")),
      preset("service", "Услуги",
             "Сорок секунд на странице с ценами — человек прикидывает бюджет. Предложите посчитать за него.",
             teaser_trigger("service-prices",
                            json::array({{{"type", "time_on_page"}, {"min_seconds", 40}},
                                         {{"type", "url"}, {"pattern", "*price*"}}}),
                            "Прикидываете стоимость? Расскажите, что нужно сделать, — посчитаем под вашу задачу.")),
  });
}

std::string fill_placeholders(std::string_view text, const std::map<std::string, std::string>& utm,
                              std::string_view referrer) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto close = text[i] == '{' ? text.find('}', i + 1) : std::string_view::npos;
    const auto inner = close == std::string_view::npos ? std::string_view{} : text.substr(i + 1, close - i - 1);
    const auto bar = inner.find('|');
    const auto name = inner.substr(0, bar);
    if (!is_placeholder_name(name) || inner.find('{') != std::string_view::npos) {
      out.push_back(text[i]);
      continue;
    }
    auto value = trim(utm_value(utm, name == "utm_term" ? "term" : "campaign"));
    if (value.empty() && name == "utm_term") value = trim(search_phrase(referrer));
    if (!value.empty()) out += truncate_utf8(value, kPlaceholderValueChars);
    else if (bar != std::string_view::npos) out += inner.substr(bar + 1);
    i = close;
  }
  return out;
}

Decision evaluate(const EngageSettings& s, const VisitorFacts& f, const GuardState& g, double now_ms) {
  if (f.chat_open || f.visitor_wrote || g.dismissed) return {};
  if (g.last_invitation_ms && now_ms - *g.last_invitation_ms < s.guards.period_hours * 3'600'000.0) return {};
  if (excluded(s.guards, f.path_and_query)) return {};
  if (f.email_campaign) {
    const auto campaign = lower_utf8(utm_value(f.utm, "campaign"));
    if (!g.campaigns_opened.contains(campaign)) {
      const auto it = s.campaign.greetings.find(campaign);
      const auto& text = it != s.campaign.greetings.end() ? it->second : s.campaign.greeting;
      if (!text.empty()) return Decision{"campaign", f.device != "mobile", fill_placeholders(text, f.utm, f.referrer)};
    }
  }
  for (const auto& t : s.triggers) {
    if (t.enabled && triggered(t, f)) {
      return Decision{t.id, false, fill_placeholders(headline(t.action), f.utm, f.referrer)};
    }
  }
  return {};
}

}  // namespace otk

#undef OTK_TRY
#undef OTK_TRY_ASSIGN
