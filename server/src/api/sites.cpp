// Sites in the console (docs/api.md, "Sites"): owners and admins list, create and change their account's sites —
// name, allowed origins, language, time zone, appearance, working hours and the first-response timer — without the
// command line. Every change reaches the in-memory copies at once (the desk's schedules, timers and memberships,
// the FAQ bot's cache, and the site cache that serves the widget loader, the visitor socket and uploads).
#include <regex>

#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/bot.hpp"
#include "api/db_await.hpp"
#include "api/desk.hpp"
#include "core/hours/hours.hpp"
#include "core/tenancy/site_rules.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

constexpr int kMinTimer = 5, kMaxTimer = 600;

std::string snippet(const HttpRequest& req, const std::string& key) {
  return "<script src=\"" + own_origin(req) + "/widget.js?site=" + key + "\" async></script>";
}

json site_json(const HttpRequest& req, const Site& s) {
  const auto& a = s.appearance;
  json hours = json::parse(s.hours, nullptr, false);
  if (hours.is_discarded()) hours = nullptr;
  return json{{"id", s.id.value},
              {"key", s.key},
              {"name", s.name},
              {"allowed_origins", s.allowed_origins},
              {"language", s.language},
              {"timezone", s.timezone},
              {"appearance",
               {{"color", a.color}, {"position", a.position}, {"title", a.title}, {"greeting", a.greeting},
                {"launcher", a.launcher}, {"operator_name", a.operator_name}, {"vendor_link", a.vendor_link},
                {"typing_preview", a.typing_preview}}},
              {"hours", std::move(hours)},
              {"first_response_seconds", s.first_response_seconds ? json(*s.first_response_seconds) : json(nullptr)},
              {"embed", snippet(req, s.key)}};
}

Error named(std::string_view field, const Error& e) { return {e.code, std::string(field) + ": " + e.message}; }

Result<std::string> string_of(const json& v, std::string_view field) {
  if (!v.is_string()) return fail(Errc::bad_request, std::string(field) + ": must be a string");
  return v.get<std::string>();
}

