#include "core/media/image.hpp"

#include <gtest/gtest.h>

#include <string>

namespace otk {
namespace {

using namespace std::string_literals;

std::string be32(unsigned v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

std::string png(unsigned w, unsigned h) {
  return "\x89PNG\r\n\x1a\n"s + be32(13) + "IHDR" + be32(w) + be32(h) + "\x08\x06\x00\x00\x00"s + "crc!";
}

TEST(InspectImage, ReadsPngSize) {
  auto r = inspect_image(png(256, 128));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mime, "image/png");
  EXPECT_EQ(r->width, 256);
  EXPECT_EQ(r->height, 128);
}

TEST(InspectImage, ReadsJpegSizeAfterOtherSegments) {
  // SOI, APP0 (JFIF, 16 bytes), DQT stub (4 bytes), SOF0: length 17, precision 8, height 300, width 400.
  const std::string jpeg = "\xff\xd8"s + "\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"s +
                           "\xff\xdb\x00\x04\x00\x00"s + "\xff\xc0\x00\x11\x08\x01\x2c\x01\x90\x03"s + std::string(9, '\0');
  auto r = inspect_image(jpeg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mime, "image/jpeg");
  EXPECT_EQ(r->width, 400);
  EXPECT_EQ(r->height, 300);
}

TEST(InspectImage, ReadsWebpLossyLosslessAndExtended) {
  const std::string riff = "RIFF\x00\x00\x00\x00WEBP"s;
  // VP8: frame tag (3), start code 9d 01 2a, width 640, height 480 (little-endian 14 bits).
  auto lossy = inspect_image(riff + "VP8 \x00\x00\x00\x00"s + "\x00\x00\x00"s + "\x9d\x01\x2a"s + "\x80\x02\xe0\x01"s);
  ASSERT_TRUE(lossy) << lossy.error().message;
  EXPECT_EQ(lossy->width, 640);
  EXPECT_EQ(lossy->height, 480);
  // VP8L: signature 0x2f, then 14 bits width-1 and 14 bits height-1: 100x50 -> 99 | 49 << 14.
  const unsigned bits = 99 | (49u << 14);
  auto lossless = inspect_image(riff + "VP8L\x00\x00\x00\x00"s + "\x2f"s +
                                std::string{char(bits), char(bits >> 8), char(bits >> 16), char(bits >> 24)} +
                                std::string(5, '\0'));
  ASSERT_TRUE(lossless) << lossless.error().message;
  EXPECT_EQ(lossless->width, 100);
  EXPECT_EQ(lossless->height, 50);
  // VP8X: flags (4), then 24-bit width-1 and height-1: 1024x768.
  auto extended = inspect_image(riff + "VP8X\x0a\x00\x00\x00"s + "\x00\x00\x00\x00"s + "\xff\x03\x00"s + "\xff\x02\x00"s);
  ASSERT_TRUE(extended) << extended.error().message;
  EXPECT_EQ(extended->width, 1024);
  EXPECT_EQ(extended->height, 768);
}

TEST(InspectImage, RefusesOtherFormatsByContentNotByName) {
  for (const std::string& bytes : {"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"s, "GIF89a...."s,
                                  ""s, "\x89PNG\r\n\x1a\n"s, "\xff\xd8\xff"s, "RIFF\x00\x00\x00\x00WEBP"s}) {
    auto r = inspect_image(bytes);
    ASSERT_FALSE(r) << bytes;
    EXPECT_EQ(r.error().code, Errc::unsupported_media);
  }
}

TEST(InspectImage, RefusesEmptyAndHugeSides) {
  EXPECT_EQ(inspect_image(png(0, 10)).error().code, Errc::bad_request);
  EXPECT_EQ(inspect_image(png(10, kMaxImageSide + 1)).error().code, Errc::bad_request);
  EXPECT_TRUE(inspect_image(png(kMaxImageSide, kMaxImageSide)));
}

}  // namespace
}  // namespace otk
