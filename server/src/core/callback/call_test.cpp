#include "core/callback/call.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace otk {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

const TimePoint kT0 = from_unix_ms(1'800'000'000'000);

std::string leg_name(LegId leg) {
  return leg.party == Party::visitor ? std::string("visitor") : "op#" + std::to_string(leg.attempt);
}

std::string with_reason(std::string s, const std::optional<Reason>& r) {
  return r ? s + " [" + format_reason(*r) + "]" : s;
}

/// Commands as short lines, timers relative to the event's time, so that a failing test reads like a SIP trace.
std::string render(const Command& c, TimePoint now) {
  struct V {
    TimePoint now;
    std::string operator()(const InviteOperator& x) const {
      return "invite op#" + std::to_string(x.attempt) + " operator " + std::to_string(x.operator_index) + " " + x.uri;
    }
    std::string operator()(const InviteVisitor&) const { return "invite visitor"; }
    std::string operator()(const Cancel& x) const { return with_reason("cancel " + leg_name(x.leg), x.reason); }
    std::string operator()(const AckWithHold& x) const { return "ack-hold " + leg_name(x.leg); }
    std::string operator()(const ReinviteOperatorWithOffer& x) const {
      return "reinvite op#" + std::to_string(x.attempt);
    }
    std::string operator()(const AckOperatorReinvite& x) const {
      return "ack-reinvite op#" + std::to_string(x.attempt);
    }
    std::string operator()(const AckVisitorWithAnswer&) const { return "ack-answer visitor"; }
    std::string operator()(const Bye& x) const { return with_reason("bye " + leg_name(x.leg), x.reason); }
    std::string operator()(const RelayOffer& x) const {
      return "relay " + leg_name(x.from) + "->" + leg_name(x.to) + (x.restore ? " restore" : "");
    }
    std::string operator()(const AckReinvite& x) const { return "ack-relay " + leg_name(x.leg); }
    std::string operator()(const AcceptReinviteWithAnswer& x) const { return "accept-answer " + leg_name(x.leg); }
    std::string operator()(const AcceptReinviteAsBefore& x) const { return "accept-as-before " + leg_name(x.leg); }
    std::string operator()(const RefuseReinvite& x) const {
      return "refuse " + leg_name(x.leg) + " " + std::to_string(x.code) +
             (x.retry_after > 0 ? " retry-after " + std::to_string(x.retry_after) : "");
    }
    std::string operator()(const StartTimer& x) const {
      return "timer " + std::string(timer_kind_name(x.kind)) + " +" +
             std::to_string(std::chrono::duration_cast<Millis>(x.deadline - now).count()) + "ms";
    }
  };
  return std::visit(V{now}, c);
}

LegId op(std::size_t attempt) { return LegId::operator_attempt(attempt); }
const LegId kVisitor = LegId::visitor();

CallConfig config(RingStrategy strategy, std::size_t operators, int rounds = 1, Millis pause = 10s) {
  CallConfig c;
  for (std::size_t i = 0; i < operators; ++i) c.operator_uris.push_back("sip:op" + std::to_string(i) + "@pbx");
  c.strategy = strategy;
  c.rounds = rounds;
  c.round_pause = pause;
  c.operator_ring_timeout = 20s;
  c.visitor_ring_timeout = 30s;
  c.reinvite_timeout = 8s;
  c.max_talk = 1h;
  return c;
}

/// Drives one call like the SIP adapter would, remembering the timers it was asked to start.
class Driver {
 public:
  explicit Driver(CallConfig c) {
    auto made = new_call(std::move(c));
    EXPECT_TRUE(made) << (made ? "" : made.error().message);
    if (made) call = std::move(*made);
  }

  Lines go(const Event& e) {
    auto r = on_event(call, e, now);
    EXPECT_TRUE(r) << r.error().message;
    if (!r) return {"error: " + r.error().message};
    last_finished = r->finished;
    Lines out;
    for (const auto& c : r->commands) {
      if (const auto* t = std::get_if<StartTimer>(&c)) timers[t->kind] = *t;
      out.push_back(render(c, now));
    }
    return out;
  }

  /// Moves the clock to the last requested timer of `kind` and fires it.
  Lines fire(TimerKind kind) {
    const auto it = timers.find(kind);
    EXPECT_NE(it, timers.end()) << "no " << timer_kind_name(kind) << " timer was started";
    if (it == timers.end()) return {};
    now = it->second.deadline;
    return go(TimerFired{kind, it->second.id});
  }

  Error refused(const Event& e) {
    auto r = on_event(call, e, now);
    EXPECT_FALSE(r) << "accepted an impossible event";
    return r ? Error{Errc::internal, ""} : r.error();
  }

  void advance(Millis d) { now += d; }
  Millis since_start() const { return std::chrono::duration_cast<Millis>(now - kT0); }

  /// Start, operator `winner` (of `operators` rung at once) answers at +2 s, the visitor answers at +5 s and the
  /// bridge completes at +5.2 s: the call is talking.
  void to_talking() {
    go(Start{});
    advance(2s);
    go(Answered{op(0)});
    advance(3s);
    go(Answered{kVisitor});
    advance(200ms);
    go(ReinviteAnswered{});
  }

  Call call;
  TimePoint now = kT0;
  std::map<TimerKind, StartTimer> timers;
  bool last_finished = false;
};

TimePoint at(Millis since_t0) { return kT0 + since_t0; }

// ---- names and construction ----

TEST(CallStatus, NamesAreExactStableAndParseBack) {
  const Lines expected = {"scheduled",           "rejected_invalid_number", "rejected_fraud_rule",
                          "rate_limited",        "operator_no_answer",      "operator_busy",
                          "operator_failed",     "visitor_no_answer",       "visitor_busy",
                          "visitor_unreachable", "visitor_rejected",        "operator_hung_up_early",
                          "connected",           "failed_technical"};
  ASSERT_EQ(expected.size(), kCallStatusCount);
  for (std::size_t i = 0; i < kCallStatusCount; ++i) {
    const auto s = static_cast<CallStatus>(i);
    EXPECT_EQ(status_name(s), expected[i]);
    EXPECT_EQ(parse_call_status(expected[i]), s);
  }
  EXPECT_EQ(parse_call_status("Connected"), std::nullopt);
  EXPECT_EQ(parse_call_status(""), std::nullopt);
}

TEST(NewCall, NamesTheFieldThatIsWrong) {
  const auto message_of = [](auto change) {
    CallConfig c = config(RingStrategy::all_at_once, 2);
    change(c);
    auto r = new_call(c);
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code, Errc::bad_request);
    return r.error().message;
  };
  EXPECT_NE(message_of([](CallConfig& c) { c.operator_uris.clear(); }).find("operator_uris"), std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.operator_uris.resize(kMaxOperators + 1, "sip:x@y"); })
                .find("operator_uris"),
            std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.operator_uris[1] = ""; }).find("operator_uris[1]"), std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.operator_uris[0] = std::string(kMaxUriBytes + 1, 'a'); })
                .find("operator_uris[0]"),
            std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.strategy = static_cast<RingStrategy>(7); }).find("strategy"),
            std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.rounds = 0; }).find("rounds"), std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.rounds = 11; }).find("rounds"), std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.operator_ring_timeout = 999ms; }).find("operator_ring_timeout"),
            std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.operator_ring_timeout = 301s; }).find("operator_ring_timeout"),
            std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.round_pause = -1ms; }).find("round_pause"), std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.visitor_ring_timeout = 0ms; }).find("visitor_ring_timeout"),
            std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.reinvite_timeout = 31s; }).find("reinvite_timeout"), std::string::npos);
  EXPECT_NE(message_of([](CallConfig& c) { c.max_talk = 25h; }).find("max_talk"), std::string::npos);
}

TEST(NewCall, AcceptsTheLimitsAndTheDefaults) {
  CallConfig c = config(RingStrategy::in_turn, kMaxOperators, 10, 0ms);
  c.operator_ring_timeout = 1s;
  c.visitor_ring_timeout = 300s;
  c.reinvite_timeout = 30s;
  c.max_talk = 24h;
  auto r = new_call(c);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->state, CallState::created);
  EXPECT_FALSE(r->status);
  EXPECT_FALSE(settled(*r));

  CallConfig defaults;
  defaults.operator_uris = {"sip:a@b"};
  EXPECT_TRUE(new_call(defaults));
}

