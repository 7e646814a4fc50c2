// The console's webhook REST (docs/webhooks.md, "REST"): endpoints of the caller's sites, their delivery logs,
// redelivery and test events. Owners and admins only: an endpoint's secret signs what the site's data says.
#include <nlohmann/json.hpp>

#include "api/app.hpp"
#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "proto/csv.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

json endpoint_to_json(const WebhookEndpoint& e) {
  return json{{"id", e.id},           {"site", e.site.value},
              {"site_name", e.site_name}, {"url", e.url},
              {"secret", e.secret},   {"events", e.events},
              {"enabled", e.enabled}, {"disabled_reason", e.disabled_reason},
              {"created_at", to_unix_ms(e.created_at)}, {"pending", e.pending}};
}

json delivery_to_json(const WebhookDelivery& d) {
  json log = json::array();
  for (const auto& a : d.log) {
    log.push_back(json{{"at", to_unix_ms(a.at)}, {"status", a.status}, {"error", a.error}, {"duration_ms", a.duration_ms}});
  }
  return json{{"id", d.id},
              {"event_id", d.event_id},
              {"type", d.type},
              {"state", d.state},
              {"attempts", d.attempts},
              {"created_at", to_unix_ms(d.created_at)},
              {"next_at", d.state == "pending" ? json(to_unix_ms(d.next_at)) : json(nullptr)},
              {"last_status", d.last_status},
              {"last_error", d.last_error},
              {"last_at", d.last_at ? json(to_unix_ms(*d.last_at)) : json(nullptr)},
              {"log", log}};
}

Result<std::vector<std::string>> events_of(const json& v) {
  if (!v.is_array()) return fail(Errc::bad_request, "'events' must be an array of event types");
  std::vector<std::string> types;
  for (const auto& t : v) {
    if (!t.is_string()) return fail(Errc::bad_request, "'events' must be an array of event types");
    types.push_back(t.get<std::string>());
  }
  return webhooks::normalize_events(types);
}

Result<std::string> url_of(const json& v) {
  if (!v.is_string()) return fail(Errc::bad_request, "'url' must be a string");
  auto url = v.get<std::string>();
  auto parsed = webhooks::parse_url(url);
  if (!parsed) return std::unexpected(parsed.error());
  return url;
}

}  // namespace

