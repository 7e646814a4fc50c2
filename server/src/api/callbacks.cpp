#include "api/callbacks.hpp"

#include <algorithm>
#include <date/tz.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/db_await.hpp"
#include "api/webhooks.hpp"
#include "core/hours/hours.hpp"
#include "core/hours/slots.hpp"
#include "phone/phone.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

// "Today" and "this month" begin at local midnight in the site's zone (UTC when the zone is unusable).
CapPeriods cap_periods(const std::string& timezone, TimePoint now) {
  auto zone = find_zone(timezone);
  const date::time_zone* z = zone ? *zone : date::locate_zone("UTC");
  const auto local = z->to_local(now);
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const auto month = date::local_days{ymd.year() / ymd.month() / 1};
  return CapPeriods{z->to_sys(day, date::choose::earliest), z->to_sys(month, date::choose::earliest)};
}

// Outside the site's hours: when the team is back. None while open (or when the hours are unusable).
std::optional<TimePoint> scheduled_time(const Site& site, TimePoint now) {
  auto hours = hours_from_json(site.hours);
  auto zone = find_zone(site.timezone);
  if (!hours || !zone || is_open(*hours, **zone, now)) return std::nullopt;
  return next_open(*hours, **zone, now);
}

json time_or_null(const std::optional<TimePoint>& t) { return t ? json(to_unix_ms(*t)) : json(nullptr); }

json leg_json(const LegRecord& leg, std::string_view party) {
  json j{{"party", party},
         {"state", leg_state_name(leg.state)},
         {"outcome", leg_outcome_name(leg.outcome)},
         {"invited", time_or_null(leg.invited)},
         {"first_provisional", time_or_null(leg.first_provisional)},
         {"answered", time_or_null(leg.answered)},
         {"ended", time_or_null(leg.ended)},
         {"final_code", leg.final_code},
         {"reason", leg.reason ? json(format_reason(*leg.reason)) : json(nullptr)},
         {"ended_by", leg.ended_by ? json(party_name(*leg.ended_by)) : json(nullptr)}};
  if (party == "operator") {
    j["operator"] = leg.operator_index;
    j["round"] = leg.round;
  }
  return j;
}

// The per-leg timeline: every operator attempt in the order sent, then the visitor.
std::string legs_json(const Call& call) {
  json legs = json::array();
  for (const auto& leg : call.operator_legs) legs.push_back(leg_json(leg, "operator"));
  if (call.visitor.invited) legs.push_back(leg_json(call.visitor, "visitor"));
  return legs.dump();
}

/// The call is over: its record and callback.finished, in one transaction.
Result<CallbackRecord> record_callback_end(Storage& st, CallbackId id, const CallbackUpdate& u) {
  auto done = st.update_callback(id, u);
  if (!done) return done;
  const CallbackRecord& r = *done;
  auto event = emit_webhook(st, r.site, "callback.finished", u.ended_at.value_or(r.created_at),
                            [&r] { return webhook_callback_data(r); });
  if (!event) return std::unexpected(event.error());
  return done;
}

}  // namespace

proto::CallbackView callback_view(const CallbackRecord& r) {
  return proto::CallbackView{r.id,         r.site,          r.site_name,  r.visitor,  r.e164,
                             r.status,     r.rule,          r.created_at, r.scheduled_for, r.started_at,
                             r.ended_at,   r.talk_ms,       r.billed_seconds, r.charge, r.legs};
}

std::string_view visitor_state_of(const Call& call) {
  switch (call.state) {
    case CallState::created:
    case CallState::ringing_operators:
    case CallState::between_rounds: return "calling_operator";
    case CallState::ringing_visitor:
    case CallState::bridging: return "calling_you";
    case CallState::talking: return "connected";
    case CallState::ended: return "ended";
  }
  return "ended";
}

CallbackDesk::CallbackDesk(net::io_context& ioc, Services services, CallbackDeskConfig config)
    : strand_(net::make_strand(ioc)), timer_(strand_), s_(services), config_(config) {}

