#include "core/chat/device.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

struct Case {
  const char* ua;
  const char* kind;
  const char* browser;
  const char* os;
};

TEST(Device, ReadsTheCommonBrowsers) {
  const Case cases[] = {
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
       "computer", "Chrome 120", "Windows"},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 Safari/537.36",
       "computer", "Яндекс Браузер 23", "Windows"},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61",
       "computer", "Edge 120", "Windows"},
      {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
       "computer", "Safari 17", "macOS"},
      {"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "computer", "Firefox 121", "Linux"},
      {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
       "phone", "Safari 17", "iOS"},
      {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.50 Mobile/15E148 Safari/604.1",
       "phone", "Chrome 120", "iOS"},
      {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
       "phone", "Chrome 120", "Android"},
      {"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
       "tablet", "Chrome 119", "Android"},
      {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
       "tablet", "Safari 17", "iPadOS"},
      {"Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
       "phone", "Samsung Internet 23", "Android"},
  };
  for (const auto& c : cases) {
    const auto d = describe_user_agent(c.ua);
    EXPECT_EQ(d.kind, c.kind) << c.ua;
    EXPECT_EQ(d.browser, c.browser) << c.ua;
    EXPECT_EQ(d.os, c.os) << c.ua;
  }
}

TEST(Device, SaysNothingRatherThanGuessing) {
  const auto none = describe_user_agent("curl/8.4.0");
  EXPECT_EQ(none.kind, "");
  EXPECT_EQ(none.browser, "");
  EXPECT_EQ(none.os, "");
  EXPECT_EQ(describe_user_agent("").kind, "");
  EXPECT_EQ(describe_user_agent(std::string(10000, 'A')).browser, "");  // long input is cut, not scanned
}

}  // namespace
}  // namespace otk
