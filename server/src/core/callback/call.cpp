#include "core/callback/call.hpp"

#include <algorithm>
#include <utility>

namespace otk {
namespace {

constexpr std::array<std::string_view, kCallStatusCount> kStatusNames = {
    "scheduled",          "rejected_invalid_number", "rejected_fraud_rule",    "rate_limited",
    "operator_no_answer", "operator_busy",           "operator_failed",        "visitor_no_answer",
    "visitor_busy",       "visitor_unreachable",     "visitor_rejected",       "operator_hung_up_early",
    "connected",          "failed_technical",
};

// What we tell the losers of an all_at_once race, so their phones show "answered elsewhere", not a missed call.
Reason completed_elsewhere() { return {ReasonProtocol::sip, 200, "Call completed elsewhere"}; }
// What the held operator hears when the visitor did not pick up before our timer.
Reason visitor_timed_out() { return {ReasonProtocol::sip, 480, "Temporarily Unavailable"}; }
Reason temporary_failure() { return {ReasonProtocol::q850, 41, "Temporary failure"}; }
Reason talk_limit() { return {ReasonProtocol::q850, 16, "Maximum call duration reached"}; }
Reason from_code(int code) { return {ReasonProtocol::sip, code, std::string(sip_reason_phrase(code))}; }

std::unexpected<Error> conflict(std::string what) { return fail(Errc::conflict, std::move(what)); }

std::string leg_text(LegId leg) {
  return leg.party == Party::visitor ? std::string("visitor leg") : "operator attempt " + std::to_string(leg.attempt);
}

/// Busy, no answer and a decline are the far party's own doing; anything else is the network's or ours.
Party ender_of(LegOutcome o, Party leg_party) {
  return o == LegOutcome::busy || o == LegOutcome::no_answer || o == LegOutcome::rejected ? leg_party : Party::system;
}

CallStatus visitor_status(LegOutcome o) {
  switch (o) {
    case LegOutcome::busy: return CallStatus::visitor_busy;
    case LegOutcome::no_answer: return CallStatus::visitor_no_answer;
    case LegOutcome::rejected: return CallStatus::visitor_rejected;
    case LegOutcome::unreachable: return CallStatus::visitor_unreachable;
    default: return CallStatus::failed_technical;
  }
}

/// One transition, applied to a copy of the call so that an Error leaves the caller's call untouched.
class Transition {
 public:
  Transition(Call& call, TimePoint now) : c_(call), now_(now) {}

  Result<Step> run(const Event& event) {
    auto r = std::visit([this](const auto& e) { return on(e); }, event);
    if (!r) return std::unexpected(std::move(r.error()));
    return std::move(step_);
  }

 private:
  using Done = Result<void>;

  // ---- events ----

  Done on(const Start&) {
    if (c_.state != CallState::created) return conflict("Start in state " + std::string(state_name(c_.state)));
    // A Call made without new_call() would otherwise ring nobody, or index past the operator list.
    if (auto checked = new_call(c_.config); !checked) return std::unexpected(std::move(checked.error()));
    c_.started = now_;
    c_.state = CallState::ringing_operators;
    start_round();
    return {};
  }

  Done on(const Provisional& e) {
    if (e.code < 100 || e.code > 199) return fail(Errc::bad_request, "provisional code out of range");
    auto leg = find(e.leg);
    if (!leg) return std::unexpected(leg.error());
    LegRecord& r = **leg;
    if (r.state != LegState::inviting && r.state != LegState::cancelling) {
      return conflict("provisional response on " + leg_text(e.leg) + " in leg state " +
                      std::string(leg_state_name(r.state)));
    }
    if (e.code >= 180 && e.code <= 189 && !r.first_provisional) r.first_provisional = now_;
    return {};
  }

