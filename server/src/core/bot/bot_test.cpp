#include "core/bot/bot.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace otk {
namespace {

KbEntry entry(std::int64_t id, std::string question, std::vector<std::string> phrasings = {},
              std::string answer = "Ответ.") {
  return KbEntry{id, std::move(question), std::move(phrasings), std::move(answer), {}};
}

// A small shop's knowledge base, as an owner would type it.
std::vector<KbEntry> russian_shop() {
  return {
      entry(1, "Сколько стоит доставка?", {"Доставка платная?", "Когда привезут заказ?", "Как быстро доставите?"}),
      entry(2, "Как вернуть товар?", {"Можно ли сдать покупку обратно?", "Возврат денег",
                                      "Не подошёл товар, что делать?"}),
      entry(3, "Какие способы оплаты?", {"Можно оплатить картой?", "Оплата при получении", "Принимаете наличные?"}),
      entry(4, "Как подобрать размер?", {"Таблица размеров", "Маломерит или большемерит?"}),
      entry(5, "Какая гарантия на товары?", {"Сломалось, что делать?", "Гарантийный ремонт"}),
      entry(6, "Где находится ваш магазин?", {"Адрес магазина в Москве", "Можно забрать самовывозом?"}),
  };
}

std::vector<KbEntry> english_shop() {
  return {
      entry(11, "How long does shipping take?", {"Delivery cost", "When will my order arrive?"}),
      entry(12, "How do I return an item?", {"Refund policy", "Can I send it back?"}),
      entry(13, "What payment methods do you accept?", {"Can I pay by card?", "Do you take PayPal?"}),
      entry(14, "How do I choose my size?", {"Size chart", "Do your shoes run small?"}),
      entry(15, "What warranty do you offer?", {"My item broke", "Guarantee repairs"}),
      entry(16, "Where is your store?", {"Store address", "Can I pick up in person?"}),
  };
}

std::int64_t best_entry(const KnowledgeIndex& ix, std::string_view q) {
  const auto m = ix.best(q);
  return m ? m->entry : -1;
}

// ---- terms ----

TEST(BotTerms, LowerCasesStemsAndDropsStopWords) {
  EXPECT_EQ(bot_terms("Сколько стоит доставка?"), (std::vector<std::string>{"сто", "доставк"}));
  EXPECT_EQ(bot_terms("ДОСТАВКА"), bot_terms("доставкой"));
  EXPECT_EQ(bot_terms("How long does shipping take?"), (std::vector<std::string>{"long", "ship", "take"}));
  EXPECT_EQ(bot_terms("Returns"), bot_terms("return"));
  EXPECT_TRUE(bot_terms("Здравствуйте! Подскажите, пожалуйста, как вы?").empty());
  EXPECT_TRUE(bot_terms("Hi, how are you?").empty());
  EXPECT_TRUE(bot_terms("").empty());
}

TEST(BotTerms, ReadsYoAsYeInBothCases) {
  EXPECT_EQ(bot_terms("ЁЛКА ёлка"), bot_terms("елка Елка"));
  EXPECT_EQ(bot_terms("Ёлка").at(0), "елк");
  EXPECT_EQ(bot_terms("Не подошёл"), bot_terms("не подошел"));
}

TEST(BotTerms, SplitsOnPunctuationAndKeepsNumbers) {
  EXPECT_EQ(bot_terms("интернет-магазин, размер 42!"),
            (std::vector<std::string>{"интернет", "магазин", "размер", "42"}));
  EXPECT_EQ(bot_terms("iPhone15"), (std::vector<std::string>{"iphone15"}));
  EXPECT_EQ(bot_terms("don't \"shipping\""), (std::vector<std::string>{"ship"}));  // "don't" is one stop word
  EXPECT_EQ(bot_terms("доста\xCC\x81вка"), bot_terms("доставка"));  // a stress mark stays inside the word
  EXPECT_EQ(bot_terms("И\xCC\x86ога"), bot_terms("йога"));           // decomposed й
  EXPECT_EQ(bot_terms("bad\xFF" "byte"), (std::vector<std::string>{"bad", "byte"}));
}

TEST(BotTerms, DropsGreetings) {
  EXPECT_EQ(bot_terms("Добрый день! Сколько стоит доставка?"), bot_terms("стоит доставка"));
  EXPECT_EQ(bot_terms("Good morning, shipping?"), bot_terms("shipping"));
  EXPECT_EQ(bot_terms("good quality"), (std::vector<std::string>{"good", "qualiti"}));
}

// ---- retrieval ----

TEST(KnowledgeIndex, FindsInflectedRussianWithHighConfidence) {
  const std::vector<KbEntry> kb = {entry(1, "Сколько стоит доставка?"), entry(2, "Как вернуть товар?"),
                                   entry(3, "Какие способы оплаты?"), entry(4, "Где находится ваш магазин?")};
  const auto ix = KnowledgeIndex::build(kb);
  for (auto q : {"доставку", "доставкой", "про доставке", "ДОСТАВКА", "Сколько стоит доставка?",
                 "Здравствуйте! Подскажите, пожалуйста, сколько стоит доставка?"}) {
    const auto m = ix.best(q);
    ASSERT_TRUE(m) << q;
    EXPECT_EQ(m->entry, 1) << q;
    EXPECT_GE(m->confidence, 0.7) << q;
    EXPECT_LE(m->confidence, 1.0) << q;
  }
  EXPECT_LT(ix.best("стоимость доставки")->confidence, 1.0);  // a word the base lacks costs confidence
  EXPECT_DOUBLE_EQ(ix.best("Сколько стоит доставка?")->confidence, 1.0);
}

TEST(KnowledgeIndex, FindsEnglishByStem) {
  const auto kb = english_shop();
  const auto ix = KnowledgeIndex::build(kb);
  const auto m = ix.best("shipping times");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->entry, 11);
  EXPECT_GT(m->confidence, 0.0);
  EXPECT_EQ(best_entry(ix, "Shipped?"), 11);
}

