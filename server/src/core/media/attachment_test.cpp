#include "core/media/attachment.hpp"

#include <gtest/gtest.h>

#include <string>

namespace otk {
namespace {

using namespace std::string_literals;

const AttachmentKind kPng = *attachment_kind("image/png");
const AttachmentKind kPdf = *attachment_kind("application/pdf");

std::string png() { return "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"s; }

TEST(SniffAttachment, RecognisesEachAllowedType) {
  const std::pair<std::string, std::string_view> cases[] = {
      {png(), "image/png"},
      {"\xff\xd8\xff\xe0\x00\x10JFIF\x00"s, "image/jpeg"},
      {"GIF89a\x01\x00\x01\x00\x80\x00\x00"s, "image/gif"},
      {"GIF87a\x01\x00\x01\x00\x80\x00\x00"s, "image/gif"},
      {"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"s, "image/webp"},
      {"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"s, "application/pdf"},
  };
  for (const auto& [bytes, mime] : cases) {
    auto kind = sniff_attachment(bytes);
    ASSERT_TRUE(kind) << mime << ": " << kind.error().message;
    EXPECT_EQ(kind->mime, mime);
    EXPECT_EQ(kind->image, mime != "application/pdf");
  }
}

TEST(SniffAttachment, RefusesWhatTheNameCannotMakeSafe) {
  const std::string refused[] = {
      "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"s,                               // a Windows .exe renamed .png
      "<!doctype html><script>alert(1)</script>",                                     // HTML renamed .jpg
      "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>",  // SVG
      "<svg onload=alert(1)>",
      " %PDF-1.4 junk first",                                                         // a header not at the start
      "\x7f" "ELF\x02\x01\x01",
      "PK\x03\x04 a zip or an office file"s,
      "plain text",
      "",
      "\x89PNG\r\n\x1a\n"s,  // a signature and nothing else
      "RIFF\x24\x00\x00\x00WAVEfmt "s,
  };
  for (const auto& bytes : refused) {
    auto kind = sniff_attachment(bytes);
    ASSERT_FALSE(kind) << bytes;
    EXPECT_EQ(kind.error().code, Errc::unsupported_media);
  }
}

TEST(AttachmentName, KeepsOnlyTheLastPathPart) {
  EXPECT_EQ(sanitize_attachment_name("../../etc/passwd.pdf", kPdf), "passwd.pdf");
  EXPECT_EQ(sanitize_attachment_name("C:\\Users\\anna\\Счёт №5.pdf", kPdf), "Счёт №5.pdf");
  EXPECT_EQ(sanitize_attachment_name("dir/", kPdf), "document.pdf");
  EXPECT_EQ(sanitize_attachment_name("..", kPng), "image.png");
  EXPECT_EQ(sanitize_attachment_name("", kPng), "image.png");
}

TEST(AttachmentName, RemovesControlAndInvisibleCharacters) {
  EXPECT_EQ(sanitize_attachment_name("a\r\nb\tc\x7f.png", kPng), "a__b_c_.png");
  EXPECT_EQ(sanitize_attachment_name("report\x1b[31m.pdf", kPdf), "report_[31m.pdf");
  // U+202E RIGHT-TO-LEFT OVERRIDE would show "invoice\u202Egpj.exe" as "invoiceexe.jpg".
  EXPECT_EQ(sanitize_attachment_name("invoice\u202Egpj.exe", kPdf), "invoicegpj.exe.pdf");
  EXPECT_EQ(sanitize_attachment_name("a\u200Bb\u2066c\uFEFF.png", kPng), "abc.png");
  EXPECT_EQ(sanitize_attachment_name(" .hidden.png ", kPng), "hidden.png");
}

TEST(AttachmentName, ReplacesInvalidUtf8) {
  const auto name = sanitize_attachment_name("bad\xff\xfe name\xc3.pdf", kPdf);
  EXPECT_EQ(name, "bad__ name_.pdf");
  EXPECT_EQ(sanitize_attachment_name("\xed\xa0\x80.png", kPng), "___.png");  // a surrogate: three bad bytes
}

TEST(AttachmentName, EndsWithTheSniffedTypesExtension) {
  EXPECT_EQ(sanitize_attachment_name("photo.PNG", kPng), "photo.PNG");
  EXPECT_EQ(sanitize_attachment_name("photo.jpeg", *attachment_kind("image/jpeg")), "photo.jpeg");
  EXPECT_EQ(sanitize_attachment_name("photo", kPng), "photo.png");
  EXPECT_EQ(sanitize_attachment_name("setup.exe", kPdf), "setup.exe.pdf");
  EXPECT_EQ(sanitize_attachment_name("page.html", kPng), "page.html.png");
}

TEST(AttachmentName, IsBoundedAndKeepsTheExtension) {
  std::string long_name;
  for (int i = 0; i < 300; ++i) long_name += "я";
  const auto cut = sanitize_attachment_name(long_name + ".pdf", kPdf);
  EXPECT_TRUE(cut.ends_with("я.pdf"));
  EXPECT_EQ(cut.size(), (kMaxAttachmentName - 4) * 2 + 4);
  const auto added = sanitize_attachment_name(std::string(500, 'x'), kPng);
  EXPECT_EQ(added, std::string(kMaxAttachmentName - 4, 'x') + ".png");
}

TEST(ContentDisposition, CyrillicNameHasAnAsciiFallbackAndTheExactName) {
  EXPECT_EQ(content_disposition("Счёт.pdf", false),
            "attachment; filename=\"____.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82.pdf");
  EXPECT_EQ(content_disposition("photo 1.png", true), "inline; filename=\"photo 1.png\"; filename*=UTF-8''photo%201.png");
}

TEST(ContentDisposition, HostileNamesCannotBreakTheHeader) {
  const auto h = content_disposition("a\"; filename=evil.html\\\"%0d.pdf", false);
  EXPECT_EQ(h, "attachment; filename=\"a_; filename=evil.html___0d.pdf\"; "
               "filename*=UTF-8''a%22%3B%20filename%3Devil.html%5C%22%250d.pdf");
  // Control characters never reach a header, even if an unsanitised name slipped through.
  const auto c = content_disposition("x\r\nSet-Cookie: a=b.pdf", false);
  EXPECT_EQ(c, "attachment; filename=\"x__Set-Cookie: a=b.pdf\"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db.pdf");
}

TEST(AttachmentText, ReadsInTheSitesLanguage) {
  EXPECT_EQ(attachment_text("Счёт.pdf", "ru"), "[файл: Счёт.pdf]");
  EXPECT_EQ(attachment_text("a.png", "en"), "[file: a.png]");
}

TEST(AttachmentId, IsThirtyTwoLowercaseHexDigits) {
  EXPECT_TRUE(is_attachment_id("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(is_attachment_id("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(is_attachment_id("../../../../etc/passwd0123456789ab"));
  EXPECT_FALSE(is_attachment_id("12"));
  EXPECT_FALSE(is_attachment_id(""));
}

}  // namespace
}  // namespace otk
