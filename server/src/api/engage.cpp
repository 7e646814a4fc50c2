// Engagement over REST (docs/engagement.md): a site's settings document, its politeness report, the FAQ bot's
// knowledge base and a "what would the bot do" probe, the figures, and the widget's public event counter.
// Everyone on a site reads; owners and admins write (these settings change what every visitor sees).
#include <charconv>

#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/bot.hpp"
#include "api/db_await.hpp"
#include "core/callback/settings.hpp"
#include "core/engage/politeness.hpp"
#include "core/hours/hours.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

json kb_json(const KbEntry& e) {
  return json{{"id", e.id}, {"question", e.question}, {"phrasings", e.phrasings}, {"answer", e.answer},
              {"updated_at", to_unix_ms(e.updated_at)}};
}


/// "YYYY-MM-DD" as the UTC midnight it starts; nullopt for anything else.
std::optional<TimePoint> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::from_chars(s.data(), s.data() + 4, y).ec != std::errc{} ||
      std::from_chars(s.data() + 5, s.data() + 7, m).ec != std::errc{} ||
      std::from_chars(s.data() + 8, s.data() + 10, d).ec != std::errc{}) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::time_point_cast<TimePoint::duration>(date::sys_days{ymd});
}

std::string day_of(TimePoint t) {
  const date::year_month_day ymd{date::floor<date::days>(t)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<KbEntry> kb_from_body(std::string_view text) {
  const json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return fail(Errc::bad_request, "body must be a JSON object");
  for (const auto& [k, _] : body.items()) {
    if (k != "question" && k != "phrasings" && k != "answer") return fail(Errc::bad_request, k + ": unknown field");
  }
  if (!body.contains("question") || !body["question"].is_string()) return fail(Errc::bad_request, "question: must be a string");
  if (!body.contains("answer") || !body["answer"].is_string()) return fail(Errc::bad_request, "answer: must be a string");
  KbEntry e;
  e.question = body["question"].get<std::string>();
  e.answer = body["answer"].get<std::string>();
  if (body.contains("phrasings")) {
    const auto& p = body["phrasings"];
    if (!p.is_array()) return fail(Errc::bad_request, "phrasings: must be an array of strings");
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (!p[i].is_string()) return fail(Errc::bad_request, "phrasings[" + std::to_string(i) + "]: must be a string");
      e.phrasings.push_back(p[i].get<std::string>());
    }
  }
  return validate_kb_entry(std::move(e));
}

bool json_content(const HttpRequest& req) {
  return req[http::field::content_type].find("application/json") != std::string_view::npos;
}

}  // namespace

net::awaitable<HttpResponse> App::engage_presets(const HttpRequest& req) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const std::string lang = query_param(req.target(), "lang").value_or("ru") == "en" ? "en" : "ru";
  co_return json_response(http::status::ok, dump(json{{"presets", otk::engage_presets(lang)}}));
}