TEST(KnowledgeIndex, RanksRussianShop) {
  const auto kb = russian_shop();
  const auto ix = KnowledgeIndex::build(kb);
  EXPECT_EQ(ix.size(), 6u);
  EXPECT_EQ(ix.documents(), 21u);
  const std::pair<const char*, std::int64_t> cases[] = {
      {"сколько стоит доставка до Казани", 1},
      {"когда привезут мой заказ?", 1},
      {"хочу вернуть куртку", 2},
      {"как оформить возврат", 2},
      {"можно оплатить картой при получении?", 3},
      {"принимаете карты?", 3},
      {"какой размер выбрать", 4},
      {"есть таблица размеров?", 4},
      {"сломался телефон, есть гарантия?", 5},
      {"гарантийный срок", 5},
      {"где ваш магазин", 6},
      {"адрес", 6},
      {"самовывоз возможен?", 6},
  };
  for (const auto& [q, want] : cases) EXPECT_EQ(best_entry(ix, q), want) << q;
  EXPECT_GE(ix.best("Где находится ваш магазин")->confidence, 0.99);
  EXPECT_GE(ix.best("адрес магазина")->confidence, 0.7);
}

TEST(KnowledgeIndex, RanksEnglishShop) {
  const auto kb = english_shop();
  const auto ix = KnowledgeIndex::build(kb);
  const std::pair<const char*, std::int64_t> cases[] = {
      {"how much is delivery", 11},
      {"when does my order arrive", 11},
      {"I want a refund", 12},
      {"how to return shoes", 12},
      {"can I pay with a card?", 13},
      {"PayPal", 13},
      {"size chart for shoes", 14},
      {"which size fits me", 14},
      {"warranty", 15},
      {"it broke after a week", 15},
      {"store address", 16},
      {"where are you located? where's the store", 16},
  };
  for (const auto& [q, want] : cases) EXPECT_EQ(best_entry(ix, q), want) << q;
  EXPECT_DOUBLE_EQ(ix.best("Store address")->confidence, 1.0);
}

