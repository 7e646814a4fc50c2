// SqliteStorage: webhooks — endpoints, the outbox (events and their deliveries, written in the caller's
// transaction), the delivery log, and what the sender reads and records (docs/webhooks.md).
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/tenant.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

// Columns 0..10 of a WebhookEndpoint; binds :scope (store/sqlite/tenant.hpp) and ?2 account for the tenant filter.
#define OTK_WEBHOOK_SELECT                                                                                       \
  "SELECT e.id, e.site_id, s.name, e.url, e.secret, e.events, e.enabled, e.disabled_reason, e.created_at, "     \
  "(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'pending'), s.key "             \
  "FROM webhook_endpoints e JOIN sites s ON s.id = e.site_id "                                                   \
  OTK_SCOPE_JOIN("m", "e.site_id") "WHERE s.account_id = ?2 "

WebhookEndpoint endpoint_from(const sqlite::Stmt& s) {
  WebhookEndpoint e;
  e.id = s.i64(0);
  e.site = SiteId{s.i64(1)};
  e.site_name = s.str(2);
  e.url = s.str(3);
  e.secret = s.str(4);
  e.events = json::parse(s.str(5)).get<std::vector<std::string>>();
  e.enabled = s.i64(6) != 0;
  e.disabled_reason = s.str(7);
  e.created_at = from_unix_ms(s.i64(8));
  e.pending = s.i64(9);
  e.site_key = s.str(10);
  return e;
}

// Columns 0..10 of a WebhookDelivery.
#define OTK_DELIVERY_SELECT                                                                                  \
  "SELECT d.id, d.endpoint_id, ev.public_id, ev.type, d.state, d.attempts, d.created_at, d.next_at, "       \
  "d.last_status, d.last_error, d.last_at FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id "

WebhookDelivery delivery_from(const sqlite::Stmt& s) {
  WebhookDelivery d;
  d.id = s.i64(0);
  d.endpoint = s.i64(1);
  d.event_id = s.str(2);
  d.type = s.str(3);
  d.state = s.str(4);
  d.attempts = static_cast<int>(s.i64(5));
  d.created_at = from_unix_ms(s.i64(6));
  d.next_at = from_unix_ms(s.i64(7));
  d.last_status = static_cast<int>(s.i64(8));
  d.last_error = s.str(9);
  if (!s.is_null(10)) d.last_at = from_unix_ms(s.i64(10));
  return d;
}

}  // namespace

Result<std::optional<WebhookTarget>> SqliteStorage::webhook_target(SiteId site, std::string_view type) {
  return guarded([&]() -> Result<std::optional<WebhookTarget>> {
    auto s = db_.prepare(
        "SELECT s.key, s.name FROM webhook_endpoints e JOIN sites s ON s.id = e.site_id "
        "WHERE e.site_id = ? AND (e.enabled = 1 OR e.disabled_reason != '') AND EXISTS (SELECT 1 FROM json_each(e.events) j WHERE j.value = ?) LIMIT 1");
    s.bind(1, site.value).bind(2, type);
    if (!s.step()) return std::optional<WebhookTarget>{};
    return std::optional(WebhookTarget{s.str(0), s.str(1)});
  });
}

Result<int> SqliteStorage::enqueue_webhook(SiteId site, std::string_view type, std::string_view event_id,
                                           std::string_view body, TimePoint now, std::int64_t only_endpoint) {
  return guarded([&]() -> Result<int> {
    const std::int64_t at = to_unix_ms(now);
    auto ev = db_.prepare("INSERT INTO webhook_events(site_id, public_id, type, body, created_at) VALUES (?, ?, ?, ?, ?)");
    ev.bind(1, site.value).bind(2, event_id).bind(3, type).bind(4, body).bind(5, at).run();
    const std::int64_t event = db_.last_insert_id();
    auto d = db_.prepare(
        "INSERT INTO webhook_deliveries(endpoint_id, event_id, state, next_at, window_start, created_at) "
        "SELECT e.id, ?1, 'pending', ?2, ?2, ?2 FROM webhook_endpoints e WHERE e.site_id = ?3 AND "
        "(CASE WHEN ?4 = 0 THEN (e.enabled = 1 OR e.disabled_reason != '') AND "
        "  EXISTS (SELECT 1 FROM json_each(e.events) j WHERE j.value = ?5) ELSE e.id = ?4 AND e.enabled = 1 END) "
        "ORDER BY e.id");
    d.bind(1, event).bind(2, at).bind(3, site.value).bind(4, only_endpoint).bind(5, type).run();
    const int n = db_.changes();
    if (n == 0) {
      auto drop = db_.prepare("DELETE FROM webhook_events WHERE id = ?");
      drop.bind(1, event).run();
    }
    return n;
  });
}

Result<std::vector<WebhookEndpoint>> SqliteStorage::webhook_endpoints(const OperatorScope& scope) {
  return guarded([&]() -> Result<std::vector<WebhookEndpoint>> {
    auto s = db_.prepare(OTK_WEBHOOK_SELECT "ORDER BY e.site_id, e.id");
    bind_scope(s, scope).bind(2, scope.op.account.value);
    std::vector<WebhookEndpoint> out;
    while (s.step()) out.push_back(endpoint_from(s));
    return out;
  });
}