/// Applies one field of the body to the site and checks the site again (normalize_site), so that an error is
/// that field's. `site` is valid on entry.
Result<void> apply(Site& site, std::string_view field, const json& v) {
  Site next = site;
  if (field == "name") {
    auto s = string_of(v, field);
    if (!s) return std::unexpected(s.error());
    next.name = *s;
  } else if (field == "allowed_origins") {
    if (!v.is_array() || v.empty() || v.size() > 50) {
      return fail(Errc::bad_request, "allowed_origins: must be a list of 1..50 origins such as https://shop.example");
    }
    next.allowed_origins.clear();
    for (const auto& o : v) {
      if (!o.is_string()) return fail(Errc::bad_request, "allowed_origins: every origin must be a string");
      next.allowed_origins.push_back(o.get<std::string>());
    }
  } else if (field == "language") {
    auto s = string_of(v, field);
    if (!s) return std::unexpected(s.error());
    if (*s != "ru" && *s != "en") return fail(Errc::bad_request, "language: must be ru or en");
    next.language = *s;
  } else if (field == "timezone") {
    auto s = string_of(v, field);
    if (!s) return std::unexpected(s.error());
    if (auto zone = find_zone(*s); !zone) {
      return fail(Errc::bad_request, "timezone: '" + s->substr(0, 64) + "' is not a time zone of the server's tz database");
    }
    next.timezone = *s;
  } else if (field == "hours") {
    if (!v.is_string() && !v.is_object()) {
      return fail(Errc::bad_request, "hours: must be an object or text such as \"mon-fri 09:00-18:00\"");
    }
    auto hours = v.is_string() ? parse_hours(v.get<std::string>()) : hours_from_json(v.dump());
    if (!hours) {
      Error e = hours.error();
      if (e.message.starts_with("stored ")) e.message.erase(0, 7);  // the reader's words for the database
      return std::unexpected(named(field, e));
    }
    next.hours = hours_to_json(*hours);
  } else if (field == "first_response_seconds") {
    if (v.is_null()) {
      next.first_response_seconds.reset();
    } else {
      if (!v.is_number_integer() || v.get<std::int64_t>() < kMinTimer || v.get<std::int64_t>() > kMaxTimer) {
        return fail(Errc::bad_request, "first_response_seconds: must be a whole number of seconds from 5 to 600, or null");
      }
      next.first_response_seconds = static_cast<int>(v.get<std::int64_t>());
    }
  } else if (field == "appearance") {
    if (!v.is_object()) return fail(Errc::bad_request, "appearance: must be an object");
    auto& a = next.appearance;
    for (const auto& [k, x] : v.items()) {
      const std::string name = "appearance." + k;
      std::string* text = k == "color"           ? &a.color
                          : k == "position"      ? &a.position
                          : k == "title"         ? &a.title
                          : k == "greeting"      ? &a.greeting
                          : k == "launcher"      ? &a.launcher
                          : k == "operator_name" ? &a.operator_name
                                                 : nullptr;
      bool* flag = k == "vendor_link" ? &a.vendor_link : k == "typing_preview" ? &a.typing_preview : nullptr;
      if (text) {
        auto s = string_of(x, name);
        if (!s) return std::unexpected(s.error());
        *text = *s;
      } else if (flag) {
        if (!x.is_boolean()) return fail(Errc::bad_request, name + ": must be true or false");
        *flag = x.get<bool>();
      } else {
        return fail(Errc::bad_request, name + ": unknown field");
      }
      // Each appearance field on its own, so the error names it.
      Site probe = site;
      probe.appearance = a;
      if (auto ok = normalize_site(probe); !ok) return std::unexpected(named(name, ok.error()));
    }
  } else {
    return fail(Errc::bad_request, std::string(field) + ": unknown field");
  }
  auto clean = normalize_site(std::move(next));
  if (!clean) return std::unexpected(named(field, clean.error()));
  site = std::move(*clean);
  return {};
}

/// Every field of the body, in a fixed order (so the first bad one is always the one named).
Result<void> apply_body(Site& site, const json& body) {
  static constexpr std::string_view kFields[] = {"name", "allowed_origins", "language", "timezone",
                                                  "appearance", "hours", "first_response_seconds"};
  for (const auto& [k, v] : body.items()) {
    if (k == "key") continue;
    if (std::ranges::find(kFields, std::string_view(k)) == std::end(kFields)) {
      return fail(Errc::bad_request, k + ": unknown field");
    }
  }
  for (const auto field : kFields) {
    const auto it = body.find(std::string(field));
    if (it == body.end()) continue;
    if (auto r = apply(site, field, *it); !r) return r;
  }
  return {};
}

}  // namespace

net::awaitable<Result<Site>> App::member_site(const OperatorScope& scope, const std::string& key) {
  auto list_sites = [scope](Storage& st) { return st.sites_of(scope); };
  auto sites = co_await db_read<std::vector<Site>>(s_.db, list_sites);
  if (!sites) co_return std::unexpected(sites.error());
  auto found = std::ranges::find(*sites, key, &Site::key);
  if (found == sites->end()) co_return fail(Errc::not_found, "no such site");
  co_return std::move(*found);
}