TEST(NewCall, StartRefusesACallThatDidNotComeFromNewCall) {
  Call c;  // no operators
  auto r = on_event(c, Start{}, kT0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_request);
  EXPECT_EQ(c.state, CallState::created);
}

TEST(NotPlaced, RecordsThePreCallStatusesOnly) {
  for (auto s : {CallStatus::scheduled, CallStatus::rejected_invalid_number, CallStatus::rejected_fraud_rule,
                 CallStatus::rate_limited}) {
    auto r = not_placed(s, kT0 + 1500us);
    ASSERT_TRUE(r) << status_name(s);
    EXPECT_EQ(r->status, s);
    EXPECT_EQ(r->state, CallState::ended);
    EXPECT_EQ(r->ended, at(1ms)) << "floored to the millisecond";
    EXPECT_TRUE(r->operator_legs.empty());
    EXPECT_TRUE(settled(*r));
    EXPECT_EQ(talk_time(*r), 0ms);
  }
  for (auto s : {CallStatus::connected, CallStatus::operator_busy, CallStatus::failed_technical}) {
    auto r = not_placed(s, kT0);
    ASSERT_FALSE(r) << status_name(s);
    EXPECT_EQ(r.error().code, Errc::bad_request);
  }
}

// ---- all at once ----

TEST(AllAtOnce, FullFlowIIIToConnectedWithExactRecords) {
  Driver d(config(RingStrategy::all_at_once, 3));
  EXPECT_EQ(d.go(Start{}), (Lines{"invite op#0 operator 0 sip:op0@pbx", "invite op#1 operator 1 sip:op1@pbx",
                                  "invite op#2 operator 2 sip:op2@pbx", "timer operator_ring +20000ms"}));
  EXPECT_EQ(d.call.state, CallState::ringing_operators);
  d.advance(100ms);
  EXPECT_EQ(d.go(Provisional{op(1), 100}), Lines{});  // 100 Trying is not ringing
  d.advance(250ms);
  EXPECT_EQ(d.go(Provisional{op(1), 180}), Lines{});
  d.advance(50ms);
  EXPECT_EQ(d.go(Provisional{op(1), 183}), Lines{});  // the first 18x is the one recorded
  d.advance(3600ms);                                  // +4 s
  EXPECT_EQ(d.go(Answered{op(1)}),
            (Lines{"ack-hold op#1", "cancel op#0 [SIP;cause=200;text=\"Call completed elsewhere\"]",
                   "cancel op#2 [SIP;cause=200;text=\"Call completed elsewhere\"]", "invite visitor",
                   "timer visitor_ring +30000ms"}));
  EXPECT_EQ(d.call.state, CallState::ringing_visitor);
  EXPECT_EQ(d.call.winner, 1u);
  d.advance(20ms);
  EXPECT_EQ(d.go(Failed{op(0), 487}), Lines{});
  d.advance(980ms);  // +5 s
  EXPECT_EQ(d.go(Provisional{kVisitor, 180}), Lines{});
  d.advance(7s);  // +12 s
  EXPECT_EQ(d.go(Answered{kVisitor}), (Lines{"reinvite op#1", "timer reinvite_answer +8000ms"}));
  EXPECT_EQ(d.call.state, CallState::bridging);
  d.advance(150ms);  // +12.15 s
  EXPECT_EQ(d.go(ReinviteAnswered{}), (Lines{"ack-reinvite op#1", "ack-answer visitor", "timer max_talk +3600000ms"}));
  EXPECT_EQ(d.call.state, CallState::talking);
  d.advance(83'456ms);
  const Reason normal{ReasonProtocol::q850, 16, ""};
  // op#2 has not answered our CANCEL yet, so the call asks for a settle timer.
  EXPECT_EQ(d.go(RemoteBye{kVisitor, normal}), (Lines{"bye op#1 [Q.850;cause=16]", "timer settle +32000ms"}));
  EXPECT_TRUE(d.last_finished);

  const Call& c = d.call;
  EXPECT_EQ(c.state, CallState::ended);
  EXPECT_EQ(c.status, CallStatus::connected);
  EXPECT_EQ(c.ended_by, Party::visitor);
  EXPECT_EQ(talk_time(c), 83'456ms);
  EXPECT_EQ(c.started, at(0ms));
  EXPECT_EQ(c.talk_started, at(12'150ms));
  EXPECT_EQ(c.talk_ended, at(95'606ms));
  EXPECT_EQ(c.ended, at(95'606ms));

  ASSERT_EQ(c.operator_legs.size(), 3u);
  const LegRecord& w = c.operator_legs[1];
  EXPECT_EQ(w.operator_index, 1u);
  EXPECT_EQ(w.round, 0);
  EXPECT_EQ(w.invited, at(0ms));
  EXPECT_EQ(w.first_provisional, at(350ms));
  EXPECT_EQ(w.answered, at(4000ms));
  EXPECT_EQ(w.ended, at(95'606ms));
  EXPECT_EQ(w.final_code, 200);
  EXPECT_EQ(w.outcome, LegOutcome::answered);
  EXPECT_EQ(w.ended_by, Party::visitor) << "the visitor's BYE ended the operator's leg too";
  EXPECT_EQ(w.reason, normal) << "forwarded";
  EXPECT_EQ(w.state, LegState::ended);

  const LegRecord& lost = c.operator_legs[0];
  EXPECT_EQ(lost.outcome, LegOutcome::cancelled);
  EXPECT_EQ(lost.final_code, 487);
  EXPECT_EQ(lost.ended, at(4000ms)) << "ended when we cancelled it";
  EXPECT_EQ(lost.ended_by, Party::system);
  EXPECT_FALSE(lost.first_provisional);
  EXPECT_FALSE(lost.answered);

  const LegRecord& v = c.visitor;
  EXPECT_EQ(v.invited, at(4000ms));
  EXPECT_EQ(v.first_provisional, at(5000ms));
  EXPECT_EQ(v.answered, at(12'000ms));
  EXPECT_EQ(v.ended, at(95'606ms));
  EXPECT_EQ(v.final_code, 200);
  EXPECT_EQ(v.outcome, LegOutcome::answered);
  EXPECT_EQ(v.ended_by, Party::visitor);
  EXPECT_EQ(v.reason, normal);

  // op#2 was never heard from after our CANCEL: the call is over but not settled until it answers or we give up.
  EXPECT_EQ(c.operator_legs[2].state, LegState::cancelling);
  EXPECT_FALSE(settled(c));
  d.advance(10ms);
  EXPECT_EQ(d.go(Failed{op(2), 487}), Lines{});
  EXPECT_EQ(d.call.operator_legs[2].final_code, 487);
  EXPECT_TRUE(settled(d.call));
}

TEST(AllAtOnce, TwoHundredCrossingOurCancelIsAckedAndHungUp) {
  Driver d(config(RingStrategy::all_at_once, 3));
  d.go(Start{});
  d.advance(3s);
  d.go(Answered{op(2)});
  d.advance(15ms);
  // op#0 answered before our CANCEL reached it: it must not be left in a call with nobody.
  EXPECT_EQ(d.go(Answered{op(0)}),
            (Lines{"ack-hold op#0", "bye op#0 [SIP;cause=200;text=\"Call completed elsewhere\"]"}));
  EXPECT_EQ(d.call.state, CallState::ringing_visitor) << "the call goes on with the winner";
  EXPECT_EQ(d.call.winner, 2u);
  const LegRecord& late = d.call.operator_legs[0];
  EXPECT_EQ(late.state, LegState::ended);
  EXPECT_EQ(late.outcome, LegOutcome::cancelled);
  EXPECT_EQ(late.final_code, 200);
  EXPECT_EQ(late.answered, at(3015ms));
  EXPECT_EQ(late.ended, at(3015ms));
  // The CANCEL itself then gets its 200, and the INVITE no 487; its BYE may cross ours.
  EXPECT_EQ(d.go(RemoteBye{op(0), std::nullopt}), Lines{});
  // A second 2xx on the same leg is impossible.
  EXPECT_EQ(d.refused(Answered{op(0)}).code, Errc::conflict);
}

TEST(AllAtOnce, AnOperatorFailingDoesNotStopTheOthers) {
  Driver d(config(RingStrategy::all_at_once, 3));
  d.go(Start{});
  d.advance(1s);
  EXPECT_EQ(d.go(Failed{op(1), 486}), Lines{});
  EXPECT_EQ(d.go(Failed{op(0), 404}), Lines{});
  EXPECT_EQ(d.call.state, CallState::ringing_operators);
  d.advance(1s);
  EXPECT_EQ(d.go(Answered{op(2)}), (Lines{"ack-hold op#2", "invite visitor", "timer visitor_ring +30000ms"}))
      << "nobody left to cancel";
  EXPECT_EQ(d.call.operator_legs[1].outcome, LegOutcome::busy);
  EXPECT_EQ(d.call.operator_legs[1].ended_by, Party::operator_);
  EXPECT_EQ(d.call.operator_legs[0].outcome, LegOutcome::unreachable);
  EXPECT_EQ(d.call.operator_legs[0].ended_by, Party::system);
}

TEST(AllAtOnce, RingTimeoutCancelsEveryoneThenPausesThenRingsAgainThenGivesUp) {
  Driver d(config(RingStrategy::all_at_once, 2, 2, 10s));
  d.go(Start{});
  d.advance(2s);
  d.go(Failed{op(1), 486});
  EXPECT_EQ(d.fire(TimerKind::operator_ring), (Lines{"cancel op#0", "timer round_pause +10000ms"}));
  EXPECT_EQ(d.since_start(), 20s);
  EXPECT_EQ(d.call.state, CallState::between_rounds);
  EXPECT_EQ(d.call.operator_legs[0].outcome, LegOutcome::no_answer);
  d.go(Failed{op(0), 487});
  EXPECT_EQ(d.fire(TimerKind::round_pause),
            (Lines{"invite op#2 operator 0 sip:op0@pbx", "invite op#3 operator 1 sip:op1@pbx",
                   "timer operator_ring +20000ms"}));
  EXPECT_EQ(d.since_start(), 30s);
  EXPECT_EQ(d.call.round, 1);
  EXPECT_EQ(d.call.operator_legs[3].round, 1);
  EXPECT_EQ(d.call.operator_legs[3].invited, at(30s));
  EXPECT_EQ(d.fire(TimerKind::operator_ring), (Lines{"cancel op#2", "cancel op#3", "timer settle +32000ms"}));
  EXPECT_TRUE(d.last_finished);
  EXPECT_EQ(d.call.status, CallStatus::operator_no_answer) << "one busy and three unanswered attempts";
  EXPECT_EQ(d.call.ended, at(50s));
  EXPECT_FALSE(settled(d.call));
  EXPECT_EQ(d.fire(TimerKind::settle), Lines{});
  EXPECT_TRUE(settled(d.call));
  EXPECT_EQ(d.call.operator_legs[2].final_code, 0) << "no final response ever came";
}

TEST(AllAtOnce, EveryOperatorBusyInEveryRoundIsOperatorBusyWithoutWaitingForTheTimer) {
  Driver d(config(RingStrategy::all_at_once, 3, 2, 5s));
  d.go(Start{});
  d.advance(1s);
  d.go(Failed{op(0), 486});
  d.go(Failed{op(1), 600});
  EXPECT_EQ(d.go(Failed{op(2), 603}), Lines{"timer round_pause +5000ms"}) << "the round ends at the last refusal";
  d.fire(TimerKind::round_pause);
  d.advance(500ms);
  d.go(Failed{op(3), 486});
  d.go(Failed{op(4), 486});
  EXPECT_EQ(d.go(Failed{op(5), 486}), Lines{});
  EXPECT_TRUE(d.last_finished);
  EXPECT_EQ(d.call.status, CallStatus::operator_busy);
  EXPECT_EQ(d.call.ended, at(6500ms));
  EXPECT_TRUE(settled(d.call)) << "no leg is left to answer";
  // The old ring timers are stale now.
  EXPECT_EQ(d.go(TimerFired{TimerKind::operator_ring, d.timers[TimerKind::operator_ring].id}), Lines{});
}

TEST(AllAtOnce, EveryOperatorFailingTechnicallyIsOperatorFailed) {
  Driver d(config(RingStrategy::all_at_once, 3));
  d.go(Start{});
  d.go(Failed{op(0), 503});
  d.go(Failed{op(1), 404});
  d.go(Failed{op(2), 604});
  EXPECT_EQ(d.call.status, CallStatus::operator_failed);
  EXPECT_EQ(d.call.ended_by, Party::system);
}

TEST(AllAtOnce, MixedFailuresAreNoAnswer) {
  {
    Driver d(config(RingStrategy::all_at_once, 2));
    d.go(Start{});
    d.go(Failed{op(0), 486});
    d.go(Failed{op(1), 480});
    EXPECT_EQ(d.call.status, CallStatus::operator_no_answer);
  }
  {
    Driver d(config(RingStrategy::all_at_once, 2));
    d.go(Start{});
    d.go(Failed{op(0), 486});
    d.go(Failed{op(1), 503});
    EXPECT_EQ(d.call.status, CallStatus::operator_no_answer) << "busy only when every attempt was busy";
  }
  {
    Driver d(config(RingStrategy::all_at_once, 2));
    d.go(Start{});
    d.go(Failed{op(0), 408});
    d.go(Failed{op(1), 408});
    EXPECT_EQ(d.call.status, CallStatus::operator_no_answer);
  }
}

TEST(AllAtOnce, ZeroPauseStartsTheNextRoundAtOnce) {
  Driver d(config(RingStrategy::all_at_once, 1, 3, 0ms));
  d.go(Start{});
  d.advance(1s);
  EXPECT_EQ(d.go(Failed{op(0), 486}), (Lines{"invite op#1 operator 0 sip:op0@pbx", "timer operator_ring +20000ms"}));
  EXPECT_EQ(d.call.state, CallState::ringing_operators);
  EXPECT_EQ(d.fire(TimerKind::operator_ring),
            (Lines{"cancel op#1", "invite op#2 operator 0 sip:op0@pbx", "timer operator_ring +20000ms"}));
  d.advance(2s);
  EXPECT_EQ(d.go(Answered{op(2)}), (Lines{"ack-hold op#2", "invite visitor", "timer visitor_ring +30000ms"}));
  EXPECT_EQ(d.call.operator_legs[2].round, 2);
}

// ---- in turn ----

TEST(InTurn, RingsInListOrderEachForItsTimeoutAndMovesOnAtOnceOnAFailure) {
  Driver d(config(RingStrategy::in_turn, 3, 2, 10s));
  EXPECT_EQ(d.go(Start{}), (Lines{"invite op#0 operator 0 sip:op0@pbx", "timer operator_ring +20000ms"}));
  d.advance(1s);
  d.go(Provisional{op(0), 180});
  EXPECT_EQ(d.fire(TimerKind::operator_ring),
            (Lines{"cancel op#0", "invite op#1 operator 1 sip:op1@pbx", "timer operator_ring +20000ms"}));
  EXPECT_EQ(d.since_start(), 20s);
  d.advance(5s);
  EXPECT_EQ(d.go(Failed{op(1), 486}), (Lines{"invite op#2 operator 2 sip:op2@pbx", "timer operator_ring +20000ms"}))
      << "a refusal does not wait for the timer";
  EXPECT_EQ(d.fire(TimerKind::operator_ring), (Lines{"cancel op#2", "timer round_pause +10000ms"}));
  EXPECT_EQ(d.since_start(), 45s);
  EXPECT_EQ(d.fire(TimerKind::round_pause),
            (Lines{"invite op#3 operator 0 sip:op0@pbx", "timer operator_ring +20000ms"}));
  EXPECT_EQ(d.fire(TimerKind::operator_ring),
            (Lines{"cancel op#3", "invite op#4 operator 1 sip:op1@pbx", "timer operator_ring +20000ms"}));
  d.advance(3s);
  EXPECT_EQ(d.go(Answered{op(4)}), (Lines{"ack-hold op#4", "invite visitor", "timer visitor_ring +30000ms"}));

  ASSERT_EQ(d.call.operator_legs.size(), 5u);
  const std::vector<std::size_t> order = {0, 1, 2, 0, 1};
  const std::vector<int> rounds = {0, 0, 0, 1, 1};
  const std::vector<Millis> invited = {0s, 20s, 25s, 55s, 75s};
  for (std::size_t a = 0; a < order.size(); ++a) {
    EXPECT_EQ(d.call.operator_legs[a].operator_index, order[a]) << a;
    EXPECT_EQ(d.call.operator_legs[a].round, rounds[a]) << a;
    EXPECT_EQ(d.call.operator_legs[a].invited, at(invited[a])) << a;
  }
  EXPECT_EQ(d.call.operator_legs[0].first_provisional, at(1s));
  EXPECT_EQ(d.call.operator_legs[0].outcome, LegOutcome::no_answer);
  EXPECT_EQ(d.call.operator_legs[0].ended, at(20s));
  EXPECT_EQ(d.call.operator_legs[1].outcome, LegOutcome::busy);
  EXPECT_EQ(d.call.operator_legs[4].answered, at(78s));
}

TEST(InTurn, TwoHundredCrossingTheTimeoutCancelIsHungUpAndTheNextOperatorKeepsRinging) {
  Driver d(config(RingStrategy::in_turn, 2));
  d.go(Start{});
  d.fire(TimerKind::operator_ring);
  d.advance(30ms);
  EXPECT_EQ(d.go(Answered{op(0)}), (Lines{"ack-hold op#0", "bye op#0"})) << "we cancelled it without a reason";
  EXPECT_EQ(d.call.state, CallState::ringing_operators);
  EXPECT_EQ(d.call.operator_legs[1].state, LegState::inviting);
  EXPECT_FALSE(d.call.winner);
  d.advance(2s);
  EXPECT_EQ(d.go(Answered{op(1)}), (Lines{"ack-hold op#1", "invite visitor", "timer visitor_ring +30000ms"}));
}

TEST(InTurn, LastOperatorOfTheLastRoundFailingEndsTheCall) {
  Driver d(config(RingStrategy::in_turn, 2));
  d.go(Start{});
  d.go(Failed{op(0), 486});
  EXPECT_EQ(d.go(Failed{op(1), 486}), Lines{});
  EXPECT_TRUE(d.last_finished);
  EXPECT_EQ(d.call.status, CallStatus::operator_busy);
}

TEST(InTurn, StaleRingTimersAreIgnored) {
  Driver d(config(RingStrategy::in_turn, 3));
  d.go(Start{});
  const StartTimer first = d.timers[TimerKind::operator_ring];
  d.advance(2s);
  d.go(Failed{op(0), 480});  // op#1 rings now, with a new timer
  const StartTimer second = d.timers[TimerKind::operator_ring];
  ASSERT_NE(first.id, second.id);
  d.now = first.deadline;  // op#0's timer would fire here, 18 s into op#1's 20 s
  EXPECT_EQ(d.go(TimerFired{TimerKind::operator_ring, first.id}), Lines{});
  EXPECT_EQ(d.call.operator_legs[1].state, LegState::inviting);
  EXPECT_EQ(d.call.operator_legs.size(), 2u);
  EXPECT_EQ(d.go(TimerFired{TimerKind::operator_ring, 0}), Lines{});
  EXPECT_EQ(d.go(TimerFired{TimerKind::visitor_ring, second.id}), Lines{}) << "an id of another kind";
  EXPECT_EQ(d.fire(TimerKind::operator_ring),
            (Lines{"cancel op#1", "invite op#2 operator 2 sip:op2@pbx", "timer operator_ring +20000ms"}));
  EXPECT_EQ(d.go(TimerFired{TimerKind::operator_ring, second.id}), Lines{}) << "a timer fires once";
}

// ---- the visitor ----

TEST(Visitor, FailureCodesMapToStatusesAndTheOperatorIsToldWhy) {
  struct Case {
    int code;
    CallStatus status;
    LegOutcome outcome;
    Party by;
    std::string bye;
  };
  const std::vector<Case> cases = {
      {486, CallStatus::visitor_busy, LegOutcome::busy, Party::visitor, "bye op#0 [SIP;cause=486;text=\"Busy Here\"]"},
      {600, CallStatus::visitor_busy, LegOutcome::busy, Party::visitor,
       "bye op#0 [SIP;cause=600;text=\"Busy Everywhere\"]"},
      {480, CallStatus::visitor_no_answer, LegOutcome::no_answer, Party::visitor,
       "bye op#0 [SIP;cause=480;text=\"Temporarily Unavailable\"]"},
      {408, CallStatus::visitor_no_answer, LegOutcome::no_answer, Party::visitor,
       "bye op#0 [SIP;cause=408;text=\"Request Timeout\"]"},
      {603, CallStatus::visitor_rejected, LegOutcome::rejected, Party::visitor,
       "bye op#0 [SIP;cause=603;text=\"Decline\"]"},
      {404, CallStatus::visitor_unreachable, LegOutcome::unreachable, Party::system,
       "bye op#0 [SIP;cause=404;text=\"Not Found\"]"},
      {484, CallStatus::visitor_unreachable, LegOutcome::unreachable, Party::system,
       "bye op#0 [SIP;cause=484;text=\"Address Incomplete\"]"},
      {604, CallStatus::visitor_unreachable, LegOutcome::unreachable, Party::system,
       "bye op#0 [SIP;cause=604;text=\"Does Not Exist Anywhere\"]"},
      {500, CallStatus::failed_technical, LegOutcome::failed, Party::system,
       "bye op#0 [SIP;cause=500;text=\"Server Internal Error\"]"},
      {503, CallStatus::failed_technical, LegOutcome::failed, Party::system,
       "bye op#0 [SIP;cause=503;text=\"Service Unavailable\"]"},
      {488, CallStatus::failed_technical, LegOutcome::failed, Party::system,
       "bye op#0 [SIP;cause=488;text=\"Not Acceptable Here\"]"},
      {302, CallStatus::failed_technical, LegOutcome::failed, Party::system, "bye op#0 [SIP;cause=302]"},
      {699, CallStatus::failed_technical, LegOutcome::failed, Party::system, "bye op#0 [SIP;cause=699]"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.code);
    Driver d(config(RingStrategy::all_at_once, 1));
    d.go(Start{});
    d.advance(2s);
    d.go(Answered{op(0)});
    d.advance(4s);
    const Reason received{ReasonProtocol::q850, 17, "User busy"};
    EXPECT_EQ(d.go(Failed{kVisitor, k.code, received}), Lines{k.bye});
    EXPECT_TRUE(d.last_finished);
    EXPECT_EQ(d.call.status, k.status);
    EXPECT_EQ(d.call.ended_by, k.by);
    EXPECT_EQ(d.call.visitor.outcome, k.outcome);
    EXPECT_EQ(d.call.visitor.final_code, k.code);
    EXPECT_EQ(d.call.visitor.reason, received) << "the response's own Reason is kept on its leg";
    EXPECT_EQ(d.call.visitor.ended, at(6s));
    EXPECT_EQ(d.call.operator_legs[0].ended, at(6s));
    EXPECT_EQ(d.call.operator_legs[0].ended_by, k.by);
    EXPECT_EQ(talk_time(d.call), 0ms);
    EXPECT_TRUE(settled(d.call));
  }
}

TEST(Visitor, RingTimeoutCancelsTheVisitorAndReleasesTheOperator) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.advance(2s);
  d.go(Answered{op(0)});
  d.advance(1s);
  d.go(Provisional{kVisitor, 180});
  EXPECT_EQ(d.fire(TimerKind::visitor_ring),
            (Lines{"cancel visitor", "bye op#0 [SIP;cause=480;text=\"Temporarily Unavailable\"]",
                   "timer settle +32000ms"}));
  EXPECT_EQ(d.since_start(), 32s);
  EXPECT_EQ(d.call.status, CallStatus::visitor_no_answer);
  EXPECT_EQ(d.call.ended_by, Party::system);
  EXPECT_EQ(d.call.visitor.outcome, LegOutcome::no_answer);
  EXPECT_EQ(d.call.visitor.first_provisional, at(3s));
  EXPECT_EQ(d.call.visitor.ended, at(32s));
  EXPECT_FALSE(settled(d.call));
  // The visitor picked up just as the CANCEL left: complete the INVITE and hang up.
  d.advance(40ms);
  EXPECT_EQ(d.go(Answered{kVisitor}), (Lines{"ack-hold visitor", "bye visitor"}));
  EXPECT_EQ(d.call.visitor.final_code, 200);
  EXPECT_EQ(d.call.status, CallStatus::visitor_no_answer) << "the status does not change after the end";
  EXPECT_TRUE(settled(d.call));
  EXPECT_EQ(d.go(RemoteBye{kVisitor, std::nullopt}), Lines{}) << "crossing BYEs";
}

TEST(Visitor, OperatorHangingUpWhileTheVisitorRingsCancelsTheVisitorAtOnce) {
  Driver d(config(RingStrategy::all_at_once, 2));
  d.go(Start{});
  d.advance(2s);
  d.go(Answered{op(1)});
  d.advance(3s);
  d.go(Provisional{kVisitor, 183});
  const Reason why{ReasonProtocol::q850, 16, "Normal call clearing"};
  EXPECT_EQ(d.go(RemoteBye{op(1), why}),
            (Lines{"cancel visitor [Q.850;cause=16;text=\"Normal call clearing\"]", "timer settle +32000ms"}));
  EXPECT_TRUE(d.last_finished);
  EXPECT_EQ(d.call.status, CallStatus::operator_hung_up_early);
  EXPECT_EQ(d.call.ended_by, Party::operator_);
  EXPECT_EQ(d.call.ended, at(5s));
  EXPECT_EQ(d.call.operator_legs[1].ended_by, Party::operator_);
  EXPECT_EQ(d.call.operator_legs[1].reason, why);
  EXPECT_EQ(d.call.visitor.outcome, LegOutcome::cancelled);
  EXPECT_EQ(d.call.visitor.ended_by, Party::operator_);
  EXPECT_EQ(d.call.visitor.ended, at(5s));
  // op#0 was cancelled when op#1 won and the visitor now; both answer with 487.
  d.go(Failed{op(0), 487});
  EXPECT_FALSE(settled(d.call));
  d.go(Failed{kVisitor, 487});
  EXPECT_EQ(d.call.visitor.final_code, 487);
  EXPECT_TRUE(settled(d.call));
  // The visitor's ring timer, started before, is stale.
  EXPECT_EQ(d.go(TimerFired{TimerKind::visitor_ring, d.timers[TimerKind::visitor_ring].id}), Lines{});
}

TEST(Visitor, OperatorHangingUpDuringTheBridgeIsAlsoEarly) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.advance(5s);
  d.go(Answered{kVisitor});
  d.advance(100ms);
  EXPECT_EQ(d.go(RemoteBye{op(0), std::nullopt}), (Lines{"ack-hold visitor", "bye visitor", "timer settle +32000ms"}))
      << "the visitor's 2xx is ACKed before the BYE; we wait for the re-INVITE's fate";
  EXPECT_EQ(d.call.status, CallStatus::operator_hung_up_early);
  EXPECT_EQ(d.call.visitor.ended_by, Party::operator_);
  EXPECT_FALSE(d.call.talk_started);
  EXPECT_FALSE(settled(d.call));
  EXPECT_EQ(d.go(ReinviteFailed{481}), Lines{});
  EXPECT_TRUE(settled(d.call));
}

TEST(Visitor, VisitorByeBeforeTheBridgeCompletesIsTechnical) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.go(Answered{kVisitor});
  d.advance(7s);
  EXPECT_EQ(d.go(RemoteBye{kVisitor, std::nullopt}), (Lines{"bye op#0", "timer settle +32000ms"}));
  EXPECT_EQ(d.call.status, CallStatus::failed_technical);
  EXPECT_EQ(d.call.ended_by, Party::visitor);
  d.advance(1s);
  EXPECT_EQ(d.go(ReinviteAnswered{}), Lines{"ack-reinvite op#0"}) << "a late 2xx is still ACKed";
  EXPECT_TRUE(settled(d.call));
  EXPECT_EQ(d.call.status, CallStatus::failed_technical);
}

// ---- talking ----

TEST(Talking, OperatorHangsUpAndTheVisitorIsToldWithTheSameReason) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  EXPECT_EQ(d.call.talk_started, at(5200ms));
  d.advance(61'001ms);
  const Reason why{ReasonProtocol::sip, 200, "Operator finished"};
  EXPECT_EQ(d.go(RemoteBye{op(0), why}), Lines{"bye visitor [SIP;cause=200;text=\"Operator finished\"]"});
  EXPECT_EQ(d.call.status, CallStatus::connected);
  EXPECT_EQ(d.call.ended_by, Party::operator_);
  EXPECT_EQ(talk_time(d.call), 61'001ms);
  EXPECT_EQ(d.call.visitor.reason, why);
  EXPECT_EQ(d.call.visitor.ended_by, Party::operator_);
  EXPECT_TRUE(settled(d.call));
  EXPECT_EQ(d.go(RemoteBye{kVisitor, std::nullopt}), Lines{}) << "the visitor's BYE crossed ours";
  EXPECT_EQ(talk_time(d.call), 61'001ms) << "talk ends at the first BYE";
}

TEST(Talking, TalkTimeIsExactToTheMillisecondFromSubMillisecondTimes) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.go(Answered{kVisitor});
  d.now = kT0 + 10s + 999'999ns;  // recorded as +10.000 s
  d.go(ReinviteAnswered{});
  EXPECT_EQ(d.call.talk_started, at(10s));
  d.now = kT0 + 10s + 1ms + 1ns;  // recorded as +10.001 s
  d.go(RemoteBye{kVisitor, std::nullopt});
  EXPECT_EQ(talk_time(d.call), 1ms);
}

TEST(Talking, ByeInTheSameMillisecondIsConnectedWithZeroTalk) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  EXPECT_EQ(d.go(RemoteBye{kVisitor, std::nullopt}), Lines{"bye op#0"});
  EXPECT_EQ(d.call.status, CallStatus::connected);
  EXPECT_EQ(talk_time(d.call), 0ms);
}

TEST(Talking, MaxTalkEndsTheCallAsConnected) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  EXPECT_EQ(d.fire(TimerKind::max_talk),
            (Lines{"bye visitor [Q.850;cause=16;text=\"Maximum call duration reached\"]",
                   "bye op#0 [Q.850;cause=16;text=\"Maximum call duration reached\"]"}));
  EXPECT_EQ(d.call.status, CallStatus::connected);
  EXPECT_EQ(d.call.ended_by, Party::system);
  EXPECT_EQ(talk_time(d.call), 1h);
}

// ---- the bridge ----

TEST(Bridge, ReinviteRefusedIsTechnicalAndBothLegsAreReleased) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.go(Answered{kVisitor});
  d.advance(300ms);
  EXPECT_EQ(d.go(ReinviteFailed{488}),
            (Lines{"ack-hold visitor", "bye visitor [Q.850;cause=41;text=\"Temporary failure\"]",
                   "bye op#0 [Q.850;cause=41;text=\"Temporary failure\"]"}));
  EXPECT_EQ(d.call.status, CallStatus::failed_technical);
  EXPECT_FALSE(d.call.talk_started);
  EXPECT_TRUE(settled(d.call));
}

TEST(Bridge, ReinviteTimeoutIsTechnicalAndALateAnswerIsStillAcked) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.go(Answered{kVisitor});
  EXPECT_EQ(d.fire(TimerKind::reinvite_answer),
            (Lines{"ack-hold visitor", "bye visitor [Q.850;cause=41;text=\"Temporary failure\"]",
                   "bye op#0 [Q.850;cause=41;text=\"Temporary failure\"]", "timer settle +32000ms"}));
  EXPECT_EQ(d.call.status, CallStatus::failed_technical);
  EXPECT_FALSE(settled(d.call));
  EXPECT_EQ(d.go(ReinviteAnswered{}), Lines{"ack-reinvite op#0"});
  EXPECT_TRUE(settled(d.call));
  EXPECT_EQ(d.call.status, CallStatus::failed_technical);
  EXPECT_EQ(d.refused(ReinviteAnswered{}).code, Errc::conflict) << "only one answer per re-INVITE";
}

TEST(Bridge, GlareIsRetriedOnceAfterTheRfcDelay) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.go(Answered{kVisitor});
  const auto first_wait = d.timers[TimerKind::reinvite_answer];
  d.advance(100ms);
  EXPECT_EQ(d.go(ReinviteFailed{491}), Lines{"timer reinvite_retry +3000ms"});
  EXPECT_EQ(d.call.state, CallState::bridging);
  EXPECT_EQ(d.refused(ReinviteAnswered{}).code, Errc::conflict) << "nothing is pending while we wait";
  EXPECT_EQ(d.go(TimerFired{TimerKind::reinvite_answer, first_wait.id}), Lines{}) << "the first wait is stale";
  EXPECT_EQ(d.fire(TimerKind::reinvite_retry), (Lines{"reinvite op#0", "timer reinvite_answer +8000ms"}));
  d.advance(100ms);
  EXPECT_EQ(d.go(ReinviteAnswered{}), (Lines{"ack-reinvite op#0", "ack-answer visitor", "timer max_talk +3600000ms"}));
  EXPECT_EQ(d.call.talk_started, at(3200ms));
}

TEST(Bridge, SecondGlareFails) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.go(Answered{kVisitor});
  d.go(ReinviteFailed{491});
  d.fire(TimerKind::reinvite_retry);
  EXPECT_EQ(d.go(ReinviteFailed{491}).size(), 3u);
  EXPECT_EQ(d.call.status, CallStatus::failed_technical);
}

// ---- abort ----

TEST(Abort, InEveryStateReleasesWhatIsUp) {
  const Reason shutdown{ReasonProtocol::sip, 503, "Service Unavailable"};
  {
    auto c = new_call(config(RingStrategy::all_at_once, 1));
    ASSERT_TRUE(c);
    auto s = on_event(*c, Abort{}, kT0);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->commands.empty());
    EXPECT_EQ(c->status, CallStatus::failed_technical);
  }
  {
    Driver d(config(RingStrategy::all_at_once, 2));
    d.go(Start{});
    d.go(Failed{op(0), 486});
    EXPECT_EQ(d.go(Abort{shutdown}), (Lines{"cancel op#1 [SIP;cause=503;text=\"Service Unavailable\"]",
                                            "timer settle +32000ms"}));
    EXPECT_EQ(d.call.status, CallStatus::failed_technical);
    EXPECT_EQ(d.call.operator_legs[1].outcome, LegOutcome::cancelled);
  }
  {
    Driver d(config(RingStrategy::all_at_once, 1, 2));
    d.go(Start{});
    d.go(Failed{op(0), 486});
    ASSERT_EQ(d.call.state, CallState::between_rounds);
    EXPECT_EQ(d.go(Abort{}), Lines{});
    EXPECT_EQ(d.call.status, CallStatus::failed_technical);
    EXPECT_EQ(d.go(TimerFired{TimerKind::round_pause, d.timers[TimerKind::round_pause].id}), Lines{});
  }
  {
    Driver d(config(RingStrategy::all_at_once, 1));
    d.go(Start{});
    d.go(Answered{op(0)});
    EXPECT_EQ(d.go(Abort{}), (Lines{"cancel visitor [Q.850;cause=41;text=\"Temporary failure\"]",
                                    "bye op#0 [Q.850;cause=41;text=\"Temporary failure\"]", "timer settle +32000ms"}));
    EXPECT_EQ(d.call.status, CallStatus::failed_technical);
  }
  {
    Driver d(config(RingStrategy::all_at_once, 1));
    d.go(Start{});
    d.go(Answered{op(0)});
    d.go(Answered{kVisitor});
    EXPECT_EQ(d.go(Abort{}), (Lines{"ack-hold visitor", "bye visitor [Q.850;cause=41;text=\"Temporary failure\"]",
                                    "bye op#0 [Q.850;cause=41;text=\"Temporary failure\"]", "timer settle +32000ms"}));
    EXPECT_EQ(d.call.status, CallStatus::failed_technical);
  }
  {
    Driver d(config(RingStrategy::all_at_once, 1));
    d.to_talking();
    d.advance(42s);
    EXPECT_EQ(d.go(Abort{shutdown}), (Lines{"bye visitor [SIP;cause=503;text=\"Service Unavailable\"]",
                                            "bye op#0 [SIP;cause=503;text=\"Service Unavailable\"]"}));
    EXPECT_EQ(d.call.status, CallStatus::connected) << "they did talk";
    EXPECT_EQ(d.call.ended_by, Party::system);
    EXPECT_EQ(talk_time(d.call), 42s);
    EXPECT_EQ(d.go(Abort{}), Lines{}) << "aborting an ended call is harmless";
    EXPECT_FALSE(d.last_finished);
  }
}

// ---- impossible and malformed events ----

TEST(Impossible, AreRefusedAndLeaveTheCallUnchanged) {
  Driver d(config(RingStrategy::all_at_once, 2));
  EXPECT_EQ(d.refused(Answered{op(0)}).code, Errc::bad_request) << "no attempt yet";
  EXPECT_EQ(d.refused(TimerFired{static_cast<TimerKind>(99), 1}).code, Errc::bad_request);
  d.go(Start{});
  d.go(Failed{op(0), 486});
  const Call before = d.call;
  const auto unchanged = [&] {
    EXPECT_EQ(d.call.state, before.state);
    EXPECT_EQ(d.call.operator_legs.size(), before.operator_legs.size());
    EXPECT_EQ(d.call.operator_legs[0].state, before.operator_legs[0].state);
    EXPECT_EQ(d.call.operator_legs[0].final_code, before.operator_legs[0].final_code);
    EXPECT_EQ(d.call.visitor.state, before.visitor.state);
    EXPECT_EQ(d.call.last_timer_id, before.last_timer_id);
  };
  EXPECT_EQ(d.refused(Start{}).code, Errc::conflict);
  EXPECT_EQ(d.refused(Answered{op(0)}).code, Errc::conflict) << "a 2xx after a final 486";
  EXPECT_EQ(d.refused(Failed{op(0), 480}).code, Errc::conflict) << "two final responses";
  EXPECT_EQ(d.refused(Provisional{op(0), 180}).code, Errc::conflict);
  EXPECT_EQ(d.refused(RemoteBye{op(1), std::nullopt}).code, Errc::conflict) << "BYE without a dialog";
  EXPECT_EQ(d.refused(RemoteBye{op(0), std::nullopt}).code, Errc::conflict);
  EXPECT_EQ(d.refused(Answered{kVisitor}).code, Errc::conflict) << "the visitor was not invited";
  EXPECT_EQ(d.refused(Failed{kVisitor, 486}).code, Errc::conflict);
  EXPECT_EQ(d.refused(Provisional{kVisitor, 180}).code, Errc::conflict);
  EXPECT_EQ(d.refused(ReinviteAnswered{}).code, Errc::conflict);
  EXPECT_EQ(d.refused(ReinviteFailed{500}).code, Errc::conflict);
  EXPECT_EQ(d.refused(Answered{op(2)}).code, Errc::bad_request) << "unknown attempt";
  EXPECT_EQ(d.refused(Answered{LegId{Party::system, 0}}).code, Errc::bad_request);
  EXPECT_EQ(d.refused(Failed{op(1), 200}).code, Errc::bad_request) << "a 2xx is not a failure";
  EXPECT_EQ(d.refused(Failed{op(1), 700}).code, Errc::bad_request);
  EXPECT_EQ(d.refused(Provisional{op(1), 200}).code, Errc::bad_request);
  EXPECT_EQ(d.refused(ReinviteFailed{99}).code, Errc::bad_request);
  unchanged();
  EXPECT_EQ(d.call.operator_legs[1].state, LegState::inviting) << "op#1 still rings";
}

TEST(Impossible, TalkingRefusesLegEventsThatCannotHappen) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  EXPECT_EQ(d.refused(Answered{kVisitor}).code, Errc::conflict);
  EXPECT_EQ(d.refused(Answered{op(0)}).code, Errc::conflict);
  EXPECT_EQ(d.refused(Failed{kVisitor, 486}).code, Errc::conflict);
  EXPECT_EQ(d.refused(ReinviteAnswered{}).code, Errc::conflict);
  EXPECT_EQ(d.call.state, CallState::talking);
}

// ---- re-INVITEs from the phones while they talk ----

TEST(Relay, VisitorsNewOfferGoesToTheOperatorAndItsAnswerComesBack) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  d.advance(10s);
  EXPECT_EQ(d.go(RemoteReinvite{kVisitor, true, true}), (Lines{"relay visitor->op#0", "timer relay_answer +8000ms"}));
  EXPECT_EQ(d.call.relay, (Relay{kVisitor, op(0), RelayStage::offering}));
  EXPECT_TRUE(d.call.reinvite_pending);
  d.advance(100ms);
  EXPECT_EQ(d.go(ReinviteAnswered{}), (Lines{"ack-relay op#0", "accept-answer visitor"}));
  EXPECT_FALSE(d.call.relay);
  EXPECT_FALSE(d.call.reinvite_pending);
  EXPECT_EQ(d.call.state, CallState::talking);
  EXPECT_EQ(d.fire(TimerKind::relay_answer), Lines{}) << "stale";
  EXPECT_EQ(d.go(RemoteBye{kVisitor, std::nullopt}), Lines{"bye op#0"});
  EXPECT_EQ(d.call.status, CallStatus::connected);
  EXPECT_TRUE(settled(d.call));
}

TEST(Relay, OperatorsNewOfferGoesToTheVisitor) {
  Driver d(config(RingStrategy::all_at_once, 2));
  d.go(Start{});
  d.go(Answered{op(1)});
  d.go(Answered{kVisitor});
  d.go(ReinviteAnswered{});
  EXPECT_EQ(d.go(RemoteReinvite{op(1), true, true}), (Lines{"relay op#1->visitor", "timer relay_answer +8000ms"}));
  EXPECT_EQ(d.go(ReinviteAnswered{}), (Lines{"ack-relay visitor", "accept-answer op#1"}));
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, true}), Lines{"refuse op#0 488"}) << "a loser is not in the talk";
}