TEST(KnowledgeIndex, UnrelatedQueriesAreNotAnswered) {
  std::vector<KbEntry> kb = russian_shop();
  for (auto& e : english_shop()) kb.push_back(e);
  const auto ix = KnowledgeIndex::build(kb);
  for (auto q : {"погода в Москве", "asdf", "Какой курс доллара?", "what's the weather like in London",
                 "расскажите анекдот", "привет", "???", "12345"}) {
    const auto m = ix.best(q);
    EXPECT_TRUE(!m || m->confidence < 0.5) << q << " -> " << (m ? m->confidence : 0.0);
  }
  EXPECT_FALSE(ix.best("asdf"));
  EXPECT_FALSE(ix.best("привет"));  // stop words only
  EXPECT_TRUE(ix.best("погода в Москве"));  // "Москве" is in the base, but the weather is not
}

TEST(KnowledgeIndex, PhrasingsCount) {
  const std::vector<KbEntry> bare = {entry(1, "How long does shipping take?"), entry(2, "Where is your store?")};
  const auto ix_bare = KnowledgeIndex::build(bare);
  EXPECT_FALSE(ix_bare.best("when will my parcel arrive"));
  const double before = ix_bare.best("shipping times")->confidence;
  EXPECT_LT(before, 0.5);

  std::vector<KbEntry> rich = bare;
  rich[0].phrasings = {"When will my parcel arrive?", "Shipping times"};
  const auto ix = KnowledgeIndex::build(rich);
  EXPECT_EQ(best_entry(ix, "when will my parcel arrive"), 1);
  EXPECT_DOUBLE_EQ(ix.best("shipping times")->confidence, 1.0);
  EXPECT_GT(ix.best("shipping times")->confidence, before);
}

TEST(KnowledgeIndex, ConfidenceIsWithinZeroAndOne) {
  const auto kb = russian_shop();
  const auto ix = KnowledgeIndex::build(kb);
  for (auto q : {"доставка доставка доставка", "доставка", "возврат денег за товар", "оплата картой Москва",
                 "размер размер 42", "гарантия магазина", "адрес адрес"}) {
    const auto m = ix.best(q);
    ASSERT_TRUE(m) << q;
    EXPECT_GT(m->confidence, 0.0) << q;
    EXPECT_LE(m->confidence, 1.0) << q;
  }
}

TEST(KnowledgeIndex, EmptyIndexAndTies) {
  EXPECT_FALSE(KnowledgeIndex().best("доставка"));
  EXPECT_EQ(KnowledgeIndex().size(), 0u);
  const std::vector<KbEntry> kb = {entry(7, "Доставка"), entry(3, "доставка"), entry(5, "Как?")};
  const auto ix = KnowledgeIndex::build(kb);
  EXPECT_EQ(ix.size(), 3u);
  EXPECT_EQ(ix.documents(), 2u);             // "Как?" has no terms
  EXPECT_EQ(best_entry(ix, "доставкой"), 7);  // a tie goes to the earlier entry
}

TEST(KnowledgeIndex, ThreadsShareOneIndex) {
  std::vector<KbEntry> kb = russian_shop();
  for (auto& e : english_shop()) kb.push_back(e);
  const auto ix = KnowledgeIndex::build(kb);
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"доставкой", 1}, {"возврат", 2}, {"картой", 3}, {"размеры", 4}, {"refund", 12}, {"shipping", 11}};
  std::atomic<int> wrong{0};
  const auto run = [&] {
    for (int i = 0; i < 300; ++i) {
      const auto& [q, want] = cases[static_cast<std::size_t>(i) % cases.size()];
      if (best_entry(ix, q) != want) ++wrong;
    }
  };
  std::thread a(run), b(run);
  run();
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---- asking for a person ----

TEST(AsksForHuman, Requests) {
  for (auto q : {"позовите оператора", "Можно с человеком?", "живого человека", "менеджера", "Нужен консультант",
                 "Есть кто живой?", "ОПЕРАТОР!", "Соедините с оператором по поводу возврата заказа",
                 "Хочу поговорить с живым человеком, а не с ботом", "Здравствуйте, позовите менеджера, пожалуйста",
                 "дайте человека", "human please", "talk to an agent", "real person", "Can I speak to someone?",
                 "I want to talk to a human", "operator", "Connect me with a representative", "people?"}) {
    EXPECT_TRUE(asks_for_human(q)) << q;
  }
}

