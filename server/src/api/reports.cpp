// Reports and per-site statements (docs/metrics.md, docs/api.md "Reports"): the period's figures as JSON for the
// console's charts and tables, the same figures as CSV, and each site's month for agencies. The store reads, the
// core ReportBuilder adds up (core/analytics); here the request is checked and the answer shaped.
#include <set>

#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "core/hours/hours.hpp"
#include "proto/csv.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

json seconds_or_null(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return (*ms + 500) / 1000;
}

json durations_json(const DurationStats& d) {
  return json{{"count", d.count}, {"median_s", seconds_or_null(d.median_ms)}, {"p90_s", seconds_or_null(d.p90_ms)}};
}

json chats_json(const ChatCounts& c) {
  return json{{"started", c.started},   {"answered", c.answered},     {"missed", c.missed},
              {"bot_only", c.bot_only}, {"handed_off", c.handed_off}};
}

/// [source, medium, campaign] of a campaign_key; three empty strings for "no UTM tags".
std::array<std::string, 3> campaign_parts(const std::string& key) {
  std::array<std::string, 3> out;
  if (key.empty()) return out;
  const auto parts = json::parse(key, nullptr, false);
  if (!parts.is_array() || parts.size() != 3) return out;
  for (std::size_t i = 0; i < 3; ++i) out[i] = parts[i].is_string() ? parts[i].get<std::string>() : "";
  return out;
}

struct ReportRequest {
  ReportFilter filter;
  ReportDays days;
  Team team;
};

json report_json(const Report& r, const ReportRequest& q) {
  const bool site_level = !q.filter.department && !q.filter.op;
  json days = json::array();
  for (std::size_t i = 0; i < r.days.size(); ++i) {
    const auto& d = r.days[i];
    days.push_back(json{{"day", q.days.names[i]}, {"started", d.chats.started}, {"answered", d.chats.answered},
                        {"missed", d.chats.missed}, {"leads", d.leads}, {"callbacks", d.callbacks}});
  }
  auto in_sites = [&](SiteId s) { return q.filter.sites.empty() || std::ranges::find(q.filter.sites, s) != q.filter.sites.end(); };
  json operators = json::array();
  std::set<std::int64_t> listed;
  auto operator_row = [&](std::int64_t id, const std::string& name) {
    listed.insert(id);
    const auto it = r.operators.find(id);
    const GroupFigures g = it == r.operators.end() ? GroupFigures{} : it->second;
    operators.push_back(json{{"id", id}, {"name", name}, {"chats", g.chats.started}, {"answered", g.chats.answered},
                             {"missed", g.chats.missed},
                             {"first_response_median_s", seconds_or_null(g.first_response.median_ms)},
                             {"first_response_p90_s", seconds_or_null(g.first_response.p90_ms)},
                             {"resolution_median_s", seconds_or_null(g.resolution.median_ms)},
                             {"good", g.chats.good}, {"bad", g.chats.bad}});
  };
  for (const auto& m : q.team.operators) {
    const bool serves = q.filter.sites.empty() || std::ranges::any_of(m.departments, [&](DepartmentId d) {
      auto dep = std::ranges::find(q.team.departments, d, &DeskDepartment::id);
      return dep != q.team.departments.end() && in_sites(dep->site);
    });
    if (serves || r.operators.contains(m.id.value)) operator_row(m.id.value, m.name);
  }
  for (const auto& [id, g] : r.operators) {
    if (id != 0 && !listed.contains(id)) operator_row(id, "#" + std::to_string(id));  // no longer in the team
  }
  json departments = json::array();
  for (const auto& d : q.team.departments) {
    if (!in_sites(d.site)) continue;
    const auto it = r.departments.find(d.id.value);
    const GroupFigures g = it == r.departments.end() ? GroupFigures{} : it->second;
    departments.push_back(json{{"id", d.id.value}, {"site", d.site.value}, {"name", d.name},
                               {"started", g.chats.started}, {"answered", g.chats.answered}, {"missed", g.chats.missed},
                               {"first_response_median_s", seconds_or_null(g.first_response.median_ms)},
                               {"first_response_p90_s", seconds_or_null(g.first_response.p90_ms)}});
  }
  json out{{"period", {{"from", q.days.names.front()}, {"to", q.days.names.back()}, {"tz", q.days.tz}}},
           {"filter", {{"site", q.filter.sites.empty() ? json(nullptr) : json(q.filter.sites.front().value)},
                       {"department", q.filter.department ? json(q.filter.department.value) : json(nullptr)},
                       {"operator", q.filter.op ? json(q.filter.op.value) : json(nullptr)}}},
           {"chats", chats_json(r.chats)},
           {"first_response", durations_json(r.first_response)},
           {"resolution", durations_json(r.resolution)},
           {"ratings", {{"good", r.chats.good}, {"bad", r.chats.bad}}},
           {"bot", {{"answers", r.bot_answers}, {"helpful", r.bot_helpful}, {"not_helpful", r.bot_not_helpful}}},
           {"callbacks", nullptr}, {"leads", nullptr}, {"campaigns", nullptr}, {"invitations", nullptr},
           {"days", days}, {"operators", operators}, {"departments", departments}};
  if (site_level) {
    out["callbacks"] = json{{"total", r.callbacks.total}, {"by_status", r.callbacks.by_status},
                            {"talk_seconds", (r.callbacks.talk_ms + 500) / 1000},
                            {"billed_seconds", r.callbacks.billed_seconds}, {"charge", r.callbacks.charge}};
    out["leads"] = json{{"total", r.leads}, {"by_source", r.leads_by_source}};
    json campaigns = json::array();
    for (const auto& [key, c] : r.campaigns) {
      const auto [source, medium, campaign] = campaign_parts(key);
      campaigns.push_back(json{{"source", source}, {"medium", medium}, {"campaign", campaign}, {"chats", c.chats},
                               {"leads", c.leads}, {"callbacks", c.callbacks}});
    }
    out["campaigns"] = campaigns;
    out["invitations"] = json{{"shown", r.invitations_shown}, {"accepted", r.invitations_accepted}};
  }
  return out;
}