TEST(Relay, TheOtherPhonesRefusalIsPassedBackAndTheCallGoesOn) {
  const std::vector<std::pair<int, std::string>> cases = {
      {488, "refuse visitor 488"}, {491, "refuse visitor 491"},  {503, "refuse visitor 503"},
      {603, "refuse visitor 603"}, {408, "refuse visitor 500 retry-after 5"}, {481, "refuse visitor 500"},
      {407, "refuse visitor 500"}, {302, "refuse visitor 500"},  {487, "refuse visitor 500"}};
  for (const auto& [code, line] : cases) {
    Driver d(config(RingStrategy::all_at_once, 1));
    d.to_talking();
    d.go(RemoteReinvite{kVisitor, true, true});
    EXPECT_EQ(d.go(ReinviteFailed{code}), Lines{line}) << code;
    EXPECT_EQ(d.call.state, CallState::talking);
    EXPECT_FALSE(d.call.relay);
    EXPECT_FALSE(d.call.reinvite_pending);
    EXPECT_EQ(d.go(RemoteReinvite{kVisitor, true, true}), (Lines{"relay visitor->op#0", "timer relay_answer +8000ms"}))
        << "the next one is relayed again";
  }
}

TEST(Relay, SilenceIsA500WithRetryAfterAndOursIsCancelled) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  d.go(RemoteReinvite{kVisitor, true, true});
  EXPECT_EQ(d.fire(TimerKind::relay_answer), (Lines{"refuse visitor 500 retry-after 5", "cancel op#0"}));
  EXPECT_EQ(d.call.relay->stage, RelayStage::withdrawn);
  EXPECT_EQ(d.call.operator_legs[0].state, LegState::confirmed) << "the CANCEL is the re-INVITE's, not the call's";
  EXPECT_EQ(d.go(RemoteReinvite{kVisitor, true, true}), Lines{"refuse visitor 491"}) << "ours is still out";
  EXPECT_EQ(d.go(ReinviteFailed{487}), Lines{});
  EXPECT_FALSE(d.call.relay);
  EXPECT_EQ(d.call.state, CallState::talking);
  // A 2xx that crossed the CANCEL is ACKed, nobody is answered twice, and the visitor — who took an offer the
  // operator was told failed — gets the operator's session back.
  d.go(RemoteReinvite{op(0), true, true});
  d.fire(TimerKind::relay_answer);
  EXPECT_EQ(d.go(ReinviteAnswered{}), (Lines{"ack-relay visitor", "relay op#0->visitor restore", "timer relay_answer +8000ms"}));
  EXPECT_EQ(d.call.relay, (Relay{op(0), kVisitor, RelayStage::forwarding}));
  EXPECT_EQ(d.go(ReinviteAnswered{}), Lines{"ack-relay visitor"});
  EXPECT_FALSE(d.call.relay);
  EXPECT_FALSE(d.call.reinvite_pending);
}

