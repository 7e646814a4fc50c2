#include "core/webhooks/webhooks.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace otk::webhooks {

bool is_event_type(std::string_view type) {
  return std::find(kEventTypes.begin(), kEventTypes.end(), type) != kEventTypes.end();
}

Result<std::vector<std::string>> normalize_events(std::span<const std::string> types) {
  for (const auto& t : types) {
    if (!is_event_type(t)) return fail(Errc::bad_request, "unknown event type: " + t.substr(0, 60));
  }
  std::vector<std::string> out;
  for (auto known : kEventTypes) {
    if (std::find(types.begin(), types.end(), known) != types.end()) out.emplace_back(known);
  }
  if (out.empty()) return fail(Errc::bad_request, "choose at least one event");
  return out;
}

namespace {

bool lower_ascii_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == y;
         });
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
  if (text.size() > kMaxUrlBytes) return fail(Errc::bad_request, "the address is longer than 2000 characters");
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f) return fail(Errc::bad_request, "the address has spaces or characters outside ASCII; percent-encode them");
  }
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fail(Errc::bad_request, "the address must start with http:// or https://");
  const auto scheme = text.substr(0, scheme_end);
  if (lower_ascii_equal(scheme, "https")) url.tls = true;
  else if (!lower_ascii_equal(scheme, "http")) return fail(Errc::bad_request, "only http:// and https:// addresses are allowed");
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return fail(Errc::bad_request, "the address must not have a #fragment");
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return fail(Errc::bad_request, "the address must not carry a user name or password; the signature proves the sender");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::bad_request, "the IPv6 address has no closing ]");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(Errc::bad_request, "unexpected text after the IPv6 address");
      port_text = after.substr(1);
    }
    if (url.host.empty() || !std::all_of(url.host.begin(), url.host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return fail(Errc::bad_request, "the IPv6 address is not valid");
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (url.host.empty()) return fail(Errc::bad_request, "the address has no host");
    if (url.host.size() > 253 || !std::all_of(url.host.begin(), url.host.end(), host_char) ||
        url.host.front() == '.' || url.host.front() == '-') {
      return fail(Errc::bad_request, "the host name is not valid");
    }
  }
  url.port = url.tls ? 443 : 80;
  if (authority.find(':') != std::string_view::npos && !authority.starts_with('[') && port_text.empty()) {
    return fail(Errc::bad_request, "the port is empty");
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return fail(Errc::bad_request, "the port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

std::optional<TimePoint> next_attempt(int failures, TimePoint window_start, TimePoint now, double random01,
                                      const RetryPolicy& policy) {
  if (failures < 1) failures = 1;
  // first * 2^(failures-1), without overflowing: past the cap the doubling stops mattering.
  double delay = static_cast<double>(policy.first.count());
  for (int i = 1; i < failures && delay < static_cast<double>(policy.cap.count()); ++i) delay *= 2;
  delay = std::min(delay, static_cast<double>(policy.cap.count()));
  const double r = std::clamp(random01, 0.0, 1.0);
  delay *= 1.0 + policy.jitter * (2.0 * r - 1.0);
  const TimePoint at = now + Millis(static_cast<std::int64_t>(std::llround(delay)));
  if (at > window_start + policy.window) return std::nullopt;
  return at;
}

namespace {

std::string hmac_hex(std::string_view secret, std::int64_t t, std::string_view body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  const std::string prefix = std::to_string(t) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

}  // namespace

std::string signature_header(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + hmac_hex(secret, unix_seconds, body);
}

bool verify_signature(std::string_view secret, std::string_view header, std::string_view body, TimePoint now,
                      std::chrono::seconds tolerance) {
  std::optional<std::int64_t> t;
  std::vector<std::string_view> candidates;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with("t=")) {
      std::int64_t v = 0;
      auto digits = part.substr(2);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc{} || end != digits.data() + digits.size() || t) return false;
      t = v;
    } else if (part.starts_with("v1=")) {
      candidates.push_back(part.substr(3));
    }
  }
  if (!t || candidates.empty()) return false;
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - *t;
  if (age > tolerance.count() || age < -tolerance.count()) return false;
  const std::string expected = hmac_hex(secret, *t, body);
  bool ok = false;
  for (auto c : candidates) {
    if (c.size() == expected.size() && sodium_memcmp(c.data(), expected.data(), expected.size()) == 0) ok = true;
  }
  return ok;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  hex.pop_back();  // the terminating NUL
  return hex;
}

std::string new_secret() { return "whsec_" + random_hex(32); }

}  // namespace otk::webhooks
