// SipControl on sofia-sip's NUA. Lives on the SIP thread: create it, call it and destroy it there, with the
// su_root_t that thread runs. The NUA is configured for third-party call control:
//   NUTAG_MEDIA_ENABLE(0)   no SOA: the NUA neither makes nor checks SDP, we pass bodies as opaque payloads;
//   NUTAG_AUTOACK(0)        we ACK 2xx ourselves, with the answer the bridge needs, when the bridge needs it;
//   NUTAG_UPDATE_REFRESH(1) session-timer refreshes use UPDATE without SDP, never a new offer we cannot make;
//   NUTAG_MIN_SE(90)        RFC 4028's minimum, so a phone may choose a 90 s session interval (sofia says 120).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "telephony/sip_control.hpp"

// The sofia-sip types, declared here so that users of this header need not see sofia's headers.
struct su_root_s;
struct nua_s;
struct nua_handle_s;
struct sip_s;

namespace otk {

struct SofiaOptions {
  std::string bind_url = "sip:127.0.0.1:5060";  // NUTAG_URL: where we listen and what our Contact says
  std::string user_agent = "Otklik";
  unsigned transaction_timeout_ms = 0;  // NTATAG_SIP_T1X64 (timer B, F...); 0 = RFC 3261's 64*T1 = 32 s
};

class SofiaSipControl final : public SipControl {
 public:
  /// Binds the transport. Error unavailable when the NUA cannot be created (address in use, bad URL).
  static Result<std::unique_ptr<SofiaSipControl>> create(su_root_s* root, const SofiaOptions& options,
                                                         SipEventSink& sink);
  ~SofiaSipControl() override;
  SofiaSipControl(const SofiaSipControl&) = delete;
  SofiaSipControl& operator=(const SofiaSipControl&) = delete;

  Result<LegKey> invite(const InviteRequest& request) override;
  Result<void> ack(LegKey leg, std::string_view sdp) override;
  Result<void> cancel(LegKey leg, const std::optional<Reason>& reason) override;
  Result<void> bye(LegKey leg, const std::optional<Reason>& reason) override;
  Result<void> reinvite(LegKey leg, std::string_view sdp) override;
  Result<void> respond_reinvite(LegKey leg, int code, std::string_view sdp, int retry_after) override;
  void release(LegKey leg) override;

  /// nua_shutdown(): the NUA ends what is left (BYE/CANCEL) and waits for its transactions; `done` runs on the
  /// SIP thread when nua_r_shutdown reports completion. Destroy this object after that.
  void shutdown(std::function<void()> done);

  struct Leg;
  /// One NUA event, from the NUA callback (tags: the event's tagi_t list).
  void dispatch(int event, int status, nua_handle_s* nh, Leg* leg, const sip_s* sip, const void* tags);

 private:
  explicit SofiaSipControl(SipEventSink& sink);
  void on_invite_response(Leg& leg, int status, const sip_s* sip);
  Result<Leg*> find(LegKey key, std::string_view op);
  void forget_if_done(Leg& leg);

  SipEventSink& sink_;
  nua_s* nua_ = nullptr;
  LegKey next_key_ = 0;
  std::unordered_map<LegKey, std::unique_ptr<Leg>> legs_;
  std::function<void()> on_shutdown_;
};

}  // namespace otk
