#include "core/chat/text.hpp"

#include <cstdint>

namespace otk {
namespace {

// Decodes one code point at s[i]; returns its length or 0 when malformed.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  char32_t min;
  if (b0 < 0x80) { cp = b0; return 1; }
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; min = 0x10000; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool is_space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == 0xA0 || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0xFEFF;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  char32_t cp;
  for (std::size_t i = 0; i < s.size();) {
    const auto n = decode(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string truncate_utf8(std::string_view s, std::size_t max_chars) {
  std::size_t i = 0, chars = 0;
  char32_t cp;
  while (i < s.size() && chars < max_chars) {
    const auto n = decode(s, i, cp);
    if (n == 0) break;
    i += n;
    ++chars;
  }
  return std::string(s.substr(0, i));
}

Result<std::string> normalize_message_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t first_non_space = std::string::npos, end_non_space = 0, chars = 0;
  char32_t cp;
  for (std::size_t i = 0; i < raw.size();) {
    const auto n = decode(raw, i, cp);
    if (n == 0) return fail(Errc::bad_frame, "text is not valid UTF-8");
    const bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
    if (!control) {
      if (!is_space(cp)) {
        if (first_non_space == std::string::npos) first_non_space = out.size();
        end_non_space = out.size() + n;
      }
      out.append(raw.substr(i, n));
    }
    i += n;
  }
  if (first_non_space == std::string::npos) return fail(Errc::text_empty, "message text is empty");
  out = out.substr(first_non_space, end_non_space - first_non_space);
  for (std::size_t i = 0; i < out.size();) {
    i += decode(out, i, cp);
    ++chars;
  }
  if (chars > kMaxMessageChars) {
    return fail(Errc::text_too_long,
                "message text has " + std::to_string(chars) + " characters, the limit is " +
                    std::to_string(kMaxMessageChars));
  }
  return out;
}

Result<std::string> parse_client_id(std::string_view raw) {
  if (raw.empty() || raw.size() > kMaxClientIdChars) {
    return fail(Errc::bad_frame, "client_id must have 1 to 64 characters");
  }
  for (char c : raw) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return fail(Errc::bad_frame, "client_id may contain only A-Z, a-z, 0-9, '_' and '-'");
  }
  return std::string(raw);
}

Result<std::string> normalize_label(std::string_view raw) {
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
  if (raw.empty()) return fail(Errc::bad_request, "'label' is empty");
  if (!is_valid_utf8(raw)) return fail(Errc::bad_request, "'label' is not valid UTF-8");
  std::size_t chars = 0;
  for (unsigned char c : raw) {
    if (c < 0x20 || c == 0x7f) return fail(Errc::bad_request, "'label' has control characters");
    chars += (c & 0xC0) != 0x80;
  }
  if (chars > kMaxLabelChars) return fail(Errc::bad_request, "'label' is longer than 32 characters");
  return std::string(raw);
}

std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) { return decode(s, i, cp); }

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out.push_back(' ');
    else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else out.push_back(s[i]);
  }
  return out;
}

}  // namespace otk
