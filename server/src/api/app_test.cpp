#include "api/app.hpp"

#include <gtest/gtest.h>

#include <set>

#include "api/metrics.hpp"
#include "api/openapi.hpp"
#include "api/services.hpp"

namespace otk {
namespace {

HttpRequest with_header(http::field f, std::string v) {
  HttpRequest r{http::verb::get, "/", 11};
  r.set(f, v);
  return r;
}

TEST(QueryParam, DecodesPercentAndPlus) {
  EXPECT_EQ(query_param("/ws/visitor?site=demo-shop", "site"), "demo-shop");
  EXPECT_EQ(query_param("/x?a=1&site=a%20b+c", "site"), "a b c");
  EXPECT_EQ(query_param("/x?site=", "site"), "");
  EXPECT_EQ(query_param("/x?sites=1", "site"), std::nullopt);
  EXPECT_EQ(query_param("/x", "site"), std::nullopt);
  EXPECT_EQ(query_param("/x?site=%", "site"), "%");    // a broken escape is kept, never read past the end
  EXPECT_EQ(query_param("/x?site=%4", "site"), "%4");
}

TEST(CookieValue, FindsExactName) {
  auto r = with_header(http::field::cookie, "a=1; otk_session_x=2; otk_session=tok; b=3");
  EXPECT_EQ(cookie_value(r, "otk_session"), "tok");
  EXPECT_EQ(cookie_value(with_header(http::field::cookie, "x=1"), "otk_session"), "");
}

TEST(OwnOrigin, FollowsHostAndForwardedProto) {
  auto r = with_header(http::field::host, "chat.example.com");
  EXPECT_EQ(own_origin(r), "http://chat.example.com");
  r.set("X-Forwarded-Proto", "https");
  EXPECT_EQ(own_origin(r), "https://chat.example.com");
}

TEST(HttpStatusOf, MapsEveryCodeDeliberately) {
  EXPECT_EQ(http_status_of(Errc::not_found), http::status::not_found);
  EXPECT_EQ(http_status_of(Errc::csrf), http::status::forbidden);
  EXPECT_EQ(http_status_of(Errc::rate_limited), http::status::too_many_requests);
  EXPECT_EQ(http_status_of(Errc::unavailable), http::status::service_unavailable);
  EXPECT_EQ(http_status_of(Errc::bad_credentials), http::status::unauthorized);
}

TEST(RandomToken, IsUrlSafeAndUnique) {
  auto a = random_token(), b = random_token();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_EQ(token_hash("abc").size(), 64u);
}

}  // namespace
}  // namespace otk

namespace otk {
namespace {

TEST(ErrorCodes, EveryCodeHasItsOwnNameAStatusAndAMetricsSlot) {
  std::set<std::string_view> names;
  Metrics m;
  for (std::size_t i = 0; i < kErrcCount; ++i) {
    const auto code = static_cast<Errc>(i);
    const auto name = errc_name(code);
    EXPECT_TRUE(names.insert(name).second) << "code " << i << " has no name of its own (" << name << ")";
    EXPECT_GE(static_cast<int>(http_status_of(code)), 400);
    m.error(code);  // out of range would trip UBSan and AddressSanitizer
  }
  const auto text = m.render(0);
  EXPECT_NE(text.find("code=\"unsupported_media\""), std::string::npos);
}

// docs/openapi.json is compiled in whole: it parses, is OpenAPI 3, and its Error schema names every error code.
TEST(OpenApi, EmbeddedDocumentIsTheWholeJson) {
  const auto doc = nlohmann::json::parse(openapi_document(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(doc.at("openapi").get<std::string>().starts_with("3."));
  EXPECT_TRUE(doc.at("paths").contains("/api/v1/openapi.json"));
  const auto& error = doc.at("components").at("schemas").at("Error").at("properties").at("error");
  std::set<std::string> codes;
  for (const auto& c : error.at("properties").at("code").at("enum")) codes.insert(c.get<std::string>());
  for (std::size_t i = 0; i < kErrcCount; ++i) {
    const std::string name(errc_name(static_cast<Errc>(i)));
    EXPECT_TRUE(codes.contains(name)) << name << " is missing from the Error schema's codes";
  }
  EXPECT_EQ(codes.size(), kErrcCount);
}

}  // namespace
}  // namespace otk
