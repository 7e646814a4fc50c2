#include "core/chat/device.hpp"

namespace otk {
namespace {

bool has(std::string_view ua, std::string_view what) { return ua.find(what) != std::string_view::npos; }

// "Chrome/120.0.6099.71" -> "120": the major version after `token`, or "" when absent.
std::string major_after(std::string_view ua, std::string_view token) {
  const auto at = ua.find(token);
  if (at == std::string_view::npos) return {};
  std::string out;
  for (auto i = at + token.size(); i < ua.size() && ua[i] >= '0' && ua[i] <= '9' && out.size() < 5; ++i) out += ua[i];
  return out;
}

std::string named(std::string_view name, const std::string& version) {
  return version.empty() ? std::string(name) : std::string(name) + " " + version;
}

}  // namespace

DeviceInfo describe_user_agent(std::string_view ua) {
  DeviceInfo d;
  if (ua.size() > kMaxUserAgentBytes) ua = ua.substr(0, kMaxUserAgentBytes);
  // The system first: iPads ask for desktop pages and claim to be Macs, but they admit to touch ("Mobile/").
  const bool ipad = has(ua, "iPad") || (has(ua, "Macintosh") && has(ua, "Mobile/"));
  if (ipad) d.os = "iPadOS";
  else if (has(ua, "iPhone") || has(ua, "iPod")) d.os = "iOS";
  else if (has(ua, "Android")) d.os = "Android";
  else if (has(ua, "CrOS")) d.os = "ChromeOS";
  else if (has(ua, "Windows")) d.os = "Windows";
  else if (has(ua, "Macintosh") || has(ua, "Mac OS X")) d.os = "macOS";
  else if (has(ua, "Linux")) d.os = "Linux";

  if (ipad || (d.os == "Android" && !has(ua, "Mobile"))) d.kind = "tablet";
  else if (d.os == "iOS" || d.os == "Android" || has(ua, "Mobile")) d.kind = "phone";
  else if (!d.os.empty()) d.kind = "computer";

  // Order matters: every Chromium browser also says "Chrome/" and "Safari/", and Chrome says "Safari/" too.
  if (has(ua, "YaBrowser/")) d.browser = named("Яндекс Браузер", major_after(ua, "YaBrowser/"));
  else if (has(ua, "Edg/")) d.browser = named("Edge", major_after(ua, "Edg/"));
  else if (has(ua, "OPR/")) d.browser = named("Opera", major_after(ua, "OPR/"));
  else if (has(ua, "SamsungBrowser/")) d.browser = named("Samsung Internet", major_after(ua, "SamsungBrowser/"));
  else if (has(ua, "Firefox/")) d.browser = named("Firefox", major_after(ua, "Firefox/"));
  else if (has(ua, "FxiOS/")) d.browser = named("Firefox", major_after(ua, "FxiOS/"));
  else if (has(ua, "CriOS/")) d.browser = named("Chrome", major_after(ua, "CriOS/"));
  else if (has(ua, "Chrome/")) d.browser = named("Chrome", major_after(ua, "Chrome/"));
  else if (has(ua, "Safari/") && has(ua, "Version/")) d.browser = named("Safari", major_after(ua, "Version/"));
  return d;
}

}  // namespace otk