net::awaitable<HttpResponse> App::site_settings(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  // rest: "{key}/engage", "{key}/kb/12", ...
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  const std::string key(rest.substr(0, slash));
  const std::string_view what = rest.substr(slash + 1);
  // Only a member of the site sees it; to everyone else it does not exist.
  auto found = co_await member_site(sc, key);
  if (!found) co_return error_response(s_.metrics, found.error());
  const Site site = std::move(*found);
  if (write && !may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins change a site's engagement"});
  }
  if (!s_.bot) co_return error_response(s_.metrics, {Errc::unavailable, "engagement is not running"});
  const SiteId site_id = site.id;

  if (what == "engage" && !write) {
    auto setup = co_await s_.bot->setup(site);
    if (!setup) co_return error_response(s_.metrics, setup.error());
    co_return json_response(http::status::ok, dump(json{{"settings", engage_settings_to_json((*setup)->settings)}}));
  }
  if (what == "engage" && verb == http::verb::put) {
    if (!json_content(req)) co_return error_response(s_.metrics, {Errc::bad_request, "Content-Type must be application/json"});
    auto parsed = engage_settings_from_json(std::string_view(req.body()), site.language);
    if (!parsed) co_return error_response(s_.metrics, parsed.error());
    const json doc = engage_settings_to_json(*parsed);
    const std::string text = doc.dump();
    auto store = [site_id, text](Storage& st) { return st.set_engage_settings(site_id, text); };
    auto stored = co_await db_write<void>(s_.db, store);
    if (!stored) co_return error_response(s_.metrics, stored.error());
    s_.bot->invalidate(site_id);
    co_return json_response(http::status::ok, dump(json{{"settings", doc}}));
  }
  if (what == "politeness" && !write) {
    auto setup = co_await s_.bot->setup(site);
    if (!setup) co_return error_response(s_.metrics, setup.error());
    auto count_photos = [site_id](Storage& st) { return st.site_operator_photos(site_id); };
    auto photos = co_await db_read<std::pair<int, int>>(s_.db, count_photos);
    if (!photos) co_return error_response(s_.metrics, photos.error());
    auto read_callback = [site_id](Storage& st) { return st.callback_settings(site_id); };
    auto callback = co_await db_read<std::optional<std::string>>(s_.db, read_callback);
    PolitenessInput in;
    in.engage = &(*setup)->settings;
    in.appearance = site.appearance;
    auto hours = hours_from_json(site.hours);
    in.always_open = !hours || hours->always_open;
    in.hours_configured = site.hours != Site{}.hours;
    const TimePoint month_ago = s_.clock.now() - std::chrono::days(30);
    auto read_response = [site_id, month_ago](Storage& st) { return st.average_first_response(site_id, month_ago); };
    auto response = co_await db_read<int>(s_.db, read_response);
    if (!response) co_return error_response(s_.metrics, response.error());
    in.first_response_seconds = *response;
    in.operators = photos->first;
    in.operators_with_photo = photos->second;
    if (callback && *callback) {
      auto parsed = callback_settings_from_json(**callback);
      in.callback_enabled = parsed && parsed->enabled;
    }
    in.language = site.language;
    json checks = json::array();
    for (const auto& c : politeness_report(in)) {
      checks.push_back(json{{"id", c.id}, {"ok", c.ok}, {"title", c.title}, {"explain", c.explain}});
    }
    co_return json_response(http::status::ok, dump(json{{"checks", checks}}));
  }
  if (what == "engage/stats" && !write) {
    const auto now = s_.clock.now();
    const auto from_text = query_param(req.target(), "from");
    const auto to_text = query_param(req.target(), "to");
    const auto from = from_text ? parse_day(*from_text) : std::optional(now - std::chrono::days(29));
    const auto to = to_text ? parse_day(*to_text) : std::optional(now);
    if (!from || !to || *to < date::floor<date::days>(*from)) {
      co_return error_response(s_.metrics, {Errc::bad_request, "from and to must be days YYYY-MM-DD, from <= to"});
    }
    const std::string from_day = day_of(*from), to_day = day_of(*to);
    const TimePoint start = *parse_day(from_day), end = *parse_day(to_day) + std::chrono::days(1);
    auto read_triggers = [site_id, from_day, to_day](Storage& st) { return st.engage_stats(site_id, from_day, to_day); };
    auto triggers = co_await db_read<std::vector<TriggerStats>>(s_.db, read_triggers);
    if (!triggers) co_return error_response(s_.metrics, triggers.error());
    auto read_bot = [site_id, start, end](Storage& st) { return st.bot_stats(site_id, start, end); };
    auto bot = co_await db_read<BotStats>(s_.db, read_bot);
    if (!bot) co_return error_response(s_.metrics, bot.error());
    // A poll reports every option, also those nobody chose yet.
    auto setup = co_await s_.bot->setup(site);
    if (!setup) co_return error_response(s_.metrics, setup.error());
    for (auto& x : *triggers) {
      for (const auto& tr : (*setup)->settings.triggers) {
        if (tr.id == x.trigger && tr.action.type == ActionType::poll && x.answers.size() < tr.action.options.size()) {
          x.answers.resize(tr.action.options.size());
        }
      }
    }
    json t = json::array();
    for (const auto& x : *triggers) {
      t.push_back(json{{"trigger", x.trigger}, {"shown", x.shown}, {"accepted", x.accepted}, {"dismissed", x.dismissed},
                       {"answers", x.answers}});
    }
    json reasons = json::object();
    for (const auto& r : {"asked", "low_confidence", "not_helpful", "operator"}) reasons[r] = 0;
    for (const auto& [reason, n] : bot->handoff_reasons) reasons[reason] = n;
    co_return json_response(http::status::ok,
                            dump(json{{"from", from_day}, {"to", to_day}, {"triggers", t},
                                      {"bot", {{"conversations", bot->conversations}, {"answers", bot->answers},
                                               {"helpful", bot->helpful}, {"not_helpful", bot->not_helpful},
                                               {"handed_off", bot->handed_off}, {"handoff_reasons", reasons}}}}));
  }
  if (what == "kb" && !write) {
    auto read = [site_id](Storage& st) { return st.kb_entries(site_id); };
    auto entries = co_await db_read<std::vector<KbEntry>>(s_.db, read);
    if (!entries) co_return error_response(s_.metrics, entries.error());
    json list = json::array();
    for (const auto& e : *entries) list.push_back(kb_json(e));
    co_return json_response(http::status::ok, dump(json{{"entries", list}}));
  }
  if (what == "kb/try" && verb == http::verb::post) {
    if (!json_content(req)) co_return error_response(s_.metrics, {Errc::bad_request, "Content-Type must be application/json"});
    const json body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("text") || !body["text"].is_string()) {
      co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"text\": string}"});
    }
    auto setup = co_await s_.bot->setup(site);
    if (!setup) co_return error_response(s_.metrics, setup.error());
    const auto turn = bot_turn((*setup)->index, body["text"].get<std::string>(), (*setup)->settings.bot.threshold);
    co_return json_response(
        http::status::ok,
        dump(json{{"entry", turn.answer ? json(*turn.answer) : json(nullptr)},
                  {"confidence", turn.confidence},
                  {"threshold", (*setup)->settings.bot.threshold},
                  {"handoff", turn.handoff ? json(std::string(handoff_reason_name(*turn.handoff))) : json(nullptr)}}));
  }
  if (what == "kb" && verb == http::verb::post) {
    if (!json_content(req)) co_return error_response(s_.metrics, {Errc::bad_request, "Content-Type must be application/json"});
    auto entry = kb_from_body(req.body());
    if (!entry) co_return error_response(s_.metrics, entry.error());
    const KbEntry e = *entry;
    const auto now = s_.clock.now();
    auto put = [site_id, e, now](Storage& st) -> Result<KbEntry> {
      auto existing = st.kb_entries(site_id);
      if (!existing) return std::unexpected(existing.error());
      if (existing->size() >= kMaxKbEntries) return fail(Errc::conflict, "the knowledge base is full (2,000 entries)");
      return st.put_kb_entry(site_id, e, now);
    };
    auto stored = co_await db_write<KbEntry>(s_.db, put);
    if (!stored) co_return error_response(s_.metrics, stored.error());
    s_.bot->invalidate(site_id);
    co_return json_response(http::status::created, dump(kb_json(*stored)));
  }
  if (what.starts_with("kb/") && (verb == http::verb::put || verb == http::verb::delete_)) {
    const auto id = parse_positive_id(what.substr(3));
    if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such knowledge-base entry"});
    const std::int64_t entry_id = *id;
    if (verb == http::verb::delete_) {
      auto drop = [site_id, entry_id](Storage& st) { return st.delete_kb_entry(site_id, entry_id); };
      auto done = co_await db_write<void>(s_.db, drop);
      if (!done) co_return error_response(s_.metrics, done.error());
      s_.bot->invalidate(site_id);
      co_return HttpResponse{http::status::no_content, 11};
    }
    if (!json_content(req)) co_return error_response(s_.metrics, {Errc::bad_request, "Content-Type must be application/json"});
    auto entry = kb_from_body(req.body());
    if (!entry) co_return error_response(s_.metrics, entry.error());
    KbEntry e = *entry;
    e.id = entry_id;
    const auto now = s_.clock.now();
    auto put = [site_id, e, now](Storage& st) { return st.put_kb_entry(site_id, e, now); };
    auto stored = co_await db_write<KbEntry>(s_.db, put);
    if (!stored) co_return error_response(s_.metrics, stored.error());
    s_.bot->invalidate(site_id);
    co_return json_response(http::status::ok, dump(kb_json(*stored)));
  }
  co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
}

