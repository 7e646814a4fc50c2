#include "core/chat/canned.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

TEST(Canned, ShortcutsAreLowerCasedAndChecked) {
  EXPECT_EQ(normalize_shortcut("/Delivery").value(), "delivery");
  EXPECT_EQ(normalize_shortcut("return_policy-2").value(), "return_policy-2");
  EXPECT_EQ(normalize_shortcut("Доставка").value(), "доставка");
  EXPECT_EQ(normalize_shortcut("ЁЛКА").value(), "ёлка");
  EXPECT_EQ(normalize_shortcut(std::string(32, 'a')).value(), std::string(32, 'a'));
  for (auto bad : {"", "/", "two words", "a/b", "emoji😀", "tab\t"}) {
    auto r = normalize_shortcut(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("'shortcut'"), std::string::npos);
  }
  EXPECT_FALSE(normalize_shortcut(std::string(33, 'a')));
  std::string long_cyrillic;
  for (int i = 0; i < 33; ++i) long_cyrillic += "ж";
  EXPECT_FALSE(normalize_shortcut(long_cyrillic));  // counted in characters, not bytes
}

TEST(Canned, TextsKnowTheirVariables) {
  EXPECT_EQ(normalize_canned_text("  Здравствуйте, {visitor.name}! Я {operator.name} из {site.name}.  ").value(),
            "Здравствуйте, {visitor.name}! Я {operator.name} из {site.name}.");
  EXPECT_TRUE(normalize_canned_text("Цены { от 100 руб. } и выше"));  // prose in braces
  EXPECT_TRUE(normalize_canned_text("Смайлик :-{"));
  auto typo = normalize_canned_text("Здравствуйте, {visitr.name}!");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("{visitr.name}"), std::string::npos);
  EXPECT_EQ(normalize_canned_text("   ").error().code, Errc::text_empty);
  EXPECT_EQ(normalize_canned_text(std::string(4001, 'x')).error().code, Errc::text_too_long);
}

}  // namespace
}  // namespace otk
