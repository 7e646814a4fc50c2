// Webhooks, the pure part (docs/webhooks.md): which events exist, what an endpoint URL may be, when a failed
// delivery is tried again, and the signature a receiver checks. No I/O and no clock: callers pass the time.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace otk::webhooks {

/// The events an endpoint may subscribe to, in the order the docs list them.
inline constexpr std::array<std::string_view, 8> kEventTypes = {
    "conversation.started", "message.created", "conversation.closed", "lead.created",
    "lead.updated",         "callback.requested", "callback.finished", "rating.given"};
/// Sent to one endpoint when its owner asks for a test delivery; nobody subscribes to it.
inline constexpr std::string_view kTestEvent = "webhook.test";

bool is_event_type(std::string_view type);
/// The subscription as stored: known types only, each once, in kEventTypes order; at least one.
Result<std::vector<std::string>> normalize_events(std::span<const std::string> types);

struct Url {
  bool tls = false;
  std::string host;  // a name or an address; IPv6 without the brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
};
inline constexpr std::size_t kMaxUrlBytes = 2000;
/// An endpoint address: http or https, a host, an optional port, a path and query; no user name or password
/// (the signature is the credential), no fragment, no spaces or control characters.
Result<Url> parse_url(std::string_view text);

/// When a delivery is tried again. Delays double from `first` up to `cap`, each moved by up to ±jitter of
/// itself (so that many endpoints failing together do not retry in step); nothing is tried later than
/// `window` after the first attempt.
struct RetryPolicy {
  Millis first{std::chrono::seconds(10)};
  Millis cap{std::chrono::hours(1)};
  Millis window{std::chrono::hours(24)};
  double jitter = 0.2;
};
/// After the `failures`-th failed attempt (1 for the first) at `now`: the time of the next one, or none when
/// it would fall past the window (the delivery has failed). `random01` in [0, 1) chooses the jitter.
std::optional<TimePoint> next_attempt(int failures, TimePoint window_start, TimePoint now, double random01,
                                      const RetryPolicy& policy = {});

/// The `Otklik-Signature` header: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>".
std::string signature_header(std::string_view secret, std::int64_t unix_seconds, std::string_view body);
/// What a receiver does: the header parses, one v1 matches (in constant time), and t is within `tolerance`
/// of now (older deliveries are replays).
bool verify_signature(std::string_view secret, std::string_view header, std::string_view body, TimePoint now,
                      std::chrono::seconds tolerance = std::chrono::minutes(5));

/// `bytes` random bytes (libsodium) in lower-case hex: secrets and event ids.
std::string random_hex(std::size_t bytes);
/// A new endpoint's signing secret: "whsec_" and 32 random bytes in hex.
std::string new_secret();

}  // namespace otk::webhooks