// A phone CANCELs its re-INVITE while we relay it: ours to the other phone is CANCELled too; if the other phone's
// 2xx crosses that CANCEL, it gets the first phone's session back, so that the two never stay out of step.
TEST(Relay, AWithdrawnReinviteIsTakenBackFromTheOtherPhone) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  d.go(RemoteReinvite{kVisitor, true, true});
  EXPECT_EQ(d.go(RemoteReinviteCancelled{op(0)}), Lines{}) << "not the phone whose offer we relay";
  EXPECT_EQ(d.go(RemoteReinviteCancelled{kVisitor}), Lines{"cancel op#0"});
  EXPECT_EQ(d.call.relay->stage, RelayStage::withdrawn);
  EXPECT_EQ(d.fire(TimerKind::relay_answer), Lines{}) << "stopped: nobody waits for an answer now";
  EXPECT_EQ(d.go(ReinviteFailed{487}), Lines{}) << "the visitor's transaction is over (the stack said 487)";
  EXPECT_FALSE(d.call.relay);
  EXPECT_EQ(d.call.state, CallState::talking);

  d.go(RemoteReinvite{kVisitor, true, true});
  d.go(RemoteReinviteCancelled{kVisitor});
  EXPECT_EQ(d.go(ReinviteAnswered{}), (Lines{"ack-relay op#0", "relay visitor->op#0 restore", "timer relay_answer +8000ms"}));
  EXPECT_EQ(d.go(ReinviteFailed{488}), Lines{}) << "a refused restore has nobody to tell";
  EXPECT_FALSE(d.call.relay);

  // Too late to withdraw: once answered (or for an offerless one, answered by us), a CANCEL changes nothing.
  d.go(RemoteReinvite{kVisitor, false, false});
  EXPECT_EQ(d.go(RemoteReinviteCancelled{kVisitor}), Lines{});
  EXPECT_EQ(d.call.relay->stage, RelayStage::awaiting_ack);
  EXPECT_EQ(d.refused(RemoteReinviteCancelled{op(3)}).code, Errc::bad_request) << "no such leg";
}