TEST(AsksForHuman, MentionsThatAreNotRequests) {
  for (auto q : {"how does the human resources page work", "Сколько человек работает в вашем магазине?",
                 "Сколько стоит доставка?", "Я живу в Москве", "У вас есть менеджерские скидки?",
                 "Can I pay in person?", "Can I pick up my order in person?", "Price per person for the tour?",
                 "Do you need a person to sign for the delivery?", "столик на 4 человека", "", "человеческий фактор"}) {
    EXPECT_FALSE(asks_for_human(q)) << q;
  }
}

// ---- the turn ----

TEST(BotTurn, ThreeOutcomes) {
  const auto kb = russian_shop();
  const auto ix = KnowledgeIndex::build(kb);

  const auto answered = bot_turn(ix, "Сколько стоит доставка?", 0.5);
  EXPECT_EQ(answered.answer, 1);
  EXPECT_FALSE(answered.handoff);
  EXPECT_DOUBLE_EQ(answered.confidence, 1.0);

  const auto asked = bot_turn(ix, "позовите оператора", 0.5);
  EXPECT_FALSE(asked.answer);
  EXPECT_EQ(asked.handoff, HandoffReason::asked);

  const auto unsure = bot_turn(ix, "погода в Москве", 0.5);
  EXPECT_FALSE(unsure.answer);
  EXPECT_EQ(unsure.handoff, HandoffReason::low_confidence);
  EXPECT_GT(unsure.confidence, 0.0);  // reported for the console's "try"

  const auto nothing = bot_turn(ix, "asdf", 0.1);
  EXPECT_EQ(nothing.handoff, HandoffReason::low_confidence);
  EXPECT_EQ(nothing.confidence, 0.0);

  // The threshold decides, inclusively.
  const double c = ix.best("стоимость доставки")->confidence;
  EXPECT_EQ(bot_turn(ix, "стоимость доставки", c).answer, 1);
  EXPECT_EQ(bot_turn(ix, "стоимость доставки", c + 0.01).handoff, HandoffReason::low_confidence);

  // Asking for a person wins over a good match.
  EXPECT_EQ(bot_turn(ix, "Соедините с менеджером по доставке", 0.1).handoff, HandoffReason::asked);
}

TEST(BotTurn, TwoNotHelpfulMarksHandOff) {
  EXPECT_FALSE(handoff_after_feedback(0));
  EXPECT_FALSE(handoff_after_feedback(1));
  EXPECT_TRUE(handoff_after_feedback(2));
  EXPECT_TRUE(handoff_after_feedback(3));
}

TEST(HandoffReason, Names) {
  for (auto r : {HandoffReason::asked, HandoffReason::low_confidence, HandoffReason::not_helpful}) {
    EXPECT_EQ(parse_handoff_reason(handoff_reason_name(r)), r);
  }
  EXPECT_EQ(handoff_reason_name(HandoffReason::low_confidence), "low_confidence");
  EXPECT_FALSE(parse_handoff_reason("Asked"));
}

// ---- validation ----

TEST(KbEntryValidation, Normalises) {
  auto r = validate_kb_entry(entry(9, "  Сколько   стоит\nдоставка?  ",
                                   {"", "  ", "Доставка платная?", "доставка ПЛАТНАЯ?", "сколько стоит доставка?",
                                    "Delivery\tcost"},
                                   "  Доставка бесплатная от 3000 ₽.\r\nИначе — 300 ₽.  "));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, 9);
  EXPECT_EQ(r->question, "Сколько стоит доставка?");
  EXPECT_EQ(r->phrasings, (std::vector<std::string>{"Доставка платная?", "Delivery cost"}));
  EXPECT_EQ(r->answer, "Доставка бесплатная от 3000 ₽.\nИначе — 300 ₽.");
}