/// The report as rows of section, key, metric, value: one long table a spreadsheet can pivot.
std::string report_csv(const json& r) {
  std::string out(proto::kUtf8Bom);
  proto::CsvWriter w(out);
  auto row = [&](std::string_view section, std::string_view key, std::string_view metric, const json& value) {
    w.field(section).field(key).field(metric);
    if (value.is_number_integer()) w.field(value.get<std::int64_t>());
    else w.field(value.is_null() ? "" : value.dump());
    w.end_row();
  };
  for (const char* h : {"section", "key", "metric", "value"}) w.field(h);
  w.end_row();
  for (const auto& [k, v] : r["chats"].items()) row("chats", "", k, v);
  for (const char* d : {"first_response", "resolution"}) {
    for (const auto& [k, v] : r[d].items()) row(d, "", k, v);
  }
  for (const auto& [k, v] : r["ratings"].items()) row("ratings", "", k, v);
  for (const auto& [k, v] : r["bot"].items()) row("bot", "", k, v);
  if (!r["callbacks"].is_null()) {
    for (const auto& [k, v] : r["callbacks"].items()) {
      if (k != "by_status") row("callbacks", "", k, v);
    }
    for (const auto& [k, v] : r["callbacks"]["by_status"].items()) row("callbacks_by_status", k, "calls", v);
    row("leads", "", "total", r["leads"]["total"]);
    for (const auto& [k, v] : r["leads"]["by_source"].items()) row("leads_by_source", k, "leads", v);
    for (const auto& c : r["campaigns"]) {
      const std::string key = c["source"].get<std::string>() + " / " + c["medium"].get<std::string>() + " / " +
                              c["campaign"].get<std::string>();
      for (const char* m : {"chats", "leads", "callbacks"}) row("campaign", key, m, c[m]);
    }
    for (const auto& [k, v] : r["invitations"].items()) row("invitations", "", k, v);
  }
  for (const auto& d : r["days"]) {
    for (const auto& [k, v] : d.items()) {
      if (k != "day") row("day", d["day"].get<std::string>(), k, v);
    }
  }
  for (const auto& [group, section] : {std::pair{"operators", "operator"}, std::pair{"departments", "department"}}) {
    for (const auto& g : r[group]) {
      for (const auto& [k, v] : g.items()) {
        if (k != "id" && k != "name" && k != "site") row(section, g["name"].get<std::string>(), k, v);
      }
    }
  }
  return out;
}