  Done on(const Answered& e) {
    auto leg = find(e.leg);
    if (!leg) return std::unexpected(leg.error());
    LegRecord& r = **leg;
    if (r.state == LegState::cancelling || (r.state == LegState::ended && r.final_code == 0 && !r.answered)) {
      // A 2xx crossed our CANCEL (or came after we stopped waiting): the far end thinks it is in a call. Complete
      // its INVITE with a hold answer so the ACK is valid, then hang up with the reason we cancelled with.
      r.final_code = 200;
      r.answered = now_;
      r.ended = now_;
      r.state = LegState::ended;
      push(AckWithHold{e.leg});
      push(Bye{e.leg, r.reason});
      return {};
    }
    if (r.state != LegState::inviting) {
      return conflict("2xx on " + leg_text(e.leg) + " in leg state " + std::string(leg_state_name(r.state)));
    }
    // Inviting legs exist only in these two states (every other transition cancels them), so this is a sanity
    // check rather than a policy.
    if (e.leg.party == Party::operator_ && c_.state == CallState::ringing_operators) {
      operator_won(e.leg.attempt);
      return {};
    }
    if (e.leg.party == Party::visitor && c_.state == CallState::ringing_visitor) {
      visitor_answered();
      return {};
    }
    return conflict("2xx on " + leg_text(e.leg) + " in state " + std::string(state_name(c_.state)));
  }

  Done on(const Failed& e) {
    if (e.code < 300 || e.code > 699) return fail(Errc::bad_request, "final failure code out of range");
    auto leg = find(e.leg);
    if (!leg) return std::unexpected(leg.error());
    LegRecord& r = **leg;
    if (r.state == LegState::cancelling || (r.state == LegState::ended && r.final_code == 0 && !r.answered)) {
      r.final_code = e.code;  // normally the 487 to our CANCEL; the leg's outcome was decided when we cancelled
      r.state = LegState::ended;
      return {};
    }
    if (r.state != LegState::inviting) {
      return conflict("final failure on " + leg_text(e.leg) + " in leg state " + std::string(leg_state_name(r.state)));
    }
    const bool ringing_op = e.leg.party == Party::operator_ && c_.state == CallState::ringing_operators;
    const bool ringing_visitor = e.leg.party == Party::visitor && c_.state == CallState::ringing_visitor;
    if (!ringing_op && !ringing_visitor) {
      return conflict("final failure on " + leg_text(e.leg) + " in state " + std::string(state_name(c_.state)));
    }
    r.final_code = e.code;
    r.outcome = classify_final_code(e.code);
    r.reason = e.reason;
    r.ended = now_;
    r.ended_by = ender_of(r.outcome, e.leg.party);
    r.state = LegState::ended;
    if (ringing_op) {
      operator_attempt_over();
      return {};
    }
    stop_timer(TimerKind::visitor_ring);
    const Party by = *r.ended_by;
    bye(winner(), from_code(e.code), by);
    finish(visitor_status(r.outcome), by);
    return {};
  }

  Done on(const RemoteBye& e) {
    auto leg = find(e.leg);
    if (!leg) return std::unexpected(leg.error());
    LegRecord& r = **leg;
    if (r.state == LegState::ended && r.answered) return {};  // crosses the BYE we sent
    const bool up = r.state == LegState::confirmed || r.state == LegState::answered;
    if (!up) return conflict("BYE on " + leg_text(e.leg) + " in leg state " + std::string(leg_state_name(r.state)));
    const Party by = e.leg.party;
    r.state = LegState::ended;
    r.ended = now_;
    r.ended_by = by;
    r.reason = e.reason;
    if (by == Party::operator_) {  // only the winner's leg is ever confirmed
      switch (c_.state) {
        case CallState::ringing_visitor:
          stop_timer(TimerKind::visitor_ring);
          cancel(LegId::visitor(), e.reason, LegOutcome::cancelled, by);
          finish(CallStatus::operator_hung_up_early, by);
          return {};
        case CallState::bridging:
          // The visitor's 2xx still waits for its ACK; complete it before hanging up, as for a crossing 2xx.
          push(AckWithHold{LegId::visitor()});
          bye(LegId::visitor(), e.reason, by);
          finish(CallStatus::operator_hung_up_early, by);
          return {};
        case CallState::talking:
          end_talk(by, LegId::visitor(), e.reason);
          return {};
        default: break;
      }
    } else if (c_.state == CallState::talking) {
      end_talk(by, winner(), e.reason);
      return {};
    } else if (c_.state == CallState::bridging) {
      // A callee may send BYE before our ACK only once its 2xx retransmissions gave up (RFC 3261 15): the bridge
      // did not complete in time, which is a technical failure, not a refusal.
      bye(winner(), e.reason, by);
      finish(CallStatus::failed_technical, by);
      return {};
    }
    return conflict("BYE on " + leg_text(e.leg) + " in state " + std::string(state_name(c_.state)));
  }

