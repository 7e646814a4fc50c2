#include "telephony/sofia_sip_control.hpp"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/tport_tag.h>
#include <spdlog/spdlog.h>

#include <utility>

namespace otk {

struct SofiaSipControl::Leg {
  LegKey key = 0;
  nua_handle_t* nh = nullptr;
  DigestCredentials credentials;
  bool auth_tried = false;        // we answered one challenge: a second one means the credentials are wrong
  bool answered = false;          // the initial INVITE got its 2xx: later INVITE responses are the re-INVITE's
  bool reinvite_pending = false;  // a re-INVITE of ours awaits its final response
  bool reinvite_received = false; // a re-INVITE from the far end awaits our final response
  bool terminated = false;        // the NUA says the call is over (nua_callstate_terminated)
  bool released = false;          // the engine is done with it
};

namespace {

constexpr auto kSdpType = "application/sdp";

void on_nua_event(nua_event_t event, int status, char const* /*phrase*/, nua_t* /*nua*/, nua_magic_t* magic,
                  nua_handle_t* nh, nua_hmagic_t* hmagic, sip_t const* sip, tagi_t tags[]) {
  static_cast<SofiaSipControl*>(magic)->dispatch(event, status, nh, static_cast<SofiaSipControl::Leg*>(hmagic), sip,
                                                 tags);
}

std::optional<Reason> reason_of(const sip_t* sip) {
  if (sip == nullptr || sip->sip_reason == nullptr) return std::nullopt;
  const sip_reason_t* r = sip->sip_reason;
  if (r->re_protocol == nullptr || r->re_cause == nullptr) return std::nullopt;
  return make_reason(r->re_protocol, r->re_cause, r->re_text ? r->re_text : "");
}

/// The SDP a message carries, or "" when it has none (or a body of another type, which we cannot bridge).
std::string sdp_of(const sip_t* sip) {
  if (sip == nullptr || sip->sip_payload == nullptr || sip->sip_payload->pl_len == 0) return {};
  const sip_content_type_t* ct = sip->sip_content_type;
  if (ct != nullptr && ct->c_type != nullptr && std::string_view(ct->c_type) != kSdpType) return {};
  return {sip->sip_payload->pl_data, sip->sip_payload->pl_len};
}

/// The realm of a 401/407's challenge, quotes included, as NUTAG_AUTH wants it ("Digest:\"realm\":user:pass").
std::optional<std::string> challenge_realm(const sip_t* sip) {
  if (sip == nullptr) return std::nullopt;
  const msg_auth_t* au = sip->sip_proxy_authenticate ? sip->sip_proxy_authenticate : sip->sip_www_authenticate;
  if (au == nullptr || au->au_scheme == nullptr) return std::nullopt;
  const char* realm = msg_params_find(au->au_params, "realm=");
  if (realm == nullptr) return std::nullopt;
  return std::string(au->au_scheme) + ":" + realm;
}

/// The NUA reports its own failures with 9xx codes (e.g. 900 internal error); to the machine they are a 500.
int final_code(int status) { return status > 699 ? 500 : status; }

}  // namespace

SofiaSipControl::SofiaSipControl(SipEventSink& sink) : sink_(sink) {}

Result<std::unique_ptr<SofiaSipControl>> SofiaSipControl::create(su_root_s* root, const SofiaOptions& options,
                                                                 SipEventSink& sink) {
  std::unique_ptr<SofiaSipControl> self(new SofiaSipControl(sink));
  self->nua_ = nua_create(root, on_nua_event, self.get(), NUTAG_URL(options.bind_url.c_str()),
                          NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOACK(0), NUTAG_UPDATE_REFRESH(1),
                          // RFC 4028's floor. Sofia's default of 120 s refused a phone's 90 s refresh with 422 and
                          // stretched a 90 s interval the phone had chosen to 120 s (the session timer test).
                          NUTAG_MIN_SE(90),
                          SIPTAG_USER_AGENT_STR(options.user_agent.c_str()),
                          // The kernel's default UDP buffers (~208 KiB) drop datagrams when hundreds of calls start
                          // or end at once, and each drop costs a 500 ms retransmission (the SIP load bench).
                          TPTAG_UDP_RMEM(4 * 1024 * 1024), TPTAG_UDP_WMEM(4 * 1024 * 1024),
                          TAG_IF(options.transaction_timeout_ms != 0,
                                 NTATAG_SIP_T1X64(options.transaction_timeout_ms)),
                          TAG_END());
  if (self->nua_ == nullptr) return fail(Errc::unavailable, "cannot start the SIP stack on " + options.bind_url);
  return self;
}

SofiaSipControl::~SofiaSipControl() {
  for (auto& [key, leg] : legs_) {
    if (leg->nh != nullptr) nua_handle_destroy(leg->nh);
  }
  legs_.clear();
  if (nua_ != nullptr) nua_destroy(nua_);
}

Result<SofiaSipControl::Leg*> SofiaSipControl::find(LegKey key, std::string_view op) {
  const auto it = legs_.find(key);
  if (it == legs_.end() || it->second->released) {
    return fail(Errc::not_found, std::string(op) + ": unknown SIP leg " + std::to_string(key));
  }
  return it->second.get();
}

Result<LegKey> SofiaSipControl::invite(const InviteRequest& request) {
  auto from = from_header(request.display_name, request.from_uri);
  if (!from) return std::unexpected(from.error());
  if (request.request_uri.empty()) return fail(Errc::bad_request, "empty request URI");
  auto leg = std::make_unique<Leg>();
  leg->key = ++next_key_;
  leg->credentials = request.credentials;
  leg->nh = nua_handle(nua_, leg.get(), SIPTAG_TO_STR(request.request_uri.c_str()), SIPTAG_FROM_STR(from->c_str()),
                       TAG_END());
  if (leg->nh == nullptr) return fail(Errc::bad_request, "cannot make a SIP handle for " + request.request_uri);
  if (!request.outbound_proxy.empty()) {
    // A per-leg outbound proxy. nua_handle() keeps only tags of the "nua" and "soa" namespaces and NUTAG_PROXY is
    // NTATAG_DEFAULT_PROXY (namespace "nta"), so there it would be dropped silently; nua_set_hparams() takes it,
    // and runs in the stack before the INVITE below.
    nua_set_hparams(leg->nh, NUTAG_PROXY(request.outbound_proxy.c_str()), TAG_END());
  }
  // No SDP: RFC 3725 Flow III asks the callee for its offer.
  nua_invite(leg->nh, TAG_END());
  const LegKey key = leg->key;
  legs_.emplace(key, std::move(leg));
  return key;
}

Result<void> SofiaSipControl::ack(LegKey key, std::string_view sdp) {
  auto leg = find(key, "ACK");
  if (!leg) return std::unexpected(leg.error());
  const std::string body(sdp);
  nua_ack((*leg)->nh, TAG_IF(!body.empty(), SIPTAG_CONTENT_TYPE_STR(kSdpType)),
          TAG_IF(!body.empty(), SIPTAG_PAYLOAD_STR(body.c_str())), TAG_END());
  return {};
}

Result<void> SofiaSipControl::cancel(LegKey key, const std::optional<Reason>& reason) {
  auto leg = find(key, "CANCEL");
  if (!leg) return std::unexpected(leg.error());
  const std::string r = reason ? format_reason(*reason) : std::string();
  nua_cancel((*leg)->nh, TAG_IF(reason.has_value(), SIPTAG_REASON_STR(r.c_str())), TAG_END());
  return {};
}

Result<void> SofiaSipControl::bye(LegKey key, const std::optional<Reason>& reason) {
  auto leg = find(key, "BYE");
  if (!leg) return std::unexpected(leg.error());
  if ((*leg)->reinvite_received) {
    // RFC 3261 15.1.2: the dialog ends, so does the phone's pending re-INVITE (the other phone hung up while we
    // relayed it).
    (*leg)->reinvite_received = false;
    nua_respond((*leg)->nh, SIP_487_REQUEST_TERMINATED, TAG_END());
  }
  const std::string r = reason ? format_reason(*reason) : std::string();
  nua_bye((*leg)->nh, TAG_IF(reason.has_value(), SIPTAG_REASON_STR(r.c_str())), TAG_END());
  return {};
}

Result<void> SofiaSipControl::reinvite(LegKey key, std::string_view sdp) {
  auto leg = find(key, "re-INVITE");
  if (!leg) return std::unexpected(leg.error());
  if (!(*leg)->answered || (*leg)->terminated) return fail(Errc::conflict, "re-INVITE on a leg with no dialog");
  if (sdp.empty()) return fail(Errc::bad_request, "re-INVITE needs an offer");
  const std::string body(sdp);
  (*leg)->reinvite_pending = true;
  nua_invite((*leg)->nh, SIPTAG_CONTENT_TYPE_STR(kSdpType), SIPTAG_PAYLOAD_STR(body.c_str()), TAG_END());
  return {};
}

Result<void> SofiaSipControl::respond_reinvite(LegKey key, int code, std::string_view sdp, int retry_after) {
  auto leg = find(key, "re-INVITE response");
  if (!leg) return std::unexpected(leg.error());
  if (!(*leg)->reinvite_received) return fail(Errc::conflict, "no re-INVITE from the far end awaits an answer");
  if (code < 200 || code > 699) return fail(Errc::bad_request, "a final response is 200..699");
  (*leg)->reinvite_received = false;
  const std::string body(sdp);
  const std::string after = std::to_string(retry_after);
  const char* phrase = sip_status_phrase(code);
  nua_respond((*leg)->nh, code, phrase != nullptr ? phrase : "Unknown", TAG_IF(!body.empty(), SIPTAG_CONTENT_TYPE_STR(kSdpType)),
              TAG_IF(!body.empty(), SIPTAG_PAYLOAD_STR(body.c_str())),
              TAG_IF(retry_after > 0, SIPTAG_RETRY_AFTER_STR(after.c_str())), TAG_END());
  return {};
}

void SofiaSipControl::release(LegKey key) {
  const auto it = legs_.find(key);
  if (it == legs_.end()) return;
  it->second->released = true;
  forget_if_done(*it->second);
}

/// A handle is destroyed only once the NUA has finished with its call, so that a BYE or CANCEL we just sent still
/// completes (destroying the handle would abandon the transaction).
void SofiaSipControl::forget_if_done(Leg& leg) {
  if (!leg.released || !leg.terminated) return;
  nua_handle_destroy(leg.nh);
  legs_.erase(leg.key);
}

void SofiaSipControl::shutdown(std::function<void()> done) {
  on_shutdown_ = std::move(done);
  nua_shutdown(nua_);
}

void SofiaSipControl::dispatch(int ev, int status, nua_handle_s* nh, Leg* leg, const sip_s* sip, const void* tags) {
  const auto event = static_cast<nua_event_t>(ev);
  if (event == nua_r_shutdown) {
    if (status >= 200 && on_shutdown_) std::exchange(on_shutdown_, nullptr)();
    return;
  }
  if (leg == nullptr) {
    // A request that opened a handle of its own: we place calls, we do not take them.
    if (nh == nullptr) return;
    if (event == nua_i_invite) nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
    if (nua_event_is_incoming_request(event)) nua_handle_destroy(nh);
    return;
  }
  switch (event) {
    case nua_r_invite: on_invite_response(*leg, status, sip); return;
    case nua_i_bye:
      if (!leg->released) sink_.on_sip_event(LegRemoteBye{leg->key, reason_of(sip)});
      return;
    case nua_i_invite:
      // A re-INVITE from the far end. While ours is out on this dialog it is glare: 491 makes the phone retry
      // later (RFC 3261 14.2), the engine need not know. Otherwise the engine decides (it relays it to the other
      // leg while they talk) and answers with respond_reinvite().
      if (leg->reinvite_pending) {
        nua_respond(nh, SIP_491_REQUEST_PENDING, TAG_END());
      } else if (leg->released) {
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
      } else {
        leg->reinvite_received = true;
        sink_.on_sip_event(LegReinviteReceived{leg->key, sdp_of(sip)});
      }
      return;
    case nua_i_ack:
      if (!leg->released) sink_.on_sip_event(LegAckReceived{leg->key, sdp_of(sip)});
      return;
    case nua_i_cancel:
      // The phone gave up on its re-INVITE; the NUA has answered it 487. The engine takes back what it relayed.
      if (leg->reinvite_received && !leg->released) sink_.on_sip_event(LegReinviteCancelled{leg->key});
      leg->reinvite_received = false;
      return;
    case nua_i_state: {
      int state = nua_callstate_init;
      tl_gets(static_cast<const tagi_t*>(tags), NUTAG_CALLSTATE_REF(state), TAG_END());
      spdlog::debug("sip leg {}: {} ({})", leg->key, nua_callstate_name(static_cast<nua_callstate>(state)), status);
      if (state == nua_callstate_terminated) {
        leg->terminated = true;
        forget_if_done(*leg);
      }
      return;
    }
    default: return;
  }
}

void SofiaSipControl::on_invite_response(Leg& leg, int status, const sip_s* sip) {
  if (leg.released) return;
  if (leg.answered) {  // the re-INVITE's response
    if (status < 200 || !leg.reinvite_pending) return;
    leg.reinvite_pending = false;
    if (status < 300) {
      sink_.on_sip_event(LegReinviteAnswered{leg.key, sdp_of(sip)});
    } else {
      sink_.on_sip_event(LegReinviteFailed{leg.key, final_code(status)});
    }
    return;
  }
  if (status < 200) {
    sink_.on_sip_event(LegProvisional{leg.key, status});
    return;
  }
  if (status < 300) {
    leg.answered = true;
    sink_.on_sip_event(LegAnswered{leg.key, sdp_of(sip)});
    return;
  }
  if ((status == 401 || status == 407) && !leg.auth_tried && !leg.credentials.username.empty()) {
    if (auto realm = challenge_realm(sip)) {
      // Once only: with wrong credentials the server challenges again, and that second 401/407 ends the leg.
      leg.auth_tried = true;
      const std::string auth = *realm + ":" + leg.credentials.username + ":" + leg.credentials.password;
      nua_authenticate(leg.nh, NUTAG_AUTH(auth.c_str()), TAG_END());
      return;
    }
  }
  if (status == 401 || status == 407) {
    // The NUA keeps a challenged INVITE waiting for nua_authenticate() and never reports the call terminated, so
    // the handle would live on and nua_shutdown() would wait for it. The INVITE has its final response: this leg
    // is over, whatever the NUA waits for.
    leg.terminated = true;
  }
  sink_.on_sip_event(LegFailed{leg.key, final_code(status), reason_of(sip)});
}

}  // namespace otk
