// core/chat/text.hpp and core/chat/canned.hpp: message texts, client ids, labels, canned-reply shortcuts and texts
// as people type them. A normalised value is valid UTF-8 and normalising it again changes nothing.
#include "core/chat/canned.hpp"
#include "core/chat/text.hpp"
#include "fuzz.hpp"

using namespace otk;

namespace {

template <class F>
void fixed_point(F normalize, std::string_view raw) {
  auto once = normalize(raw);
  if (!once) return;
  OTK_FUZZ_CHECK(is_valid_utf8(*once));
  auto twice = normalize(*once);
  OTK_FUZZ_CHECK(twice.has_value() && *twice == *once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  fixed_point(normalize_message_text, text);
  fixed_point(normalize_label, text);
  fixed_point(normalize_shortcut, text);
  fixed_point(normalize_canned_text, text);
  if (auto id = parse_client_id(text)) OTK_FUZZ_CHECK(*id == text);
  if (is_valid_utf8(text)) {
    for (std::size_t n : {0, 1, 5, 40}) {
      const auto cut = truncate_utf8(text, n);
      OTK_FUZZ_CHECK(text.starts_with(cut) && is_valid_utf8(cut));
    }
  }
  return 0;
}
