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
