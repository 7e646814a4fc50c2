// A site's engagement set-up (docs/engagement.md): proactive triggers, the guards that keep them polite, the
// e-mail campaign greeting, the launcher, analytics goals and the FAQ bot's switches. One JSON document per site,
// validated here only, so the console, the CLI and the REST API share one definition of a valid document.
//
// The browser loader evaluates the document; `evaluate` below is the reference for what it must decide, pinned by
// the conformance vectors in testdata/evaluate.json that the loader's own tests run as well.
#pragma once
#include <concepts>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.hpp"

namespace otk {

// ---- the document ----------------------------------------------------------------------------------

inline constexpr std::size_t kMaxTriggers = 20;
inline constexpr std::size_t kMaxConditions = 10;
inline constexpr std::size_t kMaxExcludedPages = 50;
inline constexpr std::size_t kMaxCampaignGreetings = 100;
inline constexpr std::size_t kPlaceholderValueChars = 60;

enum class ConditionType {
  time_on_page, time_on_site, pages_viewed, visit_count, inactivity, scroll_depth, exit_intent,
  url, referrer, utm, logged_in, email_campaign, device, event,
};
[[nodiscard]] std::string_view condition_type_name(ConditionType t);

/// One condition. A flat record: only the fields of its type are meaningful (and written to JSON).
struct Condition {
  ConditionType type = ConditionType::time_on_page;
  int min_seconds = 0;     // time_on_page, time_on_site
  int min = 0;             // pages_viewed, visit_count
  std::optional<int> max;  // visit_count
  int seconds = 0;         // inactivity
  int min_percent = 0;     // scroll_depth
  std::string pattern;     // url: glob on path + query
  std::string contains;    // referrer
  std::string param;       // utm: source | medium | campaign | term | content
  std::string equals;      // utm
  bool logged_in = false;  // logged_in (JSON "value")
  std::string device;      // device (JSON "value"): desktop | mobile | tablet
  std::string name;        // event
  bool operator==(const Condition&) const = default;
};

enum class ActionType { teaser, banner, poll, callback_offer };
[[nodiscard]] std::string_view action_type_name(ActionType t);

struct Action {
  ActionType type = ActionType::teaser;
  std::string text;                  // teaser, callback_offer (1..200); banner (0..300)
  std::string title;                 // banner
  std::string link, link_text;       // banner: both or neither; link is https
  std::string question;              // poll
  std::vector<std::string> options;  // poll: 2..5, unique (case-insensitively)
  bool operator==(const Action&) const = default;
};

struct Trigger {
  std::string id;  // 1..40 of a-z 0-9 -; "campaign" is reserved for the campaign greeting's events
  bool enabled = true;
  bool match_any = false;  // JSON "match": "all" (default) | "any"
  std::vector<Condition> conditions;
  Action action;
  bool operator==(const Trigger&) const = default;
};

/// The doc's default list, used when "excluded_pages" is absent (an explicit [] is kept empty).
[[nodiscard]] const std::vector<std::string>& default_excluded_pages();

struct Guards {
  int period_hours = 24;
  std::vector<std::string> excluded_pages = default_excluded_pages();
  bool operator==(const Guards&) const = default;
};

struct Campaign {
  std::string medium = "email";  // compared with utm_medium case-insensitively (by the loader)
  std::string greeting;          // "" = none
  std::map<std::string, std::string> greetings;  // keyed by utm_campaign, stored lower-cased
  bool operator==(const Campaign&) const = default;
};

struct Launcher {
  bool flat = false;  // JSON "style": "round" (default) | "flat"
  std::string label;  // 0..30
  bool operator==(const Launcher&) const = default;
};

struct Goals {
  std::int64_t yandex_metrica = 0;  // counter id, 0 = off
  bool google = false;
  bool operator==(const Goals&) const = default;
};

/// The bot's default name in the site's language: "Робот Отклик" or "Otklik bot".
[[nodiscard]] std::string default_bot_name(std::string_view language);

struct BotSettings {
  bool enabled = false;
  std::string name = default_bot_name("ru");  // from_json fills the site language's default when absent
  double threshold = 0.5;
  bool operator==(const BotSettings&) const = default;
};

struct EngageSettings {
  std::vector<Trigger> triggers;
  Guards guards;
  Campaign campaign;
  Launcher launcher;
  Goals goals;
  BotSettings bot;
  bool operator==(const EngageSettings&) const = default;
};

/// The defaults of a site in this language ("en"…: English; anything else: Russian, the house default).
[[nodiscard]] EngageSettings default_engage_settings(std::string_view language);

/// Parses and validates. Unknown keys are refused, missing ones take their defaults (bot.name: the language's).
/// Texts are trimmed. Errors: bad_json (not JSON), bad_request naming the field path
/// ("triggers[1].conditions[0].min_seconds: must be 1..86400").
[[nodiscard]] Result<EngageSettings> engage_settings_from_json(std::string_view text, std::string_view language = "ru");
[[nodiscard]] Result<EngageSettings> engage_settings_from_document(const nlohmann::json& doc,
                                                                   std::string_view language = "ru");
/// The same from a parsed document. A constrained template so that a string literal stays unambiguous.
template <class J>
  requires std::same_as<std::remove_cvref_t<J>, nlohmann::json>
[[nodiscard]] Result<EngageSettings> engage_settings_from_json(J&& doc, std::string_view language = "ru") {
  return engage_settings_from_document(doc, language);
}

/// The full document with every default written out; engage_settings_from_json reads it back unchanged.
[[nodiscard]] nlohmann::json engage_settings_to_json(const EngageSettings& s);

/// What the browser loader gets: the document's shape with only enabled triggers and the bot's public part
/// ({enabled, name}; the threshold stays on the server). A callback_offer is shown only where callback is on, so
/// with callback_enabled false those triggers are left out too.
[[nodiscard]] nlohmann::json engage_widget_json(const EngageSettings& s, bool callback_enabled = true);

/// Three editable starting points, shop / landing / service: [{id, name, description, trigger}].
[[nodiscard]] nlohmann::json engage_presets(std::string_view language);

// ---- shared text helpers (politeness uses them too) ------------------------------------------------

/// Lower-case for matching: ASCII, Latin-1 and Cyrillic letters; everything else is copied as it is.
[[nodiscard]] std::string lower_utf8(std::string_view s);

/// The word of the doc's list ("телефон", "номер", "почт", "e-mail", "email", "phone", "number") that starts a
/// word of text, case-insensitively; "" when none. "почти" ("almost") is not a request for an e-mail.
[[nodiscard]] std::string contact_request_word(std::string_view text);

// ---- the reference evaluator -----------------------------------------------------------------------

/// What the loader knows on this page. utm is keyed without the prefix ("term", "campaign", …), values
/// percent-decoded; email_campaign: this visit's landing URL had utm_medium = campaign.medium.
struct VisitorFacts {
  double time_on_page_s = 0, time_on_site_s = 0;
  int pages_viewed = 1, visit_count = 1;
  double inactive_s = 0;
  int scroll_percent = 0;  // 100 on a page that does not scroll
  bool exit_intent = false;
  std::string path_and_query = "/", referrer;
  std::map<std::string, std::string> utm;
  bool logged_in = false, email_campaign = false;
  std::string device = "desktop";
  std::set<std::string> events;
  bool chat_open = false, visitor_wrote = false;
};

/// The guards' memory in the visitor's browser. campaigns_opened holds lower-cased utm_campaign values.
struct GuardState {
  std::optional<double> last_invitation_ms;
  bool dismissed = false;
  std::set<std::string> campaigns_opened;
};

/// trigger: a trigger id, "campaign" for the campaign greeting, or "" for nothing to show. greeting: the
/// invitation's headline with placeholders filled (teaser/callback_offer text, banner title, poll question, or
/// the campaign greeting).
struct Decision {
  std::string trigger;
  bool auto_open = false;
  std::string greeting;
  bool operator==(const Decision&) const = default;
};

/// Guards first (chat open or visitor wrote, dismissed, period, excluded pages — they hold for the campaign
/// greeting too), then the campaign greeting (auto-open once per utm_campaign, a teaser on phones), then the
/// first enabled trigger whose conditions hold, in document order. Matching: url globs are case-sensitive (as
/// routing's), excluded pages are not (a guard errs on the side of silence); referrer and utm ignore case;
/// exit_intent holds on desktop only.
[[nodiscard]] Decision evaluate(const EngageSettings& s, const VisitorFacts& f, const GuardState& g, double now_ms);

/// {utm_term} / {utm_campaign}, optionally "{utm_term|fallback}". utm_term falls back to the referrer's search
/// phrase (its text= parameter, else q=). Values are trimmed and cut to 60 characters; an empty value takes the
/// fallback (or nothing). Anything else in braces is left as it is (validation refuses it anyway).
[[nodiscard]] std::string fill_placeholders(std::string_view text, const std::map<std::string, std::string>& utm,
                                            std::string_view referrer);

}  // namespace otk
