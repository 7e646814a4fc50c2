// Callbacks over REST: a site's backend (an API token) or the console asks for a callback; one callback, the list,
// the monthly statement, and the operators' "call again" and "block". The request runs through the same
// CallbackDesk::submit as the widget's `callback` frame, so every rule applies to it — except the two that need a
// page (the time on it and the honeypot): there is none behind an API call. docs/api.md, "Requesting a callback".
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <date/tz.h>

#include "api/app.hpp"
#include "api/callbacks.hpp"
#include "api/db_await.hpp"
#include "core/billing/billing.hpp"
#include "core/chat/text.hpp"
#include "core/hours/hours.hpp"
#include "core/leads/lead.hpp"
#include "proto/csv.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

/// The body of POST /api/v1/callbacks, checked field by field.
struct CallbackBody {
  SiteId site;
  CallbackAsk ask;
};

Result<CallbackBody> parse_callback_body(const json& body) {
  static constexpr std::array<std::string_view, 6> kFields{"site", "phone", "client_id", "at", "name", "ip"};
  for (const auto& [name, value] : body.items()) {
    if (std::ranges::find(kFields, name) == kFields.end()) return fail(Errc::bad_request, "unknown field '" + name + "'");
  }
  CallbackBody out;
  const auto site = body.find("site");
  if (site == body.end() || !site->is_number_integer() || site->get<std::int64_t>() <= 0) {
    return fail(Errc::bad_request, "'site' must be a site id");
  }
  out.site = SiteId{site->get<std::int64_t>()};
  const auto phone = body.find("phone");
  if (phone == body.end() || !phone->is_string() || phone->get_ref<const std::string&>().empty() ||
      phone->get_ref<const std::string&>().size() > 100) {
    return fail(Errc::bad_request, "'phone' must be a non-empty string of at most 100 bytes");
  }
  out.ask.phone = phone->get<std::string>();
  const auto client_id = body.find("client_id");
  if (client_id == body.end() || !client_id->is_string()) {
    return fail(Errc::bad_request, "'client_id' must be a string: your key for this request, so that a resend does not call twice");
  }
  auto id = parse_client_id(client_id->get_ref<const std::string&>());
  if (!id) return fail(Errc::bad_request, "'client_id': " + id.error().message);
  out.ask.client_id = std::move(*id);
  if (const auto at = body.find("at"); at != body.end() && !at->is_null()) {
    if (!at->is_number_integer() || at->get<std::int64_t>() <= 0) {
      return fail(Errc::bad_request, "'at' must be a time in Unix milliseconds (one of the site's callback slots)");
    }
    out.ask.at = from_unix_ms(at->get<std::int64_t>());
  }
  if (const auto name = body.find("name"); name != body.end() && !name->is_null()) {
    if (!name->is_string()) return fail(Errc::bad_request, "'name' must be a string");
    auto normalized = normalize_lead_name(name->get_ref<const std::string&>());
    if (!normalized) return std::unexpected(normalized.error());
    out.ask.name = std::move(*normalized);
  }
  if (const auto ip = body.find("ip"); ip != body.end() && !ip->is_null()) {
    // The person's address as the site's backend saw it: it counts towards the per-address limits.
    auto address = ip->is_string() ? canonical_address(ip->get_ref<const std::string&>()) : std::nullopt;
    if (!address) return fail(Errc::bad_request, "'ip' must be an IPv4 or IPv6 address");
    out.ask.ip = std::move(*address);
  }
  return out;
}

}  // namespace

// POST /api/v1/callbacks. Who asks decides the idempotency scope: an API token's requests, or one operator's.
net::awaitable<HttpResponse> App::request_callback(const HttpRequest& req) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  if (!s_.callbacks) co_return error_response(s_.metrics, {Errc::unavailable, "callbacks are not running"});
  auto body = json_object_body(req);
  if (!body) co_return error_response(s_.metrics, body.error());
  auto parsed = parse_callback_body(*body);
  if (!parsed) co_return error_response(s_.metrics, parsed.error());
  const OperatorScope sc = session->scope;
  auto list_sites = [sc](Storage& st) { return st.sites_of(sc); };
  auto sites = co_await db_read<std::vector<Site>>(s_.db, list_sites);
  if (!sites) co_return error_response(s_.metrics, sites.error());
  const auto site = std::ranges::find(*sites, parsed->site, &Site::id);
  if (site == sites->end()) co_return error_response(s_.metrics, {Errc::not_found, "no such site"});
  // The person behind the request gets a visitor record of their own (their lead hangs on it), keyed by who asked
  // and the client_id. "api:" cannot be the hash of a widget's token (those are 64 hex digits), so no browser can
  // ever present itself as this visitor.
  const std::string requester = session->token ? "t" + std::to_string(session->token) : "o" + std::to_string(sc.op.id.value);
  CallbackAsk ask = std::move(parsed->ask);
  ask.visitor_key = "api:" + token_hash(requester + "\n" + ask.client_id);
  const Site chosen = *site;
  std::optional<Visitor> none;
  auto answer = co_await s_.callbacks->submit(chosen, std::move(none), std::move(ask));
  if (!answer) co_return error_response(s_.metrics, answer.error());
  json out{{"callback", json::parse(proto::callback_json(callback_view(answer->record)))}, {"state", answer->state}};
  if (!answer->message.empty()) out["message"] = answer->message;
  co_return json_response(answer->duplicate ? http::status::ok : http::status::created, dump(out));
}