void CallbackDesk::start() {
  net::co_spawn(
      strand_,
      [this]() -> net::awaitable<void> {
        const auto now = s_.clock.now();
        auto close_interrupted = [now](Storage& st) { return st.fail_interrupted_callbacks(now); };
        auto interrupted = co_await db_write<int>(s_.db, close_interrupted);
        if (!interrupted) spdlog::error("callbacks: could not close interrupted calls: {}", interrupted.error().message);
        else if (*interrupted > 0) spdlog::warn("callbacks: {} call(s) were interrupted by a restart", *interrupted);
        co_await schedule_loop();
      },
      net::detached);
}

void CallbackDesk::stop() {
  net::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void CallbackDesk::tell(const CallbackRecord& r, std::string_view state, std::string_view status) {
  s_.hub.to_visitor(r.visitor, share(proto::callback_state_frame(r.client_id, r.id, state, "", status,
                                                                 r.status == "scheduled" ? r.scheduled_for : std::nullopt)));
}

net::awaitable<void> CallbackDesk::check(WsConnection& conn, const Site& site, const proto::CheckPhone& f) {
  const SiteId site_id = site.id;
  auto read_settings = [site_id](Storage& st) { return st.callback_settings(site_id); };
  auto stored = co_await db_read<std::optional<std::string>>(s_.db, read_settings);
  if (!stored) co_return conn.send(error_frame_counted(s_.metrics, stored.error(), "check_phone"));
  auto settings = *stored ? callback_settings_from_json(**stored) : fail(Errc::forbidden, "callback is not enabled");
  if (!settings || !settings->enabled) {
    co_return conn.send(error_frame_counted(s_.metrics, {Errc::forbidden, "callback is not enabled for this site"}, "check_phone"));
  }
  auto number = parse_phone(f.phone, settings->region);
  if (!number) {
    co_return conn.send(proto::phone_check_frame(f.phone, false, "", "", visitor_message(MessageKey::invalid_number, site.language)));
  }
  const auto refusal = check_number(settings->fraud, number_facts(*number, is_short_or_emergency(f.phone, settings->region)));
  if (refusal) {
    co_return conn.send(proto::phone_check_frame(f.phone, false, "", "", visitor_message(refusal->message_key, site.language)));
  }
  conn.send(proto::phone_check_frame(f.phone, true, number->e164, format_international(number->e164), ""));
}

net::awaitable<void> CallbackDesk::slots(WsConnection& conn, const Site& site) {
  const SiteId site_id = site.id;
  auto read_settings = [site_id](Storage& st) { return st.callback_settings(site_id); };
  auto stored = co_await db_read<std::optional<std::string>>(s_.db, read_settings);
  if (!stored) co_return conn.send(error_frame_counted(s_.metrics, stored.error(), "callback_slots"));
  auto settings = *stored ? callback_settings_from_json(**stored) : fail(Errc::forbidden, "callback is not enabled");
  if (!settings || !settings->enabled) {
    co_return conn.send(error_frame_counted(s_.metrics, {Errc::forbidden, "callback is not enabled for this site"}, "callback_slots"));
  }
  auto hours = hours_from_json(site.hours);
  auto zone = find_zone(site.timezone);
  if (!hours || !zone) co_return conn.send(proto::callback_slots_frame(true, site.timezone, {}));  // unusable: call now
  const auto now = s_.clock.now();
  const bool open = is_open(*hours, **zone, now);
  std::vector<TimePoint> offered;
  if (!open || settings->slots) offered = callback_slots(*hours, **zone, now);
  conn.send(proto::callback_slots_frame(open, (*zone)->name(), offered));
}

net::awaitable<void> CallbackDesk::request(WsConnection& conn, const Site& site, const Visitor& visitor,
                                           const proto::RequestCallback& f, std::string ip, Millis on_page) {
  // The answer is queued on the socket before the call is placed, so it always comes before the call's own states.
  // (Named, not temporaries in the co_await: g++ 12 miscompiles class temporaries there.)
  const std::function<void(const CallbackAnswer&)> answered = [&conn, &f](const CallbackAnswer& a) {
    conn.send(proto::callback_state_frame(f.client_id, a.record.id, a.state, a.message, a.status,
                                          a.state == "scheduled" ? a.record.scheduled_for : std::nullopt));
  };
  CallbackAsk ask{f.client_id, f.phone, f.at, std::move(ip), f.honeypot, on_page, "", ""};
  std::optional<Visitor> who = visitor;
  auto answer = co_await submit(site, std::move(who), std::move(ask), answered);
  if (!answer) conn.send(error_frame_counted(s_.metrics, answer.error(), f.client_id));
}

net::awaitable<Result<CallbackAnswer>> CallbackDesk::submit(const Site& site, std::optional<Visitor> visitor, CallbackAsk ask,
                                                            const std::function<void(const CallbackAnswer&)>& answered) {
  const auto now = s_.clock.now();
  const SiteId site_id = site.id;
  auto read_settings = [site_id](Storage& st) { return st.callback_settings(site_id); };
  auto stored = co_await db_read<std::optional<std::string>>(s_.db, read_settings);
  if (!stored) co_return std::unexpected(stored.error());
  std::optional<CallbackSettings> settings;
  if (*stored) {
    auto parsed = callback_settings_from_json(**stored);
    if (parsed) settings = std::move(*parsed);
    else spdlog::error("site {}: stored callback settings are unusable: {}", site.key, parsed.error().message);
  }
  if (!settings || !settings->enabled) co_return fail(Errc::forbidden, "callback is not enabled for this site");

  if (ask.at) {
    // A picked time must be one we offer (callback_slots): outside hours, or always with `slots` on.
    auto hours = hours_from_json(site.hours);
    auto zone = find_zone(site.timezone);
    const bool offered = hours && zone && (settings->slots || !is_open(*hours, **zone, now)) &&
                         is_offered_slot(*hours, **zone, now, *ask.at);
    if (!offered) co_return fail(Errc::bad_request, "'at' is not one of the offered callback slots");
  }

  if (!visitor && ask.visitor_key.empty()) co_return fail(Errc::internal, "a callback request needs a visitor");
  const VisitorId visitor_id = visitor ? visitor->id : VisitorId{};
  NewCallback rec{site.id, visitor_id, ask.client_id, "", ask.ip, "", false, "", now, std::nullopt};
  Verdict verdict;
  if (auto number = parse_phone(ask.phone, settings->region); !number) {
    verdict = refuse_invalid_number();
  } else {
    rec.e164 = number->e164;
    // The browser is the widget's visitor; a request with no page behind it has no browser to count.
    const CallbackAttempt attempt{number_facts(*number, is_short_or_emergency(ask.phone, settings->region)), ask.ip,
                                  visitor ? std::to_string(visitor_id.value) : "", ask.honeypot, ask.on_page};
    const auto periods = cap_periods(site.timezone, now);
    const auto e164 = rec.e164;
    const auto ip = ask.ip;
    auto read_history = [=](Storage& st) { return st.fraud_history(site_id, e164, ip, visitor_id, now, periods); };
    auto history = co_await db_read<FraudHistory>(s_.db, read_history);
    if (!history) co_return std::unexpected(history.error());
    verdict = check_callback(settings->fraud, attempt, *history, now);
  }

  std::string message;  // for a refusal: the polite text
  if (verdict.refusal) {
    rec.status = status_name(verdict.refusal->status);
    rec.rule = fraud_rule_name(verdict.refusal->rule);
    message = visitor_message(verdict.refusal->message_key, site.language);
  } else if (!placer_) {
    // Nobody can dial: say so now rather than promise a call that never comes.
    rec.status = status_name(CallStatus::failed_technical);
    rec.rule = "sip_not_configured";
    message = visitor_message(MessageKey::callback_unavailable, site.language);
  } else {
    rec.allowed = true;
    rec.scheduled_for = ask.at ? ask.at : scheduled_time(site, now);
    rec.status = rec.scheduled_for ? "scheduled" : "placing";
  }

  struct Saved {
    CallbackRecord record;
    bool duplicate = false;
    std::optional<SavedLead> lead;
  };
  const ContactForm contact{ask.name, "", rec.e164, ""};
  auto save = [rec, visitor, contact, key = ask.visitor_key](Storage& st) mutable -> Result<Saved> {
    if (!visitor) {
      auto found = st.visitor_by_token(rec.site, key);
      if (!found) return std::unexpected(found.error());
      auto made = *found ? Result<Visitor>(**found) : st.create_visitor(rec.site, key, rec.at);
      if (!made) return std::unexpected(made.error());
      visitor = std::move(*made);
      rec.visitor = visitor->id;
    }
    auto created = st.create_callback(rec);
    if (!created) return std::unexpected(created.error());
    Saved out{std::move(created->first), created->second, std::nullopt};
    if (!out.duplicate && rec.allowed) {
      const CallbackRecord& r = out.record;
      auto event = emit_webhook(st, r.site, "callback.requested", rec.at, [&r] { return webhook_callback_data(r); });
      if (!event) return std::unexpected(event.error());
    }
    // Whoever asks to be called back has left a phone: the lead, in the same transaction as the request.
    if (!out.duplicate && rec.allowed) {
      auto lead = st.save_contact(*visitor, contact, LeadSource::callback, "cb-" + rec.client_id, rec.at);
      if (!lead) return std::unexpected(lead.error());
      if (auto event = emit_lead_event(st, *lead, rec.at); !event) return std::unexpected(event.error());
      out.lead = std::move(*lead);
    }
    return out;
  };
  Hub& hub = s_.hub;
  auto publish = [&hub](const Saved& saved) {
    if (saved.duplicate) return;
    hub.to_site_operators(saved.record.site, share(proto::callback_frame(callback_view(saved.record))));
    if (saved.lead && !saved.lead->duplicate) hub.to_site_operators(saved.record.site, share(proto::lead_frame(saved.lead->lead)));
  };
  auto saved = co_await db_write<Saved>(s_.db, save, publish);
  if (!saved) co_return std::unexpected(saved.error());
  const auto& r = saved->record;
  auto answer = [&answered](CallbackAnswer a) {
    if (answered) answered(a);
    return a;
  };
  if (saved->duplicate) {  // a resend: say where the first one stands
    const bool over = r.status != "placing" && r.status != "scheduled";
    co_return answer({r, true, over ? "ended" : r.status == "scheduled" ? "scheduled" : "calling_operator", "",
                      over ? r.status : ""});
  }
  using Outcome = Metrics::CallbackOutcome;
  if (verdict.refusal) s_.metrics.callback_refused(verdict.refusal->rule);
  s_.metrics.callback_requested(verdict.refusal ? Outcome::refused : !rec.allowed ? Outcome::unavailable
                                : r.status == "scheduled"                      ? Outcome::scheduled
                                                                               : Outcome::placed);
  if (verdict.refusal && verdict.refusal->suspends_site) {
    // Out of minutes or money for the day or the month: nobody gets a callback until someone acts. Say so loudly.
    spdlog::warn("site {}: callbacks suspended by {}", site.key, rec.rule);
    s_.hub.to_site_operators(site.id, share(proto::callback_suspended_frame(site.id, rec.rule)));
  }
  if (!rec.rule.empty()) {
    spdlog::info("callback {} for site {} refused: {} ({})", r.id.value, site.key, rec.rule, rec.status);
    co_return answer({r, false, "refused", std::move(message), rec.status});
  }
  if (r.status == "scheduled") co_return answer({r, false, "scheduled", "", ""});
  auto placing = answer({r, false, "calling_operator", "", ""});
  net::co_spawn(strand_, place(r, std::move(*settings)), net::detached);
  co_return placing;
}

net::awaitable<void> CallbackDesk::place(CallbackRecord r, CallbackSettings settings) {
  Result<std::uint64_t> call = !settings.enabled ? fail(Errc::forbidden, "callback was switched off for the site")
                               : !placer_        ? fail(Errc::unavailable, "no SIP engine")
                                                 : placer_->place(PlaceCall{visitor_sip_uri(settings.trunk, r.e164),
                                                                            settings.plan, settings.trunk});
  if (call) {
    // Inserted before this handler yields: the engine's first update is posted to this strand and runs after.
    live_[*call] = Live{r.id, r.site, r.visitor, r.client_id, settings.billing, "calling_operator", false};
    s_.metrics.callback_started();
    co_return;
  }
  spdlog::error("callback {}: could not place the call: {}", r.id.value, call.error().message);
  s_.metrics.callback_ended(CallStatus::failed_technical, 0, false);
  const auto now = s_.clock.now();
  const CallbackUpdate u{std::string(status_name(CallStatus::failed_technical)), std::nullopt, now, 0, 0, 0, "[]"};
  const auto id = r.id;
  auto record_failure = [id, u](Storage& st) { return record_callback_end(st, id, u); };
  auto done = co_await db_write<CallbackRecord>(s_.db, record_failure);
  if (!done) co_return;
  s_.hub.to_site_operators(done->site, share(proto::callback_frame(callback_view(*done))));
  tell(*done, "ended", done->status);
}

net::awaitable<Result<CallbackRecord>> CallbackDesk::retry(const OperatorScope& scope, CallbackId id) {
  auto find = [scope, id](Storage& st) { return st.callback_for(scope, id); };
  auto found = co_await db_read<std::optional<CallbackRecord>>(s_.db, find);
  if (!found) co_return std::unexpected(found.error());
  if (!*found) co_return fail(Errc::not_found, "no such callback");
  const CallbackRecord old = **found;
  if (old.e164.empty()) co_return fail(Errc::conflict, "the request had no callable number");
  if (old.status == "placing" || old.status == "scheduled") co_return fail(Errc::conflict, "the call is not over yet");
  const auto site = old.site;
  auto read_settings = [site](Storage& st) { return st.callback_settings(site); };
  auto stored = co_await db_read<std::optional<std::string>>(s_.db, read_settings);
  if (!stored) co_return std::unexpected(stored.error());
  auto settings = *stored ? callback_settings_from_json(**stored) : fail(Errc::forbidden, "callback is not set up");
  if (!settings) co_return std::unexpected(settings.error());
  if (!settings->enabled) co_return fail(Errc::forbidden, "callback is switched off for the site");
  if (!placer_) co_return fail(Errc::unavailable, "this server does not dial (no --sip)");
  const auto now = s_.clock.now();
  NewCallback rec{old.site, old.visitor, "retry-" + std::to_string(old.id.value) + "-" + std::to_string(to_unix_ms(now)),
                  old.e164, "", "placing", true, "", now, std::nullopt};
  // The check and the record in one write: two operators pressing "call again" at once start one call.
  auto create = [rec, now](Storage& st) -> Result<CallbackRecord> {
    auto history = st.fraud_history(rec.site, rec.e164, "", rec.visitor, now, CapPeriods{now, now});
    if (!history) return std::unexpected(history.error());
    if (history->number_opted_out) return fail(Errc::forbidden, "the number's owner asked never to be called");
    if (history->number_call_live) return fail(Errc::conflict, "a call to this number is going on");
    auto created = st.create_callback(rec);
    if (!created) return std::unexpected(created.error());
    const CallbackRecord& r = created->first;
    auto event = emit_webhook(st, r.site, "callback.requested", now, [&r] { return webhook_callback_data(r); });
    if (!event) return std::unexpected(event.error());
    return created->first;
  };
  Hub& hub = s_.hub;
  auto publish = [&hub](const CallbackRecord& r) { hub.to_site_operators(r.site, share(proto::callback_frame(callback_view(r)))); };
  auto created = co_await db_write<CallbackRecord>(s_.db, create, publish);
  if (!created) co_return std::unexpected(created.error());
  spdlog::info("callback {}: operator {} calls {} again as callback {}", old.id.value, scope.op.id.value, old.id.value,
               created->id.value);
  CallbackRecord placed = *created;
  CallbackSettings usable = std::move(*settings);
  net::co_spawn(strand_, place(std::move(placed), std::move(usable)), net::detached);
  co_return *created;
}

net::awaitable<Result<void>> CallbackDesk::block(const OperatorScope& scope, CallbackId id) {
  auto change = [scope, id](Storage& st) -> Result<void> {
    auto found = st.callback_for(scope, id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(Errc::not_found, "no such callback");
    if ((*found)->e164.empty()) return fail(Errc::conflict, "the request had no number to block");
    auto stored = st.callback_settings((*found)->site);
    if (!stored) return std::unexpected(stored.error());
    auto settings = *stored ? callback_settings_from_json(**stored) : validate_callback_settings(CallbackSettings{});
    if (!settings) return std::unexpected(settings.error());
    auto& list = settings->fraud.blocked_numbers;
    if (std::find(list.begin(), list.end(), (*found)->e164) == list.end()) list.push_back((*found)->e164);
    auto checked = validate_callback_settings(std::move(*settings));
    if (!checked) return std::unexpected(checked.error());
    return st.set_callback_settings((*found)->site, callback_settings_to_json(*checked));
  };
  co_return co_await db_write<void>(s_.db, change);
}

void CallbackDesk::on_update(std::uint64_t call, const Call& snapshot) {
  net::co_spawn(strand_, update_here(call, snapshot), net::detached);
}

net::awaitable<void> CallbackDesk::update_here(std::uint64_t call, Call snapshot) {
  auto it = live_.find(call);
  if (it == live_.end()) co_return;
  if (!it->second.finished) {
    Live& live = it->second;
    const auto label = std::string(visitor_state_of(snapshot));
    if (snapshot.state == CallState::ended && snapshot.status) {
      live.finished = true;
      const auto status = *snapshot.status;
      const auto talk = talk_time(snapshot);
      const auto charge = charge_call(live.billing, status, talk);
      s_.metrics.callback_ended(status, talk.count(), true);
      const CallbackUpdate u{std::string(status_name(status)), snapshot.started, snapshot.ended, talk.count(),
                             charge.billed_seconds, charge.amount, legs_json(snapshot)};
      const auto id = live.id;
      Hub& hub = s_.hub;
      auto publish = [&hub](const CallbackRecord& r) {
        hub.to_site_operators(r.site, share(proto::callback_frame(callback_view(r))));
      };
      auto record_end = [id, u](Storage& st) { return record_callback_end(st, id, u); };
      auto done = co_await db_write<CallbackRecord>(s_.db, record_end, publish);
      if (!done) spdlog::error("callback {}: the result could not be stored: {}", id.value, done.error().message);
      else tell(*done, "ended", done->status);
      it = live_.find(call);  // the map may have changed while the write was awaited
      if (it == live_.end()) co_return;
    } else if (label != live.label) {
      live.label = label;
      CallbackRecord r;
      r.id = live.id;
      r.visitor = live.visitor;
      r.client_id = live.client_id;
      tell(r, label, "");
    }
  }
  if (settled(snapshot)) live_.erase(it);
}

net::awaitable<void> CallbackDesk::schedule_loop() {
  while (!stopped_) {
    timer_.expires_after(config_.schedule_tick);
    boost::system::error_code ec;
    co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (stopped_) break;
    const auto now = s_.clock.now();
    auto take_due = [now](Storage& st) { return st.take_due_callbacks(now, 20); };
    auto due = co_await db_write<std::vector<CallbackRecord>>(s_.db, take_due);
    if (!due) {
      spdlog::error("callbacks: scheduled calls could not be read: {}", due.error().message);
      continue;
    }
    for (auto& r : *due) {
      const auto site = r.site;
      auto read_settings = [site](Storage& st) { return st.callback_settings(site); };
      auto stored = co_await db_read<std::optional<std::string>>(s_.db, read_settings);
      std::optional<CallbackSettings> settings;
      if (stored && *stored) {
        if (auto parsed = callback_settings_from_json(**stored)) settings = std::move(*parsed);
      }
      s_.hub.to_site_operators(r.site, share(proto::callback_frame(callback_view(r))));
      tell(r, "calling_operator", "");
      // Settings switched off (or broken) since the request: place() records it as failed and says so.
      CallbackSettings usable = settings.value_or(CallbackSettings{});
      co_await place(std::move(r), std::move(usable));
    }
  }
}

}  // namespace otk
