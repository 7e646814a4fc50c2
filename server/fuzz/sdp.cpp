// telephony/sdp.hpp: SDP bodies (RFC 4566) from SIP peers — operators' phones and the trunk — which the callback
// engine parses, answers with a hold answer and passes on under its own o= line. What it sends parses again.
#include "fuzz.hpp"
#include "telephony/sdp.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  auto body = sdp::parse(text);
  sdp::Origin origin(42, "192.0.2.10");
  auto hold = sdp::hold_answer(text, origin);
  auto restamped = sdp::restamp(text, origin);
  if (!body) return 0;
  OTK_FUZZ_CHECK(!body->media.empty());
  OTK_FUZZ_CHECK(hold.has_value() && restamped.has_value());
  // (CRLF line ends and our o= line may take a body just under the size limit over it: that is no error.)
  for (const auto& out : {*hold, *restamped}) {
    if (out.size() > sdp::kMaxBodyBytes) continue;
    auto again = sdp::parse(out);
    OTK_FUZZ_CHECK(again.has_value() && again->media.size() == body->media.size());
  }
  return 0;
}
