#include "core/engage/engage.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/engage/politeness.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

std::string error_of(std::string_view text, std::string_view language = "ru") {
  auto r = engage_settings_from_json(text, language);
  return r ? std::string("<valid>") : r.error().message;
}

// A document with one trigger whose condition / action is given, for validation tables.
std::string with_condition(std::string_view condition) {
  return R"({"triggers":[{"id":"t","conditions":[)" + std::string(condition) +
         R"(],"action":{"type":"teaser","text":"Подскажем"}}]})";
}
std::string with_action(std::string_view action) {
  return R"({"triggers":[{"id":"t","conditions":[{"type":"exit_intent"}],"action":)" + std::string(action) + "}]}";
}

// ---- defaults ---------------------------------------------------------------------------------------

TEST(EngageSettings, EmptyDocumentTakesEveryDefault) {
  auto s = engage_settings_from_json("{}");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(*s, EngageSettings{});
  EXPECT_EQ(*s, default_engage_settings("ru"));
  EXPECT_TRUE(s->triggers.empty());
  EXPECT_EQ(s->guards.period_hours, 24);
  EXPECT_EQ(s->guards.excluded_pages,
            (std::vector<std::string>{"*cart*", "*checkout*", "*order*", "*korzina*", "*oformlenie*"}));
  EXPECT_EQ(s->campaign.medium, "email");
  EXPECT_EQ(s->campaign.greeting, "");
  EXPECT_FALSE(s->launcher.flat);
  EXPECT_EQ(s->goals.yandex_metrica, 0);
  EXPECT_FALSE(s->goals.google);
  EXPECT_FALSE(s->bot.enabled);
  EXPECT_EQ(s->bot.name, "Робот Отклик");
  EXPECT_DOUBLE_EQ(s->bot.threshold, 0.5);
}

TEST(EngageSettings, BotNameDefaultsToTheSiteLanguage) {
  EXPECT_EQ(engage_settings_from_json("{}", "en")->bot.name, "Otklik bot");
  EXPECT_EQ(engage_settings_from_json(R"({"bot":{"enabled":true}})", "en")->bot.name, "Otklik bot");
  EXPECT_EQ(engage_settings_from_json(R"({"bot":{"name":"Маша"}})", "en")->bot.name, "Маша");
  EXPECT_EQ(default_bot_name("ru"), "Робот Отклик");
}

TEST(EngageSettings, ExcludedPagesDefaultOnlyWhenAbsent) {
  EXPECT_EQ(engage_settings_from_json(R"({"guards":{"period_hours":48}})")->guards.excluded_pages, default_excluded_pages());
  EXPECT_TRUE(engage_settings_from_json(R"({"guards":{"excluded_pages":[]}})")->guards.excluded_pages.empty());
  EXPECT_EQ(engage_settings_from_json(R"({"guards":{"excluded_pages":["/thanks*"]}})")->guards.excluded_pages,
            std::vector<std::string>{"/thanks*"});
}

TEST(EngageSettings, TriggerDefaultsAndTrimming) {
  auto s = engage_settings_from_json(
      R"({"triggers":[{"id":"a","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"  Уже уходите?  "}}]})");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_TRUE(s->triggers[0].enabled);
  EXPECT_FALSE(s->triggers[0].match_any);
  EXPECT_EQ(s->triggers[0].action.text, "Уже уходите?");
}

// ---- round trip and shapes ---------------------------------------------------------------------------

EngageSettings everything() {
  auto s = engage_settings_from_json(R"({
    "triggers": [
      {"id": "shop-browse", "match": "any", "conditions": [
        {"type": "time_on_page", "min_seconds": 30}, {"type": "time_on_site", "min_seconds": 60},
        {"type": "pages_viewed", "min": 3}, {"type": "visit_count", "min": 2, "max": 5},
        {"type": "visit_count", "min": 1}, {"type": "inactivity", "seconds": 20},
        {"type": "scroll_depth", "min_percent": 70}, {"type": "exit_intent"},
        {"type": "url", "pattern": "/catalog*"}, {"type": "referrer", "contains": "yandex"}],
       "action": {"type": "teaser", "text": "Ищете {utm_term|что-то особенное}? Подскажем с выбором."}},
      {"id": "banner-1", "enabled": false, "conditions": [
        {"type": "utm", "param": "campaign", "equals": "spring"}, {"type": "logged_in", "value": true},
        {"type": "email_campaign"}, {"type": "device", "value": "tablet"}, {"type": "event", "name": "added_to_cart"}],
       "action": {"type": "banner", "title": "Весна!", "text": "Скидки до воскресенья", "link": "https://shop.example/sale",
                  "link_text": "Смотреть"}},
      {"id": "poll", "conditions": [{"type": "exit_intent"}],
       "action": {"type": "poll", "question": "Что помешало купить?", "options": ["Цена", "Доставка", "Просто смотрю"]}},
      {"id": "call", "conditions": [{"type": "time_on_page", "min_seconds": 90}],
       "action": {"type": "callback_offer", "text": "Проще голосом? Перезвоним на ваш телефон за минуту."}},
      {"id": "plain-banner", "conditions": [{"type": "exit_intent"}], "action": {"type": "banner", "title": "Новинки"}}
    ],
    "guards": {"period_hours": 48, "excluded_pages": ["/thanks*", "*cart*"]},
    "campaign": {"medium": "newsletter", "greeting": "Рады, что вы заглянули из письма!", "greetings": {"Spring": "Весна у нас!"}},
    "launcher": {"style": "flat", "label": "Спросите нас"},
    "goals": {"yandex_metrica": 12345678, "google": true},
    "bot": {"enabled": true, "name": "Маша", "threshold": 0.7}
  })");
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return *s;
}

