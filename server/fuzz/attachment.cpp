// core/media/attachment.hpp: an uploaded attachment's claimed name and its bytes ("name\0bytes"), as the upload
// endpoints take them: the type sniffed, the name cleaned, the Content-Disposition built from it.
#include <algorithm>

#include "core/chat/text.hpp"
#include "core/media/attachment.hpp"
#include "fuzz.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::as_text(data, size);
  const auto cut = input.find('\0');
  const auto name = input.substr(0, cut);
  const auto bytes = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 1);
  auto kind = sniff_attachment(bytes);
  const AttachmentKind fallback = *attachment_kind("application/pdf");
  const AttachmentKind& k = kind ? *kind : fallback;
  OTK_FUZZ_CHECK(attachment_kind(k.mime).has_value());

  const std::string clean = sanitize_attachment_name(name, k);
  OTK_FUZZ_CHECK(!clean.empty() && is_valid_utf8(clean));
  OTK_FUZZ_CHECK(clean.find('/') == std::string::npos && clean.find('\\') == std::string::npos);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < clean.size(); ++chars) {
    char32_t c = 0;
    const std::size_t n = decode_utf8(clean, i, c);
    OTK_FUZZ_CHECK(n > 0);
    OTK_FUZZ_CHECK(c >= 0x20 && !(c >= 0x7f && c <= 0x9f));                       // no control characters
    OTK_FUZZ_CHECK(!(c >= 0x202a && c <= 0x202e) && !(c >= 0x2066 && c <= 0x2069));  // no bidi overrides
    i += n;
  }
  OTK_FUZZ_CHECK(chars <= kMaxAttachmentName);
  OTK_FUZZ_CHECK(clean.front() != '.' && clean.front() != ' ' && clean.back() != ' ');
  OTK_FUZZ_CHECK(sanitize_attachment_name(clean, k) == clean);  // cleaning is idempotent

  for (bool inline_ : {true, false}) {
    const std::string header = content_disposition(clean, inline_);
    for (unsigned char c : header) OTK_FUZZ_CHECK(c >= 0x20 && c < 0x7f);  // printable ASCII only
    const auto open = header.find("filename=\"");
    const auto close = header.find("\"; filename*=UTF-8''");
    OTK_FUZZ_CHECK(open != std::string::npos && close != std::string::npos && close > open);
    // Exactly two quotes: the fallback name can never close its string early.
    OTK_FUZZ_CHECK(std::count(header.begin(), header.end(), '"') == 2);
  }
  return 0;
}
