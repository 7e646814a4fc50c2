// Canned replies: texts an operator inserts by typing "/shortcut" in the console. Per account (every site) or per
// site. Texts may hold {visitor.name}, {operator.name} and {site.name}, which the console fills in before the
// operator sends (so the operator always sees exactly what the visitor will read).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"

namespace otk {

inline constexpr std::size_t kMaxShortcutChars = 32;
inline constexpr std::size_t kMaxCannedPerAccount = 500;

struct CannedReply {
  std::int64_t id = 0;
  AccountId account;
  SiteId site;  // 0: every site of the account
  std::string shortcut;
  std::string text;
  TimePoint created_at;
};

/// "Delivery" -> "delivery": 1..32 of a-z, 0-9, '-', '_' (a leading '/' is dropped, letters lower-cased; Cyrillic
/// letters are allowed too, lower-cased). Error bad_request naming 'shortcut'.
[[nodiscard]] Result<std::string> normalize_shortcut(std::string_view raw);
/// The text like a message (1..4000 characters); unknown {variables} are refused so a typo cannot reach a
/// visitor as "{visitr.name}". Error bad_request / text_empty / text_too_long naming 'text'.
[[nodiscard]] Result<std::string> normalize_canned_text(std::string_view raw);

}  // namespace otk
