#include "telephony/engine.hpp"

#include <malloc.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "telephony/sdp.hpp"
#include "telephony/sofia_sip_control.hpp"

namespace otk {
namespace {

/// How long stop() lets the NUA end dialogs before giving up on it (a peer that is gone never answers our BYE).
constexpr su_duration_t kShutdownGraceMs = 5'000;
/// Memory back to the system: sofia keeps every finished transaction's messages for 32 s, and glibc keeps the
/// pages they freed. Every kTrimEveryMs, while calls started or ended within the last kTrimRounds rounds, the SIP
/// thread calls malloc_trim(0) (docs/telephony.md, "Load": 5,000 bridged calls held 322 MB without it).
constexpr su_duration_t kTrimEveryMs = 10'000;
constexpr int kTrimRounds = 6;

/// The host of our bind URL ("sip:127.0.0.1:5070;transport=udp" -> "127.0.0.1"), for the SDP o= lines.
std::string host_of(std::string_view url) {
  if (const auto colon = url.find(':'); colon != std::string_view::npos) url.remove_prefix(colon + 1);
  if (const auto at = url.find('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  const auto end = url.find_first_of(":;>");
  return std::string(url.substr(0, end));
}

std::string leg_text(LegId leg) {
  return leg.party == Party::visitor ? std::string("visitor") : "op#" + std::to_string(leg.attempt);
}

}  // namespace

struct TimerSlot {
  CallbackEngine::Impl* engine = nullptr;
  std::uint64_t call_id = 0;
  TimerFired fired;
  su_timer_t* timer = nullptr;

  TimerSlot() = default;
  TimerSlot(const TimerSlot&) = delete;
  TimerSlot& operator=(const TimerSlot&) = delete;
  ~TimerSlot() {
    if (timer != nullptr) su_timer_destroy(timer);
  }
};

/// One leg of a call as the adapter sees it: its SIP dialog, our SDP origin on it, and the bodies of its session.
/// `local`/`remote` are the descriptions in force (what we last sent the phone, what it last sent us); the rest
/// wait for an offer/answer exchange to complete before they become those.
struct LegSlot {
  LegKey key = 0;
  std::optional<sdp::Origin> origin;
  std::string offer;     // from its 2xx to our INVITE
  std::string local;     // the last body we sent it that took effect
  std::string remote;    // the last body it sent us that took effect
  std::string proposed;  // from the phone, not passed on yet: its re-INVITE's offer, or the answer in its ACK
  std::string sending;   // the offer of our re-INVITE that is out on this leg
  std::string answer;    // the answer in the 2xx to that re-INVITE
};

struct CallSlot {
  std::uint64_t id = 0;
  Call call;
  CallbackRequest request;
  std::vector<LegSlot> operators;  // by attempt
  LegSlot visitor;
  std::vector<std::unique_ptr<TimerSlot>> timers;
};

struct CallbackEngine::Impl final : SipEventSink {
  EngineOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::string sdp_address;

  // Shared with other threads.
  std::mutex mutex;
  std::deque<std::function<void()>> inbox;  // work for the SIP thread, in order
  bool accepting = false;                   // the SIP thread runs and takes work
  bool stopping = false;
  std::atomic<std::uint64_t> next_id{0};
  std::thread thread;

  // The SIP thread's own.
  su_root_t* root = nullptr;
  std::unique_ptr<SofiaSipControl> control;
  std::map<std::uint64_t, CallSlot> calls;
  std::unordered_map<LegKey, std::pair<std::uint64_t, LegId>> leg_index;
  std::deque<std::pair<std::uint64_t, Event>> pending;  // events raised while executing commands
  bool delivering = false;
  TimerSlot* firing = nullptr;                         // the timer whose callback runs now
  std::vector<std::unique_ptr<TimerSlot>> graveyard;   // timers to destroy once out of their own callback
  su_timer_t* shutdown_timer = nullptr;
  su_timer_t* trim_timer = nullptr;
  int trim_rounds_left = 0;  // set to kTrimRounds by every call that starts or ends

  // ---- cross-thread ----

  /// Queues `work` for the SIP thread and wakes it. False once the engine no longer takes work.
  bool post(std::function<void()> work) {
    std::lock_guard lock(mutex);
    return post_locked(std::move(work));
  }

  bool post_locked(std::function<void()> work) {
    if (!accepting) return false;
    inbox.push_back(std::move(work));
    // An empty message is only a wakeup: the work is in the inbox. Sent under the lock so that the root cannot be
    // destroyed between the check above and the send.
    su_msg_r msg = SU_MSG_R_INIT;
    if (su_msg_create(msg, su_root_task(root), su_task_null, &Impl::on_wakeup, 0) == 0) su_msg_send(msg);
    return true;
  }

  static void on_wakeup(su_root_magic_t* magic, su_msg_r /*msg*/, su_msg_arg_t* /*arg*/) {
    static_cast<Impl*>(magic)->drain_inbox();
  }

  void drain_inbox() {
    std::deque<std::function<void()>> work;
    {
      std::lock_guard lock(mutex);
      work.swap(inbox);
    }
    for (auto& w : work) w();
  }

  // ---- the SIP thread ----

  void run(std::promise<Result<void>>& started) {
    su_init();
    root = su_root_create(this);
    if (root == nullptr) {
      su_deinit();
      started.set_value(fail(Errc::unavailable, "cannot create the SIP event loop"));
      return;
    }
    auto made = SofiaSipControl::create(root, SofiaOptions{.bind_url = options.bind_url}, *this);
    if (!made) {
      su_root_destroy(root);
      su_deinit();
      started.set_value(std::unexpected(made.error()));
      return;
    }
    control = std::move(*made);
    {
      std::lock_guard lock(mutex);
      accepting = true;
    }
    started.set_value({});
    trim_timer = su_timer_create(su_root_task(root), kTrimEveryMs);
    if (trim_timer != nullptr) {
      su_timer_run(
          trim_timer,
          [](su_root_magic_t* magic, su_timer_t*, su_timer_arg_t*) {
            auto* self = static_cast<Impl*>(magic);
            if (self->trim_rounds_left == 0) return;
            --self->trim_rounds_left;
            malloc_trim(0);
          },
          nullptr);
    }
    su_root_run(root);
    if (trim_timer != nullptr) su_timer_destroy(trim_timer);
    // Broken out of by the shutdown, the last work ever posted: free in reverse order of creation.
    for (auto& [id, slot] : calls) destroy_timers(slot);
    calls.clear();
    graveyard.clear();
    if (shutdown_timer != nullptr) su_timer_destroy(shutdown_timer);
    control.reset();
    su_root_destroy(root);
    root = nullptr;
    su_deinit();
  }

  void shut_down() {
    std::vector<std::uint64_t> live;  // an Abort may settle a call, which erases it from `calls`
    for (const auto& [id, slot] : calls) live.push_back(id);
    for (const auto id : live) deliver(id, Abort{});
    spdlog::info("sip: shutting down");
    shutdown_timer = su_timer_create(su_root_task(root), kShutdownGraceMs);
    su_timer_set(
        shutdown_timer,
        [](su_root_magic_t* magic, su_timer_t*, su_timer_arg_t*) {
          spdlog::warn("sip: shutdown did not complete in time; stopping anyway");
          su_root_break(static_cast<Impl*>(magic)->root);
        },
        nullptr);
    control->shutdown([this] { su_root_break(root); });
  }

  void start_call(std::uint64_t id, Call call, CallbackRequest request) {
    CallSlot& slot = calls[id];
    trim_rounds_left = kTrimRounds;
    slot.id = id;
    slot.call = std::move(call);
    slot.request = std::move(request);
    deliver(id, Start{});
  }

  /// Feeds one event to a call's machine, then any raised while executing its commands, in order.
  void deliver(std::uint64_t id, Event event) {
    pending.emplace_back(id, std::move(event));
    if (delivering) return;
    delivering = true;
    while (!pending.empty()) {
      auto [call_id, e] = std::move(pending.front());
      pending.pop_front();
      transition(call_id, e);
    }
    delivering = false;
  }

  void transition(std::uint64_t id, const Event& event) {
    const auto it = calls.find(id);
    if (it == calls.end()) return;  // settled and forgotten: a late event has nothing left to change
    CallSlot& slot = it->second;
    auto step = on_event(slot.call, event, clock->now());
    if (!step) {
      spdlog::warn("call {}: event refused in state {}: {}", id, state_name(slot.call.state), step.error().message);
      const auto* r = std::get_if<RemoteReinvite>(&event);
      const bool known = r != nullptr && (r->leg.party == Party::visitor || r->leg.attempt < slot.operators.size());
      if (known) {  // a phone must never wait for nothing
        report(slot, r->leg, "re-INVITE 500", control->respond_reinvite(leg_slot(slot, r->leg).key, 500, {}, 0));
      }
      return;
    }
    for (const auto& command : step->commands) std::visit([&](const auto& c) { execute(slot, c); }, command);
    if (step->finished) {
      spdlog::info("call {}: ended {} (talk {} ms)", id, status_name(*slot.call.status),
                   talk_time(slot.call).count());
    }
    notify(slot);
    if (settled(slot.call)) forget(slot);
  }

  void notify(const CallSlot& slot) {
    if (!options.on_update) return;
    try {
      options.on_update(slot.id, slot.call);
    } catch (const std::exception& e) {  // the SIP thread must survive whatever the observer does
      spdlog::error("call {}: on_update threw: {}", slot.id, e.what());
    } catch (...) {
      spdlog::error("call {}: on_update threw", slot.id);
    }
  }

  /// The call is over and no leg can answer any more: drop its dialogs and timers.
  void forget(CallSlot& slot) {
    const auto release = [&](const LegSlot& leg) {
      if (leg.key == 0) return;
      control->release(leg.key);
      leg_index.erase(leg.key);
    };
    for (const auto& leg : slot.operators) release(leg);
    release(slot.visitor);
    destroy_timers(slot);
    calls.erase(slot.id);
    trim_rounds_left = kTrimRounds;
  }

  void destroy_timers(CallSlot& slot) {
    for (auto& t : slot.timers) {
      if (t.get() == firing) graveyard.push_back(std::move(t));  // sofia holds it until its callback returns
    }
    slot.timers.clear();
  }

  // ---- commands ----

  LegSlot& leg_slot(CallSlot& slot, LegId leg) {
    return leg.party == Party::visitor ? slot.visitor : slot.operators.at(leg.attempt);
  }

  void invite(CallSlot& slot, LegId leg, const std::string& uri) {
    const TrunkConfig& trunk = slot.request.trunk;
    InviteRequest request{.request_uri = uri,
                          .from_uri = trunk.caller_uri,
                          .display_name = trunk.display_name,
                          // Visitors are reached through the trunk; operator URIs are routed by their own host.
                          .outbound_proxy = leg.party == Party::visitor ? trunk.outbound_proxy : std::string(),
                          .credentials = {trunk.username, trunk.password}};
    auto key = control->invite(request);
    LegSlot& ls = leg_slot(slot, leg);
    if (!key) {
      // The leg never left: to the machine it is a leg that failed at once, for a reason of ours.
      spdlog::error("call {}: cannot INVITE {} ({}): {}", slot.id, leg_text(leg), uri, key.error().message);
      pending.emplace_back(slot.id, Failed{leg, 500, std::nullopt});
      return;
    }
    ls.key = *key;
    ls.origin.emplace(static_cast<std::uint64_t>(to_unix_ms(clock->now())) * 1000 + *key % 1000, sdp_address);
    leg_index[*key] = {slot.id, leg};
  }

  void execute(CallSlot& slot, const InviteOperator& c) {
    if (slot.operators.size() <= c.attempt) slot.operators.resize(c.attempt + 1);
    invite(slot, LegId::operator_attempt(c.attempt), c.uri);
  }
  void execute(CallSlot& slot, const InviteVisitor&) { invite(slot, LegId::visitor(), slot.request.visitor_uri); }

  void execute(CallSlot& slot, const Cancel& c) {
    report(slot, c.leg, "CANCEL", control->cancel(leg_slot(slot, c.leg).key, c.reason));
  }
  void execute(CallSlot& slot, const Bye& c) {
    report(slot, c.leg, "BYE", control->bye(leg_slot(slot, c.leg).key, c.reason));
  }

  void execute(CallSlot& slot, const AckWithHold& c) {
    LegSlot& ls = leg_slot(slot, c.leg);
    auto hold = sdp::hold_answer(ls.offer, *ls.origin);
    if (!hold) {
      // An ACK must go out whatever the 2xx carried (RFC 3261 13.2.2.4); without a usable offer it has no answer.
      spdlog::warn("call {}: no hold answer for {}: {}", slot.id, leg_text(c.leg), hold.error().message);
      report(slot, c.leg, "ACK", control->ack(ls.key, {}));
      return;
    }
    report(slot, c.leg, "ACK", control->ack(ls.key, *hold));
    ls.local = *hold;
    ls.remote = ls.offer;
  }

  void execute(CallSlot& slot, const ReinviteOperatorWithOffer& c) {
    LegSlot& op = slot.operators.at(c.attempt);
    auto offer = sdp::restamp(slot.visitor.offer, *op.origin);
    Result<void> sent = offer ? control->reinvite(op.key, *offer) : std::unexpected(offer.error());
    if (sent) op.sending = *offer;
    if (!sent) {
      // The bridge cannot be attempted: report it as the operator refusing the offer, which ends the call.
      spdlog::error("call {}: cannot re-INVITE op#{}: {}", slot.id, c.attempt, sent.error().message);
      pending.emplace_back(slot.id, ReinviteFailed{488});
    }
  }

  void execute(CallSlot& slot, const AckOperatorReinvite& c) {
    ack_reinvite(slot, LegId::operator_attempt(c.attempt));
  }
  void execute(CallSlot& slot, const AckReinvite& c) { ack_reinvite(slot, c.leg); }

  /// ACKs the 2xx to our re-INVITE on `leg`: its offer and the phone's answer are now that leg's session.
  void ack_reinvite(CallSlot& slot, LegId leg) {
    LegSlot& ls = leg_slot(slot, leg);
    report(slot, leg, "ACK", control->ack(ls.key, {}));
    ls.local = ls.sending;
    ls.remote = ls.answer;  // AckVisitorWithAnswer, which follows on the bridge, reads `answer` too
  }

  /// The leg the other party of the talk is on.
  LegSlot& other_leg(CallSlot& slot, LegId leg) {
    return leg.party == Party::visitor ? slot.operators.at(slot.call.winner.value()) : slot.visitor;
  }

  void execute(CallSlot& slot, const RelayOffer& c) {
    LegSlot& to = leg_slot(slot, c.to);
    const LegSlot& from = leg_slot(slot, c.from);
    auto offer = sdp::restamp(c.restore ? from.remote : from.proposed, *to.origin);
    Result<void> sent = offer ? control->reinvite(to.key, *offer) : std::unexpected(offer.error());
    if (!sent) {
      // Nothing went out: to the machine, the other phone refused it (a malformed offer is 488 to its sender).
      spdlog::warn("call {}: cannot relay a re-INVITE from {} to {}: {}", slot.id, leg_text(c.from), leg_text(c.to),
                   sent.error().message);
      pending.emplace_back(slot.id, ReinviteFailed{488});
      return;
    }
    to.sending = std::move(*offer);
  }

  void execute(CallSlot& slot, const AcceptReinviteWithAnswer& c) {
    LegSlot& ls = leg_slot(slot, c.leg);
    auto answer = sdp::restamp(other_leg(slot, c.leg).remote, *ls.origin);  // ACKed just before: now its session
    if (!answer) {
      spdlog::error("call {}: the answer to {}'s re-INVITE is unusable: {}", slot.id, leg_text(c.leg),
                    answer.error().message);
      report(slot, c.leg, "re-INVITE 500", control->respond_reinvite(ls.key, 500, {}, 0));
      return;
    }
    report(slot, c.leg, "re-INVITE 200", control->respond_reinvite(ls.key, 200, *answer, 0));
    ls.local = std::move(*answer);
    ls.remote = std::move(ls.proposed);
  }

  void execute(CallSlot& slot, const AcceptReinviteAsBefore& c) {
    LegSlot& ls = leg_slot(slot, c.leg);
    auto body = sdp::restamp(ls.local, *ls.origin);
    if (!body) {
      spdlog::error("call {}: no description to give {}: {}", slot.id, leg_text(c.leg), body.error().message);
      report(slot, c.leg, "re-INVITE 500", control->respond_reinvite(ls.key, 500, {}, 0));
      return;
    }
    report(slot, c.leg, "re-INVITE 200", control->respond_reinvite(ls.key, 200, *body, 0));
    ls.local = std::move(*body);
    if (!ls.proposed.empty()) ls.remote = std::move(ls.proposed);  // an unchanged offer, its o= line aside
  }

  void execute(CallSlot& slot, const RefuseReinvite& c) {
    LegSlot& ls = leg_slot(slot, c.leg);
    ls.proposed.clear();
    report(slot, c.leg, "re-INVITE " + std::to_string(c.code),
           control->respond_reinvite(ls.key, c.code, {}, c.retry_after));
  }

  void execute(CallSlot& slot, const AckVisitorWithAnswer&) {
    const std::string& operator_answer = slot.operators.at(slot.call.winner.value()).answer;
    auto answer = sdp::restamp(operator_answer, *slot.visitor.origin);
    if (!answer) {
      spdlog::error("call {}: the operator's answer is unusable: {}", slot.id, answer.error().message);
      report(slot, LegId::visitor(), "ACK", control->ack(slot.visitor.key, {}));
      pending.emplace_back(slot.id, Abort{});  // nobody can hear anybody: hang both up
      return;
    }
    report(slot, LegId::visitor(), "ACK", control->ack(slot.visitor.key, *answer));
    slot.visitor.local = std::move(*answer);
    slot.visitor.remote = slot.visitor.offer;
  }

  void execute(CallSlot& slot, const StartTimer& c) {
    auto t = std::make_unique<TimerSlot>();
    t->engine = this;
    t->call_id = slot.id;
    t->fired = TimerFired{c.kind, c.id};
    // Rounded up: a timer must not fire before its deadline (truncating fired 1 s timers after 999 ms).
    const auto delay = std::max<std::int64_t>(0, std::chrono::ceil<Millis>(c.deadline - clock->now()).count());
    t->timer = su_timer_create(su_root_task(root), static_cast<su_duration_t>(delay));
    if (t->timer == nullptr || su_timer_set(t->timer, &Impl::on_timer, t.get()) != 0) {
      spdlog::error("call {}: cannot start the {} timer", slot.id, timer_kind_name(c.kind));
      return;
    }
    slot.timers.push_back(std::move(t));
  }

  static void on_timer(su_root_magic_t* /*magic*/, su_timer_t* /*timer*/, su_timer_arg_t* arg) {
    auto* t = static_cast<TimerSlot*>(arg);
    Impl& self = *t->engine;
    self.graveyard.clear();  // safe here: the timer that runs now is never in it yet
    self.firing = t;
    self.deliver(t->call_id, t->fired);
    self.firing = nullptr;
  }

  void report(const CallSlot& slot, LegId leg, std::string_view what, const Result<void>& r) {
    if (!r) spdlog::error("call {}: {} on {} failed: {}", slot.id, what, leg_text(leg), r.error().message);
  }

  // ---- SIP events ----

  void on_sip_event(const SipEvent& event) override {
    std::visit([this](const auto& e) { on_leg(e); }, event);
  }

  /// The call and leg a SIP leg belongs to; nullptr when it was forgotten.
  std::pair<CallSlot*, LegId> lookup(LegKey key) {
    const auto it = leg_index.find(key);
    if (it == leg_index.end()) return {nullptr, {}};
    const auto call = calls.find(it->second.first);
    if (call == calls.end()) return {nullptr, {}};
    return {&call->second, it->second.second};
  }

  void on_leg(const LegProvisional& e) {
    if (auto [slot, leg] = lookup(e.leg); slot) deliver(slot->id, Provisional{leg, e.code});
  }
  void on_leg(const LegAnswered& e) {
    auto [slot, leg] = lookup(e.leg);
    if (slot == nullptr) return;
    if (auto offer = sdp::parse(e.sdp); !offer) {
      // Our INVITEs carry no SDP, so the 2xx must carry the phone's offer (RFC 3264): without a usable one there
      // is nothing to hold or to bridge. The 2xx still gets its ACK (RFC 3261 13.2.2.4), then the dialog is hung
      // up with 488 as the Reason, and the machine hears that this leg failed with 488: the next operator is
      // tried; for the visitor the call ends (failed_technical).
      spdlog::warn("call {}: {} answered without a usable offer ({}): hanging up", slot->id, leg_text(leg),
                   offer.error().message);
      report(*slot, leg, "ACK", control->ack(e.leg, {}));
      report(*slot, leg, "BYE", control->bye(e.leg, Reason{ReasonProtocol::sip, 488, "Not Acceptable Here"}));
      deliver(slot->id, Failed{leg, 488, std::nullopt});
      return;
    }
    leg_slot(*slot, leg).offer = e.sdp;
    deliver(slot->id, Answered{leg});
  }
  void on_leg(const LegFailed& e) {
    if (auto [slot, leg] = lookup(e.leg); slot) deliver(slot->id, Failed{leg, e.code, e.reason});
  }
  void on_leg(const LegRemoteBye& e) {
    if (auto [slot, leg] = lookup(e.leg); slot) deliver(slot->id, RemoteBye{leg, e.reason});
  }
  void on_leg(const LegReinviteAnswered& e) {
    auto [slot, leg] = lookup(e.leg);
    if (slot == nullptr) return;
    leg_slot(*slot, leg).answer = e.sdp;
    deliver(slot->id, ReinviteAnswered{});
  }
  void on_leg(const LegReinviteFailed& e) {
    auto [slot, leg] = lookup(e.leg);
    if (slot == nullptr) return;
    leg_slot(*slot, leg).sending.clear();
    deliver(slot->id, ReinviteFailed{e.code});
  }
  void on_leg(const LegReinviteReceived& e) {
    auto [slot, leg] = lookup(e.leg);
    if (slot == nullptr) {
      report_unknown(control->respond_reinvite(e.leg, 481, {}, 0));
      return;
    }
    LegSlot& ls = leg_slot(*slot, leg);
    ls.proposed = e.sdp;
    const bool offer = !e.sdp.empty();
    deliver(slot->id, RemoteReinvite{leg, offer, offer && !sdp::same_session(e.sdp, ls.remote)});
  }
  void on_leg(const LegReinviteCancelled& e) {
    auto [slot, leg] = lookup(e.leg);
    if (slot == nullptr) return;
    leg_slot(*slot, leg).proposed.clear();
    deliver(slot->id, RemoteReinviteCancelled{leg});
  }
  void on_leg(const LegAckReceived& e) {
    auto [slot, leg] = lookup(e.leg);
    if (slot == nullptr) return;
    LegSlot& ls = leg_slot(*slot, leg);
    bool changed = false;
    if (!e.sdp.empty()) {  // the answer to the offer in our 2xx: in force on this dialog from now on
      changed = !sdp::same_session(e.sdp, ls.remote);
      ls.remote = e.sdp;
      ls.proposed = e.sdp;
    }
    deliver(slot->id, RemoteReinviteAcked{leg, changed});
  }

  void report_unknown(const Result<void>& r) {
    if (!r) spdlog::error("sip: answering a re-INVITE of a forgotten leg failed: {}", r.error().message);
  }
};

CallbackEngine::CallbackEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CallbackEngine::~CallbackEngine() { stop(); }

Result<std::unique_ptr<CallbackEngine>> CallbackEngine::start(EngineOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->clock = options.clock != nullptr ? options.clock : &impl->system_clock;
  impl->sdp_address = host_of(options.bind_url);
  impl->options = std::move(options);
  std::promise<Result<void>> started;
  auto ready = started.get_future();
  Impl* raw = impl.get();
  // The thread owns the promise: set_value() may still be running when get() below returns.
  impl->thread = std::thread([raw, p = std::move(started)]() mutable { raw->run(p); });
  auto result = ready.get();
  if (!result) {
    impl->thread.join();
    return std::unexpected(result.error());
  }
  spdlog::info("sip: listening on {}", impl->options.bind_url);
  return std::unique_ptr<CallbackEngine>(new CallbackEngine(std::move(impl)));
}

Result<std::uint64_t> CallbackEngine::place(CallbackRequest request) {
  auto call = new_call(request.plan);
  if (!call) return std::unexpected(call.error());
  if (auto from = from_header(request.trunk.display_name, request.trunk.caller_uri); !from) {
    return std::unexpected(from.error());
  }
  if (request.visitor_uri.empty() || request.visitor_uri.size() > kMaxUriBytes) {
    return fail(Errc::bad_request, "visitor_uri must be 1.." + std::to_string(kMaxUriBytes) + " bytes");
  }
  const auto id = ++impl_->next_id;
  Impl* impl = impl_.get();
  const bool posted = impl->post([impl, id, c = std::move(*call), r = std::move(request)]() mutable {
    impl->start_call(id, std::move(c), std::move(r));
  });
  if (!posted) return fail(Errc::unavailable, "the callback engine is stopping");
  return id;
}

void CallbackEngine::abort(std::uint64_t id) {
  Impl* impl = impl_.get();
  impl->post([impl, id] { impl->deliver(id, Abort{}); });
}

void CallbackEngine::stop() {
  Impl* impl = impl_.get();
  {
    std::lock_guard lock(impl->mutex);
    if (impl->stopping) return;
    impl->stopping = true;
  }
  {
    // The shutdown task is the last work the thread ever takes (queued and closed under one lock), so nothing
    // placed later is accepted and then silently dropped.
    std::lock_guard lock(impl->mutex);
    impl->post_locked([impl] { impl->shut_down(); });
    impl->accepting = false;
  }
  if (impl->thread.joinable()) impl->thread.join();
}

}  // namespace otk
