// Demo data for --demo: one agency serving two shops, two operators answering both, and a second department
// in the shop reached by a routing rule.
#pragma once
#include <string>
#include <vector>

#include "app/ports/storage.hpp"

namespace otk {

inline constexpr std::string_view kDemoEmail = "demo@example.com";
inline constexpr std::string_view kDemoSecondEmail = "anna@example.com";
inline constexpr std::string_view kDemoPassword = "demo";  // both operators

/// Creates or refreshes the demo account, sites (keys demo-shop, demo-bikes) and operator. Idempotent.
Result<void> seed_demo(Storage& st, const std::vector<std::string>& origins, const std::string& password_hash,
                       TimePoint now);

}  // namespace otk