HttpResponse csv_response(std::string body, const std::string& filename) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"" + filename + "\"");  // ASCII: digits and dashes
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

std::string money(std::int64_t kopecks) {
  return std::to_string(kopecks / 100) + "." + (kopecks % 100 < 10 ? "0" : "") + std::to_string(kopecks % 100);
}

}  // namespace

net::awaitable<HttpResponse> App::reports(const HttpRequest& req, bool csv) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  const auto target = req.target();
  ReportRequest q;
  const auto site = site_param(target, sc);
  if (!site) co_return error_response(s_.metrics, site.error());
  if (*site) q.filter.sites.push_back(**site);
  auto read_team = [sc](Storage& st) { return st.team_of(sc); };
  auto team = co_await db_read<Team>(s_.db, read_team);
  if (!team) co_return error_response(s_.metrics, team.error());
  q.team = std::move(*team);
  if (auto dep = query_param(target, "department")) {
    const auto id = parse_positive_id(*dep);
    if (!id) co_return error_response(s_.metrics, {Errc::bad_request, "'department' must be a department id"});
    auto it = std::ranges::find(q.team.departments, DepartmentId{*id}, &DeskDepartment::id);
    if (it == q.team.departments.end()) co_return error_response(s_.metrics, {Errc::not_found, "no such department"});
    q.filter.department = DepartmentId{*id};
  }
  if (auto op = query_param(target, "operator")) {
    const auto id = parse_positive_id(*op);
    if (!id) co_return error_response(s_.metrics, {Errc::bad_request, "'operator' must be an operator id"});
    if (std::ranges::find(q.team.operators, OperatorId{*id}, &Team::Member::id) == q.team.operators.end()) {
      co_return error_response(s_.metrics, {Errc::not_found, "no such operator"});
    }
    q.filter.op = OperatorId{*id};
  }
  // Days are the calendar of `tz`; by default that of the site asked for, else of the first of the viewer's sites.
  std::string tz = "UTC";
  if (auto asked = query_param(target, "tz")) {
    tz = *asked;
  } else {
    auto read_sites = [sc](Storage& st) { return st.sites_of(sc); };
    auto sites = co_await db_read<std::vector<Site>>(s_.db, read_sites);
    if (!sites) co_return error_response(s_.metrics, sites.error());
    for (const auto& s : *sites) {
      if (q.filter.sites.empty() || s.id == q.filter.sites.front()) {
        tz = s.timezone;
        break;
      }
    }
  }
  const auto from = query_param(target, "from"), to = query_param(target, "to");
  if (!from) co_return error_response(s_.metrics, {Errc::bad_request, "'from' is required: the first day, YYYY-MM-DD"});
  if (!to) co_return error_response(s_.metrics, {Errc::bad_request, "'to' is required: the last day, YYYY-MM-DD"});
  const auto range = proto::parse_day_range(std::string_view(*from), std::string_view(*to));
  if (!range) co_return error_response(s_.metrics, range.error());
  auto days = report_days(date::floor<date::days>(range->from), date::floor<date::days>(range->until) - date::days{1}, tz);
  if (!days) co_return error_response(s_.metrics, days.error());
  q.days = std::move(*days);

  ReportBuilder builder(q.days);
  const ReportFilter filter = q.filter;
  const ReportDays* period = &q.days;
  ReportBuilder* sink = &builder;
  auto read = [sc, filter, period, sink](Storage& st) { return st.report_facts(sc, filter, *period, *sink); };
  auto done = co_await db_read<void>(s_.db, read);
  if (!done) co_return error_response(s_.metrics, done.error());
  const json body = report_json(builder.finish(), q);
  if (!csv) co_return json_response(http::status::ok, body.dump(-1, ' ', false, json::error_handler_t::replace));
  co_return csv_response(report_csv(body), "otklik-report-" + q.days.names.front() + "-" + q.days.names.back() + ".csv");
}

