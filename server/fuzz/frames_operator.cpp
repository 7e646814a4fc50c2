// proto/frames.hpp parse_operator_frame: every WebSocket frame an operator's console sends (docs/protocol.md).
#include <variant>

#include "core/chat/text.hpp"
#include "fuzz.hpp"
#include "proto/frames.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  if (text.size() > proto::kMaxOperatorFrame) return -1;  // the socket refuses longer frames before parsing
  auto frame = proto::parse_operator_frame(text);
  if (!frame) {
    const auto out = proto::error_frame(frame.error().error, frame.error().ref);
    OTK_FUZZ_CHECK(out.find("\"type\":\"error\"") != std::string::npos);
    return 0;
  }
  OTK_FUZZ_CHECK(!proto::ref_of(*frame).empty());
  if (const auto* s = std::get_if<proto::Send>(&*frame)) {
    OTK_FUZZ_CHECK(s->conversation.value > 0);
    OTK_FUZZ_CHECK(normalize_message_text(s->text).value_or("") == s->text);
  } else if (const auto* n = std::get_if<proto::AddNote>(&*frame)) {
    OTK_FUZZ_CHECK(normalize_message_text(n->text).value_or("") == n->text);
  } else if (const auto* l = std::get_if<proto::SetLabel>(&*frame)) {
    OTK_FUZZ_CHECK(normalize_label(l->label).value_or("") == l->label);
  } else if (const auto* t = std::get_if<proto::Transfer>(&*frame)) {
    OTK_FUZZ_CHECK((t->to_operator.value > 0) != (t->to_department.value > 0));
    if (t->note) OTK_FUZZ_CHECK(parse_client_id(t->client_id).has_value());
  } else if (const auto* h = std::get_if<proto::History>(&*frame)) {
    OTK_FUZZ_CHECK(h->limit >= 1 && h->limit <= proto::kMaxHistoryPage && h->after >= 0);
  }
  return 0;
}
