// proto/frames.hpp parse_visitor_frame: every WebSocket frame a website visitor sends (docs/protocol.md), what
// the endpoint does with it next (visit_context of a page, the error frame of a refusal).
#include <variant>

#include "core/chat/text.hpp"
#include "core/routing/routing.hpp"
#include "fuzz.hpp"
#include "proto/frames.hpp"

using namespace otk;

namespace {

void page_seen(const PageRef& page) {
  OTK_FUZZ_CHECK(!page.url.empty());
  OTK_FUZZ_CHECK(is_valid_utf8(page.url) && is_valid_utf8(page.title) && is_valid_utf8(page.referrer));
  const auto visit = visit_context(page.url, page.referrer, false);
  OTK_FUZZ_CHECK(!visit.path.empty());
  (void)glob_match("/catalog*", visit.path);
  (void)glob_match("*cart*", visit.path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  if (text.size() > proto::kMaxVisitorFrame) return -1;  // the socket refuses longer frames before parsing
  auto frame = proto::parse_visitor_frame(text);
  if (!frame) {
    // A refusal must be sendable: the error frame is JSON whatever the message and ref hold.
    const auto out = proto::error_frame(frame.error().error, frame.error().ref);
    OTK_FUZZ_CHECK(out.find("\"type\":\"error\"") != std::string::npos);
    return 0;
  }
  const auto ref = proto::ref_of(*frame);
  OTK_FUZZ_CHECK(!ref.empty());
  if (const auto* h = std::get_if<proto::Hello>(&*frame)) {
    if (h->page) page_seen(*h->page);
    if (h->visitor_token) OTK_FUZZ_CHECK(h->visitor_token->size() <= proto::kMaxTokenChars * 4);
    if (h->identity) OTK_FUZZ_CHECK(!h->identity->id.empty() && !h->identity->hash.empty());
  } else if (const auto* p = std::get_if<proto::PageView>(&*frame)) {
    page_seen(p->page);
  } else if (const auto* s = std::get_if<proto::Send>(&*frame)) {
    // What normalize_message_text returns is a fixed point of it.
    OTK_FUZZ_CHECK(!s->text.empty() && normalize_message_text(s->text).value_or("") == s->text);
    OTK_FUZZ_CHECK(parse_client_id(s->client_id).has_value());
  } else if (const auto* c = std::get_if<proto::LeaveContact>(&*frame)) {
    OTK_FUZZ_CHECK(!c->form.email.empty() || !c->form.phone.empty());
  } else if (const auto* t = std::get_if<proto::Typing>(&*frame)) {
    OTK_FUZZ_CHECK(t->active || t->draft.empty());
  } else if (const auto* h = std::get_if<proto::History>(&*frame)) {
    OTK_FUZZ_CHECK(h->limit >= 1 && h->limit <= proto::kMaxHistoryPage);
  }
  return 0;
}