  Done on(const ReinviteAnswered&) {
    if (!c_.reinvite_pending) return conflict("re-INVITE 2xx with no re-INVITE pending");
    c_.reinvite_pending = false;
    if (c_.relay) {
      const Relay r = *std::exchange(c_.relay, std::nullopt);
      push(AckReinvite{r.to});  // a 2xx is ACKed whatever became of the relay
      if (c_.state != CallState::talking) return {};
      stop_timer(TimerKind::relay_answer);
      if (r.stage == RelayStage::offering) push(AcceptReinviteWithAnswer{r.from});
      if (r.stage == RelayStage::withdrawn) {
        // `to` took an offer its sender no longer stands by (its 2xx crossed our CANCEL): the two phones differ.
        // Give `to` the session `from` really has, and let that exchange end like a forwarded answer.
        c_.relay = Relay{r.from, r.to, RelayStage::forwarding};
        c_.reinvite_pending = true;
        push(RelayOffer{r.from, r.to, true});
        start_timer(TimerKind::relay_answer, c_.config.reinvite_timeout);
      }
      return {};
    }
    push(AckOperatorReinvite{*c_.winner});  // a 2xx is ACKed even after the call ended, to stop retransmissions
    if (c_.state != CallState::bridging) return {};
    stop_timer(TimerKind::reinvite_answer);
    push(AckVisitorWithAnswer{});
    c_.visitor.state = LegState::confirmed;
    c_.talk_started = now_;
    c_.state = CallState::talking;
    start_timer(TimerKind::max_talk, c_.config.max_talk);
    return {};
  }

  Done on(const ReinviteFailed& e) {
    if (e.code < 300 || e.code > 699) return fail(Errc::bad_request, "re-INVITE failure code out of range");
    if (!c_.reinvite_pending) return conflict("re-INVITE failure with no re-INVITE pending");
    c_.reinvite_pending = false;
    if (c_.relay) {
      const Relay r = *std::exchange(c_.relay, std::nullopt);
      if (c_.state != CallState::talking) return {};
      stop_timer(TimerKind::relay_answer);
      // The other phone refused: so does this one's re-INVITE, and both sessions stay as they were. A forwarded
      // answer (stage forwarding) has nobody to tell; the phones keep what they had.
      if (r.stage == RelayStage::offering) push(relay_refusal(r.from, e.code));
      return {};
    }
    if (c_.state != CallState::bridging) return {};
    stop_timer(TimerKind::reinvite_answer);
    if (e.code == 491 && !c_.glare_retried) {  // the operator's phone sent its own re-INVITE at the same time
      c_.glare_retried = true;
      start_timer(TimerKind::reinvite_retry, kGlareRetryDelay);
      return {};
    }
    bridge_failed();
    return {};
  }

