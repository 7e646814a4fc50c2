#include "core/callback/settings.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

CallbackSettings enabled() {
  CallbackSettings s;
  s.enabled = true;
  s.plan.operator_uris = {"sip:anna@pbx.example", "sip:boris@pbx.example:5070"};
  s.trunk.domain = "trunk.example:5060";
  s.trunk.caller_id = "+74951234567";
  return s;
}

TEST(CallbackSettings, DefaultsAreOffAndValid) {
  auto s = validate_callback_settings(CallbackSettings{});
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->enabled);
  EXPECT_EQ(s->fraud.allowed_regions, std::vector<std::string>{"RU"});
}

TEST(CallbackSettings, EnabledNeedsOperatorsAndATrunk) {
  auto no_ops = enabled();
  no_ops.plan.operator_uris.clear();
  EXPECT_NE(validate_callback_settings(no_ops).error().message.find("plan.operator_uris"), std::string::npos);
  auto no_trunk = enabled();
  no_trunk.trunk.domain.clear();
  EXPECT_NE(validate_callback_settings(no_trunk).error().message.find("trunk.domain"), std::string::npos);
  EXPECT_TRUE(validate_callback_settings(enabled()).has_value());
}

TEST(CallbackSettings, RefusesBadFieldsByName) {
  const std::pair<void (*)(CallbackSettings&), const char*> cases[] = {
      {[](CallbackSettings& s) { s.plan.operator_uris[0] = "tel:+7916"; }, "plan.operator_uris[0]"},
      {[](CallbackSettings& s) { s.plan.operator_uris[1] = "sip:a b@x"; }, "plan.operator_uris[1]"},
      {[](CallbackSettings& s) { s.trunk.domain = "trunk example"; }, "trunk.domain"},
      {[](CallbackSettings& s) { s.trunk.caller_id = "84951234567"; }, "trunk.caller_id"},
      {[](CallbackSettings& s) { s.trunk.display_name = "Shop \"Best\""; }, "trunk.display_name"},
      {[](CallbackSettings& s) { s.trunk.transport = "sctp"; }, "trunk.transport"},
      {[](CallbackSettings& s) { s.plan.rounds = 0; }, "plan: rounds"},
      {[](CallbackSettings& s) { s.region = "RUS"; }, "region"},
      {[](CallbackSettings& s) { s.fraud.number_per_day = 0; }, "fraud: number_per_day"},
      {[](CallbackSettings& s) { s.billing.per_minute = -1; }, "billing:"},
  };
  for (const auto& [change, field] : cases) {
    auto s = enabled();
    change(s);
    auto r = validate_callback_settings(s);
    ASSERT_FALSE(r.has_value()) << field;
    EXPECT_EQ(r.error().code, Errc::bad_request);
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  }
}

TEST(CallbackSettings, JsonRoundTripKeepsEverything) {
  auto s = enabled();
  s.plan.strategy = RingStrategy::in_turn;
  s.plan.operator_ring_timeout = Millis(7000);
  s.trunk.username = "shop";
  s.trunk.password = "s3cret";
  s.trunk.display_name = "Уютный дом";
  s.trunk.transport = "tcp";
  s.fraud.blocked_numbers = {"+79990000000"};
  s.billing.per_minute = 250;
  s.billing.rounding = Rounding{30, 6};
  auto back = callback_settings_from_json(callback_settings_to_json(*validate_callback_settings(s)));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->plan.operator_uris, s.plan.operator_uris);
  EXPECT_EQ(back->plan.strategy, RingStrategy::in_turn);
  EXPECT_EQ(back->plan.operator_ring_timeout, Millis(7000));
  EXPECT_EQ(back->trunk.transport, "tcp");
  EXPECT_EQ(back->trunk, s.trunk);
  EXPECT_EQ(back->fraud.blocked_numbers, s.fraud.blocked_numbers);
  EXPECT_EQ(back->billing, s.billing);
}

TEST(CallbackSettings, JsonIsCheckedStrictly) {
  EXPECT_EQ(callback_settings_from_json("{").error().code, Errc::bad_json);
  EXPECT_NE(callback_settings_from_json(R"({"enabld":true})").error().message.find("unknown key 'enabld'"), std::string::npos);
  EXPECT_NE(callback_settings_from_json(R"({"plan":{"operators":"sip:a@b"}})").error().message.find("wrong type"),
            std::string::npos);
  EXPECT_NE(callback_settings_from_json(R"({"plan":{"strategy":"random"}})").error().message.find("plan.strategy"),
            std::string::npos);
  // A value of the wrong type names its whole field, as the console shows it next to the form.
  EXPECT_EQ(callback_settings_from_json(R"({"plan":{"operators":"sip:a@b"}})").error().message,
            "plan.operators: has the wrong type");
  EXPECT_EQ(callback_settings_from_json(R"({"trunk":{"domain":5}})").error().message, "trunk.domain: has the wrong type");
  EXPECT_EQ(callback_settings_from_json(R"({"fraud":{"number_per_day":1.5}})").error().message,
            "fraud.number_per_day: must be a whole number within range");
  EXPECT_EQ(callback_settings_from_json(R"({"enabled":"yes"})").error().message, "enabled: has the wrong type");
  auto partial = callback_settings_from_json(R"({"region":"kz"})");
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->region, "KZ");
  EXPECT_EQ(partial->fraud.allowed_regions, std::vector<std::string>{"KZ"});  // the default follows the region
}

// Found by fuzz_callback_settings (server/fuzz): numbers were read with get<int>(), which cast 1e300 out of range
// (undefined behaviour), truncated 1.5 to 1 and wrapped 4294967298 to 2, a value validation then accepted.
TEST(CallbackSettings, NumbersMustBeWholeAndFitTheirField) {
  for (const char* doc : {R"({"plan":{"rounds":1e300}})", R"({"plan":{"rounds":1.5}})",
                          R"({"plan":{"rounds":4294967298}})", R"({"plan":{"operator_ring_ms":2e4}})",
                          R"({"fraud":{"min_time_on_page_ms":1e300}})", R"({"fraud":{"number_per_day":-1e300}})",
                          R"({"billing":{"per_minute":-1e300}})", R"({"billing":{"first_seconds":18446744073709551615}})"}) {
    auto s = callback_settings_from_json(doc);
    ASSERT_FALSE(s.has_value()) << doc;
    EXPECT_EQ(s.error().code, Errc::bad_request);
  }
  EXPECT_NE(callback_settings_from_json(R"({"plan":{"rounds":1.5}})").error().message.find("rounds"), std::string::npos);
  auto whole = callback_settings_from_json(R"({"plan":{"rounds":3,"operator_ring_ms":20000},"billing":{"per_minute":300}})");
  ASSERT_TRUE(whole.has_value()) << whole.error().message;
  EXPECT_EQ(whole->plan.rounds, 3);
  EXPECT_EQ(whole->billing.per_minute, 300);
}

TEST(CallbackSettings, VisitorUriDialsTheNumberAtTheTrunk) {
  EXPECT_EQ(visitor_sip_uri(enabled().trunk, "+79161234567"), "sip:+79161234567@trunk.example:5060");
  auto tcp = enabled().trunk;
  tcp.transport = "tcp";
  EXPECT_EQ(visitor_sip_uri(tcp, "+79161234567"), "sip:+79161234567@trunk.example:5060;transport=tcp");
  EXPECT_EQ(callback_settings_from_json(R"({"trunk": {"domain": "t.example"}})")->trunk.transport, "udp") << "the default";
}

}  // namespace
}  // namespace otk
