// Demo data for --demo: one agency serving two shops, one operator answering both.
#pragma once
#include <string>
#include <vector>

#include "app/ports/storage.hpp"

namespace otk {

inline constexpr std::string_view kDemoEmail = "demo@example.com";
inline constexpr std::string_view kDemoPassword = "demo";

/// Creates or refreshes the demo account, sites (keys demo-shop, demo-bikes) and operator. Idempotent.
Result<void> seed_demo(Storage& st, const std::vector<std::string>& origins, const std::string& password_hash,
                       TimePoint now);

}  // namespace otk