  Done on(const TimerFired& e) {
    const auto k = static_cast<std::size_t>(e.kind);
    if (k >= kTimerKindCount) return fail(Errc::bad_request, "unknown timer kind");
    if (e.id == 0 || c_.timers[k] != e.id) return {};  // stale: superseded, or the machine moved on
    c_.timers[k] = 0;
    const auto unexpected = [&] {
      return fail(Errc::internal, "live " + std::string(timer_kind_name(e.kind)) + " timer in state " +
                                      std::string(state_name(c_.state)));
    };
    switch (e.kind) {
      case TimerKind::operator_ring:
        if (c_.state != CallState::ringing_operators) return unexpected();
        for (std::size_t a = 0; a < c_.operator_legs.size(); ++a) {
          if (c_.operator_legs[a].state == LegState::inviting) {
            cancel(LegId::operator_attempt(a), std::nullopt, LegOutcome::no_answer, Party::system);
          }
        }
        operator_attempt_over();
        return {};
      case TimerKind::round_pause:
        if (c_.state != CallState::between_rounds) return unexpected();
        c_.state = CallState::ringing_operators;
        start_round();
        return {};
      case TimerKind::visitor_ring:
        if (c_.state != CallState::ringing_visitor) return unexpected();
        cancel(LegId::visitor(), std::nullopt, LegOutcome::no_answer, Party::system);
        bye(winner(), visitor_timed_out(), Party::system);
        finish(CallStatus::visitor_no_answer, Party::system);
        return {};
      case TimerKind::reinvite_answer:
        if (c_.state != CallState::bridging) return unexpected();
        bridge_failed();  // the re-INVITE stays pending: its late response is still ACKed or absorbed
        return {};
      case TimerKind::reinvite_retry:
        if (c_.state != CallState::bridging) return unexpected();
        send_reinvite();
        return {};
      case TimerKind::relay_answer:
        if (c_.state != CallState::talking || !c_.relay) return unexpected();
        switch (c_.relay->stage) {
          case RelayStage::offering:
            // Ours stays pending until the CANCEL brings its 487, or a crossing 2xx, which is then undone.
            push(RefuseReinvite{c_.relay->from, 500, kRelayRetryAfterSeconds});
            push(Cancel{c_.relay->to, std::nullopt});
            c_.relay->stage = RelayStage::withdrawn;
            return {};
          case RelayStage::forwarding:
            // Ours stays pending until the CANCEL brings its 487 (or a crossing 2xx: then `to` has what `from`
            // has, which is the point; it is ACKed).
            push(Cancel{c_.relay->to, std::nullopt});
            c_.relay->stage = RelayStage::abandoned;
            return {};
          case RelayStage::awaiting_ack: c_.relay.reset(); return {};  // no ACK, no answer: nothing to pass on
          case RelayStage::withdrawn:
          case RelayStage::abandoned: break;
        }
        return unexpected();
      case TimerKind::max_talk:
        if (c_.state != CallState::talking) return unexpected();
        c_.talk_ended = now_;
        bye(LegId::visitor(), talk_limit(), Party::system);
        bye(winner(), talk_limit(), Party::system);
        finish(CallStatus::connected, Party::system);
        return {};
      case TimerKind::settle:
        if (c_.state != CallState::ended) return unexpected();
        for (auto& r : c_.operator_legs) {
          if (r.state == LegState::cancelling) r.state = LegState::ended;
        }
        if (c_.visitor.state == LegState::cancelling) c_.visitor.state = LegState::ended;
        c_.reinvite_pending = false;
        c_.relay.reset();
        return {};
    }
    return unexpected();
  }

  Done on(const RemoteReinvite& e) {
    auto leg = find(e.leg);
    if (!leg) return std::unexpected(leg.error());
    const bool in_talk = e.leg.party == Party::visitor || (c_.winner && e.leg.attempt == *c_.winner);
    if (c_.state != CallState::talking || !in_talk || (*leg)->state != LegState::confirmed) {
      // Nothing to pass it to: only a bridged call has two sessions to keep in step. 491 while our own re-INVITE
      // is out on that leg (glare: the phone retries), else 488, which leaves its session as it was.
      const bool glare = c_.reinvite_pending && c_.winner && e.leg == winner();
      push(RefuseReinvite{e.leg, glare ? 491 : 488});
      return {};
    }
    if (c_.relay) {  // one relay at a time; the phone retries after 491 (RFC 3261 14.1)
      push(RefuseReinvite{e.leg, 491});
      return {};
    }
    const LegId other = e.leg.party == Party::visitor ? winner() : LegId::visitor();
    if (!e.offer) {
      // We offer what the phone already has from us; its ACK brings the answer, passed on only if it changed.
      c_.relay = Relay{e.leg, other, RelayStage::awaiting_ack};
      push(AcceptReinviteAsBefore{e.leg});
      start_timer(TimerKind::relay_answer, c_.config.reinvite_timeout);
      return {};
    }
    if (!e.changed) {  // a session refresh, or a phone re-sending what it has: the session stays, answer as before
      push(AcceptReinviteAsBefore{e.leg});
      return {};
    }
    c_.relay = Relay{e.leg, other, RelayStage::offering};
    c_.reinvite_pending = true;
    push(RelayOffer{e.leg, other});
    start_timer(TimerKind::relay_answer, c_.config.reinvite_timeout);
    return {};
  }

  Done on(const RemoteReinviteCancelled& e) {
    if (auto leg = find(e.leg); !leg) return std::unexpected(leg.error());
    // Only an offer on its way to the other phone needs taking back; anything else that phone never saw.
    if (!c_.relay || c_.relay->from != e.leg || c_.relay->stage != RelayStage::offering) return {};
    stop_timer(TimerKind::relay_answer);
    push(Cancel{c_.relay->to, std::nullopt});
    c_.relay->stage = RelayStage::withdrawn;
    return {};
  }

