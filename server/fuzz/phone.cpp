// phone/phone.hpp parse_phone: the number a visitor types into the callback form, read with the site's region
// and with none. An accepted number is E.164 and reads back as itself.
#include "fuzz.hpp"
#include "phone/phone.hpp"

using namespace otk;

namespace {

bool is_e164(const std::string& s) {
  if (s.size() < 2 || s.size() > 16 || s[0] != '+') return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  for (const char* region : {"RU", "", "kz", "US"}) {
    auto n = parse_phone(text, region);
    if (!n) continue;
    OTK_FUZZ_CHECK(is_e164(n->e164));
    OTK_FUZZ_CHECK(n->country_code > 0 && !n->region.empty());
    auto again = parse_phone(n->e164, "");
    OTK_FUZZ_CHECK(again.has_value() && again->e164 == n->e164);
    (void)number_facts(*n, is_short_or_emergency(text, region));
  }
  return 0;
}