TEST(Relay, OneAtATimeTheOtherGets491) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  d.go(RemoteReinvite{kVisitor, true, true});
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, true}), Lines{"refuse op#0 491"});
  EXPECT_EQ(d.go(RemoteReinvite{op(0), false, false}), Lines{"refuse op#0 491"});
  EXPECT_EQ(d.go(RemoteReinvite{kVisitor, true, true}), Lines{"refuse visitor 491"});
  EXPECT_EQ(d.call.relay, (Relay{kVisitor, op(0), RelayStage::offering}));
  d.go(ReinviteAnswered{});
  d.go(RemoteReinvite{op(0), false, false});
  EXPECT_EQ(d.go(RemoteReinvite{kVisitor, true, true}), Lines{"refuse visitor 491"}) << "waiting for op#0's ACK";
}

TEST(Relay, AnUnchangedOfferIsAnsweredAsBeforeWithoutBotheringTheOther) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, false}), Lines{"accept-as-before op#0"});
  EXPECT_FALSE(d.call.relay);
  EXPECT_FALSE(d.call.reinvite_pending);
}

TEST(Relay, OfferlessIsAnsweredWithOurOfferAndAChangedAnswerIsForwarded) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  EXPECT_EQ(d.go(RemoteReinvite{kVisitor, false, false}), (Lines{"accept-as-before visitor", "timer relay_answer +8000ms"}));
  EXPECT_EQ(d.call.relay, (Relay{kVisitor, op(0), RelayStage::awaiting_ack}));
  EXPECT_FALSE(d.call.reinvite_pending);
  EXPECT_EQ(d.go(RemoteReinviteAcked{kVisitor, false}), Lines{}) << "the same media: nothing to tell the operator";
  EXPECT_FALSE(d.call.relay);
  EXPECT_EQ(d.fire(TimerKind::relay_answer), Lines{}) << "stale";

  d.go(RemoteReinvite{kVisitor, false, false});
  EXPECT_EQ(d.go(RemoteReinviteAcked{op(0), true}), Lines{}) << "not the leg we wait for";
  EXPECT_EQ(d.go(RemoteReinviteAcked{kVisitor, true}), (Lines{"relay visitor->op#0", "timer relay_answer +8000ms"}));
  EXPECT_EQ(d.call.relay->stage, RelayStage::forwarding);
  EXPECT_EQ(d.go(RemoteReinviteAcked{kVisitor, true}), Lines{}) << "a retransmitted ACK";
  EXPECT_EQ(d.go(ReinviteAnswered{}), Lines{"ack-relay op#0"}) << "the visitor's transaction is over already";
  EXPECT_FALSE(d.call.relay);

  d.go(RemoteReinvite{op(0), false, false});
  d.go(RemoteReinviteAcked{op(0), true});
  EXPECT_EQ(d.go(ReinviteFailed{488}), Lines{}) << "nobody to pass a refusal to";
  EXPECT_EQ(d.call.state, CallState::talking);

  d.go(RemoteReinvite{op(0), false, false});
  d.go(RemoteReinviteAcked{op(0), true});
  EXPECT_EQ(d.fire(TimerKind::relay_answer), Lines{"cancel visitor"});
  EXPECT_EQ(d.go(ReinviteFailed{487}), Lines{});
  EXPECT_FALSE(d.call.relay);
}