  Done on(const RemoteReinviteAcked& e) {
    if (auto leg = find(e.leg); !leg) return std::unexpected(leg.error());
    // Any other ACK is for a 2xx whose exchange is complete already (or was given up): nothing to do.
    if (!c_.relay || c_.relay->stage != RelayStage::awaiting_ack || c_.relay->from != e.leg) return {};
    if (!e.changed) {
      stop_timer(TimerKind::relay_answer);
      c_.relay.reset();
      return {};
    }
    c_.relay->stage = RelayStage::forwarding;
    c_.reinvite_pending = true;
    push(RelayOffer{c_.relay->from, c_.relay->to});
    start_timer(TimerKind::relay_answer, c_.config.reinvite_timeout);  // supersedes the wait for the ACK
    return {};
  }

  Done on(const Abort& e) {
    const Reason why = e.reason.value_or(temporary_failure());
    switch (c_.state) {
      case CallState::ended: return {};  // so that a shutdown may abort every call without checking
      case CallState::created:
      case CallState::between_rounds: break;
      case CallState::ringing_operators:
        for (std::size_t a = 0; a < c_.operator_legs.size(); ++a) {
          if (c_.operator_legs[a].state == LegState::inviting) {
            cancel(LegId::operator_attempt(a), why, LegOutcome::cancelled, Party::system);
          }
        }
        break;
      case CallState::ringing_visitor:
        cancel(LegId::visitor(), why, LegOutcome::cancelled, Party::system);
        bye(winner(), why, Party::system);
        break;
      case CallState::bridging:
        push(AckWithHold{LegId::visitor()});
        bye(LegId::visitor(), why, Party::system);
        bye(winner(), why, Party::system);
        break;
      case CallState::talking:
        c_.talk_ended = now_;
        bye(LegId::visitor(), why, Party::system);
        bye(winner(), why, Party::system);
        finish(CallStatus::connected, Party::system);
        return {};
    }
    finish(CallStatus::failed_technical, Party::system);
    return {};
  }

  // ---- ringing operators ----

  void start_round() {
    if (c_.config.strategy == RingStrategy::all_at_once) {
      for (std::size_t i = 0; i < c_.config.operator_uris.size(); ++i) invite_operator(i);
      start_timer(TimerKind::operator_ring, c_.config.operator_ring_timeout);
    } else {
      c_.next_in_turn = 0;
      ring_next_in_turn();
    }
  }

  void ring_next_in_turn() {
    invite_operator(c_.next_in_turn++);
    start_timer(TimerKind::operator_ring, c_.config.operator_ring_timeout);  // supersedes the previous operator's
  }

  void invite_operator(std::size_t index) {
    LegRecord r;
    r.operator_index = index;
    r.round = c_.round;
    r.state = LegState::inviting;
    r.invited = now_;
    c_.operator_legs.push_back(std::move(r));
    push(InviteOperator{c_.operator_legs.size() - 1, index, c_.config.operator_uris[index]});
  }

  /// An operator attempt of the current round ended without an answer (a failure, or our timer).
  void operator_attempt_over() {
    if (c_.config.strategy == RingStrategy::in_turn) {
      if (c_.next_in_turn < c_.config.operator_uris.size()) {
        ring_next_in_turn();
        return;
      }
    } else if (std::ranges::any_of(c_.operator_legs,
                                   [](const LegRecord& r) { return r.state == LegState::inviting; })) {
      return;  // others of this round still ring
    }
    end_round();
  }

  void end_round() {
    stop_timer(TimerKind::operator_ring);
    if (c_.round + 1 < c_.config.rounds) {
      ++c_.round;
      if (c_.config.round_pause > Millis::zero()) {
        c_.state = CallState::between_rounds;
        start_timer(TimerKind::round_pause, c_.config.round_pause);
      } else {
        start_round();
      }
      return;
    }
    // Busy only when every attempt was refused (486, 600, 603), failed only when none reached a phone: either
    // says something precise about the operators. Any attempt that rang out makes it no_answer.
    const auto all = [&](auto pred) { return std::ranges::all_of(c_.operator_legs, pred); };
    CallStatus s = CallStatus::operator_no_answer;
    if (all([](const LegRecord& r) { return r.outcome == LegOutcome::busy || r.outcome == LegOutcome::rejected; })) {
      s = CallStatus::operator_busy;
    } else if (all([](const LegRecord& r) {
                 return r.outcome == LegOutcome::unreachable || r.outcome == LegOutcome::failed;
               })) {
      s = CallStatus::operator_failed;
    }
    finish(s, Party::system);
  }