net::awaitable<HttpResponse> App::webhooks(const HttpRequest& req, std::string_view rest) {
  const auto verb = req.method();
  const bool write = verb != http::verb::get && verb != http::verb::head;
  auto session = co_await authenticate(req, write);
  if (!session) co_return error_response(s_.metrics, session.error());
  const OperatorScope sc = session->scope;
  if (!may_manage(sc.op.role)) {
    co_return error_response(s_.metrics, {Errc::forbidden, "only owners and admins manage webhooks"});
  }
  const auto now = s_.clock.now();

  if (rest.empty() && !write) {
    auto list = [sc](Storage& st) { return st.webhook_endpoints(sc); };
    auto found = co_await db_read<std::vector<WebhookEndpoint>>(s_.db, list);
    if (!found) co_return error_response(s_.metrics, found.error());
    json out{{"webhooks", json::array()}, {"events", webhooks::kEventTypes}};
    for (const auto& e : *found) out["webhooks"].push_back(endpoint_to_json(e));
    co_return json_response(http::status::ok, dump(out));
  }
  if (rest.empty() && verb == http::verb::post) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    if (!body->contains("site") || !(*body)["site"].is_number_integer() || !body->contains("url") || !body->contains("events")) {
      co_return error_response(s_.metrics, {Errc::bad_request, "body must be {\"site\": id, \"url\": string, \"events\": [type]}"});
    }
    auto url = url_of((*body)["url"]);
    if (!url) co_return error_response(s_.metrics, url.error());
    auto events = events_of((*body)["events"]);
    if (!events) co_return error_response(s_.metrics, events.error());
    const SiteId site{(*body)["site"].get<std::int64_t>()};
    const std::string secret = webhooks::new_secret();
    auto create = [sc, site, u = *url, ev = *events, secret, now](Storage& st) {
      return st.create_webhook(sc, site, u, ev, secret, now);
    };
    auto made = co_await db_write<WebhookEndpoint>(s_.db, create);
    if (!made) co_return error_response(s_.metrics, made.error());
    co_return json_response(http::status::created, dump(json{{"webhook", endpoint_to_json(*made)}}));
  }

  // "/{id}" and below.
  if (rest.size() < 2 || rest.front() != '/') co_return error_response(s_.metrics, {Errc::not_found, "no such endpoint"});
  std::string_view tail = rest.substr(1);
  const auto slash = tail.find('/');
  const auto id = parse_positive_id(tail.substr(0, slash));
  if (!id) co_return error_response(s_.metrics, {Errc::not_found, "no such webhook endpoint"});
  const std::int64_t endpoint = *id;
  tail = slash == std::string_view::npos ? std::string_view{} : tail.substr(slash);

  if (tail.empty() && verb == http::verb::get) {
    auto find = [sc, endpoint](Storage& st) { return st.webhook_endpoint(sc, endpoint); };
    auto found = co_await db_read<std::optional<WebhookEndpoint>>(s_.db, find);
    if (!found) co_return error_response(s_.metrics, found.error());
    if (!*found) co_return error_response(s_.metrics, {Errc::not_found, "no such webhook endpoint"});
    co_return json_response(http::status::ok, dump(json{{"webhook", endpoint_to_json(**found)}}));
  }
  if (tail.empty() && verb == http::verb::patch) {
    auto body = json_object_body(req);
    if (!body) co_return error_response(s_.metrics, body.error());
    WebhookChange change;
    for (const auto& [key, value] : body->items()) {
      if (key == "url") {
        auto url = url_of(value);
        if (!url) co_return error_response(s_.metrics, url.error());
        change.url = *url;
      } else if (key == "events") {
        auto events = events_of(value);
        if (!events) co_return error_response(s_.metrics, events.error());
        change.events = *events;
      } else if (key == "enabled") {
        if (!value.is_boolean()) co_return error_response(s_.metrics, {Errc::bad_request, "'enabled' must be true or false"});
        change.enabled = value.get<bool>();
      } else {
        co_return error_response(s_.metrics, {Errc::bad_request, "unknown field '" + key.substr(0, 40) + "': url, events and enabled may change"});
      }
    }
    auto update = [sc, endpoint, change, now](Storage& st) {
      if (change.enabled == true) mark_outbox_written();  // what waited may go now: wake the sender on commit
      return st.update_webhook(sc, endpoint, change, now);
    };
    auto changed = co_await db_write<WebhookEndpoint>(s_.db, update);
    if (!changed) co_return error_response(s_.metrics, changed.error());
    co_return json_response(http::status::ok, dump(json{{"webhook", endpoint_to_json(*changed)}}));
  }
  if (tail.empty() && verb == http::verb::delete_) {
    auto drop = [sc, endpoint](Storage& st) { return st.delete_webhook(sc, endpoint); };
    auto done = co_await db_write<void>(s_.db, drop);
    if (!done) co_return error_response(s_.metrics, done.error());
    co_return HttpResponse{http::status::no_content, 11};
  }
  if (tail == "/deliveries" && verb == http::verb::get) {
    std::int64_t before = 0;
    int limit = 50;
    if (auto b = query_param(req.target(), "before")) {
      auto v = parse_positive_id(*b);
      if (!v) co_return error_response(s_.metrics, {Errc::bad_request, "'before' must be a delivery id"});
      before = *v;
    }
    if (auto l = query_param(req.target(), "limit")) {
      auto v = parse_positive_id(*l);
      if (!v || *v > 100) co_return error_response(s_.metrics, {Errc::bad_request, "'limit' must be from 1 to 100"});
      limit = static_cast<int>(*v);
    }
    auto list = [sc, endpoint, before, limit](Storage& st) { return st.webhook_deliveries(sc, endpoint, before, limit); };
    auto found = co_await db_read<std::vector<WebhookDelivery>>(s_.db, list);
    if (!found) co_return error_response(s_.metrics, found.error());
    json out{{"deliveries", json::array()}};
    for (const auto& d : *found) out["deliveries"].push_back(delivery_to_json(d));
    co_return json_response(http::status::ok, dump(out));
  }
  constexpr std::string_view kDeliveries = "/deliveries/";
  constexpr std::string_view kRedeliver = "/redeliver";
  if (verb == http::verb::post && tail.starts_with(kDeliveries) && tail.ends_with(kRedeliver) &&
      tail.size() > kDeliveries.size() + kRedeliver.size()) {
    const auto d = parse_positive_id(tail.substr(kDeliveries.size(), tail.size() - kDeliveries.size() - kRedeliver.size()));
    if (!d) co_return error_response(s_.metrics, {Errc::not_found, "no such delivery"});
    const std::int64_t delivery = *d;
    auto again = [sc, endpoint, delivery, now](Storage& st) {
      mark_outbox_written();
      return st.redeliver_webhook(sc, endpoint, delivery, now);
    };
    auto queued = co_await db_write<WebhookDelivery>(s_.db, again);
    if (!queued) co_return error_response(s_.metrics, queued.error());
    co_return json_response(http::status::accepted, dump(json{{"delivery", delivery_to_json(*queued)}}));
  }
  if (tail == "/test" && verb == http::verb::post) {
    auto send_test = [sc, endpoint, now](Storage& st) -> Result<std::string> {
      auto found = st.webhook_endpoint(sc, endpoint);
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(Errc::not_found, "no such webhook endpoint");
      if (!(*found)->enabled) return fail(Errc::conflict, "the endpoint is turned off; turn it on first");
      const WebhookEndpoint& e = **found;
      const std::string event_id = new_webhook_event_id();
      const json body{{"id", event_id},
                      {"type", webhooks::kTestEvent},
                      {"created_at", proto::iso8601_utc(now)},
                      {"site", json{{"id", e.site.value}, {"key", e.site_key}, {"name", e.site_name}}},
                      {"data", json{{"endpoint", endpoint}}}};
      auto queued = st.enqueue_webhook(e.site, webhooks::kTestEvent, event_id, dump(body), now, endpoint);
      if (!queued) return std::unexpected(queued.error());
      mark_outbox_written();
      return event_id;
    };
    auto queued = co_await db_write<std::string>(s_.db, send_test);
    if (!queued) co_return error_response(s_.metrics, queued.error());
    co_return json_response(http::status::accepted, dump(json{{"event_id", *queued}}));
  }
  co_return error_response(s_.metrics, {Errc::bad_request, "method not allowed"});
}

}  // namespace otk
