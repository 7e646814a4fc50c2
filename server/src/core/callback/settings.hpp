// A site's callback set-up: whether it is on, whom to ring (operators' SIP URIs, in order), how (ring plan), the
// SIP trunk the visitor's number is dialled through (with its credentials: server-side only, never sent to a
// browser), the anti-fraud policy and the billing plan. Stored as one JSON document per site; every field is
// checked here, so the CLI, the console and storage share one definition of a valid set-up.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "core/billing/billing.hpp"
#include "core/callback/call.hpp"
#include "core/callback/fraud.hpp"

namespace otk {

struct TrunkSettings {
  std::string domain;          // host[:port] visitors' numbers are dialled at: sip:+79161234567@domain
  std::string outbound_proxy;  // "" or a SIP URI every request is sent through
  std::string username;        // digest credentials for 401/407 challenges; "" when the trunk trusts our address
  std::string password;
  std::string caller_id;       // the number the visitor sees, E.164 ("+74951234567"); "" for the trunk's default
  std::string display_name;    // shown with it, e.g. the shop's name
  std::string transport = "udp";  // how visitors' numbers are dialled at `domain`: "udp" or "tcp"
  bool operator==(const TrunkSettings&) const = default;
};

struct CallbackSettings {
  bool enabled = false;
  bool slots = false;         // offer the visitor times to pick also while open (outside hours they always are)
  std::string region = "RU";  // how visitors' numbers without "+" are read, and the default allowed country
  CallConfig plan;            // operator URIs, strategy, timeouts (core/callback/call.hpp)
  TrunkSettings trunk;
  FraudPolicy fraud = default_fraud_policy("RU");
  BillingPlan billing;
};

/// Checks everything (an enabled set-up needs operators and a trunk domain) and normalises what can be.
/// Error: bad_request naming the field ("trunk.domain: ...", "plan: rounds must be 1..10", "fraud: ...").
[[nodiscard]] Result<CallbackSettings> validate_callback_settings(CallbackSettings s);

/// The stored form. Unknown keys are refused, missing ones take their defaults; the result is validated.
[[nodiscard]] Result<CallbackSettings> callback_settings_from_json(std::string_view text);
[[nodiscard]] std::string callback_settings_to_json(const CallbackSettings& s);

/// The visitor's leg: "sip:+79161234567@trunk.example:5060".
[[nodiscard]] std::string visitor_sip_uri(const TrunkSettings& trunk, std::string_view e164);

}  // namespace otk
