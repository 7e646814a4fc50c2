// The callback engine: runs one otk::Call (core/callback) per callback request on a real SIP stack. It owns the
// SIP thread (sofia-sip's event loop), feeds each call's state machine the SIP events of its legs and executes the
// commands it returns, in order; it keeps what the machine does not: dialogs, SDP bodies and real timers.
// docs/telephony.md describes the design.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/callback/call.hpp"

namespace otk {

/// How calls leave through the site's trunk. The caller ID and the credentials serve every leg of the call (an
/// operator's PBX may challenge too); the outbound proxy only the visitor's leg (operator URIs carry their host).
struct TrunkConfig {
  std::string username, password;  // digest credentials for 401/407 challenges; "" = do not authenticate
  std::string outbound_proxy;      // "" = none, else a SIP URI the visitor's INVITE and dialog are sent through
  std::string caller_uri;          // From URI of the calls placed (RFC 3725 §12.1), e.g. "sip:+74950000000@host"
  std::string display_name;        // From display name; "" = none
};

struct CallbackRequest {
  std::string visitor_uri;  // e.g. "sip:+79001234567@127.0.0.1:5091"
  CallConfig plan;          // operator URIs, ring strategy, timeouts
  TrunkConfig trunk;
};

struct EngineOptions {
  std::string bind_url = "sip:127.0.0.1:5060";  // where the SIP stack listens, e.g. "sip:127.0.0.1:5070;transport=udp"
  const Clock* clock = nullptr;                 // must outlive the engine; nullptr = the system clock
  /// Called on the SIP thread after every transition, with a copy of the call. It must not block, and must not
  /// call stop() (which joins that thread); place() and abort() are fine.
  std::function<void(std::uint64_t id, const Call& snapshot)> on_update;
};

class CallbackEngine {
 public:
  /// Starts the SIP thread and binds the transport. Error unavailable when the stack cannot start.
  static Result<std::unique_ptr<CallbackEngine>> start(EngineOptions options);
  ~CallbackEngine();  // stop()
  CallbackEngine(const CallbackEngine&) = delete;
  CallbackEngine& operator=(const CallbackEngine&) = delete;

  /// Validates the request (new_call() and the trunk's From) and starts the call; returns its id. Thread-safe.
  /// Error bad_request for an invalid request, unavailable once stopping.
  Result<std::uint64_t> place(CallbackRequest request);
  /// Tears the call down (the machine's Abort event). Unknown or finished ids are ignored. Thread-safe.
  void abort(std::uint64_t id);
  /// Aborts live calls, shuts the SIP stack down cleanly and joins the SIP thread. Idempotent; not from the SIP
  /// thread.
  void stop();

  struct Impl;

 private:
  explicit CallbackEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otk
