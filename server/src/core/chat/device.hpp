// What the operator's visitor card says about the visitor's device, read from the browser's User-Agent: phone,
// tablet or computer, the browser and the system. Approximate by nature (browsers lie, deliberately); the card says
// "Chrome 120 · Android · phone", never anything that would identify a person.
#pragma once
#include <string>
#include <string_view>

namespace otk {

inline constexpr std::size_t kMaxUserAgentBytes = 512;

struct DeviceInfo {
  std::string kind;     // "phone", "tablet", "computer"; "" when the agent says nothing usable
  std::string browser;  // "Яндекс Браузер 24", "Chrome 120", "Safari 17", "Firefox 121", "Edge 120", "Opera 105"
  std::string os;       // "Android", "iOS", "iPadOS", "Windows", "macOS", "Linux", "ChromeOS"
};

[[nodiscard]] DeviceInfo describe_user_agent(std::string_view user_agent);

}  // namespace otk