TEST(Relay, AnAckThatNeverComesEndsTheWait) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  d.go(RemoteReinvite{kVisitor, false, false});
  EXPECT_EQ(d.fire(TimerKind::relay_answer), Lines{});
  EXPECT_FALSE(d.call.relay);
  EXPECT_EQ(d.go(RemoteReinviteAcked{kVisitor, true}), Lines{}) << "too late";
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, true}), (Lines{"relay op#0->visitor", "timer relay_answer +8000ms"}));
}

TEST(Relay, OnlyWhileTalking) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.go(Start{});
  d.go(Answered{op(0)});
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, true}), Lines{"refuse op#0 488"}) << "held while the visitor rings";
  d.go(Answered{kVisitor});
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, true}), Lines{"refuse op#0 491"}) << "glare with the bridge";
  EXPECT_EQ(d.go(RemoteReinvite{kVisitor, false, false}), Lines{"refuse visitor 488"}) << "not ACKed yet";
  EXPECT_FALSE(d.call.relay);
  d.go(ReinviteAnswered{});
  d.go(RemoteBye{kVisitor, std::nullopt});
  EXPECT_EQ(d.go(RemoteReinvite{op(0), true, true}), Lines{"refuse op#0 488"}) << "after the end";
  EXPECT_EQ(d.refused(RemoteReinvite{op(3), true, true}).code, Errc::bad_request);
  EXPECT_EQ(d.refused(RemoteReinviteAcked{op(3), true}).code, Errc::bad_request);
}