Result<std::optional<WebhookEndpoint>> SqliteStorage::webhook_endpoint(const OperatorScope& scope, std::int64_t id) {
  return guarded([&]() -> Result<std::optional<WebhookEndpoint>> {
    auto s = db_.prepare(OTK_WEBHOOK_SELECT "AND e.id = ?3");
    bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, id);
    if (!s.step()) return std::optional<WebhookEndpoint>{};
    return std::optional(endpoint_from(s));
  });
}

Result<WebhookEndpoint> SqliteStorage::create_webhook(const OperatorScope& scope, SiteId site, std::string_view url,
                                                      std::span<const std::string> events, std::string_view secret,
                                                      TimePoint now) {
  if (!scope.can_see(site)) return fail(Errc::not_found, "no such site");
  auto made = guarded([&]() -> Result<std::int64_t> {
    auto s = db_.prepare(
        "INSERT INTO webhook_endpoints(site_id, url, secret, events, created_at) "
        "SELECT id, ?, ?, ?, ? FROM sites WHERE id = ? AND account_id = ?");
    s.bind(1, url).bind(2, secret).bind(3, json(std::vector<std::string>(events.begin(), events.end())).dump());
    s.bind(4, to_unix_ms(now)).bind(5, site.value).bind(6, scope.op.account.value).run();
    if (db_.changes() == 0) return fail(Errc::not_found, "no such site");
    return db_.last_insert_id();
  });
  if (!made) return std::unexpected(made.error());
  auto found = webhook_endpoint(scope, *made);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(Errc::internal, "the new endpoint is not visible");
  return std::move(**found);
}

