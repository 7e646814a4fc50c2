#include "core/media/image.hpp"

#include <cstdint>

namespace otk {
namespace {

std::uint32_t be16(std::string_view b, std::size_t at) {
  return (static_cast<std::uint8_t>(b[at]) << 8) | static_cast<std::uint8_t>(b[at + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }
std::uint32_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint8_t>(b[at]) | (static_cast<std::uint8_t>(b[at + 1]) << 8);
}
std::uint32_t le24(std::string_view b, std::size_t at) { return le16(b, at) | (static_cast<std::uint8_t>(b[at + 2]) << 16); }

Result<ImageInfo> png(std::string_view b) {
  // Signature (8), then the IHDR chunk: length (4), "IHDR", width (4), height (4).
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return fail(Errc::unsupported_media, "PNG without a header chunk");
  return ImageInfo{"image/png", static_cast<int>(be32(b, 16) & 0x7fffffff), static_cast<int>(be32(b, 20) & 0x7fffffff)};
}

Result<ImageInfo> jpeg(std::string_view b) {
  // Walk the marker segments up to the first start-of-frame, which holds the size.
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<std::uint8_t>(b[at]) != 0xff) return fail(Errc::unsupported_media, "JPEG with a broken marker");
    const std::uint8_t marker = static_cast<std::uint8_t>(b[at + 1]);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    const std::size_t length = be16(b, at + 2);
    const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (sof) {
      if (at + 9 > b.size()) break;
      return ImageInfo{"image/jpeg", static_cast<int>(be16(b, at + 7)), static_cast<int>(be16(b, at + 5))};
    }
    if (marker == 0xd9 || marker == 0xda || length < 2) break;  // end of image or scan data before any frame
    at += 2 + length;
  }
  return fail(Errc::unsupported_media, "JPEG without a frame header");
}

Result<ImageInfo> webp(std::string_view b) {
  // RIFF header (12), then the first chunk: "VP8 " (lossy), "VP8L" (lossless) or "VP8X" (extended).
  if (b.size() < 30) return fail(Errc::unsupported_media, "WebP too short");
  const auto chunk = b.substr(12, 4);
  if (chunk == "VP8 ") {
    if (b.substr(23, 3) != "\x9d\x01\x2a") return fail(Errc::unsupported_media, "WebP with a broken frame tag");
    return ImageInfo{"image/webp", static_cast<int>(le16(b, 26) & 0x3fff), static_cast<int>(le16(b, 28) & 0x3fff)};
  }
  if (chunk == "VP8L") {
    if (static_cast<std::uint8_t>(b[20]) != 0x2f) return fail(Errc::unsupported_media, "WebP with a broken signature");
    const std::uint32_t bits = le16(b, 21) | (le16(b, 23) << 16);
    return ImageInfo{"image/webp", static_cast<int>((bits & 0x3fff) + 1), static_cast<int>(((bits >> 14) & 0x3fff) + 1)};
  }
  if (chunk == "VP8X") {
    return ImageInfo{"image/webp", static_cast<int>(le24(b, 24) + 1), static_cast<int>(le24(b, 27) + 1)};
  }
  return fail(Errc::unsupported_media, "WebP with an unknown first chunk");
}

}  // namespace

Result<ImageInfo> inspect_image(std::string_view b) {
  Result<ImageInfo> r = fail(Errc::unsupported_media, "not a PNG, JPEG or WebP image");
  if (b.starts_with("\x89PNG\r\n\x1a\n")) r = png(b);
  else if (b.size() >= 3 && b.starts_with("\xff\xd8\xff")) r = jpeg(b);
  else if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") r = webp(b);
  if (!r) return r;
  if (r->width <= 0 || r->height <= 0 || r->width > kMaxImageSide || r->height > kMaxImageSide) {
    return fail(Errc::bad_request, "image sides must be from 1 to " + std::to_string(kMaxImageSide) + " pixels");
  }
  return r;
}

}  // namespace otk
