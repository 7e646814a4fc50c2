#include "core/tenancy/site_rules.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

TEST(NormalizeOrigin, LowercasesAndDropsDefaultPortsAndTrailingSlash) {
  EXPECT_EQ(*normalize_origin("HTTPS://Shop.Example:443/"), "https://shop.example");
  EXPECT_EQ(*normalize_origin("http://shop.example:80"), "http://shop.example");
  EXPECT_EQ(*normalize_origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(*normalize_origin("https://xn--80ak6aa92e.xn--p1ai"), "https://xn--80ak6aa92e.xn--p1ai");
  EXPECT_EQ(*normalize_origin("http://[::1]:3000"), "http://[::1]:3000");
}

TEST(NormalizeOrigin, RefusesWhatIsNotAnOrigin) {
  for (const char* bad : {"shop.example", "ftp://shop.example", "https://shop.example/path", "https://shop.example?x=1",
                          "https://user@shop.example", "https://", "https://shop..example", "https://-shop.example",
                          "https://shop.example:0", "https://shop.example:70000", "https://shop.example:", "https://магазин.рф",
                          "https://[::1", "https://shop example"}) {
    auto r = normalize_origin(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::bad_request);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << "the message names the input";
  }
}

Site good() {
  Site s;
  s.key = "my-shop";
  s.name = "  Мой магазин ";
  s.allowed_origins = {"https://shop.example", "HTTPS://SHOP.EXAMPLE/"};
  s.appearance.color = "#2F6FED";
  s.appearance.greeting = "  Здравствуйте!  ";
  return s;
}

TEST(NormalizeSite, CleansAGoodSite) {
  auto r = normalize_site(good());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "Мой магазин");
  EXPECT_EQ(r->allowed_origins, std::vector<std::string>{"https://shop.example"});
  EXPECT_EQ(r->appearance.color, "#2f6fed");
  EXPECT_EQ(r->appearance.greeting, "Здравствуйте!");
}

TEST(NormalizeSite, NamesTheFieldThatIsWrong) {
  const auto message_of = [](auto change) {
    Site s = good();
    change(s);
    auto r = normalize_site(s);
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(message_of([](Site& s) { s.key = "My Shop"; }).find("site key"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.name = "   "; }).find("site name"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.allowed_origins.clear(); }).find("origin"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.language = "de"; }).find("language"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.timezone = "Moscow time"; }).find("timezone"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.appearance.color = "red"; }).find("colour"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.appearance.position = "center"; }).find("position"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.appearance.title = std::string(41, 'x'); }).find("title"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.appearance.greeting = "a\x01" "b"; }).find("control"), std::string::npos);
  EXPECT_NE(message_of([](Site& s) { s.appearance.operator_name = "\xff"; }).find("UTF-8"), std::string::npos);
}

TEST(NormalizeSite, CountsCharactersNotBytes) {
  Site s = good();
  s.appearance.title = "Напишите нам, мы на связи весь день!!";  // 37 Cyrillic-heavy characters, 70 bytes
  EXPECT_TRUE(normalize_site(s));
}

}  // namespace
}  // namespace otk