TEST(EngageSettings, RoundTripKeepsEverything) {
  const auto s = everything();
  EXPECT_EQ(s.campaign.greetings.at("spring"), "Весна у нас!") << "campaign names are stored lower-cased";
  EXPECT_EQ(s.triggers[1].conditions[0].param, "campaign");
  EXPECT_EQ(s.triggers[0].conditions[3].max, 5);
  EXPECT_FALSE(s.triggers[0].conditions[4].max.has_value());
  const auto j = engage_settings_to_json(s);
  auto back = engage_settings_from_json(j.dump());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(engage_settings_to_json(*back), j);
  auto from_value = engage_settings_from_json(j);  // the nlohmann::json overload
  ASSERT_TRUE(from_value.has_value());
  EXPECT_EQ(*from_value, s);
  // The defaults round-trip as well, and the full document is written out.
  const auto d = engage_settings_to_json(EngageSettings{});
  EXPECT_EQ(*engage_settings_from_json(d.dump()), EngageSettings{});
  EXPECT_EQ(d["guards"]["excluded_pages"].size(), 5u);
  EXPECT_EQ(d["launcher"]["style"], "round");
  EXPECT_EQ(d["bot"]["threshold"], 0.5);
  EXPECT_TRUE(d["campaign"]["greetings"].is_object());
}

TEST(EngageSettings, JsonWritesOnlyEachTypesFields) {
  const auto j = engage_settings_to_json(everything());
  EXPECT_EQ(j["triggers"][0]["conditions"][0], (json{{"type", "time_on_page"}, {"min_seconds", 30}}));
  EXPECT_EQ(j["triggers"][0]["conditions"][4], (json{{"type", "visit_count"}, {"min", 1}}));
  EXPECT_EQ(j["triggers"][0]["conditions"][7], (json{{"type", "exit_intent"}}));
  EXPECT_EQ(j["triggers"][1]["conditions"][1], (json{{"type", "logged_in"}, {"value", true}}));
  EXPECT_EQ(j["triggers"][1]["conditions"][3], (json{{"type", "device"}, {"value", "tablet"}}));
  EXPECT_EQ(j["triggers"][4]["action"], (json{{"type", "banner"}, {"title", "Новинки"}, {"text", ""}}));
  EXPECT_EQ(j["triggers"][0]["match"], "any");
  EXPECT_EQ(j["triggers"][2]["match"], "all");
}

TEST(EngageSettings, WidgetGetsEnabledTriggersAndNoThreshold) {
  const auto w = engage_widget_json(everything());
  ASSERT_EQ(w["triggers"].size(), 4u);
  for (const auto& t : w["triggers"]) EXPECT_NE(t["id"], "banner-1");
  EXPECT_EQ(w["bot"], (json{{"enabled", true}, {"name", "Маша"}}));
  EXPECT_EQ(w["guards"]["period_hours"], 48);
  EXPECT_EQ(w["campaign"]["greetings"]["spring"], "Весна у нас!");
  EXPECT_EQ(w["launcher"]["style"], "flat");
  EXPECT_EQ(w["goals"]["yandex_metrica"], 12345678);
  // The loader reads the same shape the server stores, so it parses back.
  EXPECT_TRUE(engage_settings_from_json(w.dump()).has_value());
  // Without callback a call-back offer would lead nowhere: the loader does not get it.
  const auto no_callback = engage_widget_json(everything(), false);
  ASSERT_EQ(no_callback["triggers"].size(), 3u);
  for (const auto& t : no_callback["triggers"]) EXPECT_NE(t["action"]["type"], "callback_offer");
}

// ---- validation ----------------------------------------------------------------------------------------

