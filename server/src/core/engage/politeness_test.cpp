#include "core/engage/politeness.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

// A site that does everything right.
PolitenessInput polite(const EngageSettings* engage, std::string language = "ru") {
  PolitenessInput in;
  in.engage = engage;
  in.appearance.title = "Магазин «Уют»";
  in.appearance.greeting = "Здравствуйте! Подскажем с размером, доставкой и оплатой.";
  in.hours_configured = true;
  in.always_open = false;
  in.first_response_seconds = 18;
  in.operators = 3;
  in.operators_with_photo = 3;
  in.callback_enabled = true;
  in.language = std::move(language);
  return in;
}

const PolitenessCheck& check(const std::vector<PolitenessCheck>& report, std::string_view id) {
  for (const auto& c : report) {
    if (c.id == id) return c;
  }
  static const PolitenessCheck missing{"missing", false, "", ""};
  ADD_FAILURE() << "no check " << id;
  return missing;
}

EngageSettings with_teaser(std::string_view text) {
  auto s = engage_settings_from_json(
      nlohmann::json{{"triggers",
                      nlohmann::json::array({{{"id", "shop-browse"},
                                              {"conditions", nlohmann::json::array({{{"type", "exit_intent"}}})},
                                              {"action", {{"type", "teaser"}, {"text", text}}}}})}});
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return *s;
}

TEST(Politeness, AllChecksInOrderAndAllFineForAPoliteSite) {
  const auto s = default_engage_settings("ru");
  for (auto lang : {"ru", "en"}) {
    const auto report = politeness_report(polite(&s, lang));
    const std::vector<std::string> ids{"silent_opening",  "side_placement",      "no_auto_open",       "response_time",
                                       "hours_stated",    "no_data_extortion",   "no_auto_geolocation", "real_operator_photo",
                                       "lively_texts",    "invitation_frequency", "excluded_checkout"};
    ASSERT_EQ(report.size(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(report[i].id, ids[i]);
      EXPECT_TRUE(report[i].ok) << lang << " " << ids[i] << ": " << report[i].explain;
      EXPECT_FALSE(report[i].title.empty());
      EXPECT_FALSE(report[i].explain.empty());
      EXPECT_EQ(stock_phrase(report[i].title + " " + report[i].explain), "") << "we practise what we preach";
    }
  }
  EXPECT_EQ(check(politeness_report(polite(&s, "en")), "response_time").title, "You answer fast");
  EXPECT_EQ(check(politeness_report(polite(&s, "ru")), "response_time").title, "Отвечаете быстро");
}

TEST(Politeness, NoDocumentMeansDefaults) {
  const auto report = politeness_report(polite(nullptr));
  EXPECT_TRUE(check(report, "invitation_frequency").ok);
  EXPECT_TRUE(check(report, "excluded_checkout").ok);
}

TEST(Politeness, SidePlacement) {
  const auto s = default_engage_settings("ru");
  auto in = polite(&s);
  in.appearance.position = "left";
  EXPECT_TRUE(check(politeness_report(in), "side_placement").ok);
  EXPECT_NE(check(politeness_report(in), "side_placement").explain.find("левом"), std::string::npos);
  in.appearance.position = "center";
  const auto c = check(politeness_report(in), "side_placement");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("«center»"), std::string::npos) << c.explain;
}

TEST(Politeness, NoAutoOpenMentionsTheCampaignException) {
  auto s = default_engage_settings("ru");
  EXPECT_EQ(check(politeness_report(polite(&s)), "no_auto_open").explain.find("рассылк"), std::string::npos);
  s.campaign.greeting = "Рады видеть!";
  const auto c = check(politeness_report(polite(&s)), "no_auto_open");
  EXPECT_TRUE(c.ok);
  EXPECT_NE(c.explain.find("один раз"), std::string::npos);
}

TEST(Politeness, ResponseTime) {
  const auto s = default_engage_settings("ru");
  auto in = polite(&s);
  in.first_response_seconds = 25;
  EXPECT_TRUE(check(politeness_report(in), "response_time").ok);
  in.first_response_seconds = 26;
  EXPECT_FALSE(check(politeness_report(in), "response_time").ok);
  EXPECT_NE(check(politeness_report(in), "response_time").explain.find("26 с"), std::string::npos);
  in.first_response_seconds = 95;
  EXPECT_NE(check(politeness_report(in), "response_time").explain.find("1 мин 35 с"), std::string::npos);
  in.language = "en";
  EXPECT_NE(check(politeness_report(in), "response_time").explain.find("1 min 35 s"), std::string::npos);
  in.first_response_seconds = -1;
  EXPECT_TRUE(check(politeness_report(in), "response_time").ok) << "no chats yet is nothing to fix";
}

TEST(Politeness, HoursStated) {
  const auto s = default_engage_settings("ru");
  auto in = polite(&s);
  EXPECT_TRUE(check(politeness_report(in), "hours_stated").ok);
  in.always_open = true;
  EXPECT_TRUE(check(politeness_report(in), "hours_stated").ok) << "chosen deliberately";
  in.hours_configured = false;
  const auto c = check(politeness_report(in), "hours_stated");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("круглосуточно"), std::string::npos);
}

