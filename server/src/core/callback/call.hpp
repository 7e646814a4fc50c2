// The callback call's decisions. A visitor leaves a phone number; we ring the site's operators and, as soon as one
// answers, ring the visitor and bridge the two with RFC 3725 third-party call control, Flow III:
//
//   INVITE operator (no SDP) -> 200 with the operator's offer -> ACK with a hold ("black hole") answer
//   INVITE visitor (no SDP)  -> 200 with the visitor's offer  -> re-INVITE operator with the visitor's offer
//   -> 200 with the operator's answer -> ACK operator, ACK visitor with the operator's answer -> talking.
//
// While they talk, a phone's re-INVITE (hold, a codec change) is relayed: its offer goes to the other phone in a
// re-INVITE of ours and that phone's answer comes back in the 200 (Call::relay, one at a time).
//
// This module owns the state machine and the call's record, nothing else: it says which leg to INVITE, CANCEL,
// ACK or BYE and which timers to start. The SIP adapter (telephony/) feeds it events and executes its commands in
// the order given; it owns the dialogs, the SDP bodies and the real timers. Pure: no I/O, no threads, no clock
// reads; every transition takes `now`. docs/callback.md describes the machine, its SIP code mapping and policies.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace otk {

/// How a callback request ended. The first four are decided before any call is placed (not_placed()); the rest by
/// the state machine. Names are stored and shown in reports, so they are stable.
enum class CallStatus {
  scheduled,                // outside working hours: the caller will place it later
  rejected_invalid_number,  // the number did not parse as a callable phone number
  rejected_fraud_rule,      // a site's fraud rule refused it
  rate_limited,             // too many requests from this visitor, number or site
  operator_no_answer,       // no operator answered in any round (see docs for the busy/failed split)
  operator_busy,            // every operator attempt ended busy (486, 600) or declined (603)
  operator_failed,          // every operator attempt failed for a technical reason (404, 484, 604, 5xx, ...)
  visitor_no_answer,        // the visitor did not answer in time (our timer, 480, 408)
  visitor_busy,             // 486, 600
  visitor_unreachable,      // 404, 484, 604
  visitor_rejected,         // 603
  operator_hung_up_early,   // the operator hung up after answering, before the talk began
  connected,                // operator and visitor talked; see talk_time()
  failed_technical,         // our side or the network failed (other visitor codes, a failed bridge, an abort)
};
inline constexpr std::size_t kCallStatusCount = static_cast<std::size_t>(CallStatus::failed_technical) + 1;

/// The stable name of a status, e.g. "operator_hung_up_early".
[[nodiscard]] std::string_view status_name(CallStatus s);
[[nodiscard]] std::optional<CallStatus> parse_call_status(std::string_view name);

/// Where the call is. `created` until the Start event; `ended` once a status is set (late SIP responses on legs
/// that were being cancelled are still handled there).
enum class CallState {
  created,
  ringing_operators,  // INVITEs out to operators (all at once, or one in turn)
  between_rounds,     // every operator of a round failed; waiting for the next round
  ringing_visitor,    // an operator answered and is held; INVITE out to the visitor
  bridging,           // the visitor answered; re-INVITE out to the operator with the visitor's offer
  talking,            // both ACKed: media flows between them
  ended,
};
[[nodiscard]] std::string_view state_name(CallState s);

enum class RingStrategy {
  all_at_once,  // INVITE every operator; the first 2xx wins and the others are CANCELled
  in_turn,      // one operator at a time, in list order, each for operator_ring_timeout
};

/// Who did something: hung up, refused, or (system) we did it ourselves — a timer, a cancel, a failure.
enum class Party { operator_, visitor, system };
[[nodiscard]] std::string_view party_name(Party p);

enum class ReasonProtocol { sip, q850 };

/// An RFC 3326 Reason header value, e.g. SIP;cause=486;text="Busy Here" or Q.850;cause=16. The adapter parses
/// received ones into this (bounding text) and formats ours with format_reason().
struct Reason {
  ReasonProtocol protocol = ReasonProtocol::sip;
  int cause = 0;
  std::string text;
  bool operator==(const Reason&) const = default;
};

