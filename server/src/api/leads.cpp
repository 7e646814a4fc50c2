// The console's leads (list with filters, one lead with its history, status changes and notes) and the visitor card. Every call is
// scoped by the operator's session (Storage filters by account and site membership); changes reach the site's
// other operators live as `lead` frames.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "api/endpoints.hpp"
#include "core/chat/device.hpp"
#include "core/chat/text.hpp"
#include "proto/csv.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

}  // namespace

net::awaitable<HttpResponse> App::leads(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  if (rest.empty()) {
    if (verb == http::verb::get) co_return co_await list_leads(req);
    co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
  }
  rest.remove_prefix(1);  // the '/'
  const bool notes = rest.ends_with("/notes");
  if (notes) rest.remove_suffix(6);
  const auto id = parse_positive_id(rest);
  if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such lead"});
  if (notes && verb == http::verb::post) co_return co_await post_lead_note(req, LeadId{*id});
  if (!notes && verb == http::verb::get) co_return co_await get_lead(req, LeadId{*id});
  if (!notes && verb == http::verb::patch) co_return co_await patch_lead(req, LeadId{*id});
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

net::awaitable<HttpResponse> App::list_leads(const HttpRequest& req) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  LeadFilter filter;
  const auto target = req.target();
  if (auto site = query_param(target, "site")) {
    auto v = parse_positive_id(*site);
    if (!v) co_return error_response(s_.metrics, {Errc::bad_request, "'site' must be a site id"});
    filter.site = SiteId{*v};
  }
  if (auto status = query_param(target, "status")) {
    filter.status = parse_lead_status(*status);
    if (!filter.status) co_return error_response(s_.metrics, {Errc::bad_request, "'status' must be new, in_work, won or lost"});
  }
  if (auto source = query_param(target, "source")) {
    filter.source = parse_lead_source(*source);
    if (!filter.source) co_return error_response(s_.metrics, {Errc::bad_request, "'source' must be chat, offline_form or callback"});
  }
  // Days in UTC as for exports; either end may be left open.
  if (auto from = query_param(target, "from")) {
    const auto day = proto::parse_day_range(std::string_view(*from), std::string_view(*from));
    if (!day) co_return error_response(s_.metrics, {Errc::bad_request, "'from' must be a day, YYYY-MM-DD"});
    filter.from = day->from;
  }
  if (auto to = query_param(target, "to")) {
    const auto day = proto::parse_day_range(std::string_view(*to), std::string_view(*to));
    if (!day) co_return error_response(s_.metrics, {Errc::bad_request, "'to' must be a day, YYYY-MM-DD"});
    filter.until = day->until;
  }
  if (filter.from && filter.until && *filter.until <= *filter.from) {
    co_return error_response(s_.metrics, {Errc::bad_request, "'to' is before 'from'"});
  }
  if (auto before = query_param(target, "before")) {
    auto v = parse_positive_id(*before);
    if (!v) co_return error_response(s_.metrics, {Errc::bad_request, "'before' must be a lead id"});
    filter.before = LeadId{*v};
  }
  if (auto limit = query_param(target, "limit")) {
    auto v = parse_positive_id(*limit);
    if (!v || *v > kMaxLeadPage) co_return error_response(s_.metrics, {Errc::bad_request, "'limit' must be from 1 to 200"});
    filter.limit = static_cast<int>(*v);
  }
  const OperatorScope sc = session->scope;
  auto list = [sc, filter](Storage& st) { return st.leads_of(sc, filter); };
  auto found = co_await db_read<std::vector<Lead>>(s_.db, list);
  if (!found) co_return error_response(s_.metrics, found.error());
  std::string out = R"({"leads":[)";
  for (std::size_t i = 0; i < found->size(); ++i) out += (i ? "," : "") + proto::lead_json((*found)[i]);
  // The cursor for the next page: present only when this page is full.
  out += R"(],"next_before":)" +
         (static_cast<int>(found->size()) == filter.limit ? std::to_string(found->back().id.value) : "null") + "}";
  co_return json_response(http::status::ok, std::move(out));
}

net::awaitable<HttpResponse> App::get_lead(const HttpRequest& req, LeadId id) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  auto read = [sc, id](Storage& st) { return st.lead_detail(sc, id); };
  auto detail = co_await db_read<std::optional<LeadDetail>>(s_.db, read);
  if (!detail) co_return error_response(s_.metrics, detail.error());
  if (!*detail) co_return error_response(s_.metrics, {Errc::not_found, "no such lead"});
  co_return json_response(http::status::ok, proto::lead_detail_json(**detail));
}