TEST(Politeness, NoDataExtortion) {
  auto s = with_teaser("Подскажем с выбором");
  auto in = polite(&s);
  EXPECT_TRUE(check(politeness_report(in), "no_data_extortion").ok);
  // The appearance is not validated by the engage document, so the report is where it is caught.
  in.appearance.greeting = "Оставьте номер телефона, и мы перезвоним";
  auto c = check(politeness_report(in), "no_data_extortion");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("«Оставьте номер телефона, и мы перезвоним» (приветствие)"), std::string::npos) << c.explain;
  EXPECT_NE(c.explain.find("обратный звонок"), std::string::npos);
  // A callback offer may mention the phone: the visitor takes it or leaves it.
  in.appearance.greeting = "Здравствуйте!";
  auto offer = engage_settings_from_json(
      R"({"triggers":[{"id":"call","conditions":[{"type":"exit_intent"}],"action":{"type":"callback_offer","text":"Перезвоним на ваш телефон"}}]})");
  ASSERT_TRUE(offer.has_value());
  in.engage = &*offer;
  EXPECT_TRUE(check(politeness_report(in), "no_data_extortion").ok);
  in.callback_enabled = false;
  in.language = "en";
  c = check(politeness_report(in), "no_data_extortion");
  EXPECT_NE(c.explain.find("turn on the callback"), std::string::npos);
}

TEST(Politeness, NoAutoGeolocationIsByConstruction) {
  const auto s = default_engage_settings("ru");
  EXPECT_TRUE(check(politeness_report(polite(&s)), "no_auto_geolocation").ok);
}

TEST(Politeness, RealOperatorPhoto) {
  const auto s = default_engage_settings("ru");
  auto in = polite(&s);
  in.operators_with_photo = 1;
  auto c = check(politeness_report(in), "real_operator_photo");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("1 из 3"), std::string::npos);
  in.operators = 0;
  in.operators_with_photo = 0;
  EXPECT_FALSE(check(politeness_report(in), "real_operator_photo").ok);
  in.operators = 2;
  in.operators_with_photo = 2;
  EXPECT_TRUE(check(politeness_report(in), "real_operator_photo").ok);
}

TEST(Politeness, LivelyTexts) {
  auto s = with_teaser("Данный товар в рамках акции");
  auto in = polite(&s);
  in.appearance.greeting = "Здравствуйте! Чем могу помочь?";
  auto c = check(politeness_report(in), "lively_texts");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("«Здравствуйте! Чем могу помочь?» (приветствие, тут «чем могу помочь»)"), std::string::npos)
      << c.explain;
  EXPECT_NE(c.explain.find("«Данный товар в рамках акции» (приглашение «shop-browse»"), std::string::npos) << c.explain;

  const auto plain = default_engage_settings("en");
  auto en = polite(&plain, "en");
  en.appearance.title = "Your call is important to us";
  c = check(politeness_report(en), "lively_texts");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("“Your call is important to us” (chat window title, here “your call is important”)"),
            std::string::npos)
      << c.explain;
  for (auto phrase : {"How can I help you?", "Dear valued customer", "Do not hesitate to ask", "Уважаемый клиент!",
                      "Ваше обращение принято", "Осуществляем доставку"}) {
    EXPECT_NE(stock_phrase(phrase), "") << phrase;
  }
  for (auto fine : {"Подскажем с выбором", "Ask us anything about sizes", "Данные о доставке — в чате"}) {
    EXPECT_EQ(stock_phrase(fine), "") << fine;
  }
}

TEST(Politeness, InvitationFrequency) {
  auto s = default_engage_settings("ru");
  s.guards.period_hours = 12;
  EXPECT_TRUE(check(politeness_report(polite(&s)), "invitation_frequency").ok);
  s.guards.period_hours = 6;
  const auto c = check(politeness_report(polite(&s)), "invitation_frequency");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("через 6 ч"), std::string::npos) << c.explain;
}

TEST(Politeness, ExcludedCheckout) {
  auto s = default_engage_settings("ru");
  s.guards.excluded_pages = {"/thanks*", "*CART*"};
  auto c = check(politeness_report(polite(&s)), "excluded_checkout");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("«/checkout»"), std::string::npos) << c.explain;
  EXPECT_EQ(c.explain.find("«/cart»"), std::string::npos) << "the cart is covered, case-insensitively";
  EXPECT_NE(c.explain.find("«*checkout*»"), std::string::npos);
  s.guards.excluded_pages.clear();
  c = check(politeness_report(polite(&s, "en")), "excluded_checkout");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.explain.find("“/checkout” and “/cart”"), std::string::npos) << c.explain;
  s.guards.excluded_pages = {"/checkout*", "/cart*"};
  EXPECT_TRUE(check(politeness_report(polite(&s)), "excluded_checkout").ok);
}

}  // namespace
}  // namespace otk