net::awaitable<HttpResponse> App::sites(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  if (!may_manage(sc.op.role)) co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins manage sites"});

  auto list_sites = [sc](Storage& st) { return st.sites_of(sc); };
  if (rest.empty() && !write) {
    auto sites = co_await db_read<std::vector<Site>>(s_.db, list_sites);
    if (!sites) co_return error_response(s_.metrics, sites.error());
    json out{{"sites", json::array()}, {"default_first_response_seconds", nullptr}};
    for (const auto& s : *sites) out["sites"].push_back(site_json(req, s));
    if (s_.desk) out["default_first_response_seconds"] = s_.desk->first_response().count() / 1000;
    co_return json_response(http::status::ok, dump(out));
  }

  const bool create = rest.empty() && verb == http::verb::post;
  const bool patch = rest.size() > 1 && rest.front() == '/' && verb == http::verb::patch;
  if (!create && !patch) co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
  auto body = json_object_body(req);
  if (!body) co_return error_response(s_.metrics, body.error());

  Site site;
  if (create) {
    const auto key = body->find("key");
    static const std::regex kKey("[a-z0-9-]{2,40}");
    if (key == body->end() || !key->is_string() || !std::regex_match(key->get<std::string>(), kKey)) {
      co_return error_response(s_.metrics, {Errc::bad_request, "key: must be 2..40 characters of a-z, 0-9 and '-'"});
    }
    for (const auto* required : {"name", "allowed_origins"}) {
      if (!body->contains(required)) {
        co_return error_response(s_.metrics, {Errc::bad_request, std::string(required) + ": a new site needs it"});
      }
    }
    // A valid starting point; the body's fields replace it one by one.
    site.account = sc.op.account;
    site.key = key->get<std::string>();
    site.name = "-";
    site.allowed_origins = {"https://example.com"};
  } else {
    auto found = co_await member_site(sc, std::string(rest.substr(1)));
    if (!found) co_return error_response(s_.metrics, found.error());
    site = std::move(*found);
    if (const auto k = body->find("key"); k != body->end() && *k != json(site.key)) {
      co_return error_response(s_.metrics, {Errc::bad_request, "key: a site's key cannot change (it is in the embed snippet)"});
    }
  }
  if (auto applied = apply_body(site, *body); !applied) co_return error_response(s_.metrics, applied.error());

  const auto now = s_.clock.now();
  const OperatorId creator = sc.op.id;
  if (create) {
    auto store = [site, creator, now](Storage& st) { return st.create_site(site, creator, now); };
    auto made = co_await db_write<Site>(s_.db, store);
    if (!made) co_return error_response(s_.metrics, made.error());
    site = std::move(*made);
  } else {
    auto store = [sc, site](Storage& st) { return st.update_site(sc, site); };
    auto done = co_await db_write<void>(s_.db, store);
    if (!done) co_return error_response(s_.metrics, done.error());
  }

  // The in-memory copies: the desk's sites, schedules, timers and who serves what; the bot's settings (they
  // follow the site's language).
  if (s_.bot) s_.bot->invalidate(site.id);
  site_cache_.forget(site.key);  // the next visitor socket reads the new origins and texts
  if (s_.desk) {
    auto read_snapshot = [](Storage& st) { return st.desk_snapshot(); };
    auto snap = co_await db_read<DeskSnapshot>(s_.db, read_snapshot);
    if (snap) {
      // Members of a new site: their consoles reconnect and receive it (a socket's sites are fixed at hello).
      std::vector<OperatorId> members;
      if (create) {
        DepartmentId dept;
        for (const auto& d : snap->departments) {
          if (d.site == site.id && d.is_default) dept = d.id;
        }
        for (const auto& o : snap->operators) {
          if (std::ranges::find(o.departments, dept) != o.departments.end()) members.push_back(o.id);
        }
      }
      s_.desk->refresh(std::move(*snap));
      for (const auto op : members) s_.hub.close_operator(op, 4002, "sites changed");
    }
  }
  if (!create) {
    // Consoles of the site's operators mark late chats by its timer.
    const Millis fallback = s_.desk ? s_.desk->first_response() : Millis(25'000);
    s_.hub.to_site_operators(site.id, share(proto::site_frame(site, fallback)));
  }
  co_return json_response(create ? http::status::created : http::status::ok, dump(json{{"site", site_json(req, site)}}));
}

}  // namespace otk
