// Recognises an uploaded image by its bytes, never by the name or the Content-Type a client claims: PNG, JPEG
// and WebP only (no SVG, which is a document that can run script), with sane dimensions.
#pragma once
#include <string_view>

#include "common/result.hpp"

namespace otk {

struct ImageInfo {
  std::string_view mime;  // "image/png" | "image/jpeg" | "image/webp"
  int width = 0;
  int height = 0;
};

inline constexpr int kMaxImageSide = 4096;

/// The image's type and size, or unsupported_media (not one of the three formats, or a truncated header)
/// or bad_request (a side of 0 or over kMaxImageSide).
Result<ImageInfo> inspect_image(std::string_view bytes);

}  // namespace otk