  void operator_won(std::size_t attempt) {
    stop_timer(TimerKind::operator_ring);
    c_.winner = attempt;
    LegRecord& w = c_.operator_legs[attempt];
    w.state = LegState::confirmed;
    w.outcome = LegOutcome::answered;
    w.answered = now_;
    w.final_code = 200;
    // ACK first: the operator's phone retransmits its 2xx until it sees one.
    push(AckWithHold{LegId::operator_attempt(attempt)});
    for (std::size_t a = 0; a < c_.operator_legs.size(); ++a) {
      if (c_.operator_legs[a].state == LegState::inviting) {
        cancel(LegId::operator_attempt(a), completed_elsewhere(), LegOutcome::cancelled, Party::system);
      }
    }
    c_.visitor.state = LegState::inviting;
    c_.visitor.invited = now_;
    push(InviteVisitor{});
    start_timer(TimerKind::visitor_ring, c_.config.visitor_ring_timeout);
    c_.state = CallState::ringing_visitor;
  }

  // ---- the visitor and the bridge ----

  void visitor_answered() {
    stop_timer(TimerKind::visitor_ring);
    LegRecord& v = c_.visitor;
    v.state = LegState::answered;  // its ACK must carry the operator's answer, which the re-INVITE fetches
    v.outcome = LegOutcome::answered;
    v.answered = now_;
    v.final_code = 200;
    c_.state = CallState::bridging;
    send_reinvite();
  }

  void send_reinvite() {
    c_.reinvite_pending = true;
    push(ReinviteOperatorWithOffer{*c_.winner});
    start_timer(TimerKind::reinvite_answer, c_.config.reinvite_timeout);
  }

  void bridge_failed() {
    push(AckWithHold{LegId::visitor()});
    bye(LegId::visitor(), temporary_failure(), Party::system);
    bye(winner(), temporary_failure(), Party::system);
    finish(CallStatus::failed_technical, Party::system);
  }

  /// What `from` hears when the other phone refused the relayed offer with `code`. Codes about our dialog with
  /// the other phone (3xx, a challenge, 481, 487) or its silence (408) mean nothing to this one: 500, with
  /// Retry-After after a timeout. The rest (488, 491, 5xx, 6xx...) pass through.
  static RefuseReinvite relay_refusal(LegId from, int code) {
    if (code == 408) return {from, 500, kRelayRetryAfterSeconds};
    if (code < 400 || code == 401 || code == 407 || code == 481 || code == 487) return {from, 500, 0};
    return {from, code, 0};
  }

  /// `by` hung up during the talk; `other` is the leg we now hang up.
  void end_talk(Party by, LegId other, const std::optional<Reason>& reason) {
    c_.talk_ended = now_;
    bye(other, reason, by);
    finish(CallStatus::connected, by);
  }

  // ---- helpers ----

  Result<LegRecord*> find(LegId leg) {
    if (leg.party == Party::visitor) return &c_.visitor;
    if (leg.party != Party::operator_) return fail(Errc::bad_request, "a leg is the visitor's or an operator's");
    if (leg.attempt >= c_.operator_legs.size()) return fail(Errc::bad_request, "unknown " + leg_text(leg));
    return &c_.operator_legs[leg.attempt];
  }

  LegRecord& rec(LegId leg) { return leg.party == Party::visitor ? c_.visitor : c_.operator_legs[leg.attempt]; }
  LegId winner() const { return LegId::operator_attempt(*c_.winner); }

  void cancel(LegId leg, std::optional<Reason> reason, LegOutcome outcome, Party by) {
    LegRecord& r = rec(leg);
    r.state = LegState::cancelling;
    r.outcome = outcome;
    r.ended = now_;
    r.ended_by = by;
    r.reason = reason;
    push(Cancel{leg, std::move(reason)});
  }

