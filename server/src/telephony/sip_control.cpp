#include "telephony/sip_control.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace otk {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool has_controls(std::string_view s) {
  return std::ranges::any_of(s, [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

std::optional<Reason> make_reason(std::string_view protocol, std::string_view cause, std::string_view text) {
  Reason r;
  if (iequals(protocol, "SIP")) {
    r.protocol = ReasonProtocol::sip;
  } else if (iequals(protocol, "Q.850")) {
    r.protocol = ReasonProtocol::q850;
  } else {
    return std::nullopt;
  }
  const auto [end, ec] = std::from_chars(cause.data(), cause.data() + cause.size(), r.cause);
  if (ec != std::errc{} || end != cause.data() + cause.size() || r.cause < 0 || r.cause > 9999) return std::nullopt;
  // The parser hands the quoted-string as it came: drop the quotes and the backslash escapes.
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  // A text is shown to people and stored: keep it short and printable.
  for (std::size_t i = 0; i < text.size() && r.text.size() < kMaxReasonText; ++i) {
    char ch = text[i];
    if (ch == '\\' && i + 1 < text.size()) ch = text[++i];
    if (!has_controls(std::string_view(&ch, 1))) r.text += ch;
  }
  return r;
}

Result<std::string> from_header(std::string_view display_name, std::string_view uri) {
  if (uri.empty() || has_controls(uri) || uri.find_first_of("<> ") != std::string_view::npos) {
    return fail(Errc::bad_request, "caller URI must be a SIP URI without spaces or angle brackets");
  }
  if (has_controls(display_name)) return fail(Errc::bad_request, "display name has control characters");
  if (display_name.empty()) return "<" + std::string(uri) + ">";
  std::string out = "\"";
  for (char ch : display_name) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\" <" + std::string(uri) + ">";
}

}  // namespace otk