Result<WebhookEndpoint> SqliteStorage::update_webhook(const OperatorScope& scope, std::int64_t id,
                                                      const WebhookChange& change, TimePoint now) {
  auto found = webhook_endpoint(scope, id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(Errc::not_found, "no such webhook endpoint");
  auto changed = guarded([&]() -> Result<void> {
    if (change.url) {
      auto s = db_.prepare("UPDATE webhook_endpoints SET url = ? WHERE id = ?");
      s.bind(1, *change.url).bind(2, id).run();
    }
    if (change.events) {
      auto s = db_.prepare("UPDATE webhook_endpoints SET events = ? WHERE id = ?");
      s.bind(1, json(*change.events).dump()).bind(2, id).run();
    }
    if (change.enabled) {
      auto s = db_.prepare("UPDATE webhook_endpoints SET enabled = ?, disabled_reason = '' WHERE id = ?");
      s.bind(1, *change.enabled ? 1 : 0).bind(2, id).run();
      if (*change.enabled && !(*found)->enabled) {
        // Back on: what waited gets a fresh day of retries, starting now, in its original order.
        auto w = db_.prepare(
            "UPDATE webhook_deliveries SET window_start = ?1, next_at = ?1 WHERE endpoint_id = ?2 AND state = 'pending'");
        w.bind(1, to_unix_ms(now)).bind(2, id).run();
      }
    }
    return {};
  });
  if (!changed) return std::unexpected(changed.error());
  auto now_found = webhook_endpoint(scope, id);
  if (!now_found) return std::unexpected(now_found.error());
  if (!*now_found) return fail(Errc::not_found, "no such webhook endpoint");
  return std::move(**now_found);
}

Result<void> SqliteStorage::delete_webhook(const OperatorScope& scope, std::int64_t id) {
  auto found = webhook_endpoint(scope, id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(Errc::not_found, "no such webhook endpoint");
  return guarded([&]() -> Result<void> {
    // Deliveries and their attempts go with it (ON DELETE CASCADE); events nobody else waits for too.
    auto s = db_.prepare("DELETE FROM webhook_endpoints WHERE id = ?");
    s.bind(1, id).run();
    auto orphans = db_.prepare(
        "DELETE FROM webhook_events WHERE site_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)");
    orphans.bind(1, (*found)->site.value).run();
    return {};
  });
}

Result<std::vector<WebhookDelivery>> SqliteStorage::webhook_deliveries(const OperatorScope& scope, std::int64_t endpoint,
                                                                       std::int64_t before, int limit) {
  if (limit < 1 || limit > 100) return fail(Errc::bad_request, "'limit' must be from 1 to 100");
  auto found = webhook_endpoint(scope, endpoint);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(Errc::not_found, "no such webhook endpoint");
  return guarded([&]() -> Result<std::vector<WebhookDelivery>> {
    auto s = db_.prepare(OTK_DELIVERY_SELECT "WHERE d.endpoint_id = ?1 AND (?2 = 0 OR d.id < ?2) ORDER BY d.id DESC LIMIT ?3");
    s.bind(1, endpoint).bind(2, before).bind(3, limit);
    std::vector<WebhookDelivery> out;
    while (s.step()) out.push_back(delivery_from(s));
    for (auto& d : out) {
      auto a = db_.prepare(
          "SELECT at, status, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY id DESC LIMIT 20");
      a.bind(1, d.id);
      while (a.step()) d.log.push_back(WebhookAttempt{from_unix_ms(a.i64(0)), static_cast<int>(a.i64(1)), a.str(2), a.i64(3)});
    }
    return out;
  });
}

Result<WebhookDelivery> SqliteStorage::redeliver_webhook(const OperatorScope& scope, std::int64_t endpoint,
                                                         std::int64_t delivery, TimePoint now) {
  auto found = webhook_endpoint(scope, endpoint);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(Errc::not_found, "no such webhook endpoint");
  return guarded([&]() -> Result<WebhookDelivery> {
    auto s = db_.prepare(
        "INSERT INTO webhook_deliveries(endpoint_id, event_id, state, next_at, window_start, created_at) "
        "SELECT endpoint_id, event_id, 'pending', ?1, ?1, ?1 FROM webhook_deliveries WHERE id = ?2 AND endpoint_id = ?3");
    s.bind(1, to_unix_ms(now)).bind(2, delivery).bind(3, endpoint).run();
    if (db_.changes() == 0) return fail(Errc::not_found, "no such delivery");
    auto d = db_.prepare(OTK_DELIVERY_SELECT "WHERE d.id = ?");
    d.bind(1, db_.last_insert_id());
    if (!d.step()) return fail(Errc::internal, "the new delivery is not visible");
    return delivery_from(d);
  });
}

Result<std::vector<DueWebhook>> SqliteStorage::due_webhooks(TimePoint now, int limit, TimePoint& next_due) {
  return guarded([&]() -> Result<std::vector<DueWebhook>> {
    // One head per enabled endpoint: deliveries of an endpoint go out one at a time, in event order.
    auto s = db_.prepare(
        "SELECT d.id, e.id, e.url, e.secret, ev.public_id, ev.type, ev.body, d.attempts, d.window_start, d.next_at "
        "FROM webhook_endpoints e "
        "JOIN webhook_deliveries d ON d.id = (SELECT MIN(x.id) FROM webhook_deliveries x "
        "  WHERE x.endpoint_id = e.id AND x.state = 'pending') "
        "JOIN webhook_events ev ON ev.id = d.event_id WHERE e.enabled = 1 ORDER BY d.next_at");
    std::vector<DueWebhook> out;
    const std::int64_t now_ms = to_unix_ms(now);
    while (s.step()) {
      const std::int64_t at = s.i64(9);
      if (at > now_ms || static_cast<int>(out.size()) >= limit) {
        if (from_unix_ms(at) < next_due) next_due = from_unix_ms(std::max(at, now_ms));
        continue;
      }
      out.push_back(DueWebhook{s.i64(0), s.i64(1), s.str(2), s.str(3), s.str(4), s.str(5), s.str(6),
                               static_cast<int>(s.i64(7)), from_unix_ms(s.i64(8))});
    }
    return out;
  });
}

Result<void> SqliteStorage::record_webhook_attempt(std::int64_t delivery, const WebhookOutcome& o) {
  return guarded([&]() -> Result<void> {
    const std::int64_t at = to_unix_ms(o.at);
    const char* state = o.delivered ? "delivered" : o.retry_at ? "pending" : "failed";
    auto u = db_.prepare(
        "UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_at = ?, last_status = ?, "
        "last_error = ?, last_at = ? WHERE id = ? AND state = 'pending'");
    u.bind(1, state).bind(2, o.retry_at ? to_unix_ms(*o.retry_at) : at).bind(3, o.status).bind(4, o.error);
    u.bind(5, at).bind(6, delivery).run();
    if (db_.changes() == 0) return {};  // deleted with its endpoint meanwhile: nothing to record
    auto a = db_.prepare("INSERT INTO webhook_attempts(delivery_id, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?)");
    a.bind(1, delivery).bind(2, at).bind(3, o.status).bind(4, o.error).bind(5, o.duration_ms).run();
    if (!o.disable_reason.empty()) {
      auto e = db_.prepare(
          "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? "
          "WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?)");
      e.bind(1, o.disable_reason).bind(2, delivery).run();
    }
    return {};
  });
}

Result<int> SqliteStorage::prune_webhooks(TimePoint before, int batch) {
  return guarded([&]() -> Result<int> {
    const std::int64_t cutoff = to_unix_ms(before);
    // Finished deliveries whose last activity is older than the cutoff; their attempts go with them (CASCADE).
    auto d = db_.prepare(
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
        "WHERE state != 'pending' AND COALESCE(last_at, created_at) < ?1 ORDER BY id LIMIT ?2)");
    d.bind(1, cutoff).bind(2, batch).run();
    int n = db_.changes();
    // Old events nobody refers to any more: a pending (or younger finished) delivery keeps its event.
    auto e = db_.prepare(
        "DELETE FROM webhook_events WHERE id IN (SELECT ev.id FROM webhook_events ev WHERE ev.created_at < ?1 "
        "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.event_id = ev.id) ORDER BY ev.id LIMIT ?2)");
    e.bind(1, cutoff).bind(2, batch).run();
    n += db_.changes();
    return n;
  });
}

}  // namespace otk