// GET /api/v1/callbacks/{id}: one callback, as the list shows it; 404 for one the session may not see.
net::awaitable<HttpResponse> App::get_callback(const HttpRequest& req, CallbackId id) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  auto find = [sc, id](Storage& st) { return st.callback_for(sc, id); };
  auto found = co_await db_read<std::optional<CallbackRecord>>(s_.db, find);
  if (!found) co_return error_response(s_.metrics, found.error());
  if (!*found) co_return error_response(s_.metrics, {Errc::not_found, "no such callback"});
  co_return json_response(http::status::ok, R"({"callback":)" + proto::callback_json(callback_view(**found)) + "}");
}

net::awaitable<HttpResponse> App::list_callbacks(const HttpRequest& req) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  std::optional<SiteId> site;
  CallbackId before;
  int limit = 50;
  const auto target = req.target();
  if (auto v = query_param(target, "site")) {
    auto id = parse_positive_id(*v);
    if (!id) co_return error_response(s_.metrics, {Errc::bad_request, "'site' must be a site id"});
    site = SiteId{*id};
  }
  if (auto v = query_param(target, "before")) {
    auto id = parse_positive_id(*v);
    if (!id) co_return error_response(s_.metrics, {Errc::bad_request, "'before' must be a callback id"});
    before = CallbackId{*id};
  }
  if (auto v = query_param(target, "limit")) {
    auto n = parse_positive_id(*v);
    if (!n || *n > 200) co_return error_response(s_.metrics, {Errc::bad_request, "'limit' must be from 1 to 200"});
    limit = static_cast<int>(*n);
  }
  const OperatorScope sc = session->scope;
  auto list = [sc, site, before, limit](Storage& st) { return st.callbacks_of(sc, site, before, limit); };
  auto found = co_await db_read<std::vector<CallbackRecord>>(s_.db, list);
  if (!found) co_return error_response(s_.metrics, found.error());
  std::string out = R"({"callbacks":[)";
  for (std::size_t i = 0; i < found->size(); ++i) {
    out += (i ? "," : "") + proto::callback_json(callback_view((*found)[i]));
  }
  out += R"(],"next_before":)" +
         (static_cast<int>(found->size()) == limit ? std::to_string(found->back().id.value) : "null") + "}";
  co_return json_response(http::status::ok, std::move(out));
}

// The month a moment falls in, in a site's zone: "2026-11".
std::string month_of(TimePoint t, const std::string& timezone) {
  auto zone = find_zone(timezone);
  const date::time_zone* z = zone ? *zone : date::locate_zone("UTC");
  const date::year_month_day ymd{date::floor<date::days>(z->to_local(t))};
  return date::format("%Y-%m", ymd);
}

net::awaitable<HttpResponse> App::callback_statement(const HttpRequest& req) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const auto month = query_param(req.target(), "month").value_or(month_of(s_.clock.now(), "UTC"));
  const auto first = proto::parse_month(month);
  if (!first) co_return error_response(s_.metrics, {Errc::bad_request, "'month' must be YYYY-MM"});
  const date::year_month_day first_day{*first};
  const date::year_month ym{first_day.year(), first_day.month()};
  // Every zone's month lies within a day of the UTC month: read that window, then keep each call whose own site's
  // month is the one asked for.
  const auto from = date::sys_days{ym / 1} - date::days{1};
  const auto to = date::sys_days{(ym + date::months{1}) / 1} + date::days{1};
  const OperatorScope sc = session->scope;
  const TimePoint from_t{from}, to_t{to};
  auto read = [sc, from_t, to_t](Storage& st) { return st.statement_rows(sc, from_t, to_t); };
  auto rows = co_await db_read<std::vector<Storage::StatementRow>>(s_.db, read);
  if (!rows) co_return error_response(s_.metrics, rows.error());
  std::vector<BilledCall> calls;
  std::map<std::int64_t, std::string> names;
  for (const auto& r : *rows) {
    if (month_of(r.at, r.timezone) != month) continue;
    names[r.site.value] = r.site_name;
    calls.push_back(BilledCall{r.site, month, parse_call_status(r.status).value_or(CallStatus::failed_technical),
                               r.billed_seconds, r.charge});
  }
  auto totals = monthly_statement(calls);
  if (!totals) co_return error_response(s_.metrics, totals.error());
  json sites = json::array();
  for (const auto& t : *totals) {
    sites.push_back(json{{"site", t.site.value}, {"site_name", names[t.site.value]}, {"calls", t.calls},
                         {"connected_calls", t.connected_calls}, {"billed_seconds", t.billed_seconds},
                         {"billed_minutes", t.billed_minutes}, {"amount", t.amount}});
  }
  co_return json_response(http::status::ok,
                          json{{"month", month}, {"sites", sites}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

// POST /api/v1/callbacks/{id}/retry (any operator of the site) and /{id}/block (owners, admins, supervisors).
net::awaitable<HttpResponse> App::callback_action(const HttpRequest& req, std::string_view rest) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  const auto slash = rest.find('/');
  const auto id = parse_positive_id(rest.substr(0, slash));
  const auto action = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (!id || (action != "retry" && action != "block")) co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  if (!s_.callbacks) co_return error_response(s_.metrics, {Errc::unavailable, "callbacks are not running"});
  const OperatorScope sc = session->scope;
  const CallbackId callback{*id};
  if (action == "retry") {
    auto placed = co_await s_.callbacks->retry(sc, callback);
    if (!placed) co_return error_response(s_.metrics, placed.error());
    co_return json_response(http::status::ok, R"({"callback":)" + proto::callback_json(callback_view(*placed)) + "}");
  }
  const auto role = sc.op.role;
  if (role != Role::owner && role != Role::admin && role != Role::supervisor) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners, admins and supervisors change the blocklist"});
  }
  auto blocked = co_await s_.callbacks->block(sc, callback);
  if (!blocked) co_return error_response(s_.metrics, blocked.error());
  co_return HttpResponse{http::status::no_content, 11};
}

}  // namespace otk