TEST(Relay, TheEndWhileRelayingWaitsForOursToAckALate2xx) {
  Driver d(config(RingStrategy::all_at_once, 1));
  d.to_talking();
  d.go(RemoteReinvite{kVisitor, true, true});
  EXPECT_EQ(d.go(RemoteBye{op(0), std::nullopt}), (Lines{"bye visitor", "timer settle +32000ms"}));
  EXPECT_EQ(d.call.status, CallStatus::connected);
  EXPECT_FALSE(settled(d.call));
  EXPECT_EQ(d.go(ReinviteAnswered{}), Lines{"ack-relay op#0"}) << "ACKed, and the visitor is not answered now";
  EXPECT_TRUE(settled(d.call));

  Driver e(config(RingStrategy::all_at_once, 1));
  e.to_talking();
  e.go(RemoteReinvite{op(0), true, true});
  e.go(Abort{});
  EXPECT_FALSE(settled(e.call));
  EXPECT_EQ(e.fire(TimerKind::settle), Lines{});
  EXPECT_TRUE(settled(e.call));
  EXPECT_FALSE(e.call.relay);

  Driver f(config(RingStrategy::all_at_once, 1));
  f.to_talking();
  f.go(RemoteReinvite{kVisitor, false, false});
  EXPECT_EQ(f.go(RemoteBye{kVisitor, std::nullopt}), Lines{"bye op#0"});
  EXPECT_TRUE(settled(f.call)) << "nothing of ours was out";
  EXPECT_FALSE(f.call.relay);
}

