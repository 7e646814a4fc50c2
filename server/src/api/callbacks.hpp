// Callback requests, from the widget's form to a finished call. A request is checked (phone/ parses the number
// with the site's region, core/callback/fraud decides), recorded with its verdict, joined to the visitor's lead,
// and then placed at once or, outside the site's working hours, scheduled for the moment the team is back. The
// SIP engine (telephony/) reports every transition of a call; this desk records the leg timeline, the final
// status and the charge (core/billing), and tells the visitor and the site's operators as the call goes.
//
// Placing a call is a port (CallPlacer): the SIP engine in production; nothing when the server runs without SIP,
// and then allowed requests are refused as "callback unavailable" rather than left hanging.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/services.hpp"
#include "app/ports/storage.hpp"
#include "core/callback/settings.hpp"
#include "net/ws_connection.hpp"
#include "proto/frames.hpp"

namespace otk {

struct PlaceCall {
  std::string visitor_uri;  // sip:+79161234567@trunk
  CallConfig plan;
  TrunkSettings trunk;
};

class CallPlacer {
 public:
  virtual ~CallPlacer() = default;
  /// Starts the call; its transitions come back through CallbackDesk::on_update with the returned id.
  virtual Result<std::uint64_t> place(const PlaceCall& call) = 0;
  virtual void abort(std::uint64_t id) = 0;
};

/// One request to be called back, from the widget's socket or from the REST API.
struct CallbackAsk {
  std::string client_id;         // the requester's idempotency key (core/chat/text: parse_client_id)
  std::string phone;             // as typed; parsed with the site's region
  std::optional<TimePoint> at;   // a slot the person picked (one of callback_slots); none: as soon as possible
  std::string ip;                // the requester's address; "" unknown: the per-address limits do not apply
  bool honeypot = false;         // the widget form's hidden field came back filled
  std::optional<Millis> on_page; // time on the page, measured here; none: no page behind it (the REST API)
  std::string name;              // the person's name for the lead (normalize_lead_name); "" none
  // A request with no widget visitor (the REST API): the person's visitor record is found or made under this
  // key, in the same transaction as the request, so that a resend finds the first request. "" for the widget.
  std::string visitor_key;
};

/// What became of a request: its record, and what to tell whoever asked.
struct CallbackAnswer {
  CallbackRecord record;
  bool duplicate = false;  // the client_id was sent before: `record` is the first request's
  std::string state;       // "calling_operator", "scheduled", "refused" or "ended"
  std::string message;     // "refused": the polite text, in the site's language
  std::string status;      // "refused" and "ended": the record's status
};

struct CallbackDeskConfig {
  Millis schedule_tick{1'000};  // how often scheduled callbacks are checked
};

class CallbackDesk {
 public:
  CallbackDesk(net::io_context& ioc, Services services, CallbackDeskConfig config = {});
  CallbackDesk(const CallbackDesk&) = delete;
  CallbackDesk& operator=(const CallbackDesk&) = delete;

  /// Set before start(); may stay null (no SIP).
  void set_placer(CallPlacer* placer) { placer_ = placer; }
  [[nodiscard]] bool can_dial() const { return placer_ != nullptr; }
  /// Ends calls a crash interrupted and starts the scheduler. Once, before serving.
  void start();
  void stop();

  /// A visitor's request, answered on `conn` (a `callback` frame, or an `error` for a malformed one).
  /// `on_page`: how long the visitor's socket has been open, measured here (a bot cannot lie about it).
  /// The form's instant check: would we call this number? Only the number's own rules (type, region, prefixes);
  /// answered with phone_check.
  net::awaitable<void> check(WsConnection& conn, const Site& site, const proto::CheckPhone& f);
  /// The times the visitor may pick (docs/protocol.md, callback_slots): outside the site's hours, or always when
  /// the settings say `slots`; answered with callback_slots.
  net::awaitable<void> slots(WsConnection& conn, const Site& site);
  net::awaitable<void> request(WsConnection& conn, const Site& site, const Visitor& visitor,
                               const proto::RequestCallback& frame, std::string ip, Millis on_page);
  /// A request from any door (the socket above, POST /api/v1/callbacks): checked, recorded with its verdict and
  /// the person's lead in one transaction, then placed or scheduled. Errors: forbidden (callback is off for the
  /// site), bad_request (`at` is not an offered slot), storage failures; a refusal by the rules is an answer.
  /// `visitor`: the widget's; none for the REST API (then `ask.visitor_key` names the record to use).
  /// `answered`, when given, sees the answer before the call is placed (so a socket can queue it first).
  net::awaitable<Result<CallbackAnswer>> submit(const Site& site, std::optional<Visitor> visitor, CallbackAsk ask,
                                                const std::function<void(const CallbackAnswer&)>& answered = {});

  /// An operator calls the number of an ended callback again (a new record, placed at once). The visitor's
  /// limits do not apply — it is the operator's decision — but an opt-out does, and one live call per number.
  net::awaitable<Result<CallbackRecord>> retry(const OperatorScope& scope, CallbackId id);
  /// Adds the callback's number to its site's blocklist (fraud.blocked_numbers).
  net::awaitable<Result<void>> block(const OperatorScope& scope, CallbackId id);

  /// From the SIP engine, on its thread: a call moved on.
  void on_update(std::uint64_t call, const Call& snapshot);

 private:
  struct Live {
    CallbackId id;
    SiteId site;
    VisitorId visitor;
    std::string client_id;
    BillingPlan billing;
    std::string label;  // the last state the visitor was told
    bool finished = false;
  };

  /// Places a recorded request (now, or when its scheduled time came). On the strand.
  net::awaitable<void> place(CallbackRecord record, CallbackSettings settings);
  net::awaitable<void> update_here(std::uint64_t call, Call snapshot);
  net::awaitable<void> schedule_loop();
  void tell(const CallbackRecord& r, std::string_view state, std::string_view status);

  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer timer_;
  Services s_;
  CallbackDeskConfig config_;
  CallPlacer* placer_ = nullptr;
  bool stopped_ = false;
  std::unordered_map<std::uint64_t, Live> live_;
};

/// A stored callback as operators see it.
[[nodiscard]] proto::CallbackView callback_view(const CallbackRecord& r);

/// What the visitor hears while a call goes on: "calling_operator", "calling_you", "connected", "ended".
[[nodiscard]] std::string_view visitor_state_of(const Call& call);

}  // namespace otk
