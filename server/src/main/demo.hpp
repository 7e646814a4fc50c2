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

/// Creates or refreshes the demo account, sites (keys demo-shop, demo-bikes) and operator. Idempotent. With an
/// `echo_url`, the demo shop gets a webhook endpoint for every event pointing at it (the server's own
/// /demo/webhook-echo), unless the shop has one already.
Result<void> seed_demo(Storage& st, const std::vector<std::string>& origins, const std::string& password_hash,
                       TimePoint now, std::string_view echo_url = {});

}  // namespace otk