net::awaitable<HttpResponse> App::statements(const HttpRequest& req, bool csv) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  if (sc.op.role == Role::operator_) {
    co_return error_response(s_.metrics, {Errc::forbidden, "statements are for owners, admins and supervisors"});
  }
  const auto target = req.target();
  const std::string month = query_param(target, "month").value_or(month_of(s_.clock.now(), "UTC"));
  const auto first = proto::parse_month(month);
  if (!first) co_return error_response(s_.metrics, {Errc::bad_request, "'month' must be YYYY-MM"});
  const auto site = site_param(target, sc);
  if (!site) co_return error_response(s_.metrics, site.error());
  const std::optional<SiteId> only = *site;
  auto read_sites = [sc](Storage& st) { return st.sites_of(sc); };
  auto sites = co_await db_read<std::vector<Site>>(s_.db, read_sites);
  if (!sites) co_return error_response(s_.metrics, sites.error());
  json rows = json::array();
  for (const Site& site : *sites) {
    if (only && site.id != *only) continue;
    // The month of the site's own calendar.
    auto zone = find_zone(site.timezone);
    const date::time_zone* z = zone ? *zone : date::locate_zone("UTC");
    const date::year_month_day ymd{*first};
    const date::local_days start{first->time_since_epoch()};
    const date::local_days end{date::sys_days{(ymd.year() / ymd.month() + date::months{1}) / 1}.time_since_epoch()};
    const TimePoint from = std::chrono::time_point_cast<TimePoint::duration>(z->to_sys(start, date::choose::earliest));
    const TimePoint until = std::chrono::time_point_cast<TimePoint::duration>(z->to_sys(end, date::choose::earliest));
    const SiteId id = site.id;
    auto read = [sc, id, from, until](Storage& st) { return st.site_month(sc, id, from, until); };
    auto m = co_await db_read<SiteMonth>(s_.db, read);
    if (!m) co_return error_response(s_.metrics, m.error());
    json served = json::array();
    for (const auto& o : m->operators) served.push_back(json{{"id", o.id.value}, {"name", o.name}, {"chats", o.chats}});
    rows.push_back(json{{"site", site.id.value}, {"site_name", site.name}, {"timezone", z->name()},
                        {"chats", m->chats}, {"answered", m->answered}, {"leads", m->leads},
                        {"callbacks", m->callbacks}, {"connected_calls", m->connected_calls},
                        {"talk_seconds", (m->talk_ms + 500) / 1000}, {"billed_seconds", m->billed_seconds},
                        {"billed_minutes", m->billed_minutes}, {"amount", m->charge}, {"currency", "RUB"},
                        {"operators", served}});
  }
  if (!csv) {
    co_return json_response(http::status::ok, json{{"month", month}, {"sites", rows}}.dump(-1, ' ', false,
                                                                                          json::error_handler_t::replace));
  }
  std::string out(proto::kUtf8Bom);
  proto::CsvWriter w(out);
  for (const char* h : {"month", "site_id", "site_name", "chats", "answered", "leads", "callbacks", "connected_calls",
                        "talk_minutes", "billed_minutes", "amount_rub", "operators"}) {
    w.field(h);
  }
  w.end_row();
  for (const auto& r : rows) {
    std::string served;
    for (const auto& o : r["operators"]) {
      if (!served.empty()) served += "; ";
      served += o["name"].get<std::string>() + " (" + std::to_string(o["chats"].get<std::int64_t>()) + ")";
    }
    w.field(month).field(r["site"].get<std::int64_t>()).field(r["site_name"].get<std::string>());
    for (const char* k : {"chats", "answered", "leads", "callbacks", "connected_calls"}) w.field(r[k].get<std::int64_t>());
    w.field((r["talk_seconds"].get<std::int64_t>() + 59) / 60).field(r["billed_minutes"].get<std::int64_t>());
    w.field(money(r["amount"].get<std::int64_t>())).field(served);
    w.end_row();
  }
  co_return csv_response(std::move(out), "otklik-statement-" + month + ".csv");
}

}  // namespace otk
