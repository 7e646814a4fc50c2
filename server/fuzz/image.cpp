// core/media/image.hpp inspect_image: the bytes of an uploaded operator photo, recognised by their header.
#include "core/media/image.hpp"
#include "fuzz.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto info = inspect_image(fuzz::as_text(data, size));
  if (!info) return 0;
  OTK_FUZZ_CHECK(info->mime == "image/png" || info->mime == "image/jpeg" || info->mime == "image/webp");
  OTK_FUZZ_CHECK(info->width >= 1 && info->width <= kMaxImageSide && info->height >= 1 && info->height <= kMaxImageSide);
  return 0;
}