net::awaitable<HttpResponse> App::patch_lead(const HttpRequest& req, LeadId id) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  auto body = json_object_body(req);
  if (!body) co_return error_response(s_.metrics, body.error());
  auto it = body->find("status");
  if (it == body->end() || !it->is_string() || !parse_lead_status(it->get<std::string>())) {
    co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"status\": \"new\"|\"in_work\"|\"won\"|\"lost\"}"});
  }
  const LeadStatus status = *parse_lead_status(it->get<std::string>());
  const OperatorScope sc = session->scope;
  const auto now = s_.clock.now();
  Hub& hub = s_.hub;
  auto change = [sc, id, status, now](Storage& st) -> Result<Lead> {
    auto set = st.set_lead_status(sc, id, status, now);
    if (!set) return std::unexpected(set.error());
    const auto& [lead, changed] = *set;
    if (changed) {  // the same status again changes nothing, says nothing
      auto event = emit_webhook(st, lead.site, "lead.updated", now, [&lead] { return webhook_lead_data(lead); });
      if (!event) return std::unexpected(event.error());
    }
    return lead;
  };
  auto publish = [&hub](const Lead& l) { hub.to_site_operators(l.site, share(proto::lead_frame(l))); };
  auto lead = co_await db_write<Lead>(s_.db, change, publish);
  if (!lead) co_return error_response(s_.metrics, lead.error());
  co_return json_response(http::status::ok, R"({"lead":)" + proto::lead_json(*lead) + "}");
}

net::awaitable<HttpResponse> App::post_lead_note(const HttpRequest& req, LeadId id) {
  auto session = co_await authenticate(req, true);
  if (!session) co_return error_response(s_.metrics, session.error());
  auto body = json_object_body(req);
  if (!body) co_return error_response(s_.metrics, body.error());
  auto cid = body->find("client_id");
  auto text = body->find("text");
  if (cid == body->end() || !cid->is_string() || text == body->end() || !text->is_string()) {
    co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"client_id\": string, \"text\": string}"});
  }
  auto client_id = parse_client_id(cid->get<std::string>());
  if (!client_id) co_return error_response(s_.metrics, client_id.error());
  auto note_text = normalize_message_text(text->get<std::string>());
  if (!note_text) co_return error_response(s_.metrics, note_text.error());
  const OperatorScope sc = session->scope;
  const NewMessage m{*client_id, *note_text, s_.clock.now()};
  auto add = [sc, id, m](Storage& st) { return st.add_lead_note(sc, id, m); };
  auto added = co_await db_write<std::pair<LeadEntry, bool>>(s_.db, add);
  if (!added) co_return error_response(s_.metrics, added.error());
  co_return json_response(added->second ? http::status::ok : http::status::created,
                          R"({"entry":)" + proto::lead_entry_json(added->first) + "}");
}

net::awaitable<HttpResponse> App::visitor_card(const HttpRequest& req, ConversationId id) {
  auto session = co_await authenticate(req, false);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  auto read = [sc, id](Storage& st) { return st.visitor_card(sc, id); };
  auto card = co_await db_read<std::optional<VisitorCard>>(s_.db, read);
  if (!card) co_return error_response(s_.metrics, card.error());
  if (!*card) co_return error_response(s_.metrics, {Errc::not_found, "no such conversation"});
  const auto& c = **card;
  const auto device = describe_user_agent(c.user_agent);
  const auto visit = visit_context(c.landing_url, c.referrer, false);
  json utm = json::object();
  if (!visit.utm_source.empty()) utm["source"] = visit.utm_source;
  if (!visit.utm_medium.empty()) utm["medium"] = visit.utm_medium;
  if (!visit.utm_campaign.empty()) utm["campaign"] = visit.utm_campaign;
  json pages = json::array(), earlier = json::array();
  for (const auto& p : c.pages) pages.push_back(json{{"url", p.url}, {"title", p.title}, {"at", to_unix_ms(p.at)}, {"visit", p.visit}});
  for (const auto& e : c.earlier) {
    earlier.push_back(json{{"id", e.id.value}, {"created_at", to_unix_ms(e.created_at)}, {"open", e.open},
                           {"rating", e.rating.empty() ? json(nullptr) : json(e.rating)}, {"last_text", e.last_text}});
  }
  json out{{"visitor", {{"id", c.visitor.value}, {"name", c.name}, {"first_seen", to_unix_ms(c.first_seen)}}},
           {"visits", c.visits},
           {"visit", {{"number", c.visit_number}, {"started_at", to_unix_ms(c.visit_started)}, {"referrer", c.referrer},
                      {"landing_url", c.landing_url}, {"utm", utm}}},
           {"device", {{"kind", device.kind}, {"browser", device.browser}, {"os", device.os}}},
           {"pages", pages},
           {"earlier", earlier},
           {"lead", c.lead ? json::parse(proto::lead_json(*c.lead)) : json(nullptr)}};
  co_return json_response(http::status::ok, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace otk