/// "SIP;cause=486;text=\"Busy Here\"" (text omitted when empty; quotes and backslashes escaped, controls dropped).
[[nodiscard]] std::string format_reason(const Reason& r);
/// The RFC 3261 reason phrase of a response code ("Busy Here" for 486), or "" for codes we do not name.
[[nodiscard]] std::string_view sip_reason_phrase(int code);

/// The state of one SIP leg (one INVITE dialog).
enum class LegState {
  idle,        // the visitor leg before its INVITE
  inviting,    // INVITE sent, no final response yet
  cancelling,  // CANCEL sent, no final response yet (a 487 or a crossing 2xx will come)
  answered,    // 2xx received, ACK withheld until the bridge completes (the visitor leg while bridging)
  confirmed,   // 2xx received and ACKed: the dialog is up
  ended,       // failed, BYE sent or received, or given up after CANCEL
};
[[nodiscard]] std::string_view leg_state_name(LegState s);

/// How a leg ended, from the call's point of view.
enum class LegOutcome {
  pending,      // still going
  answered,     // it answered and took part in the call (the winning operator, the visitor)
  cancelled,    // we cancelled it because the call went on without it (another operator won, an abort, ...)
  no_answer,    // our ring timer fired (we CANCELled), or 480 / 408
  busy,         // 486, 600
  rejected,     // 603
  unreachable,  // 404, 484, 604
  failed,       // any other final code
};
[[nodiscard]] std::string_view leg_outcome_name(LegOutcome o);
/// The outcome a final non-2xx response code means. Precondition: 300 <= code <= 699.
[[nodiscard]] LegOutcome classify_final_code(int code);

/// The record of one leg. Times are floored to the millisecond.
struct LegRecord {
  std::size_t operator_index = 0;  // operator legs: index into CallConfig::operator_uris
  int round = 0;                   // operator legs: the round (0-based) this attempt belongs to
  LegState state = LegState::idle;
  LegOutcome outcome = LegOutcome::pending;
  std::optional<TimePoint> invited;            // INVITE sent
  std::optional<TimePoint> first_provisional;  // first 18x received
  std::optional<TimePoint> answered;           // 2xx received (also a 2xx that crossed our CANCEL)
  std::optional<TimePoint> ended;              // final failure received, CANCEL or BYE sent, BYE received
  int final_code = 0;                          // final response to the INVITE; 0 while none has arrived
  std::optional<Reason> reason;                // the Reason that ended it: received (BYE, response) or sent by us
  std::optional<Party> ended_by;               // whose action ended it (the other leg's party when it was forwarded)
};

/// Timers the machine asks for. At most one per kind is live; a fired timer that is not the live one is stale.
enum class TimerKind {
  operator_ring,    // all_at_once: the whole round; in_turn: the current operator
  round_pause,      // between rounds
  visitor_ring,     // the visitor's INVITE
  reinvite_answer,  // the operator's answer to the bridging re-INVITE
  reinvite_retry,   // after a 491 (glare) on the re-INVITE, RFC 3261 14.1
  max_talk,         // a ceiling on the talk
  relay_answer,     // while talking: the other phone's answer to a relayed re-INVITE, or a phone's ACK
  settle,           // after the end, how long to wait for responses to our CANCELs before forgetting the legs
};
inline constexpr std::size_t kTimerKindCount = static_cast<std::size_t>(TimerKind::settle) + 1;
[[nodiscard]] std::string_view timer_kind_name(TimerKind k);

