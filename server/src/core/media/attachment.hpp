// File attachments in chat messages: what a file is (read from its bytes, never from its name or a claimed
// Content-Type), what it may be called, and how it is handed to a browser. Pure functions; the upload and
// serving code in api/attachments.cpp does the I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace otk {

/// The five kinds of file a chat accepts.
struct AttachmentKind {
  std::string_view mime;       // "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
  std::string_view extension;  // ".png" | ".jpg" | ".gif" | ".webp" | ".pdf"
  bool image = false;          // shown inline (a thumbnail); otherwise offered as a download
};

/// Longest file name kept, in code points (the extension included).
inline constexpr std::size_t kMaxAttachmentName = 120;

/// The file's kind by its signature: PNG, JPEG, GIF, WebP or PDF. Anything else (SVG, HTML, executables, text,
/// an empty or truncated file) is unsupported_media.
[[nodiscard]] Result<AttachmentKind> sniff_attachment(std::string_view bytes);

/// The kind for a stored MIME type (one sniff_attachment returns); nullopt for anything else.
[[nodiscard]] std::optional<AttachmentKind> attachment_kind(std::string_view mime);

/// A name safe to store and show: the last path part only, valid UTF-8 (malformed bytes become "_"), no control,
/// bidirectional-override or zero-width characters, no leading or trailing dots and spaces, at most
/// kMaxAttachmentName code points, and ending with the extension of the sniffed kind (added when the given name
/// claims another one, so "invoice.exe" that is really a PDF is kept as "invoice.exe.pdf"). Never empty.
[[nodiscard]] std::string sanitize_attachment_name(std::string_view raw, const AttachmentKind& kind);

/// A Content-Disposition value for a sanitised name: `inline` or `attachment`, an ASCII fallback
/// `filename="..."` (non-ASCII, quotes, backslashes, percent signs and control characters replaced) and the exact
/// name as RFC 5987 `filename*=UTF-8''...`.
[[nodiscard]] std::string content_disposition(std::string_view name, bool inline_);

/// How an attachment reads where only text fits (previews, old clients, the lead card): "[файл: name]" on a
/// Russian-speaking site, "[file: name]" otherwise.
[[nodiscard]] std::string attachment_text(std::string_view name, std::string_view language);

/// Attachment ids are 32 lowercase hex digits (128 random bits); anything else is no id.
[[nodiscard]] bool is_attachment_id(std::string_view id);

}  // namespace otk