// The loader's invitation counts. Public (the visitor's page calls it), so: the page's origin must be the
// site's, the body is small and strict, only the site's own trigger ids count, and each address is rate limited.
// Nothing about the visitor is stored, only per-day counters.
net::awaitable<HttpResponse> App::widget_events(const HttpRequest& req, const std::string& peer_ip) {
  auto key = query_param(req.target(), "site");
  if (!key || key->empty()) co_return error_response(s_.metrics, {Errc::unknown_site, "missing ?site=KEY"});
  auto k = *key;
  auto find_site = [k](Storage& st) { return st.site_by_key(k); };
  auto site = co_await db_read<std::optional<Site>>(s_.db, find_site);
  if (!site) co_return error_response(s_.metrics, site.error());
  if (!*site) co_return error_response(s_.metrics, {Errc::unknown_site, "unknown site key"});
  const std::string origin(req[http::field::origin]);
  const auto& allowed = (*site)->allowed_origins;
  if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
    co_return error_response(s_.metrics, {Errc::origin_not_allowed, "this page's origin is not allowed for the site"});
  }
  {
    std::lock_guard lock(limiter_mu_);
    double retry = 0;
    if (!events_by_ip_.try_take(peer_ip, s_.clock.now(), retry)) {
      co_return error_response(s_.metrics, {Errc::rate_limited, "too many events; slow down"});
    }
  }
  if (!s_.bot) co_return error_response(s_.metrics, {Errc::unavailable, "engagement is not running"});
  auto setup = co_await s_.bot->setup(**site);
  if (!setup) co_return error_response(s_.metrics, setup.error());
  const json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("events") || !body["events"].is_array()) {
    co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"events\": [...]}"});
  }
  const auto& list = body["events"];
  if (list.empty() || list.size() > 20) co_return error_response(s_.metrics, {Errc::bad_request, "events: 1..20 per request"});
  std::vector<EngageEvent> events;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = "events[" + std::to_string(i) + "]";
    const auto& e = list[i];
    if (!e.is_object() || !e.contains("trigger") || !e["trigger"].is_string() || !e.contains("kind") ||
        !e["kind"].is_string()) {
      co_return error_response(s_.metrics, {Errc::bad_request, at + ": must be {\"trigger\": string, \"kind\": string}"});
    }
    EngageEvent ev{e["trigger"].get<std::string>(), e["kind"].get<std::string>(), -1};
    const auto& triggers = (*setup)->settings.triggers;
    const Trigger* trigger = nullptr;
    for (const auto& t : triggers) {
      if (t.id == ev.trigger) trigger = &t;
    }
    if (!trigger && ev.trigger != "campaign") co_return error_response(s_.metrics, {Errc::bad_request, at + ".trigger: not a trigger of this site"});
    if (ev.kind != "shown" && ev.kind != "accepted" && ev.kind != "dismissed" && ev.kind != "answered") {
      co_return error_response(s_.metrics, {Errc::bad_request, at + ".kind: must be shown, accepted, dismissed or answered"});
    }
    if (ev.kind == "answered") {
      const bool poll = trigger && trigger->action.type == ActionType::poll;
      if (!poll || !e.contains("option") || !e["option"].is_number_integer() || e["option"].get<std::int64_t>() < 0 ||
          e["option"].get<std::int64_t>() >= static_cast<std::int64_t>(trigger->action.options.size())) {
        co_return error_response(s_.metrics, {Errc::bad_request, at + ".option: must be the index of one of the poll's options"});
      }
      ev.option = e["option"].get<int>();
    }
    events.push_back(std::move(ev));
  }
  const SiteId site_id = (*site)->id;
  const std::string day = day_of(s_.clock.now());
  auto store = [site_id, day, events](Storage& st) { return st.count_engage_events(site_id, day, events); };
  auto stored = co_await db_write<void>(s_.db, store);
  if (!stored) co_return error_response(s_.metrics, stored.error());
  HttpResponse res{http::status::no_content, 11};
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::vary, "Origin");
  co_return res;
}

}  // namespace otk
