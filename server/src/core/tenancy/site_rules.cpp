#include "core/tenancy/site_rules.hpp"

#include <algorithm>
#include <charconv>

#include "core/chat/text.hpp"
#include "core/hours/hours.hpp"

namespace otk {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  std::size_t start = 0;
  while (start <= h.size()) {
    const auto dot = h.find('.', start);
    const auto label = h.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::ranges::all_of(label, [](char c) { return is_alnum(c) || c == '-'; })) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool valid_ipv6_literal(std::string_view h) {  // "[...]" with hex digits, colons and an optional dotted tail
  if (h.size() < 4 || h.front() != '[' || h.back() != ']') return false;
  const auto in = h.substr(1, h.size() - 2);
  return in.find(':') != std::string_view::npos &&
         std::ranges::all_of(in, [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

/// Trims, checks UTF-8 and control characters, and counts code points against max.
Result<std::string> clean_text(std::string_view field, std::string_view raw, std::size_t max_chars, bool required) {
  if (!is_valid_utf8(raw)) return fail(Errc::bad_request, std::string(field) + " is not valid UTF-8");
  auto b = raw.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    if (required) return fail(Errc::bad_request, std::string(field) + " is empty");
    return std::string();
  }
  auto e = raw.find_last_not_of(" \t\r\n");
  std::string out(raw.substr(b, e - b + 1));
  std::size_t chars = 0;
  for (unsigned char c : out) {
    if (c < 0x20 || c == 0x7f) return fail(Errc::bad_request, std::string(field) + " contains a control character");
    if ((c & 0xc0) != 0x80) ++chars;
  }
  if (chars > max_chars) {
    return fail(Errc::bad_request, std::string(field) + " is longer than " + std::to_string(max_chars) + " characters");
  }
  return out;
}

}  // namespace

Result<std::string> normalize_origin(std::string_view raw) {
  const auto bad = [&](std::string why) {
    return fail(Errc::bad_request, "origin '" + std::string(raw) + "': " + why);
  };
  std::string s(raw);
  std::ranges::transform(s, s.begin(), lower);
  std::string_view v = s;
  std::string scheme;
  if (v.starts_with("https://")) scheme = "https";
  else if (v.starts_with("http://")) scheme = "http";
  else return bad("must start with https:// or http://");
  v.remove_prefix(scheme.size() + 3);
  if (v.ends_with('/')) v.remove_suffix(1);
  if (v.find_first_of("/?#") != std::string_view::npos) return bad("an origin has no path, query or fragment");
  if (v.find('@') != std::string_view::npos) return bad("an origin has no user name");
  std::string_view host = v, port;
  if (v.starts_with('[')) {
    const auto close = v.find(']');
    if (close == std::string_view::npos) return bad("unclosed [IPv6] literal");
    host = v.substr(0, close + 1);
    if (close + 1 < v.size()) {
      if (v[close + 1] != ':') return bad("unexpected text after the address");
      port = v.substr(close + 2);
    }
    if (!valid_ipv6_literal(host)) return bad("malformed IPv6 literal");
  } else {
    const auto colon = v.find(':');
    if (colon != std::string_view::npos) {
      host = v.substr(0, colon);
      port = v.substr(colon + 1);
    }
    if (!valid_host_name(host)) return bad("malformed host name (write international names in punycode)");
  }
  std::string out = scheme + "://" + std::string(host);
  if (v.size() > host.size()) {
    int n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc{} || p != port.data() + port.size() || n < 1 || n > 65535) {
      return bad("port must be a number from 1 to 65535");
    }
    if (!((scheme == "https" && n == 443) || (scheme == "http" && n == 80))) out += ":" + std::to_string(n);
  }
  return out;
}

Result<Site> normalize_site(Site site) {
  const auto& k = site.key;
  if (k.size() < 2 || k.size() > 64 || k.front() == '-' ||
      !std::ranges::all_of(k, [](char c) { return is_alnum(c) || c == '-'; })) {
    return fail(Errc::bad_request, "site key must be 2..64 characters of a-z, 0-9 and '-', not starting with '-'");
  }
  auto name = clean_text("site name", site.name, 100, true);
  if (!name) return std::unexpected(name.error());
  site.name = std::move(*name);

  if (site.allowed_origins.empty()) return fail(Errc::bad_request, "a site needs at least one allowed origin");
  std::vector<std::string> origins;
  for (const auto& o : site.allowed_origins) {
    auto n = normalize_origin(o);
    if (!n) return std::unexpected(n.error());
    if (std::ranges::find(origins, *n) == origins.end()) origins.push_back(std::move(*n));
  }
  site.allowed_origins = std::move(origins);

  if (site.language != "ru" && site.language != "en") return fail(Errc::bad_request, "language must be ru or en");
  const auto& tz = site.timezone;
  if (tz.empty() || tz.size() > 64 || !std::ranges::all_of(tz, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
               c == '-' || c == '+';
      })) {
    return fail(Errc::bad_request, "timezone must be an IANA name such as Europe/Moscow");
  }
  if (auto zone = find_zone(tz); !zone) return std::unexpected(zone.error());
  auto hours = hours_from_json(site.hours);
  if (!hours) return std::unexpected(hours.error());
  site.hours = hours_to_json(*hours);

  auto& a = site.appearance;
  std::ranges::transform(a.color, a.color.begin(), lower);
  if (!((a.color.size() == 4 || a.color.size() == 7) && a.color[0] == '#' &&
        std::all_of(a.color.begin() + 1, a.color.end(), is_hex))) {
    return fail(Errc::bad_request, "colour must be #rgb or #rrggbb");
  }
  if (a.position != "right" && a.position != "left") return fail(Errc::bad_request, "position must be right or left");
  struct Field {
    const char* name;
    std::string* value;
    std::size_t max;
  };
  for (const auto& [field, value, max] : {Field{"title", &a.title, 40}, Field{"launcher text", &a.launcher, 40},
                                          Field{"operator name", &a.operator_name, 40},
                                          Field{"greeting", &a.greeting, 280}}) {
    auto t = clean_text(field, *value, max, false);
    if (!t) return std::unexpected(t.error());
    *value = std::move(*t);
  }
  return site;
}

}  // namespace otk
