// Validation of what people type: message texts and client ids. Pure functions.
#pragma once
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace otk {

inline constexpr std::size_t kMaxMessageChars = 4000;  // Unicode code points, after trimming
inline constexpr std::size_t kMaxClientIdChars = 64;

/// Checks UTF-8, drops CR and other control characters except LF and TAB, trims white space at both ends,
/// and counts code points. Errors: bad_frame (invalid UTF-8), text_empty, text_too_long.
[[nodiscard]] Result<std::string> normalize_message_text(std::string_view raw);

/// 1..64 characters of [A-Za-z0-9_-]. Error: bad_frame.
[[nodiscard]] Result<std::string> parse_client_id(std::string_view raw);

inline constexpr std::size_t kMaxLabelChars = 32;
inline constexpr std::size_t kMaxLabelsPerConversation = 10;

/// A conversation's label ("доставка", "VIP", "возврат"): trimmed, 1..32 characters, no control characters.
/// Error bad_request naming 'label'.
[[nodiscard]] Result<std::string> normalize_label(std::string_view raw);

/// True when s is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s);

/// s cut to at most max_chars code points (s must be valid UTF-8).
[[nodiscard]] std::string truncate_utf8(std::string_view s, std::size_t max_chars);

/// Decodes one UTF-8 code point at s[i] into cp; returns its length, or 0 when malformed (overlong, surrogate,
/// truncated).
[[nodiscard]] std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp);

/// A URL query value: "+" is a space, "%xx" a byte; a malformed escape is kept as it is.
[[nodiscard]] std::string percent_decode(std::string_view s);

}  // namespace otk