  void bye(LegId leg, std::optional<Reason> reason, Party by) {
    LegRecord& r = rec(leg);
    r.state = LegState::ended;
    r.ended = now_;
    r.ended_by = by;
    r.reason = reason;
    push(Bye{leg, std::move(reason)});
  }

  void finish(CallStatus s, Party by) {
    c_.state = CallState::ended;
    c_.status = s;
    c_.ended = now_;
    c_.ended_by = by;
    c_.timers.fill(0);
    step_.finished = true;
    if (!c_.reinvite_pending) c_.relay.reset();  // a relayed re-INVITE still out keeps it, to ACK a late 2xx
    const bool waiting = c_.visitor.state == LegState::cancelling || c_.reinvite_pending ||
                         std::ranges::any_of(c_.operator_legs,
                                             [](const LegRecord& r) { return r.state == LegState::cancelling; });
    if (waiting) start_timer(TimerKind::settle, kSettleDelay);
  }

  void start_timer(TimerKind kind, Millis after) {
    const auto id = ++c_.last_timer_id;
    c_.timers[static_cast<std::size_t>(kind)] = id;
    push(StartTimer{kind, id, now_ + after});
  }
  void stop_timer(TimerKind kind) { c_.timers[static_cast<std::size_t>(kind)] = 0; }

  void push(Command c) { step_.commands.push_back(std::move(c)); }

