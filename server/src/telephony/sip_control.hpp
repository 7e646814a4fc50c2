// The SIP operations the callback engine needs, as a port. A leg is one INVITE dialog we place as the UAC; the
// engine names it by the LegKey that invite() returns and gets its events back with that key. Everything here is
// called, and every event delivered, on the SIP thread (the thread that runs the stack's event loop).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.hpp"
#include "core/callback/call.hpp"

namespace otk {

using LegKey = std::uint64_t;

/// Digest credentials for the trunk. Empty username: we do not answer challenges (the 401/407 ends the leg).
struct DigestCredentials {
  std::string username;
  std::string password;
};

/// An INVITE without SDP (RFC 3725 Flow III): the callee's 2xx will carry the offer.
struct InviteRequest {
  std::string request_uri;      // also the To URI
  std::string from_uri;         // the caller ID configured for the site/trunk (RFC 3725 §12.1)
  std::string display_name;     // "" = none
  std::string outbound_proxy;   // "" = none, else a SIP URI every request of the leg is sent through
  DigestCredentials credentials;
};

// ---- Events back to the engine. ----

struct LegProvisional {  // a 1xx to the initial INVITE
  LegKey leg = 0;
  int code = 0;
};
struct LegAnswered {  // a 2xx to the initial INVITE; Flow III: `sdp` is the callee's offer (may be empty)
  LegKey leg = 0;
  std::string sdp;
};
struct LegFailed {  // a final 300..699 to the initial INVITE; a transaction timeout is 408, a local error 500
  LegKey leg = 0;
  int code = 0;
  std::optional<Reason> reason;
};
struct LegRemoteBye {  // the far end hung up
  LegKey leg = 0;
  std::optional<Reason> reason;
};
struct LegReinviteAnswered {  // a 2xx to our re-INVITE; `sdp` is the answer
  LegKey leg = 0;
  std::string sdp;
};
struct LegReinviteFailed {  // a final 300..699 to our re-INVITE
  LegKey leg = 0;
  int code = 0;
};
struct LegReinviteReceived {  // the far end re-INVITEs on the leg's dialog; `sdp` its offer ("" = none)
  LegKey leg = 0;           // it waits for respond_reinvite() (but a 491 the control gave itself: no event)
  std::string sdp;
};
struct LegAckReceived {  // the ACK of our 2xx to the far end's re-INVITE; `sdp` the answer it carried ("" = none)
  LegKey leg = 0;
  std::string sdp;
};
struct LegReinviteCancelled {  // the far end CANCELled its re-INVITE before we answered it (the NUA said 487)
  LegKey leg = 0;
};
using SipEvent = std::variant<LegProvisional, LegAnswered, LegFailed, LegRemoteBye, LegReinviteAnswered,
                              LegReinviteFailed, LegReinviteReceived, LegAckReceived, LegReinviteCancelled>;

class SipEventSink {
 public:
  virtual ~SipEventSink() = default;
  virtual void on_sip_event(const SipEvent& event) = 0;
};

/// The operations. Each returns an Error when it cannot even be attempted (unknown leg, a dialog in the wrong
/// state, a malformed URI); what the far end says comes back later as a SipEvent.
class SipControl {
 public:
  virtual ~SipControl() = default;
  /// Sends the INVITE. Challenges (401/407) are answered once with the request's credentials.
  virtual Result<LegKey> invite(const InviteRequest& request) = 0;
  /// ACKs the 2xx of the leg's pending INVITE (initial or re-INVITE); `sdp` empty = no body.
  virtual Result<void> ack(LegKey leg, std::string_view sdp) = 0;
  /// CANCELs the leg's pending INVITE (the initial one, or our re-INVITE), with an RFC 3326 Reason header when
  /// given.
  virtual Result<void> cancel(LegKey leg, const std::optional<Reason>& reason) = 0;
  /// Sends BYE on the leg's dialog, with an RFC 3326 Reason header when given. A re-INVITE from the far end that
  /// still awaits our answer is answered 487 first (RFC 3261 15.1.2).
  virtual Result<void> bye(LegKey leg, const std::optional<Reason>& reason) = 0;
  /// Sends a re-INVITE on the leg's confirmed dialog with `sdp` as its offer.
  virtual Result<void> reinvite(LegKey leg, std::string_view sdp) = 0;
  /// Answers the far end's pending re-INVITE (LegReinviteReceived) with `code` (200..699), `sdp` as the body
  /// ("" = none) and a Retry-After header of `retry_after` seconds when > 0. Error conflict when none is pending.
  virtual Result<void> respond_reinvite(LegKey leg, int code, std::string_view sdp, int retry_after) = 0;
  /// The engine is done with the leg: no more events for it; its resources go once its transactions end.
  virtual void release(LegKey leg) = 0;
};

/// A received Reason header's fields as data: protocol "SIP" or "Q.850" (case-insensitive), a numeric cause, and
/// the text (quoted or not; unquoted and unescaped here, controls dropped, cut to kMaxReasonText bytes).
/// nullopt for anything else.
inline constexpr std::size_t kMaxReasonText = 128;
[[nodiscard]] std::optional<Reason> make_reason(std::string_view protocol, std::string_view cause,
                                                std::string_view text);

/// The From header value for our INVITEs: `"Display" <uri>` (quotes and backslashes escaped) or `<uri>`.
/// Error bad_request for an empty URI, or control characters in either part.
[[nodiscard]] Result<std::string> from_header(std::string_view display_name, std::string_view uri);

}  // namespace otk
