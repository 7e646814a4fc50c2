#include "core/chat/canned.hpp"

#include <array>

#include "core/chat/text.hpp"

namespace otk {
namespace {

constexpr std::array<std::string_view, 3> kVariables = {"visitor.name", "operator.name", "site.name"};

// Lower-cases ASCII and the Cyrillic capitals А..Я and Ё (two-byte UTF-8), leaving everything else.
std::string lower(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == 0xD0 && i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x90 && d <= 0x9F) out += {static_cast<char>(0xD0), static_cast<char>(d + 0x20)};       // А..П
      else if (d >= 0xA0 && d <= 0xAF) out += {static_cast<char>(0xD1), static_cast<char>(d - 0x20)};  // Р..Я
      else if (d == 0x81) out += {static_cast<char>(0xD1), static_cast<char>(0x91)};                   // Ё
      else out += {static_cast<char>(c), static_cast<char>(d)};
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

bool is_cyrillic_lower(unsigned char a, unsigned char b) {
  return (a == 0xD0 && b >= 0xB0 && b <= 0xBF) || (a == 0xD1 && ((b >= 0x80 && b <= 0x8F) || b == 0x91));
}

}  // namespace

Result<std::string> normalize_shortcut(std::string_view raw) {
  if (raw.starts_with('/')) raw.remove_prefix(1);
  const auto s = lower(raw);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i, ++chars) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') continue;
    if (i + 1 < s.size() && is_cyrillic_lower(c, static_cast<unsigned char>(s[i + 1]))) {
      ++i;
      continue;
    }
    return fail(Errc::bad_request, "'shortcut' may hold only letters, digits, '-' and '_'");
  }
  if (chars == 0 || chars > kMaxShortcutChars) return fail(Errc::bad_request, "'shortcut' must be 1..32 characters");
  return s;
}

Result<std::string> normalize_canned_text(std::string_view raw) {
  auto text = normalize_message_text(raw);
  if (!text) return fail(text.error().code, "'text': " + text.error().message);
  for (auto open = text->find('{'); open != std::string::npos; open = text->find('{', open + 1)) {
    const auto close = text->find('}', open);
    if (close == std::string::npos) break;  // a lone brace is just a brace
    const auto name = std::string_view(*text).substr(open + 1, close - open - 1);
    if (name.find_first_of(" {") != std::string_view::npos) continue;  // "{ ... }" prose, not a variable
    bool known = false;
    for (auto v : kVariables) known = known || v == name;
    if (!known) {
      return fail(Errc::bad_request, "'text': unknown variable {" + std::string(name) +
                                         "}; use {visitor.name}, {operator.name} or {site.name}");
    }
  }
  return text;
}

}  // namespace otk
