// core/chat/device.hpp describe_user_agent: the visitor's User-Agent header, shown on the operator's visitor card.
#include "core/chat/device.hpp"
#include "core/chat/text.hpp"
#include "fuzz.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto d = describe_user_agent(fuzz::as_text(data, size));
  OTK_FUZZ_CHECK(d.kind.empty() || d.kind == "phone" || d.kind == "tablet" || d.kind == "computer");
  OTK_FUZZ_CHECK(d.browser.size() <= kMaxUserAgentBytes && d.os.size() <= kMaxUserAgentBytes);
  return 0;
}
