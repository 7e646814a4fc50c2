#include "core/chat/text.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

TEST(NormalizeMessageText, TrimsAndKeepsInnerNewlines) {
  auto r = normalize_message_text("  \n Привет,\nмир!\t \r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "Привет,\nмир!");
}

TEST(NormalizeMessageText, DropsControlCharacters) {
  auto r = normalize_message_text(std::string("a\x01" "b\x7f" "c\r", 7));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "abc");
}

TEST(NormalizeMessageText, EmptyAfterTrimIsRefused) {
  for (std::string_view s : {"", "   ", "\n\t", "\xC2\xA0\xE3\x80\x80"}) {
    auto r = normalize_message_text(s);
    ASSERT_FALSE(r.has_value()) << s;
    EXPECT_EQ(r.error().code, Errc::text_empty);
  }
}

TEST(NormalizeMessageText, CountsCodePointsNotBytes) {
  std::string cyr;
  for (int i = 0; i < 4000; ++i) cyr += "ж";  // 8000 bytes, 4000 characters
  EXPECT_TRUE(normalize_message_text(cyr).has_value());
  cyr += "ж";
  auto r = normalize_message_text(cyr);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::text_too_long);
}

TEST(NormalizeMessageText, RefusesMalformedUtf8) {
  for (std::string_view s : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "ok\xFF"}) {
    auto r = normalize_message_text(s);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::bad_frame);
  }
}

TEST(NormalizeMessageText, KeepsEmoji) {
  auto r = normalize_message_text("👍 ok");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "👍 ok");
}

TEST(ParseClientId, AcceptsSafeAlphabetUpTo64) {
  EXPECT_TRUE(parse_client_id("v-abc_123").has_value());
  EXPECT_TRUE(parse_client_id(std::string(64, 'a')).has_value());
  EXPECT_FALSE(parse_client_id(std::string(65, 'a')).has_value());
  EXPECT_FALSE(parse_client_id("").has_value());
  EXPECT_FALSE(parse_client_id("a b").has_value());
  EXPECT_FALSE(parse_client_id("<script>").has_value());
}

TEST(TruncateUtf8, CutsOnCodePointBoundary) {
  EXPECT_EQ(truncate_utf8("жжж", 2), "жж");
  EXPECT_EQ(truncate_utf8("ab", 5), "ab");
}

TEST(Label, TrimmedBoundedPrintable) {
  EXPECT_EQ(normalize_label("  VIP ").value(), "VIP");
  EXPECT_EQ(normalize_label("возврат").value(), "возврат");
  std::string thirty_two;
  for (int i = 0; i < 32; ++i) thirty_two += "ж";
  EXPECT_TRUE(normalize_label(thirty_two));
  EXPECT_FALSE(normalize_label(thirty_two + "ж"));
  for (auto bad : {"", "   ", "a\nb", "\xff"}) {
    auto r = normalize_label(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("'label'"), std::string::npos);
  }
}

}  // namespace
}  // namespace otk