TEST(KbEntryValidation, ErrorsNameTheField) {
  const auto error = [](KbEntry e) {
    auto r = validate_kb_entry(std::move(e));
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code, Errc::bad_request);
    return r.error().message;
  };
  EXPECT_EQ(error(entry(1, "   ")), "question: must not be empty");
  EXPECT_EQ(error(entry(1, std::string(301, 'a'))), "question: too long (max 300 characters)");
  EXPECT_EQ(error(entry(1, "Вопрос", {"a", "b", std::string(301, 'x')})),
            "phrasings[2]: too long (max 300 characters)");
  EXPECT_EQ(error(entry(1, "Вопрос", {"ok", "bad \xC3\x28"})), "phrasings[1]: not valid UTF-8");
  EXPECT_EQ(error(entry(1, "\xFF")), "question: not valid UTF-8");
  EXPECT_EQ(error(entry(1, "Вопрос", {}, " \n ")), "answer: must not be empty");
  EXPECT_EQ(error(entry(1, "Вопрос", {}, std::string(2001, 'a'))), "answer: too long (max 2000 characters)");
  EXPECT_EQ(error(entry(1, "Вопрос", {}, std::string(5000, 'a'))), "answer: too long (max 2000 characters)");
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back("Вариант " + std::to_string(i));
  EXPECT_EQ(error(entry(1, "Вопрос", many)), "phrasings: at most 20 phrasings");
}

TEST(KbEntryValidation, LimitsCountCharactersNotBytes) {
  std::string cyrillic;
  for (int i = 0; i < 300; ++i) cyrillic += "я";  // 600 bytes
  EXPECT_TRUE(validate_kb_entry(entry(1, cyrillic, {cyrillic}, "ok")));
  std::string answer;
  for (int i = 0; i < 2000; ++i) answer += "ё";
  EXPECT_TRUE(validate_kb_entry(entry(1, "Вопрос", {}, answer)));
  std::vector<std::string> twenty_and_a_repeat;
  for (int i = 0; i < 20; ++i) twenty_and_a_repeat.push_back("Вариант " + std::to_string(i));
  twenty_and_a_repeat.push_back("ВАРИАНТ 3");
  const auto r = validate_kb_entry(entry(1, "Вопрос", twenty_and_a_repeat, "ok"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->phrasings.size(), 20u);
}

// ---- texts ----

TEST(BotTexts, SayItIsABotAndOfferAPerson) {
  const auto ru = bot_intro_text("ru", "Робот Отклик");
  EXPECT_NE(ru.find("Робот Отклик"), std::string::npos);
  EXPECT_NE(ru.find("бот"), std::string::npos);
  EXPECT_NE(ru.find("«Позвать человека»"), std::string::npos);
  const auto en = bot_intro_text("en", "Otto");
  EXPECT_NE(en.find("Otto"), std::string::npos);
  EXPECT_NE(en.find("bot"), std::string::npos);
  EXPECT_NE(en.find("Talk to a person"), std::string::npos);
  EXPECT_EQ(bot_intro_text("de", "X"), bot_intro_text("ru", "X"));
  EXPECT_EQ(bot_intro_text("ru", "").find("Я , "), std::string::npos);
}

TEST(BotTexts, HandoffFollowsTheReason) {
  for (auto lang : {"ru", "en"}) {
    const auto asked = bot_handoff_text(lang, HandoffReason::asked);
    const auto unsure = bot_handoff_text(lang, HandoffReason::low_confidence);
    const auto missed = bot_handoff_text(lang, HandoffReason::not_helpful);
    EXPECT_FALSE(asked.empty());
    EXPECT_NE(asked, unsure);
    EXPECT_NE(unsure, missed);
    EXPECT_FALSE(bot_not_helpful_text(lang).empty());
  }
  EXPECT_NE(bot_handoff_text("ru", HandoffReason::asked), bot_handoff_text("en", HandoffReason::asked));
  EXPECT_NE(bot_not_helpful_text("ru").find("«Позвать человека»"), std::string::npos);
}

TEST(BotTexts, OfflineSaysWhenBackIfKnown) {
  EXPECT_NE(bot_offline_text("ru", "завтра в 9:00").find("вернёмся завтра в 9:00."), std::string::npos);
  EXPECT_NE(bot_offline_text("en", "tomorrow at 9:00").find("back tomorrow at 9:00."), std::string::npos);
  EXPECT_EQ(bot_offline_text("ru", "").find("вернёмся"), std::string::npos);
  EXPECT_EQ(bot_offline_text("en", "").find("back  "), std::string::npos);
  EXPECT_NE(bot_offline_text("en", "").find("form below"), std::string::npos);
}

}  // namespace
}  // namespace otk