// ---- late responses after the end ----

TEST(Settle, CancelledLegsAreForgottenAfterTheSettleDelayButLateAnswersAreStillHungUp) {
  Driver d(config(RingStrategy::all_at_once, 3));
  d.go(Start{});
  d.go(Answered{op(0)});
  d.advance(1s);
  d.go(Failed{kVisitor, 486});  // ends while op#1 and op#2 still owe a response to our CANCEL
  EXPECT_EQ(d.call.status, CallStatus::visitor_busy);
  EXPECT_FALSE(settled(d.call));
  d.advance(10ms);
  EXPECT_EQ(d.go(Answered{op(1)}),
            (Lines{"ack-hold op#1", "bye op#1 [SIP;cause=200;text=\"Call completed elsewhere\"]"}));
  EXPECT_FALSE(settled(d.call));
  d.fire(TimerKind::settle);
  EXPECT_TRUE(settled(d.call));
  EXPECT_EQ(d.call.operator_legs[2].state, LegState::ended);
  EXPECT_EQ(d.call.operator_legs[2].final_code, 0);
  // Even later: a 487 is recorded; a 2xx still gets its ACK and BYE so no phone is left off-hook.
  EXPECT_EQ(d.go(Answered{op(2)}),
            (Lines{"ack-hold op#2", "bye op#2 [SIP;cause=200;text=\"Call completed elsewhere\"]"}));
  EXPECT_EQ(d.call.operator_legs[2].final_code, 200);
  EXPECT_EQ(d.refused(Failed{op(2), 487}).code, Errc::conflict) << "it already answered";
  EXPECT_EQ(d.call.status, CallStatus::visitor_busy);
}

TEST(Settle, A487AfterGivingUpIsRecorded) {
  Driver d(config(RingStrategy::in_turn, 1));
  d.go(Start{});
  d.fire(TimerKind::operator_ring);
  EXPECT_EQ(d.call.status, CallStatus::operator_no_answer);
  d.fire(TimerKind::settle);
  EXPECT_EQ(d.go(Failed{op(0), 487}), Lines{});
  EXPECT_EQ(d.call.operator_legs[0].final_code, 487);
  EXPECT_EQ(d.call.operator_legs[0].outcome, LegOutcome::no_answer);
}

// ---- every status ----

TEST(Coverage, EveryFinalStatusIsReachable) {
  std::set<CallStatus> seen;
  for (auto s : {CallStatus::scheduled, CallStatus::rejected_invalid_number, CallStatus::rejected_fraud_rule,
                 CallStatus::rate_limited}) {
    seen.insert(*not_placed(s, kT0)->status);
  }
  const auto run = [&](int op_code, std::optional<int> visitor_code, bool operator_hangs_up = false) {
    Driver d(config(RingStrategy::in_turn, 1));
    d.go(Start{});
    if (op_code != 200) {
      d.go(Failed{op(0), op_code});
    } else {
      d.go(Answered{op(0)});
      if (operator_hangs_up) {
        d.go(RemoteBye{op(0), std::nullopt});
      } else if (visitor_code) {
        d.go(Failed{kVisitor, *visitor_code});
      } else {
        d.go(Answered{kVisitor});
        d.go(ReinviteAnswered{});
        d.go(RemoteBye{kVisitor, std::nullopt});
      }
    }
    seen.insert(*d.call.status);
  };
  run(480, std::nullopt);
  run(486, std::nullopt);
  run(503, std::nullopt);
  for (int code : {480, 486, 404, 603, 500}) run(200, code);
  run(200, std::nullopt, true);
  run(200, std::nullopt);
  EXPECT_EQ(seen.size(), kCallStatusCount);
}

// ---- helpers ----

TEST(Reason, FormatsAsAnRfc3326HeaderValue) {
  EXPECT_EQ(format_reason({ReasonProtocol::sip, 486, "Busy Here"}), "SIP;cause=486;text=\"Busy Here\"");
  EXPECT_EQ(format_reason({ReasonProtocol::q850, 16, ""}), "Q.850;cause=16");
  EXPECT_EQ(format_reason({ReasonProtocol::sip, 603, "say \"no\"\\\r\n"}), "SIP;cause=603;text=\"say \\\"no\\\"\\\\\"");
  EXPECT_EQ(format_reason({ReasonProtocol::sip, 200, "Звонок"}), "SIP;cause=200;text=\"Звонок\"") << "UTF-8 kept";
}

TEST(ClassifyFinalCode, MapsTheCodesTheDocsName) {
  for (int c : {486, 600}) EXPECT_EQ(classify_final_code(c), LegOutcome::busy) << c;
  for (int c : {480, 408}) EXPECT_EQ(classify_final_code(c), LegOutcome::no_answer) << c;
  EXPECT_EQ(classify_final_code(603), LegOutcome::rejected);
  for (int c : {404, 484, 604}) EXPECT_EQ(classify_final_code(c), LegOutcome::unreachable) << c;
  for (int c : {300, 403, 487, 488, 500, 503, 606}) EXPECT_EQ(classify_final_code(c), LegOutcome::failed) << c;
}

}  // namespace
}  // namespace otk
