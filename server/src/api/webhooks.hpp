// Webhooks (docs/webhooks.md): the outbox helper the write paths call, and the sender that delivers what the
// outbox holds — signed, one delivery at a time per endpoint in event order, retried with backoff for a day.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "api/services.hpp"
#include "core/webhooks/webhooks.hpp"
#include "net/http_client.hpp"

namespace otk {

/// Inside a write job, in the same transaction as what it reports: records a `type` event of the site for
/// every enabled endpoint subscribed to it. `data` returns the event's "data" JSON object and runs only when
/// somebody listens. A failure fails the job (nothing of it is stored).
Result<void> emit_webhook(Storage& st, SiteId site, std::string_view type, TimePoint now,
                          const std::function<std::string()>& data);
/// True once after any emit_webhook or mark_outbox_written since the last call: the commit observer's hint to
/// wake the sender.
bool take_outbox_written();
void mark_outbox_written();
/// "evt_" and 24 random hex digits: what receivers deduplicate by.
std::string new_webhook_event_id();

/// The "data" of the events, shared by every place that emits them.
std::string webhook_conversation_data(const Conversation& c);
std::string webhook_message_data(const Conversation& c, const Message& m);
std::string webhook_lead_data(const Lead& lead);
std::string webhook_callback_data(const CallbackRecord& r);
std::string webhook_rating_data(const Conversation& c, bool good, std::string_view comment);

/// message.created for a stored message, and conversation.started first when it opened the conversation.
/// Nothing for a resend (duplicate).
Result<void> emit_message_events(Storage& st, const Appended& a);
/// lead.created for a new lead, lead.updated when contacts merged into one; nothing for a resend.
Result<void> emit_lead_event(Storage& st, const SavedLead& saved, TimePoint now);

struct WebhookConfig {
  std::string ca_file;  // [webhooks] ca_file: extra trusted CAs for https receivers
  Millis timeout{std::chrono::seconds(10)};
  int max_in_flight = 16;
  webhooks::RetryPolicy retry;
  /// [webhooks] retention_days: finished deliveries (with their attempts) and the events no delivery needs are
  /// deleted this long after their last activity, checked once an hour.
  std::chrono::hours retention{24 * 30};
};

class WebhookSender {
 public:
  WebhookSender(net::io_context& ioc, Services services, WebhookConfig config);
  ~WebhookSender();
  void start();
  /// Stops looking for work; deliveries in flight finish or time out. Idempotent.
  void stop();
  /// Something was written to the outbox (or a delivery finished): look now, not at the next tick. Thread-safe.
  void poke();

 private:
  net::awaitable<void> run();
  net::awaitable<void> deliver(DueWebhook d);
  /// Deletes what retention no longer keeps, kPruneBatch rows per transaction.
  net::awaitable<void> prune();

  Services s_;
  WebhookConfig config_;
  HttpClient client_;
  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer wake_;
  std::set<std::int64_t> in_flight_;  // endpoints with a delivery under way
  // A read of the outbox may start before a delivery's outcome commits and end after it: its row for that endpoint
  // is stale then. Each finish gets a number; a row is used only if its endpoint finished nothing since the read began.
  std::uint64_t finishes_ = 0;
  std::map<std::int64_t, std::uint64_t> finished_;  // endpoint -> number of its last finish
  bool poked_ = false;
  bool stopping_ = false;
  bool pruning_ = false;
  TimePoint next_prune_{};  // the first pass runs at start
};

}  // namespace otk
