// core/callback/settings.hpp callback_settings_from_json: a site's callback set-up as stored and as the CLI reads
// it. An accepted set-up is valid, and its JSON (callback_settings_to_json) reads back to the same JSON.
#include "core/callback/settings.hpp"
#include "fuzz.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto s = callback_settings_from_json(fuzz::as_text(data, size));
  if (!s) return 0;
  OTK_FUZZ_CHECK(validate_callback_settings(*s).has_value());
  const auto doc = callback_settings_to_json(*s);
  auto again = callback_settings_from_json(doc);
  OTK_FUZZ_CHECK(again.has_value());
  OTK_FUZZ_CHECK(callback_settings_to_json(*again) == doc);
  (void)visitor_sip_uri(s->trunk, "+79161234567");
  return 0;
}