  Call& c_;
  TimePoint now_;
  Step step_;
};

Result<void> check_range(std::string_view field, Millis v, Millis lo, Millis hi) {
  if (v < lo || v > hi) {
    return fail(Errc::bad_request, std::string(field) + " must be " + std::to_string(lo.count() / 1000) + ".." +
                                       std::to_string(hi.count() / 1000) + " seconds");
  }
  return {};
}

}  // namespace

std::string_view status_name(CallStatus s) {
  const auto i = static_cast<std::size_t>(s);
  return i < kCallStatusCount ? kStatusNames[i] : "failed_technical";
}

std::optional<CallStatus> parse_call_status(std::string_view name) {
  for (std::size_t i = 0; i < kCallStatusCount; ++i) {
    if (kStatusNames[i] == name) return static_cast<CallStatus>(i);
  }
  return std::nullopt;
}

std::string_view state_name(CallState s) {
  switch (s) {
    case CallState::created: return "created";
    case CallState::ringing_operators: return "ringing_operators";
    case CallState::between_rounds: return "between_rounds";
    case CallState::ringing_visitor: return "ringing_visitor";
    case CallState::bridging: return "bridging";
    case CallState::talking: return "talking";
    case CallState::ended: return "ended";
  }
  return "ended";
}

std::string_view party_name(Party p) {
  switch (p) {
    case Party::operator_: return "operator";
    case Party::visitor: return "visitor";
    case Party::system: return "system";
  }
  return "system";
}

std::string_view leg_state_name(LegState s) {
  switch (s) {
    case LegState::idle: return "idle";
    case LegState::inviting: return "inviting";
    case LegState::cancelling: return "cancelling";
    case LegState::answered: return "answered";
    case LegState::confirmed: return "confirmed";
    case LegState::ended: return "ended";
  }
  return "ended";
}

std::string_view leg_outcome_name(LegOutcome o) {
  switch (o) {
    case LegOutcome::pending: return "pending";
    case LegOutcome::answered: return "answered";
    case LegOutcome::cancelled: return "cancelled";
    case LegOutcome::no_answer: return "no_answer";
    case LegOutcome::busy: return "busy";
    case LegOutcome::rejected: return "rejected";
    case LegOutcome::unreachable: return "unreachable";
    case LegOutcome::failed: return "failed";
  }
  return "failed";
}

std::string_view timer_kind_name(TimerKind k) {
  switch (k) {
    case TimerKind::operator_ring: return "operator_ring";
    case TimerKind::round_pause: return "round_pause";
    case TimerKind::visitor_ring: return "visitor_ring";
    case TimerKind::reinvite_answer: return "reinvite_answer";
    case TimerKind::reinvite_retry: return "reinvite_retry";
    case TimerKind::max_talk: return "max_talk";
    case TimerKind::relay_answer: return "relay_answer";
    case TimerKind::settle: return "settle";
  }
  return "settle";
}

std::string_view relay_stage_name(RelayStage s) {
  switch (s) {
    case RelayStage::offering: return "offering";
    case RelayStage::awaiting_ack: return "awaiting_ack";
    case RelayStage::forwarding: return "forwarding";
    case RelayStage::withdrawn: return "withdrawn";
    case RelayStage::abandoned: return "abandoned";
  }
  return "abandoned";
}

LegOutcome classify_final_code(int code) {
  switch (code) {
    case 486:
    case 600: return LegOutcome::busy;
    case 480:
    case 408: return LegOutcome::no_answer;
    case 603: return LegOutcome::rejected;
    case 404:
    case 484:
    case 604: return LegOutcome::unreachable;
    default: return LegOutcome::failed;
  }
}

std::string_view sip_reason_phrase(int code) {
  switch (code) {
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 491: return "Request Pending";
    case 500: return "Server Internal Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    default: return "";
  }
}

std::string format_reason(const Reason& r) {
  std::string out = r.protocol == ReasonProtocol::sip ? "SIP" : "Q.850";
  out += ";cause=" + std::to_string(r.cause);
  if (!r.text.empty()) {
    out += ";text=\"";
    for (char ch : r.text) {
      const auto u = static_cast<unsigned char>(ch);
      if (u < 0x20 || u == 0x7f) continue;  // a header line cannot carry them, even escaped
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out;
}

Result<Call> new_call(CallConfig config) {
  using std::chrono::hours;
  using std::chrono::seconds;
  const auto& uris = config.operator_uris;
  if (uris.empty() || uris.size() > kMaxOperators) {
    return fail(Errc::bad_request, "operator_uris must list 1.." + std::to_string(kMaxOperators) + " operators");
  }
  for (std::size_t i = 0; i < uris.size(); ++i) {
    if (uris[i].empty() || uris[i].size() > kMaxUriBytes) {
      return fail(Errc::bad_request, "operator_uris[" + std::to_string(i) + "] must be 1.." +
                                         std::to_string(kMaxUriBytes) + " bytes");
    }
  }
  if (config.strategy != RingStrategy::all_at_once && config.strategy != RingStrategy::in_turn) {
    return fail(Errc::bad_request, "strategy must be all_at_once or in_turn");
  }
  if (config.rounds < 1 || config.rounds > 10) return fail(Errc::bad_request, "rounds must be 1..10");
  for (auto check : {check_range("operator_ring_timeout", config.operator_ring_timeout, seconds(1), seconds(300)),
                     check_range("round_pause", config.round_pause, Millis::zero(), seconds(600)),
                     check_range("visitor_ring_timeout", config.visitor_ring_timeout, seconds(1), seconds(300)),
                     check_range("reinvite_timeout", config.reinvite_timeout, seconds(1), seconds(30)),
                     check_range("max_talk", config.max_talk, seconds(1), hours(24))}) {
    if (!check) return std::unexpected(check.error());
  }
  Call c;
  c.config = std::move(config);
  return c;
}

Result<Call> not_placed(CallStatus status, TimePoint now) {
  if (status != CallStatus::scheduled && status != CallStatus::rejected_invalid_number &&
      status != CallStatus::rejected_fraud_rule && status != CallStatus::rate_limited) {
    return fail(Errc::bad_request, "status " + std::string(status_name(status)) + " is not decided before a call");
  }
  Call c;
  c.state = CallState::ended;
  c.status = status;
  c.ended = std::chrono::floor<Millis>(now);
  c.ended_by = Party::system;
  return c;
}

Result<Step> on_event(Call& call, const Event& event, TimePoint now) {
  Call next = call;  // a few hundred bytes per leg, once per SIP event: the price of all-or-nothing transitions
  auto step = Transition(next, std::chrono::floor<Millis>(now)).run(event);
  if (step) call = std::move(next);
  return step;
}

Millis talk_time(const Call& call) {
  if (!call.talk_started || !call.talk_ended) return Millis::zero();
  return std::chrono::duration_cast<Millis>(*call.talk_ended - *call.talk_started);
}

bool settled(const Call& call) {
  const auto waiting = [](const LegRecord& r) { return r.state == LegState::cancelling; };
  return call.state == CallState::ended && !call.reinvite_pending && !waiting(call.visitor) &&
         std::ranges::none_of(call.operator_legs, waiting);
}

}  // namespace otk