TEST(EngageSettings, RefusesBadDocumentsNamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {"[]", "settings: must be an object"},
      {R"({"trigger":[]})", "settings: unknown key 'trigger'"},
      {R"({"triggers":{}})", "triggers: must be a list of at most 20"},
      {R"({"triggers":[1]})", "triggers[0]: must be an object"},
      {R"({"triggers":[{"id":"t","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"},"when":1}]})",
       "triggers[0]: unknown key 'when'"},
      {R"({"triggers":[{"conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"}}]})", "triggers[0].id: required"},
      {R"({"triggers":[{"id":"Shop","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"}}]})",
       "triggers[0].id: must be 1..40 characters of a-z, 0-9 and '-'"},
      {R"({"triggers":[{"id":")" + std::string(41, 'a') + R"(","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"}}]})",
       "triggers[0].id: must be 1..40"},
      {R"({"triggers":[{"id":"campaign","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"}}]})",
       "triggers[0].id: 'campaign' is reserved"},
      {R"({"triggers":[{"id":"t","enabled":"yes","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"}}]})",
       "triggers[0].enabled: must be true or false"},
      {R"({"triggers":[{"id":"t","match":"both","conditions":[{"type":"exit_intent"}],"action":{"type":"teaser","text":"x"}}]})",
       "triggers[0].match: must be one of all, any"},
      {R"({"triggers":[{"id":"t","conditions":[],"action":{"type":"teaser","text":"x"}}]})", "triggers[0].conditions: must be 1..10 conditions"},
      {R"({"triggers":[{"id":"t","action":{"type":"teaser","text":"x"}}]})", "triggers[0].conditions: required"},
      {R"({"triggers":[{"id":"t","conditions":[{"type":"exit_intent"}]}]})", "triggers[0].action: required"},
      {with_condition(R"({"min_seconds":5})"), "triggers[0].conditions[0].type: required"},
      {with_condition(R"({"type":"hover"})"), "triggers[0].conditions[0].type: must be one of time_on_page, time_on_site"},
      {with_condition(R"({"type":"time_on_page","min_seconds":0})"), "triggers[0].conditions[0].min_seconds: must be 1..86400"},
      {with_condition(R"({"type":"time_on_site","min_seconds":86401})"), "triggers[0].conditions[0].min_seconds: must be 1..86400"},
      {with_condition(R"({"type":"time_on_page","min_seconds":"30"})"), "triggers[0].conditions[0].min_seconds: must be a whole number 1..86400"},
      {with_condition(R"({"type":"time_on_page","min_seconds":2.5})"), "triggers[0].conditions[0].min_seconds: must be a whole number"},
      {with_condition(R"({"type":"time_on_page"})"), "triggers[0].conditions[0].min_seconds: required"},
      {with_condition(R"({"type":"time_on_page","min":3})"), "triggers[0].conditions[0]: unknown key 'min'"},
      {with_condition(R"({"type":"pages_viewed","min":1001})"), "triggers[0].conditions[0].min: must be 1..1000"},
      {with_condition(R"({"type":"visit_count","min":0})"), "triggers[0].conditions[0].min: must be 1..10000"},
      {with_condition(R"({"type":"visit_count","min":3,"max":2})"), "triggers[0].conditions[0].max: must be 3..10000"},
      {with_condition(R"({"type":"inactivity","seconds":3601})"), "triggers[0].conditions[0].seconds: must be 1..3600"},
      {with_condition(R"({"type":"scroll_depth","min_percent":101})"), "triggers[0].conditions[0].min_percent: must be 1..100"},
      {with_condition(R"({"type":"scroll_depth","min_percent":18446744073709551615})"),
       "triggers[0].conditions[0].min_percent: must be 1..100"},
      {with_condition(R"({"type":"exit_intent","value":true})"), "triggers[0].conditions[0]: unknown key 'value'"},
      {with_condition(R"({"type":"url","pattern":"catalog*"})"), "triggers[0].conditions[0].pattern: a page pattern starts with '/' or '*'"},
      {with_condition(R"({"type":"url","pattern":""})"), "triggers[0].conditions[0].pattern: must be 1..300 characters"},
      {with_condition(R"({"type":"url","pattern":"/)" + std::string(300, 'a') + R"("})"), "triggers[0].conditions[0].pattern: must be 1..300"},
      {with_condition(R"({"type":"referrer","contains":""})"), "triggers[0].conditions[0].contains: must be 1..200 characters"},
      {with_condition(R"({"type":"utm","param":"utm_source","equals":"x"})"),
       "triggers[0].conditions[0].param: must be one of source, medium, campaign, term, content"},
      {with_condition(R"({"type":"utm","param":"source"})"), "triggers[0].conditions[0].equals: required"},
      {with_condition(R"({"type":"logged_in","value":"yes"})"), "triggers[0].conditions[0].value: must be true or false"},
      {with_condition(R"({"type":"device","value":"phone"})"), "triggers[0].conditions[0].value: must be one of desktop, mobile, tablet"},
      {with_condition(R"({"type":"event","name":")" + std::string(65, 'e') + R"("})"), "triggers[0].conditions[0].name: must be 1..64 characters"},
      {with_condition(R"({"type":"exit_intent"},{"type":"pages_viewed","min":-1})"), "triggers[0].conditions[1].min: must be 1..1000"},
      {with_action(R"({"type":"popup","text":"x"})"), "triggers[0].action.type: must be one of teaser, banner, poll, callback_offer"},
      {with_action(R"({"type":"teaser"})"), "triggers[0].action.text: required"},
      {with_action(R"({"type":"teaser","text":"   "})"), "triggers[0].action.text: must be 1..200 characters"},
      {with_action(R"({"type":"teaser","text":")" + std::string(201, 'a') + R"("})"), "triggers[0].action.text: must be 1..200 characters"},
      {with_action(R"({"type":"teaser","text":"две\nстроки"})"), "triggers[0].action.text: may not contain line breaks"},
      {with_action(R"({"type":"teaser","text":"x","title":"y"})"), "triggers[0].action: unknown key 'title'"},
      {with_action(R"({"type":"teaser","text":7})"), "triggers[0].action.text: must be a string"},
      {with_action(R"({"type":"banner","text":"x"})"), "triggers[0].action.title: required"},
      {with_action(R"({"type":"banner","title":")" + std::string(81, 'a') + R"("})"), "triggers[0].action.title: must be 1..80 characters"},
      {with_action(R"({"type":"banner","title":"x","text":")" + std::string(301, 'a') + R"("})"),
       "triggers[0].action.text: must be at most 300 characters"},
      {with_action(R"({"type":"banner","title":"x","link":"http://shop.example/","link_text":"Смотреть"})"),
       "triggers[0].action.link: must be an https:// URL"},
      {with_action(R"({"type":"banner","title":"x","link":"javascript:alert(1);","link_text":"Смотреть"})"),
       "triggers[0].action.link: must be an https:// URL"},
      {with_action(R"({"type":"banner","title":"x","link":"https:///path","link_text":"Смотреть"})"),
       "triggers[0].action.link: must be an https:// URL"},
      {with_action(R"({"type":"banner","title":"x","link":"https://shop.example/a b","link_text":"Смотреть"})"),
       "triggers[0].action.link: must be an https:// URL"},
      {with_action(R"({"type":"banner","title":"x","link":"https://shop.example/"})"), "triggers[0].action.link_text: required with a link"},
      {with_action(R"({"type":"banner","title":"x","link_text":"Смотреть"})"), "triggers[0].action.link: required with link_text"},
      {with_action(R"({"type":"banner","title":"x","link":"https://shop.example/","link_text":")" + std::string(41, 'a') + R"("})"),
       "triggers[0].action.link_text: must be 1..40 characters"},
      {with_action(R"({"type":"poll","question":"Как вам?","options":["Да"]})"), "triggers[0].action.options: must be 2..5 answers"},
      {with_action(R"({"type":"poll","question":"Как вам?","options":["1","2","3","4","5","6"]})"), "triggers[0].action.options: must be 2..5"},
      {with_action(R"({"type":"poll","question":"Как вам?"})"), "triggers[0].action.options: required"},
      {with_action(R"({"type":"poll","question":"Как вам?","options":["Да",""]})"), "triggers[0].action.options[1]: must be 1..60 characters"},
      {with_action(R"({"type":"poll","question":"Как вам?","options":["Да",1]})"), "triggers[0].action.options[1]: must be a string"},
      {with_action(R"({"type":"poll","question":"Как вам?","options":["Да","Нет","ДА"]})"), "triggers[0].action.options[2]: repeats another answer"},
      {with_action(R"({"type":"poll","options":["Да","Нет"]})"), "triggers[0].action.question: required"},
      {with_action(R"({"type":"callback_offer","text":")" + std::string(201, 'a') + R"("})"), "triggers[0].action.text: must be 1..200"},
      {R"({"guards":{"period_hours":0}})", "guards.period_hours: must be 1..720"},
      {R"({"guards":{"period_hours":721}})", "guards.period_hours: must be 1..720"},
      {R"({"guards":{"excluded_pages":"*cart*"}})", "guards.excluded_pages: must be a list of at most 50 patterns"},
      {R"({"guards":{"excluded_pages":["*cart*","checkout"]}})", "guards.excluded_pages[1]: a page pattern starts with '/' or '*'"},
      {R"({"guards":{"excluded_pages":[""]}})", "guards.excluded_pages[0]: must be 1..300 characters"},
      {R"({"guards":{"excluded_pages":[null]}})", "guards.excluded_pages[0]: must be a string"},
      {R"({"guards":{"sound":true}})", "guards: unknown key 'sound'"},
      {R"({"guards":[]})", "guards: must be an object"},
      {R"({"campaign":{"medium":""}})", "campaign.medium: must be 1..64 characters"},
      {R"({"campaign":{"greeting":")" + std::string(301, 'a') + R"("}})", "campaign.greeting: must be at most 300 characters"},
      {R"({"campaign":{"greetings":{"spring":""}}})", "campaign.greetings.spring: must be 1..300 characters"},
      {R"({"campaign":{"greetings":{"spring":5}}})", "campaign.greetings.spring: must be a string"},
      {R"({"campaign":{"greetings":{"Spring":"a","spring":"b"}}})", "campaign.greetings.spring: the same campaign as another"},
      {R"({"campaign":{"greetings":{" spring":"a"}}})", "campaign.greetings. spring: a campaign name has no spaces"},
      {R"({"campaign":{"greetings":["a"]}})", "campaign.greetings: must be an object"},
      {R"({"campaign":{"greeting":"Привет, {name}!"}})", "campaign.greeting: unknown placeholder '{name}'"},
      {R"({"launcher":{"style":"pulse"}})", "launcher.style: must be one of round, flat"},
      {R"({"launcher":{"label":")" + std::string(31, 'a') + R"("}})", "launcher.label: must be at most 30 characters"},
      {R"({"launcher":{"color":"red"}})", "launcher: unknown key 'color'"},
      {R"({"goals":{"yandex_metrica":-1}})", "goals.yandex_metrica: must be 0..9999999999"},
      {R"({"goals":{"yandex_metrica":"123"}})", "goals.yandex_metrica: must be a whole number"},
      {R"({"goals":{"google":1}})", "goals.google: must be true or false"},
      {R"({"goals":{"facebook":true}})", "goals: unknown key 'facebook'"},
      {R"({"bot":{"name":""}})", "bot.name: must be 1..40 characters"},
      {R"({"bot":{"name":")" + std::string(41, 'a') + R"("}})", "bot.name: must be 1..40 characters"},
      {R"({"bot":{"threshold":0.05}})", "bot.threshold: must be 0.1..0.95"},
      {R"({"bot":{"threshold":0.96}})", "bot.threshold: must be 0.1..0.95"},
      {R"({"bot":{"threshold":"high"}})", "bot.threshold: must be 0.1..0.95"},
      {R"({"bot":{"enabled":null}})", "bot.enabled: must be true or false"},
      {R"({"bot":{"kb":[]}})", "bot: unknown key 'kb'"},
  };
  for (const auto& [doc, want] : cases) {
    auto r = engage_settings_from_json(doc);
    ASSERT_FALSE(r.has_value()) << doc;
    EXPECT_EQ(r.error().code, Errc::bad_request) << doc;
    EXPECT_NE(r.error().message.find(want), std::string::npos) << "want: " << want << "\ngot:  " << r.error().message;
  }
}

TEST(EngageSettings, AcceptsBoundaryValues) {
  for (const auto& doc : {with_condition(R"({"type":"time_on_page","min_seconds":86400})"),
                          with_condition(R"({"type":"visit_count","min":3,"max":3})"),
                          with_condition(R"({"type":"scroll_depth","min_percent":100})"),
                          with_condition(R"({"type":"url","pattern":"*"})"),
                          with_action(R"({"type":"teaser","text":")" + std::string(200, 'a') + R"("})"),
                          with_action(R"({"type":"banner","title":"x","text":""})"),
                          with_action(R"({"type":"poll","question":"?","options":["1","2","3","4","5"]})"),
                          std::string(R"({"guards":{"period_hours":720},"bot":{"threshold":0.95}})"),
                          std::string(R"({"bot":{"threshold":0.1},"goals":{"yandex_metrica":9999999999}})")}) {
    EXPECT_EQ(error_of(doc), "<valid>") << doc;
  }
  // Characters, not bytes: 200 Cyrillic letters are 400 bytes and still fit.
  std::string cyr;
  for (int i = 0; i < 200; ++i) cyr += "я";
  EXPECT_EQ(error_of(with_action(R"({"type":"teaser","text":")" + cyr + R"("})")), "<valid>");
  EXPECT_NE(error_of(with_action(R"({"type":"teaser","text":")" + cyr + R"(я"})")).find("1..200"), std::string::npos);
}

TEST(EngageSettings, RefusesNonJsonAndInvalidUtf8) {
  auto r = engage_settings_from_json("{");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::bad_json);
  // nlohmann refuses invalid UTF-8 in the text; a json value built in code can still carry it.
  json doc{{"bot", {{"name", std::string("\xff\xfe")}}}};
  auto bad = engage_settings_from_json(doc);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "bot.name: must be valid UTF-8");
}

TEST(EngageSettings, Limits) {
  const auto trigger = [](int i) {
    return json{{"id", "t" + std::to_string(i)},
                {"conditions", json::array({{{"type", "exit_intent"}}})},
                {"action", {{"type", "teaser"}, {"text", "Подскажем"}}}};
  };
  json doc{{"triggers", json::array()}};
  for (int i = 0; i < 20; ++i) doc["triggers"].push_back(trigger(i));
  EXPECT_TRUE(engage_settings_from_json(doc).has_value());
  doc["triggers"].push_back(trigger(20));
  EXPECT_EQ(engage_settings_from_json(doc).error().message, "triggers: must be a list of at most 20 triggers");

  auto conditions = json::array();
  for (int i = 0; i < 10; ++i) conditions.push_back({{"type", "pages_viewed"}, {"min", i + 1}});
  json one{{"triggers", json::array({trigger(0)})}};
  one["triggers"][0]["conditions"] = conditions;
  EXPECT_TRUE(engage_settings_from_json(one).has_value());
  one["triggers"][0]["conditions"].push_back({{"type", "exit_intent"}});
  EXPECT_EQ(engage_settings_from_json(one).error().message, "triggers[0].conditions: must be 1..10 conditions");

  json pages = json::array();
  for (int i = 0; i < 50; ++i) pages.push_back("/p" + std::to_string(i) + "*");
  EXPECT_TRUE(engage_settings_from_json(json{{"guards", {{"excluded_pages", pages}}}}).has_value());
  pages.push_back("/p50*");
  EXPECT_EQ(engage_settings_from_json(json{{"guards", {{"excluded_pages", pages}}}}).error().message,
            "guards.excluded_pages: must be a list of at most 50 patterns");
}

TEST(EngageSettings, TriggerIdsAreUnique) {
  json doc{{"triggers", json::array()}};
  for (const auto* id : {"a", "b", "a"}) {
    doc["triggers"].push_back({{"id", id},
                               {"conditions", json::array({{{"type", "exit_intent"}}})},
                               {"action", {{"type", "teaser"}, {"text", "Подскажем"}}}});
  }
  EXPECT_EQ(engage_settings_from_json(doc).error().message, "triggers[2].id: 'a' is already the id of triggers[0]");
}

TEST(EngageSettings, PlaceholdersAreChecked) {
  const auto teaser = [](std::string_view text) {
    return error_of(with_action(json{{"type", "teaser"}, {"text", text}}.dump()));
  };
  for (auto ok : {"Ищете {utm_term}?", "Ищете {utm_term|хороший подарок}?", "{utm_campaign|} и {utm_term|a|b}",
                  "{utm_term|}", "Без подстановок"}) {
    EXPECT_EQ(teaser(ok), "<valid>") << ok;
  }
  const std::pair<const char*, const char*> bad[] = {
      {"Привет, {name}!", "unknown placeholder '{name}'"},
      {"{UTM_TERM}", "unknown placeholder '{UTM_TERM}'"},
      {"{ utm_term }", "unknown placeholder '{ utm_term }'"},
      {"{utm_source|google}", "unknown placeholder '{utm_source|google}'"},
      {"{utm_term", "a '{' without its '}'"},
      {"utm_term}", "a '}' without its '{'"},
      {"{utm_term|{x}}", "a '{' inside a placeholder"},
      {"{}", "unknown placeholder '{}'"},
  };
  for (const auto& [text, want] : bad) {
    const auto got = teaser(text);
    EXPECT_NE(got.find("triggers[0].action.text: " + std::string(want)), std::string::npos) << text << " -> " << got;
  }
  // Every invitation text takes placeholders; plain fields (ids, patterns, the launcher label) show braces as is.
  EXPECT_NE(error_of(with_action(R"({"type":"poll","question":"{x}?","options":["a","b"]})")).find("action.question: unknown"),
            std::string::npos);
  EXPECT_NE(error_of(with_action(R"({"type":"poll","question":"?","options":["a","{x}"]})")).find("options[1]: unknown"),
            std::string::npos);
  EXPECT_NE(error_of(with_action(R"({"type":"callback_offer","text":"{x}"})")).find("action.text: unknown"), std::string::npos);
  EXPECT_NE(error_of(R"({"campaign":{"greetings":{"s":"{x}"}}})").find("campaign.greetings.s: unknown"), std::string::npos);
  EXPECT_EQ(error_of(R"({"launcher":{"label":"{чат}"}})"), "<valid>");
}

TEST(EngageSettings, InvitationsMayNotAskForContacts) {
  const std::pair<std::string, std::string> refused[] = {
      {with_action(R"({"type":"teaser","text":"Оставьте ТЕЛЕФОН — перезвоним"})"), "triggers[0].action.text: may not ask for a phone or an e-mail before the visitor wrote ('телефон')"},
      {with_action(R"({"type":"teaser","text":"Напишите номер заказа"})"), "('номер')"},
      {with_action(R"({"type":"teaser","text":"Пришлём подборку на ПОЧТУ"})"), "('почт')"},
      {with_action(R"({"type":"teaser","text":"Your E-mail, please"})"), "('e-mail')"},
      {with_action(R"({"type":"teaser","text":"Drop your email"})"), "('email')"},
      {with_action(R"({"type":"teaser","text":"Leave your phone number"})"), "('phone')"},
      {with_action(R"({"type":"teaser","text":"Your number?"})"), "('number')"},
      {with_action(R"({"type":"teaser","text":"Ваш «телефон»?"})"), "('телефон')"},
      {with_action(R"({"type":"banner","title":"Скидка","text":"Оставьте телефон"})"), "triggers[0].action.text: may not ask"},
      {with_action(R"({"type":"banner","title":"Ваш e-mail"})"), "triggers[0].action.title: may not ask"},
      {with_action(R"({"type":"banner","title":"x","link":"https://a.example/","link_text":"Дайте номер"})"), "action.link_text: may not ask"},
      {with_action(R"({"type":"poll","question":"Куда прислать? Почта?","options":["a","b"]})"), "action.question: may not ask"},
      {with_action(R"({"type":"poll","question":"Как связаться?","options":["Звонок","По телефону"]})"), "action.options[1]: may not ask"},
      {R"({"campaign":{"greeting":"Оставьте номер телефона"}})", "campaign.greeting: may not ask"},
      {R"({"campaign":{"greetings":{"s":"Your phone?"}}})", "campaign.greetings.s: may not ask"},
  };
  for (const auto& [doc, want] : refused) {
    const auto got = error_of(doc);
    EXPECT_NE(got.find(want), std::string::npos) << doc << "\n-> " << got;
  }
  // A word that merely contains one of them, "почти", and a callback offer are fine.
  for (const auto& doc : {with_action(R"({"type":"teaser","text":"Почти всё распродано"})"),
                          with_action(R"({"type":"teaser","text":"Choosing a smartphone? Ask us."})"),
                          with_action(R"({"type":"teaser","text":"Подберём смартфон и наушники"})"),
                          with_action(R"({"type":"callback_offer","text":"Перезвоним на ваш телефон за минуту"})")}) {
    EXPECT_EQ(error_of(doc), "<valid>") << doc;
  }
  EXPECT_EQ(contact_request_word("Почтим память"), "почт") << "only the adverb 'почти' is let through";
  EXPECT_EQ(contact_request_word("Почти"), "");
  EXPECT_EQ(contact_request_word("iPhone"), "");
  EXPECT_EQ(contact_request_word("(номер)"), "номер");
}

TEST(EngageText, LowerCasesCyrillicAndLatin) {
  EXPECT_EQ(lower_utf8("ПРИВЕТ Ёлка ЇЄ ÄÖ ABC ×"), "привет ёлка їє äö abc ×");
  EXPECT_EQ(lower_utf8("\xff" "A"), "\xff" "a");
}

// ---- presets -------------------------------------------------------------------------------------------

TEST(EngagePresets, ThreeValidLivelyPresetsPerLanguage) {
  for (auto lang : {"ru", "en"}) {
    const auto presets = engage_presets(lang);
    ASSERT_EQ(presets.size(), 3u);
    const std::vector<std::pair<std::string, std::vector<std::string>>> want{
        {"shop", {"pages_viewed", "time_on_site"}},
        {"landing", {"scroll_depth", "exit_intent"}},
        {"service", {"time_on_page", "url"}}};
    json triggers = json::array();
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& p = presets[i];
      EXPECT_EQ(p["id"], want[i].first);
      EXPECT_FALSE(p["name"].get<std::string>().empty());
      EXPECT_FALSE(p["description"].get<std::string>().empty());
      std::vector<std::string> types;
      for (const auto& c : p["trigger"]["conditions"]) types.push_back(c["type"]);
      EXPECT_EQ(types, want[i].second) << lang << " " << want[i].first;
      EXPECT_EQ(p["trigger"]["action"]["type"], "teaser");
      for (const auto* key : {"name", "description"}) EXPECT_EQ(stock_phrase(p[key].get<std::string>()), "") << p[key];
      EXPECT_EQ(stock_phrase(p["trigger"]["action"]["text"].get<std::string>()), "");
      triggers.push_back(p["trigger"]);
    }
    auto s = engage_settings_from_json(json{{"triggers", triggers}}, lang);
    ASSERT_TRUE(s.has_value()) << lang << ": " << s.error().message;
    EXPECT_EQ(engage_settings_to_json(*s)["triggers"], triggers) << "presets are already normalised";
  }
  EXPECT_NE(engage_presets("ru")[0]["name"], engage_presets("en")[0]["name"]);
}

// ---- placeholders ------------------------------------------------------------------------------------

TEST(EngagePlaceholders, FillFromUtmReferrerOrFallback) {
  const std::map<std::string, std::string> none;
  EXPECT_EQ(fill_placeholders("Ищете {utm_term|подарок}?", {{"term", "зимние шины"}}, ""), "Ищете зимние шины?");
  EXPECT_EQ(fill_placeholders("Ищете {utm_term|подарок}?", none, ""), "Ищете подарок?");
  EXPECT_EQ(fill_placeholders("Ищете {utm_term}?", none, ""), "Ищете ?");
  EXPECT_EQ(fill_placeholders("{utm_term|x}", {{"term", "   "}}, ""), "x") << "a blank value takes the fallback";
  EXPECT_EQ(fill_placeholders("{utm_term}", none, "https://yandex.ru/search/?lr=2&text=%D1%88%D0%B8%D0%BD%D1%8B+R16#x"), "шины R16");
  EXPECT_EQ(fill_placeholders("{utm_term}", none, "https://www.google.com/search?q=tyres%20r16&hl=en"), "tyres r16");
  EXPECT_EQ(fill_placeholders("{utm_term}", none, "https://www.bing.com/search?text=&q=b"), "b");
  EXPECT_EQ(fill_placeholders("{utm_term|-}", none, "https://example.com/?query=a"), "-");
  EXPECT_EQ(fill_placeholders("{utm_campaign|}", none, "https://yandex.ru/?text=a"), "") << "only utm_term reads the referrer";
  EXPECT_EQ(fill_placeholders("{utm_campaign} / {utm_term|a|b}", {{"campaign", "spring"}}, ""), "spring / a|b");
  std::string seventy;
  for (int i = 0; i < 70; ++i) seventy += "ж";
  EXPECT_EQ(fill_placeholders("{utm_term}", {{"term", seventy}}, ""), seventy.substr(0, 120));
  EXPECT_EQ(fill_placeholders("{name} {utm_term", {{"term", "x"}}, ""), "{name} {utm_term") << "unknown text stays";
  EXPECT_EQ(fill_placeholders("<b>{utm_term}</b>", {{"term", "<script>"}}, ""), "<b><script></b>")
      << "values are text; escaping is the renderer's job";
}

// ---- the conformance vectors -----------------------------------------------------------------------

std::filesystem::path vectors_path() {
#ifdef OTK_SOURCE_DIR
  return std::filesystem::path(OTK_SOURCE_DIR) / "server/src/core/engage/testdata/evaluate.json";
#else
  return std::filesystem::path(__FILE__).parent_path() / "testdata" / "evaluate.json";  // absolute with Ninja
#endif
}

VisitorFacts facts_from_json(const json& j) {
  VisitorFacts f;
  f.time_on_page_s = j.value("time_on_page_s", f.time_on_page_s);
  f.time_on_site_s = j.value("time_on_site_s", f.time_on_site_s);
  f.pages_viewed = j.value("pages_viewed", f.pages_viewed);
  f.visit_count = j.value("visit_count", f.visit_count);
  f.inactive_s = j.value("inactive_s", f.inactive_s);
  f.scroll_percent = j.value("scroll_percent", f.scroll_percent);
  f.exit_intent = j.value("exit_intent", f.exit_intent);
  f.path_and_query = j.value("path_and_query", f.path_and_query);
  f.referrer = j.value("referrer", f.referrer);
  f.utm = j.value("utm", f.utm);
  f.logged_in = j.value("logged_in", f.logged_in);
  f.email_campaign = j.value("email_campaign", f.email_campaign);
  f.device = j.value("device", f.device);
  f.events = j.value("events", f.events);
  f.chat_open = j.value("chat_open", f.chat_open);
  f.visitor_wrote = j.value("visitor_wrote", f.visitor_wrote);
  return f;
}

json number(double v) { return std::floor(v) == v ? json(static_cast<std::int64_t>(v)) : json(v); }

json facts_to_json(const VisitorFacts& f) {
  return json{{"time_on_page_s", number(f.time_on_page_s)}, {"time_on_site_s", number(f.time_on_site_s)},
              {"pages_viewed", f.pages_viewed},            {"visit_count", f.visit_count},
              {"inactive_s", number(f.inactive_s)},        {"scroll_percent", f.scroll_percent},
              {"exit_intent", f.exit_intent},              {"path_and_query", f.path_and_query},
              {"referrer", f.referrer},                    {"utm", f.utm},
              {"logged_in", f.logged_in},                  {"email_campaign", f.email_campaign},
              {"device", f.device},                        {"events", f.events},
              {"chat_open", f.chat_open},                  {"visitor_wrote", f.visitor_wrote}};
}

GuardState state_from_json(const json& j) {
  GuardState g;
  if (j.contains("last_invitation_ms") && !j["last_invitation_ms"].is_null()) g.last_invitation_ms = j["last_invitation_ms"].get<double>();
  g.dismissed = j.value("dismissed", false);
  g.campaigns_opened = j.value("campaigns_opened", std::set<std::string>{});
  return g;
}

json state_to_json(const GuardState& g) {
  return json{{"last_invitation_ms", g.last_invitation_ms ? number(*g.last_invitation_ms) : json(nullptr)},
              {"dismissed", g.dismissed},
              {"campaigns_opened", g.campaigns_opened}};
}

TEST(EngageEvaluate, ConformanceVectors) {
  std::ifstream in(vectors_path());
  ASSERT_TRUE(in) << vectors_path();
  std::stringstream text;
  text << in.rdbuf();
  auto cases = json::parse(text.str());
  ASSERT_TRUE(cases.is_array());
  EXPECT_GE(cases.size(), 25u);
  // OTK_UPDATE_VECTORS=1 rewrites the file in its canonical form (full documents, facts and state), so the
  // loader's tests never have to know a default.
  const bool update = std::getenv("OTK_UPDATE_VECTORS") != nullptr;
  std::set<std::string> names, condition_types;
  for (auto& c : cases) {
    const auto name = c["name"].get<std::string>();
    EXPECT_TRUE(names.insert(name).second) << "duplicate name: " << name;
    auto s = engage_settings_from_json(c["settings"]);
    ASSERT_TRUE(s.has_value()) << name << ": " << s.error().message;
    for (const auto& t : s->triggers) {
      for (const auto& cond : t.conditions) condition_types.insert(std::string(condition_type_name(cond.type)));
    }
    const auto facts = facts_from_json(c["facts"]);
    const auto state = state_from_json(c["state"]);
    const auto d = evaluate(*s, facts, state, c["now_ms"].get<double>());
    const auto& e = c["expect"];
    EXPECT_EQ(d.trigger, e["trigger"].get<std::string>()) << name;
    EXPECT_EQ(d.auto_open, e["auto_open"].get<bool>()) << name;
    if (e.contains("greeting")) {
      EXPECT_EQ(d.greeting, e["greeting"].get<std::string>()) << name;
    }
    if (update) {
      c["settings"] = engage_settings_to_json(*s);
      c["facts"] = facts_to_json(facts);
      c["state"] = state_to_json(state);
    } else {
      EXPECT_EQ(c["settings"], engage_settings_to_json(*s)) << name << ": settings are not in canonical form";
      EXPECT_EQ(c["facts"], facts_to_json(facts)) << name << ": facts are not complete";
      EXPECT_EQ(c["state"], state_to_json(state)) << name << ": state is not complete";
    }
  }
  EXPECT_EQ(condition_types.size(), 14u) << "every condition type has a vector";
  if (update) {
    // The name first, then what goes in, then what comes out: easier to read than alphabetical order.
    auto out = nlohmann::ordered_json::array();
    for (const auto& c : cases) {
      nlohmann::ordered_json o;
      for (const auto* key : {"name", "settings", "facts", "state", "now_ms", "expect"}) {
        o[key] = nlohmann::ordered_json::parse(c[key].dump());
      }
      out.push_back(std::move(o));
    }
    std::ofstream(vectors_path()) << out.dump(2, ' ', false) << "\n";
  }
}

}  // namespace
}  // namespace otk
