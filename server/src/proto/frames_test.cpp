#include "proto/frames.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace otk::proto {
namespace {

Errc visitor_error(std::string_view text) {
  auto r = parse_visitor_frame(text);
  EXPECT_FALSE(r.has_value()) << text;
  return r ? Errc::internal : r.error().error.code;
}

TEST(VisitorFrames, ParsesHelloWithTokenAndPage) {
  auto r = parse_visitor_frame(R"({"type":"hello","visitor":"v1.abc","page":{"url":"https://a.ru/x","title":"X"}})");
  ASSERT_TRUE(r.has_value());
  const auto& h = std::get<Hello>(*r);
  EXPECT_EQ(h.visitor_token, "v1.abc");
  ASSERT_TRUE(h.page);
  EXPECT_EQ(h.page->url, "https://a.ru/x");
  EXPECT_EQ(h.page->title, "X");
}

TEST(VisitorFrames, HelloCarriesAnIdentityOnlyWithIdAndHash) {
  auto r = parse_visitor_frame(
      R"({"type":"hello","identity":{"id":"u-42","name":"Мария","email":"m@example.com","hash":"ab12"}})");
  ASSERT_TRUE(r.has_value());
  const auto& h = std::get<Hello>(*r);
  ASSERT_TRUE(h.identity);
  EXPECT_EQ(h.identity->id, "u-42");
  EXPECT_EQ(h.identity->name, "Мария");
  EXPECT_EQ(h.identity->hash, "ab12");
  EXPECT_EQ(visitor_error(R"({"type":"hello","identity":{"id":"u-42"}})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"hello","identity":{"id":"","hash":"ab"}})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"hello","identity":"u-42"})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"hello","identity":{"id":7,"hash":"ab"}})"), Errc::bad_frame);
}

TEST(VisitorFrames, HandoffAndBotFeedback) {
  auto h = parse_visitor_frame(R"({"type":"handoff"})");
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(std::holds_alternative<Handoff>(*h));
  auto f = parse_visitor_frame(R"({"type":"bot_feedback","message":12,"helpful":false})");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(std::get<BotFeedback>(*f).message, MessageId{12});
  EXPECT_FALSE(std::get<BotFeedback>(*f).helpful);
  EXPECT_EQ(ref_of(*f), "bot_feedback");
  EXPECT_EQ(visitor_error(R"({"type":"bot_feedback","message":12})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"bot_feedback","message":0,"helpful":true})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"bot_feedback","message":"12","helpful":true})"), Errc::bad_frame);
}

// docs/protocol.md: callback_slots asks for the times to pick; callback may carry one of them as `at` (ms).
TEST(VisitorFrames, CallbackSlotsAndAPickedTime) {
  auto s = parse_visitor_frame(R"({"type":"callback_slots"})");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(std::holds_alternative<CallbackSlotsRequest>(*s));
  EXPECT_EQ(ref_of(*s), "callback_slots");
  auto c = parse_visitor_frame(R"({"type":"callback","client_id":"c1","phone":"+79161234567","at":1800000000000})");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(std::get<RequestCallback>(*c).at, from_unix_ms(1'800'000'000'000));
  auto now = parse_visitor_frame(R"({"type":"callback","client_id":"c2","phone":"+79161234567","at":null})");
  ASSERT_TRUE(now.has_value());
  EXPECT_FALSE(std::get<RequestCallback>(*now).at.has_value());
  EXPECT_EQ(visitor_error(R"({"type":"callback","client_id":"c3","phone":"+79161234567","at":"10:00"})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"callback","client_id":"c3","phone":"+79161234567","at":-5})"), Errc::bad_frame);
  const auto j = nlohmann::json::parse(callback_slots_frame(false, "Europe/Moscow", std::vector{from_unix_ms(1000), from_unix_ms(2000)}));
  EXPECT_EQ(j["type"], "callback_slots");
  EXPECT_EQ(j["open"], false);
  EXPECT_EQ(j["zone"], "Europe/Moscow");
  EXPECT_EQ(j["slots"], nlohmann::json::array({1000, 2000}));
}

TEST(Serialise, BotMessagesSayTheyAreTheBot) {
  Message m;
  m.id = MessageId{5};
  m.conversation = ConversationId{2};
  m.seq = 3;
  m.author = Author{AuthorKind::bot, "Робот", OperatorId{}, ""};
  m.text = "Доставка — 300 ₽";
  m.bot = BotMark{9, std::nullopt};
  const auto j = nlohmann::json::parse(message_frame(m));
  EXPECT_EQ(j["author"]["kind"], "bot");
  EXPECT_EQ(j["bot"]["answer"], true);
  EXPECT_TRUE(j["bot"]["helpful"].is_null());
  m.bot->helpful = true;
  EXPECT_EQ(nlohmann::json::parse(message_frame(m))["bot"]["helpful"], true);
  m.bot.reset();
  EXPECT_FALSE(nlohmann::json::parse(message_frame(m)).contains("bot"));
  EXPECT_EQ(nlohmann::json::parse(bot_frame(ConversationId{2}, false))["active"], false);
}

TEST(VisitorFrames, ParsesSendAndNormalisesText) {
  auto r = parse_visitor_frame(R"({"type":"send","client_id":"m1","text":"  Привет  "})");
  ASSERT_TRUE(r.has_value());
  const auto& s = std::get<Send>(*r);
  EXPECT_EQ(s.client_id, "m1");
  EXPECT_EQ(s.text, "Привет");
}

TEST(VisitorFrames, PreciseErrors) {
  EXPECT_EQ(visitor_error("not json"), Errc::bad_json);
  EXPECT_EQ(visitor_error("[1,2]"), Errc::bad_json);
  EXPECT_EQ(visitor_error(R"({"kind":"send"})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"fly"})"), Errc::unknown_type);
  EXPECT_EQ(visitor_error(R"({"type":"send","text":"x"})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"send","client_id":"a b","text":"x"})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"send","client_id":"m1","text":"   "})"), Errc::text_empty);
  EXPECT_EQ(visitor_error(R"({"type":"send","client_id":"m1","text":42})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"typing","active":"yes"})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"history","conversation":-1,"after":0})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"history","conversation":1,"after":-5})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"history","conversation":1.5,"after":0})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"hello","visitor":7})"), Errc::bad_frame);
  EXPECT_EQ(visitor_error(R"({"type":"hello","page":{"title":"no url"}})"), Errc::bad_frame);
}

TEST(VisitorFrames, TooLongTextEchoesClientId) {
  std::string text(4001, 'a');
  auto r = parse_visitor_frame(R"({"type":"send","client_id":"m9","text":")" + text + "\"}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, Errc::text_too_long);
  EXPECT_EQ(r.error().ref, "m9");
}

TEST(VisitorFrames, OperatorOnlyTypesAreUnknownForVisitors) {
  EXPECT_EQ(visitor_error(R"({"type":"read","conversation":1,"seq":1})"), Errc::unknown_type);
}

TEST(VisitorFrames, HistoryLimitIsClamped) {
  auto r = parse_visitor_frame(R"({"type":"history","conversation":3,"after":10,"limit":100000})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<History>(*r).limit, kMaxHistoryPage);
}

TEST(OperatorFrames, SendNeedsConversation) {
  auto r = parse_operator_frame(R"({"type":"send","client_id":"o1","text":"hi"})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().error.code, Errc::bad_frame);
  EXPECT_EQ(r.error().ref, "o1");
  auto ok = parse_operator_frame(R"({"type":"send","conversation":5,"client_id":"o1","text":"hi"})");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(std::get<Send>(*ok).conversation, ConversationId{5});
}

TEST(OperatorFrames, ParsesRead) {
  auto r = parse_operator_frame(R"({"type":"read","conversation":5,"seq":0})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<Read>(*r).seq, 0);
}

TEST(OperatorFrames, JoinAndWhisper) {
  auto join = parse_operator_frame(R"({"type":"join","conversation":9})");
  ASSERT_TRUE(join.has_value());
  EXPECT_EQ(std::get<Join>(*join).conversation, ConversationId{9});
  EXPECT_EQ(ref_of(*join), "join");
  auto bad = parse_operator_frame(R"({"type":"join"})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().error.code, Errc::bad_frame);

  auto plain = parse_operator_frame(R"({"type":"note","conversation":9,"client_id":"n1","text":"hi"})");
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(std::get<AddNote>(*plain).whisper);
  auto whisper = parse_operator_frame(R"({"type":"note","conversation":9,"client_id":"n2","text":"hi","whisper":true})");
  ASSERT_TRUE(whisper.has_value());
  EXPECT_TRUE(std::get<AddNote>(*whisper).whisper);
  auto wrong = parse_operator_frame(R"({"type":"note","conversation":9,"client_id":"n3","text":"hi","whisper":"yes"})");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().error.code, Errc::bad_frame);
  EXPECT_EQ(wrong.error().ref, "n3");
}

TEST(Serialise, NoteFrameNamesTheWhisperedOperator) {
  Note n{4, ConversationId{9}, OperatorId{2}, "Света", "n1", "Ответь ему", from_unix_ms(5), OperatorId{3}, "Борис"};
  auto j = nlohmann::json::parse(note_frame(n));
  EXPECT_EQ(j["whisper"], true);
  EXPECT_EQ(j["to"]["id"], 3);
  EXPECT_EQ(j["to"]["name"], "Борис");
  n.whisper_to = OperatorId{};
  auto plain = nlohmann::json::parse(note_frame(n));
  EXPECT_FALSE(plain.contains("whisper"));
  EXPECT_FALSE(plain.contains("to"));
}

TEST(Serialise, JoinedTextSpeaksTheSitesLanguage) {
  EXPECT_EQ(joined_text("Анна", Role::supervisor, "ru"), "К разговору присоединяется руководитель Анна");
  EXPECT_EQ(joined_text("Anna", Role::owner, "en"), "Anna, a supervisor, joined the conversation");
  EXPECT_EQ(joined_text("Пётр", Role::admin, "ru"), "К разговору присоединяется администратор Пётр");
}

TEST(Serialise, MessageFrameRoundTripsFields) {
  Message m{MessageId{7}, ConversationId{3}, 2, "c1", Author{AuthorKind::operator_, "Анна", OperatorId{1}},
            "<b>hi</b>", from_unix_ms(1234)};
  auto j = nlohmann::json::parse(message_frame(m));
  EXPECT_EQ(j["type"], "message");
  EXPECT_EQ(j["conversation"], 3);
  EXPECT_EQ(j["seq"], 2);
  EXPECT_EQ(j["author"]["kind"], "operator");
  EXPECT_EQ(j["author"]["name"], "Анна");
  EXPECT_EQ(j["text"], "<b>hi</b>");
  EXPECT_EQ(j["at"], 1234);
}

TEST(Serialise, ErrorFrameCarriesCodeAndRef) {
  auto j = nlohmann::json::parse(error_frame(Error{Errc::text_too_long, "too long"}, "m1"));
  EXPECT_EQ(j["code"], "text_too_long");
  EXPECT_EQ(j["ref"], "m1");
}

}  // namespace
}  // namespace otk::proto
