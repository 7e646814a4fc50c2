#include "core/media/attachment.hpp"

#include <array>
#include <optional>

#include "core/chat/text.hpp"

namespace otk {
namespace {

constexpr std::array<AttachmentKind, 5> kKinds{{
    {"image/png", ".png", true},
    {"image/jpeg", ".jpg", true},
    {"image/gif", ".gif", true},
    {"image/webp", ".webp", true},
    {"application/pdf", ".pdf", false},
}};

// Characters that change how text around them is shown or hide themselves: bidirectional embeddings,
// overrides and isolates ("gpj.exe" shown as "exe.jpg"), marks, zero-width joiners and the BOM.
bool invisible_or_bidi(char32_t c) {
  return (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
         c == 0x061c || c == 0xfeff || c == 0x00ad;
}

bool control(char32_t c) { return c < 0x20 || (c >= 0x7f && c <= 0x9f); }

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool has_extension(std::string_view name, const AttachmentKind& kind) {
  const std::string lower = lower_ascii(name);
  if (lower.ends_with(kind.extension)) return true;
  return kind.mime == "image/jpeg" && (lower.ends_with(".jpeg") || lower.ends_with(".jpe"));
}

}  // namespace

Result<AttachmentKind> sniff_attachment(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n") && b.size() >= 24) return kKinds[0];
  if (b.size() >= 4 && b.starts_with("\xff\xd8\xff")) return kKinds[1];
  if ((b.starts_with("GIF87a") || b.starts_with("GIF89a")) && b.size() >= 13) return kKinds[2];
  if (b.size() >= 16 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP" && b.substr(12, 3) == "VP8") return kKinds[3];
  // A PDF starts with its header; readers tolerate junk before it, we do not (a polyglot stays refused).
  if (b.starts_with("%PDF-") && b.size() >= 8) return kKinds[4];
  return fail(Errc::unsupported_media, "only PNG, JPEG, GIF and WebP images and PDF documents can be attached");
}

std::optional<AttachmentKind> attachment_kind(std::string_view mime) {
  for (const auto& k : kKinds) {
    if (k.mime == mime) return k;
  }
  return std::nullopt;
}

std::string sanitize_attachment_name(std::string_view raw, const AttachmentKind& kind) {
  // Only the last path part: a name is never a path, whichever separator the sender's system uses.
  if (const auto slash = raw.find_last_of("/\\"); slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::u32string chars;
  for (std::size_t i = 0; i < raw.size();) {
    char32_t c = 0;
    const std::size_t n = decode_utf8(raw, i, c);
    if (n == 0) {
      chars.push_back(U'_');
      ++i;
      continue;
    }
    i += n;
    if (invisible_or_bidi(c)) continue;
    chars.push_back(control(c) ? U'_' : c);
  }
  auto trimmable = [](char32_t c) { return c == U' ' || c == U'.' || c == 0xa0; };
  while (!chars.empty() && trimmable(chars.front())) chars.erase(chars.begin());
  while (!chars.empty() && trimmable(chars.back())) chars.pop_back();
  std::string name;
  for (char32_t c : chars) append_utf8(name, c);
  if (name.empty()) name = kind.mime == "application/pdf" ? "document" : "image";
  std::string ext;
  if (!has_extension(name, kind)) ext = std::string(kind.extension);
  // Keep the end (the extension) and cut the stem.
  const std::size_t room = kMaxAttachmentName - ext.size();
  std::size_t count = 0;
  for (std::size_t i = 0; i < name.size();) {
    char32_t c = 0;
    i += decode_utf8(name, i, c);
    ++count;
  }
  if (count > room) {
    if (ext.empty()) {
      // The name ends with the extension already: cut the stem before it.
      const std::size_t dot = name.rfind('.');
      const std::string tail = name.substr(dot);
      name = truncate_utf8(name.substr(0, dot), room - tail.size()) + tail;
    } else {
      name = truncate_utf8(name, room);
    }
  }
  return name + ext;
}

std::string content_disposition(std::string_view name, bool inline_) {
  std::string ascii;
  std::string encoded;
  for (std::size_t i = 0; i < name.size();) {
    char32_t c = 0;
    std::size_t n = decode_utf8(name, i, c);
    if (n == 0) {  // not expected after sanitising; never copy a raw byte into a header
      c = U'_';
      n = 1;
    }
    const bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%';
    ascii.push_back(plain ? static_cast<char>(c) : '_');
    i += n;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : name) {
    const bool attr_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (attr_char) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 0xf]);
    }
  }
  return std::string(inline_ ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

std::string attachment_text(std::string_view name, std::string_view language) {
  return std::string(language == "en" ? "[file: " : "[файл: ") + std::string(name) + "]";
}

bool is_attachment_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace otk