/// Wait after a 491 before re-sending the re-INVITE: we own the Call-ID of the dialog, so 2.1..4 s (RFC 3261 14.1).
inline constexpr Millis kGlareRetryDelay{3'000};
/// How long after the end a cancelled leg may still answer: 64*T1, the INVITE client transaction's lifetime.
inline constexpr Millis kSettleDelay{32'000};

/// A site's ring plan for one call. Validated by new_call().
struct CallConfig {
  std::vector<std::string> operator_uris;  // SIP URIs built by the adapter, in ring order; 1..kMaxOperators
  RingStrategy strategy = RingStrategy::all_at_once;
  Millis operator_ring_timeout{20'000};  // all_at_once: per round; in_turn: per operator. 1 s..300 s
  int rounds = 2;                        // passes over the operator list; 1..10
  Millis round_pause{15'000};            // between rounds; 0..600 s (0: the next round starts at once)
  Millis visitor_ring_timeout{45'000};   // 1 s..300 s
  Millis reinvite_timeout{8'000};        // 1 s..30 s: under 32 s, so we give up before the visitor's 2xx does
  Millis max_talk{std::chrono::hours(4)};  // 1 s..24 h
};
inline constexpr std::size_t kMaxOperators = 50;
inline constexpr std::size_t kMaxUriBytes = 256;

/// Identifies a leg in events and commands: the visitor, or one operator attempt — an index into
/// Call::operator_legs. Every INVITE to an operator is a new attempt with its own dialog, so an operator rung in
/// two rounds has two attempts and a late response to the first can never be mistaken for the second.
struct LegId {
  Party party = Party::visitor;  // operator_ or visitor; system is invalid here
  std::size_t attempt = 0;       // operator legs only

  [[nodiscard]] static constexpr LegId visitor() { return {Party::visitor, 0}; }
  [[nodiscard]] static constexpr LegId operator_attempt(std::size_t a) { return {Party::operator_, a}; }
  bool operator==(const LegId&) const = default;
};

// ---- Events: what the adapter reports. ----

/// Begin ringing. Only in `created`, on a call from new_call() (bad_request if its plan is invalid).
struct Start {
  bool operator==(const Start&) const = default;
};
/// A 1xx to our INVITE on `leg` (100..199). 18x sets first_provisional; others are accepted and ignored.
struct Provisional {
  LegId leg;
  int code = 180;
  bool operator==(const Provisional&) const = default;
};
/// A 2xx to our initial INVITE on `leg`. In Flow III it carries the far end's offer, which the adapter keeps.
struct Answered {
  LegId leg;
  bool operator==(const Answered&) const = default;
};
/// A final non-2xx (300..699) to our initial INVITE on `leg`, with the response's Reason header if it had one.
/// A transaction timeout is reported as 408.
struct Failed {
  LegId leg;
  int code = 0;
  std::optional<Reason> reason;
  bool operator==(const Failed&) const = default;
};
/// The far end of `leg` sent BYE (with its Reason header if it had one).
struct RemoteBye {
  LegId leg;
  std::optional<Reason> reason;
  bool operator==(const RemoteBye&) const = default;
};
/// A 2xx to our re-INVITE: the bridging one to the winning operator (it carries the operator's answer), or while
/// talking a relayed one (Call::relay says to which leg). At most one re-INVITE of ours is out per call.
struct ReinviteAnswered {
  bool operator==(const ReinviteAnswered&) const = default;
};
/// A final non-2xx (300..699) to that re-INVITE. On the bridge, 491 is retried once after kGlareRetryDelay.
struct ReinviteFailed {
  int code = 0;
  bool operator==(const ReinviteFailed&) const = default;
};
/// A timer from StartTimer fired. Stale ones (not the live timer of its kind) are ignored.
struct TimerFired {
  TimerKind kind = TimerKind::operator_ring;
  std::uint64_t id = 0;
  bool operator==(const TimerFired&) const = default;
};
/// Tear the call down now (shutdown, an operator's console action, a lost dialog). `reason` goes in our
/// CANCELs and BYEs; without one, Q.850 cause 41 (temporary failure).
struct Abort {
  std::optional<Reason> reason;
  bool operator==(const Abort&) const = default;
};
/// The far end of `leg` sent a re-INVITE (hold, resume, a codec change, a session refresh). `offer`: it carried
/// SDP; `changed`: that SDP differs from the phone's current description in more than its o= line (the adapter
/// compares; ignored without an offer). Every one is answered by a command (AcceptReinvite*, RefuseReinvite or
/// RelayOffer, whose outcome is answered later), so a phone never waits for nothing.
struct RemoteReinvite {
  LegId leg;
  bool offer = true;
  bool changed = true;
  bool operator==(const RemoteReinvite&) const = default;
};
/// The ACK of our 2xx to `leg`'s offerless re-INVITE arrived with the phone's answer; `changed`: as above.
struct RemoteReinviteAcked {
  LegId leg;
  bool changed = false;
  bool operator==(const RemoteReinviteAcked&) const = default;
};
/// The far end of `leg` CANCELled the re-INVITE it sent (the stack has answered it 487).
struct RemoteReinviteCancelled {
  LegId leg;
  bool operator==(const RemoteReinviteCancelled&) const = default;
};
using Event = std::variant<Start, Provisional, Answered, Failed, RemoteBye, ReinviteAnswered, ReinviteFailed,
                           TimerFired, Abort, RemoteReinvite, RemoteReinviteAcked, RemoteReinviteCancelled>;

// ---- Commands: what the adapter must do, in order. ----

/// Send an INVITE without SDP to operator_uris[operator_index]; the dialog is operator attempt `attempt`.
struct InviteOperator {
  std::size_t attempt = 0;
  std::size_t operator_index = 0;
  std::string uri;
  bool operator==(const InviteOperator&) const = default;
};
/// Send an INVITE without SDP to the visitor's number.
struct InviteVisitor {
  bool operator==(const InviteVisitor&) const = default;
};
/// CANCEL the pending INVITE of `leg`, with `reason` as its Reason header when present.
struct Cancel {
  LegId leg;
  std::optional<Reason> reason;
  bool operator==(const Cancel&) const = default;
};
/// ACK the 2xx of `leg` with a hold answer to the offer it carried (RFC 3725 section 4.1's "black hole" SDP:
/// c=0.0.0.0 or a=inactive). Used for the winning operator, and before a BYE for a 2xx we no longer want.
struct AckWithHold {
  LegId leg;
  bool operator==(const AckWithHold&) const = default;
};
/// Send a re-INVITE to the winning operator carrying the offer from the visitor's 2xx.
struct ReinviteOperatorWithOffer {
  std::size_t attempt = 0;
  bool operator==(const ReinviteOperatorWithOffer&) const = default;
};
/// ACK the operator's 2xx to the re-INVITE (no body: the offer was in the re-INVITE).
struct AckOperatorReinvite {
  std::size_t attempt = 0;
  bool operator==(const AckOperatorReinvite&) const = default;
};
/// ACK the visitor's 2xx with the answer from the operator's re-INVITE 2xx. After this, they talk.
struct AckVisitorWithAnswer {
  bool operator==(const AckVisitorWithAnswer&) const = default;
};
/// Send BYE on the confirmed dialog of `leg`, with `reason` as its Reason header when present.
struct Bye {
  LegId leg;
  std::optional<Reason> reason;
  bool operator==(const Bye&) const = default;
};
/// Deliver TimerFired{kind, id} at `deadline`. Timers are never cancelled: a newer one of the same kind, or the
/// machine moving on, makes the old one stale. Once settled() the adapter may drop the call's timers.
struct StartTimer {
  TimerKind kind = TimerKind::operator_ring;
  std::uint64_t id = 0;
  TimePoint deadline;
  bool operator==(const StartTimer&) const = default;
};
/// While talking: re-INVITE `to` with the SDP `from` sent that the other phone has not seen yet (the offer of
/// `from`'s re-INVITE, or the answer in the ACK of its offerless one), under `to`'s o= line. `restore`: with the
/// session `from` has instead — `to` took an offer that `from` withdrew or we gave up on, and must get it back.
struct RelayOffer {
  LegId from;
  LegId to;
  bool restore = false;
  bool operator==(const RelayOffer&) const = default;
};
/// ACK the 2xx to the relayed re-INVITE on `leg` (no body: the offer was in the re-INVITE).
struct AckReinvite {
  LegId leg;
  bool operator==(const AckReinvite&) const = default;
};
/// Answer `leg`'s pending re-INVITE 200 with the answer the other phone gave to the relayed offer.
struct AcceptReinviteWithAnswer {
  LegId leg;
  bool operator==(const AcceptReinviteWithAnswer&) const = default;
};
/// Answer `leg`'s pending re-INVITE 200 with the description that leg last received from us (its o= version
/// bumped): the offer when the re-INVITE had none, the answer when its offer changed nothing.
struct AcceptReinviteAsBefore {
  LegId leg;
  bool operator==(const AcceptReinviteAsBefore&) const = default;
};
/// Refuse `leg`'s pending re-INVITE with `code`, with Retry-After: `retry_after` seconds when > 0. Its session
/// stays as it was.
struct RefuseReinvite {
  LegId leg;
  int code = 488;
  int retry_after = 0;
  bool operator==(const RefuseReinvite&) const = default;
};
using Command = std::variant<InviteOperator, InviteVisitor, Cancel, AckWithHold, ReinviteOperatorWithOffer,
                             AckOperatorReinvite, AckVisitorWithAnswer, Bye, StartTimer, RelayOffer, AckReinvite,
                             AcceptReinviteWithAnswer, AcceptReinviteAsBefore, RefuseReinvite>;

/// The result of one transition.
struct Step {
  std::vector<Command> commands;  // execute in this order
  bool finished = false;          // this transition ended the call: Call::status is now set
};

/// A phone's re-INVITE while they talk, on its way through the other leg (docs/callback.md, "Re-INVITEs").
enum class RelayStage {
  offering,      // `from`'s re-INVITE carried a new offer; ours with it is out to `to`; `from` awaits our answer
  awaiting_ack,  // `from`'s re-INVITE had no offer; we answered 200 with one and await the ACK with its answer
  forwarding,    // that answer changed `from`'s media; ours with it is out to `to`; nobody awaits us
  withdrawn,     // `from`'s offer is off (it CANCELled, or `to` was too slow and `from` got a 500): ours to `to` is
                 // CANCELled, its final response still to come; a 2xx crossing the CANCEL is undone (restore)
  abandoned,     // the forwarded answer took too long: CANCELled, its final response still to come
};
[[nodiscard]] std::string_view relay_stage_name(RelayStage s);
struct Relay {
  LegId from;
  LegId to;
  RelayStage stage = RelayStage::offering;
  bool operator==(const Relay&) const = default;
};
/// Retry-After (seconds) on a relayed re-INVITE that timed out on the other leg.
inline constexpr int kRelayRetryAfterSeconds = 5;

/// One callback call: its plan, where it is, and its record. Change it only through on_event().
struct Call {
  CallConfig config;
  CallState state = CallState::created;
  std::optional<CallStatus> status;      // set once, when the call ends
  std::vector<LegRecord> operator_legs;  // one per operator INVITE, in the order sent; LegId::attempt indexes it
  LegRecord visitor;
  std::optional<std::size_t> winner;  // the operator attempt that answered and is bridged
  int round = 0;                      // the current round, 0-based
  std::size_t next_in_turn = 0;       // in_turn: the next operator of this round to ring
  std::optional<TimePoint> started;       // the Start event
  std::optional<TimePoint> talk_started;  // the visitor's ACK with the operator's answer went out
  std::optional<TimePoint> talk_ended;    // the first BYE (received or sent) after talk_started
  std::optional<TimePoint> ended;         // status set
  std::optional<Party> ended_by;          // who ended the call
  bool reinvite_pending = false;          // a re-INVITE of ours (bridge or relay) is out with no final response yet
  bool glare_retried = false;
  std::optional<Relay> relay;             // a phone's re-INVITE being relayed; kept after the end while ours is out
  std::array<std::uint64_t, kTimerKindCount> timers{};  // the live timer's id per kind; 0: none
  std::uint64_t last_timer_id = 0;
};

/// A call ready for Start, after checking the plan. Error: bad_request naming the field.
[[nodiscard]] Result<Call> new_call(CallConfig config);

/// The record of a request that was never placed: `status` is scheduled, rejected_invalid_number,
/// rejected_fraud_rule or rate_limited (bad_request for any other). The call is ended and settled.
[[nodiscard]] Result<Call> not_placed(CallStatus status, TimePoint now);

/// The transition function. Applies `event` at `now` and returns the commands to execute. An event that is
/// impossible in the current state (a 2xx for a leg that already failed, a BYE before any dialog, ...) is an
/// Error (conflict) and leaves the call unchanged, as does a malformed one (bad_request: an unknown attempt, a
/// code out of range). Stale timers and harmless late messages (a 487 after our CANCEL, a BYE crossing ours)
/// give an empty Step.
[[nodiscard]] Result<Step> on_event(Call& call, const Event& event, TimePoint now);

/// From the visitor's bridge completion (talk_started) to the first BYE (talk_ended); zero if they never talked.
[[nodiscard]] Millis talk_time(const Call& call);

/// True when the call has ended and no leg can still answer: the adapter may forget the call and its timers.
/// Until then it keeps routing the call's SIP events (and its settle timer) here.
[[nodiscard]] bool settled(const Call& call);

}  // namespace otk
