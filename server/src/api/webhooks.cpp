// Webhooks: the outbox helper, the event bodies, the sender, and the console's REST (owners and admins).
#include "api/webhooks.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/app.hpp"
#include "api/callbacks.hpp"
#include "api/db_await.hpp"
#include "proto/csv.hpp"
#include "proto/frames.hpp"

namespace otk {
namespace {

using json = nlohmann::json;
std::atomic<bool> g_outbox_written{false};

}  // namespace

std::string new_webhook_event_id() { return "evt_" + webhooks::random_hex(12); }

namespace {

std::string event_body(std::string_view event_id, std::string_view type, TimePoint now, SiteId site,
                       const WebhookTarget& target, const std::string& data) {
  // Built by hand around `data` so that its JSON goes out exactly as the builder wrote it.
  const json head{{"id", event_id},
                  {"type", type},
                  {"created_at", proto::iso8601_utc(now)},
                  {"site", json{{"id", site.value}, {"key", target.site_key}, {"name", target.site_name}}}};
  std::string out = dump(head);
  out.pop_back();  // the closing brace
  return out + ",\"data\":" + data + "}";
}

}  // namespace

Result<void> emit_webhook(Storage& st, SiteId site, std::string_view type, TimePoint now,
                          const std::function<std::string()>& data) {
  auto target = st.webhook_target(site, type);
  if (!target) return std::unexpected(target.error());
  if (!*target) return {};
  const std::string id = new_webhook_event_id();
  auto queued = st.enqueue_webhook(site, type, id, event_body(id, type, now, site, **target, data()), now, 0);
  if (!queued) return std::unexpected(queued.error());
  g_outbox_written = true;
  return {};
}

bool take_outbox_written() { return g_outbox_written.exchange(false); }
void mark_outbox_written() { g_outbox_written = true; }

std::string webhook_conversation_data(const Conversation& c) {
  return dump(json{{"conversation", json{{"id", c.id.value},
                                         {"visitor", c.visitor.value},
                                         {"status", c.status == ConversationStatus::open ? "open" : "closed"},
                                         {"created_at", to_unix_ms(c.created_at)},
                                         {"bot", !c.bot_state.empty()}}}});
}

std::string webhook_message_data(const Conversation& c, const Message& m) {
  return "{\"conversation\":" + std::to_string(c.id.value) + ",\"visitor\":" + std::to_string(c.visitor.value) +
         ",\"message\":" + proto::message_json(m) + "}";
}

std::string webhook_lead_data(const Lead& lead) { return "{\"lead\":" + proto::lead_json(lead) + "}"; }

std::string webhook_callback_data(const CallbackRecord& r) {
  return "{\"callback\":" + proto::callback_json(callback_view(r)) + "}";
}

std::string webhook_rating_data(const Conversation& c, bool good, std::string_view comment) {
  return dump(json{{"conversation", c.id.value}, {"visitor", c.visitor.value},
                   {"rating", good ? "good" : "bad"}, {"comment", comment}});
}

Result<void> emit_message_events(Storage& st, const Appended& a) {
  if (a.duplicate) return {};
  const Conversation& c = a.conversation;
  if (a.created_conversation) {
    auto started = emit_webhook(st, c.site, "conversation.started", a.message.at,
                                [&c] { return webhook_conversation_data(c); });
    if (!started) return started;
  }
  return emit_webhook(st, c.site, "message.created", a.message.at,
                      [&] { return webhook_message_data(c, a.message); });
}

Result<void> emit_lead_event(Storage& st, const SavedLead& saved, TimePoint now) {
  if (saved.duplicate) return {};
  return emit_webhook(st, saved.lead.site, saved.created ? "lead.created" : "lead.updated", now,
                      [&saved] { return webhook_lead_data(saved.lead); });
}

// ---- the sender ----

WebhookSender::WebhookSender(net::io_context& ioc, Services services, WebhookConfig config)
    : s_(services), config_(std::move(config)), client_(config_.ca_file), strand_(net::make_strand(ioc)), wake_(strand_) {}

WebhookSender::~WebhookSender() = default;

void WebhookSender::start() { net::co_spawn(strand_, run(), net::detached); }

void WebhookSender::stop() {
  net::post(strand_, [this] {
    stopping_ = true;
    wake_.cancel();
  });
}

void WebhookSender::poke() {
  net::post(strand_, [this] {
    poked_ = true;
    wake_.cancel();
  });
}

net::awaitable<void> WebhookSender::run() {
  static constexpr std::chrono::seconds kIdle{5};  // the longest nap: retries come due on their own
  while (!stopping_) {
    poked_ = false;
    const std::uint64_t read_after = finishes_;
    const auto now = s_.clock.now();
    const int room = config_.max_in_flight - static_cast<int>(in_flight_.size());
    struct Found {
      std::vector<DueWebhook> due;
      TimePoint next;
    };
    auto find = [now, room](Storage& st) -> Result<Found> {
      Found f{{}, now + kIdle};
      auto due = st.due_webhooks(now, std::max(room, 0), f.next);
      if (!due) return std::unexpected(due.error());
      f.due = std::move(*due);
      return f;
    };
    auto found = co_await db_read<Found>(s_.db, find);
    TimePoint next = now + kIdle;
    if (!found) {
      spdlog::warn("webhooks: cannot read the outbox: {}", found.error().message);
    } else {
      next = found->next;
      for (auto& d : found->due) {
        if (in_flight_.contains(d.endpoint)) continue;
        if (auto f = finished_.find(d.endpoint); f != finished_.end() && f->second > read_after) continue;  // stale
        in_flight_.insert(d.endpoint);
        net::co_spawn(strand_, deliver(std::move(d)), net::detached);
      }
    }
    if (!pruning_ && now >= next_prune_) {
      pruning_ = true;
      next_prune_ = now + std::chrono::hours(1);
      net::co_spawn(strand_, prune(), net::detached);
    }
    if (poked_ || stopping_) continue;
    const auto nap = std::clamp(std::chrono::duration_cast<Millis>(next - s_.clock.now()), Millis(0), Millis(kIdle));
    wake_.expires_after(nap);
    beast::error_code ec;
    co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

net::awaitable<void> WebhookSender::prune() {
  static constexpr int kPruneBatch = 1000;
  const TimePoint before = s_.clock.now() - config_.retention;
  long removed = 0;
  while (!stopping_) {
    auto step = [before](Storage& st) { return st.prune_webhooks(before, kPruneBatch); };
    auto n = co_await db_write<int>(s_.db, step);
    if (!n) {
      spdlog::warn("webhooks: retention: {}", n.error().message);
      break;
    }
    removed += *n;
    if (*n == 0) break;
  }
  if (removed > 0) spdlog::info("webhooks: retention removed {} old deliveries and events", removed);
  pruning_ = false;
}

net::awaitable<void> WebhookSender::deliver(DueWebhook d) {
  const auto url = webhooks::parse_url(d.url);
  HttpCallResult result;
  const auto started = std::chrono::steady_clock::now();
  const auto sent_at = s_.clock.now();
  if (!url) {
    result.error = "the address is not valid: " + url.error().message;
  } else {
    const auto t = std::chrono::duration_cast<std::chrono::seconds>(sent_at.time_since_epoch()).count();
    const std::vector<std::pair<std::string, std::string>> headers{
        {"Otklik-Event", d.type},
        {"Otklik-Event-Id", d.event_id},
        {"Otklik-Delivery", std::to_string(d.delivery)},
        {"Otklik-Attempt", std::to_string(d.attempts + 1)},
        {"Otklik-Signature", webhooks::signature_header(d.secret, t, d.body)}};
    const HttpTarget target{url->tls, url->host, url->port, url->target};
    result = co_await client_.post(target, headers, d.body, config_.timeout);
  }
  WebhookOutcome o;
  o.at = s_.clock.now();
  o.status = result.status;
  o.duration_ms = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started).count();
  o.delivered = result.status >= 200 && result.status < 300;
  if (!o.delivered) {
    o.error = !result.error.empty() ? result.error : "the receiver answered " + std::to_string(result.status);
    if (result.status == 410) {
      o.disable_reason = "the receiver answered 410 Gone: it asks for no more deliveries";
    } else {
      o.retry_at = webhooks::next_attempt(d.attempts + 1, d.window_start, o.at,
                                          static_cast<double>(randombytes_uniform(1'000'000)) / 1e6, config_.retry);
      if (!o.retry_at) o.disable_reason = "deliveries failed for 24 hours; the last attempt: " + o.error;
    }
    spdlog::info("webhook delivery {} ({} {}) to endpoint {} failed: {}", d.delivery, d.type, d.event_id, d.endpoint,
                 o.error);
  }
  const auto id = d.delivery;
  auto record = [id, o](Storage& st) { return st.record_webhook_attempt(id, o); };
  auto stored = co_await db_write<void>(s_.db, record);
  if (!stored) spdlog::error("webhook delivery {}: the attempt could not be recorded: {}", id, stored.error().message);
  if (!o.disable_reason.empty()) spdlog::warn("webhook endpoint {} turned off: {}", d.endpoint, o.disable_reason);
  in_flight_.erase(d.endpoint);
  finished_[d.endpoint] = ++finishes_;
  poked_ = true;  // the endpoint's next delivery may be waiting
  wake_.cancel();
}

}  // namespace otk
