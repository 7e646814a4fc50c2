#include "store/sqlite/sqlite_storage.hpp"
#include "store/migrations/migrations.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace otk {
namespace {

namespace fs = std::filesystem;

class SqliteStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("otk-store-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = std::make_unique<SqliteStorage>((dir_ / "otklik.db").string(), true);
    // Two accounts, each with a site and an operator; a second site in account A the operator is not in.
    a_ = *db_->ensure_account("Agency A", clock_.now());
    b_ = *db_->ensure_account("Agency B", clock_.now());
    site_a_ = *db_->upsert_site(site(a_, "key-a", "Shop A"), clock_.now());
    site_a2_ = *db_->upsert_site(site(a_, "key-a2", "Shop A2"), clock_.now());
    site_b_ = *db_->upsert_site(site(b_, "key-b", "Shop B"), clock_.now());
    op_a_ = *db_->upsert_operator(a_, "anna@a.ru", "Анна", "hash", Role::operator_, clock_.now());
    op_b_ = *db_->upsert_operator(b_, "boris@b.ru", "Борис", "hash", Role::owner, clock_.now());
    ASSERT_TRUE(db_->add_site_member(site_a_, op_a_).has_value());
    ASSERT_TRUE(db_->add_site_member(site_b_, op_b_).has_value());
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  static Site site(AccountId acc, std::string key, std::string name) {
    Site s;
    s.account = acc;
    s.key = std::move(key);
    s.name = std::move(name);
    s.allowed_origins = {"https://shop.example"};
    return s;
  }
  OperatorScope scope_of(std::string_view email) {
    db_->create_session(std::string("tok-") + std::string(email), "csrf", db_->credentials_by_email(email)->value().op.id,
                        clock_.now(), clock_.now() + std::chrono::hours(1));
    return db_->session(std::string("tok-") + std::string(email), clock_.now())->value().scope;
  }
  NewMessage msg(std::string cid, std::string text) { return NewMessage{std::move(cid), std::move(text), clock_.now()}; }

  ManualClock clock_;
  fs::path dir_;
  std::unique_ptr<SqliteStorage> db_;
  AccountId a_, b_;
  SiteId site_a_, site_a2_, site_b_;
  OperatorId op_a_, op_b_;
};

TEST_F(SqliteStorageTest, MigrationsAreAppliedOnceAndRecorded) {
  const int latest = migrations::all().back().version;
  EXPECT_EQ(db_->schema_version(), latest);
  SqliteStorage again((dir_ / "otklik.db").string(), true);  // re-opening applies nothing twice
  EXPECT_EQ(again.schema_version(), latest);
}

TEST_F(SqliteStorageTest, SequenceIsGapFreeAndConversationIsReused) {
  auto v = *db_->create_visitor(site_a_, "vt1", clock_.now());
  for (int i = 1; i <= 5; ++i) {
    auto r = db_->append_visitor_message(v, msg("m" + std::to_string(i), "hi"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->message.seq, i);
    EXPECT_EQ(r->created_conversation, i == 1);
  }
  bool more = true;
  auto conv = db_->open_conversation_of(v)->value();
  auto all = *db_->messages_after(conv.id, 0, 100, more);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_FALSE(more);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, static_cast<Seq>(i + 1));
}

TEST_F(SqliteStorageTest, ResendWithSameClientIdStoresNothing) {
  auto v = *db_->create_visitor(site_a_, "vt1", clock_.now());
  auto first = *db_->append_visitor_message(v, msg("same", "one"));
  auto again = *db_->append_visitor_message(v, msg("same", "one"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message.id, first.message.id);
  EXPECT_EQ(again.message.seq, 1);
  bool more;
  EXPECT_EQ(db_->messages_after(first.conversation.id, 0, 10, more)->size(), 1u);
}

TEST_F(SqliteStorageTest, AnAttachmentTravelsWithItsMessageAndIsAsVisibleAsItsConversation) {
  auto v = *db_->create_visitor(site_a_, "vt1", clock_.now());
  ASSERT_TRUE(db_->append_visitor_message(v, msg("m1", "hi")).has_value());
  NewMessage with_file = msg("f1", "[файл: a.png]");
  with_file.attachment = Attachment{std::string(32, 'a'), "a.png", "image/png", 1234};
  auto sent = db_->append_visitor_message(v, with_file);
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  ASSERT_TRUE(sent->message.attachment.has_value());
  EXPECT_EQ(sent->message.seq, 2);
  // A resend returns the stored attachment and stores no second row.
  auto again = db_->append_visitor_message(v, with_file);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message.attachment->id, with_file.attachment->id);
  bool more = false;
  auto all = *db_->messages_after(sent->conversation.id, 0, 10, more);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_FALSE(all[0].attachment.has_value());
  ASSERT_TRUE(all[1].attachment.has_value());
  EXPECT_EQ(all[1].attachment->name, "a.png");
  EXPECT_EQ(all[1].attachment->type, "image/png");
  EXPECT_EQ(all[1].attachment->size, 1234);

  const auto id = with_file.attachment->id;
  auto mine = db_->attachment_for(scope_of("anna@a.ru"), id);
  ASSERT_TRUE(mine.has_value() && mine->has_value());
  EXPECT_EQ((*mine)->conversation.id, sent->conversation.id);
  EXPECT_FALSE(db_->attachment_for(scope_of("boris@b.ru"), id)->has_value()) << "another account";
  EXPECT_TRUE(db_->visitor_attachment(v, id)->has_value());
  auto stranger = *db_->create_visitor(site_a_, "vt2", clock_.now());
  EXPECT_FALSE(db_->visitor_attachment(stranger, id)->has_value()) << "another visitor of the same site";
  EXPECT_FALSE(db_->attachment_for(scope_of("anna@a.ru"), std::string(32, 'b'))->has_value()) << "an unknown id";
}

TEST_F(SqliteStorageTest, ClientIdsOfDifferentAuthorsDoNotCollide) {
  auto v1 = *db_->create_visitor(site_a_, "vt1", clock_.now());
  auto v2 = *db_->create_visitor(site_a_, "vt2", clock_.now());
  EXPECT_FALSE(db_->append_visitor_message(v1, msg("m1", "a"))->duplicate);
  EXPECT_FALSE(db_->append_visitor_message(v2, msg("m1", "b"))->duplicate);
}

TEST_F(SqliteStorageTest, HistoryPagesBySequence) {
  auto v = *db_->create_visitor(site_a_, "vt1", clock_.now());
  for (int i = 1; i <= 7; ++i) db_->append_visitor_message(v, msg("m" + std::to_string(i), "x"));
  auto conv = db_->open_conversation_of(v)->value();
  bool more = false;
  auto page = *db_->messages_after(conv.id, 2, 3, more);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page.front().seq, 3);
  EXPECT_TRUE(more);
  page = *db_->messages_after(conv.id, 5, 3, more);
  EXPECT_EQ(page.size(), 2u);
  EXPECT_FALSE(more);
}

TEST_F(SqliteStorageTest, OperatorSeesOnlyConversationsOfTheirSitesAndAccount) {
  auto va = *db_->create_visitor(site_a_, "va", clock_.now());
  auto va2 = *db_->create_visitor(site_a2_, "va2", clock_.now());
  auto vb = *db_->create_visitor(site_b_, "vb", clock_.now());
  auto ca = db_->append_visitor_message(va, msg("m", "A"))->conversation.id;
  auto ca2 = db_->append_visitor_message(va2, msg("m", "A2"))->conversation.id;
  auto cb = db_->append_visitor_message(vb, msg("m", "B"))->conversation.id;
  auto anna = scope_of("anna@a.ru");
  auto boris = scope_of("boris@b.ru");

  auto list = *db_->open_conversations(anna);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].conversation.id, ca);
  EXPECT_EQ(list[0].site_name, "Shop A");
  EXPECT_EQ(list[0].unread, 1);

  EXPECT_TRUE(db_->conversation_for(anna, ca)->has_value());
  EXPECT_FALSE(db_->conversation_for(anna, ca2)->has_value());  // same account, not a member
  EXPECT_FALSE(db_->conversation_for(anna, cb)->has_value());   // other account
  EXPECT_FALSE(db_->conversation_for(boris, ca)->has_value());
  EXPECT_EQ(db_->append_operator_message(anna, cb, msg("o1", "hi")).error().code, Errc::not_found);
  EXPECT_EQ(db_->mark_read(boris, ca, 1).error().code, Errc::not_found);
  EXPECT_FALSE(db_->summary_for(boris, ca)->has_value());
}

TEST_F(SqliteStorageTest, MembershipAcrossAccountsIsRefused) {
  EXPECT_EQ(db_->add_site_member(site_b_, op_a_).error().code, Errc::forbidden);
}

TEST_F(SqliteStorageTest, SiteKeyOfAnotherAccountCannotBeTakenOver) {
  auto r = db_->upsert_site(site(a_, "key-b", "Hijack"), clock_.now());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_EQ(db_->site_by_key("key-b")->value().name, "Shop B");
}

TEST_F(SqliteStorageTest, CreatedSiteHasItsManagersAndDefaultDepartment) {
  const auto admin = *db_->upsert_operator(a_, "ada@a.ru", "Ада", "hash", Role::admin, clock_.now());
  const auto owner = *db_->upsert_operator(a_, "oleg@a.ru", "Олег", "hash", Role::owner, clock_.now());
  Site s = site(a_, "fresh", "Fresh");
  s.first_response_seconds = 40;
  auto made = db_->create_site(s, admin, clock_.now());
  ASSERT_TRUE(made.has_value()) << made.error().message;
  EXPECT_EQ(db_->site_by_key("fresh")->value().first_response_seconds, 40);
  for (const auto* email : {"ada@a.ru", "oleg@a.ru"}) {
    auto sites = *db_->sites_of(scope_of(email));
    EXPECT_TRUE(std::ranges::any_of(sites, [](const Site& x) { return x.key == "fresh"; })) << email;
  }
  EXPECT_FALSE(std::ranges::any_of(*db_->sites_of(scope_of("anna@a.ru")), [](const Site& x) { return x.key == "fresh"; }))
      << "a plain operator joins only when added";
  auto snap = *db_->desk_snapshot();
  const auto desk_site = std::ranges::find(snap.sites, made->id, &DeskSite::id);
  ASSERT_NE(desk_site, snap.sites.end());
  EXPECT_EQ(desk_site->first_response, Millis{40'000});
  const auto ada = std::ranges::find(snap.operators, admin, &DeskOperator::id);
  EXPECT_TRUE(std::ranges::find(ada->departments, desk_site->default_department) != ada->departments.end());
  (void)owner;

  auto taken = db_->create_site(site(b_, "fresh", "Again"), op_b_, clock_.now());
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, Errc::conflict);
}

TEST_F(SqliteStorageTest, UpdateSiteOnlyWithinTheScope) {
  Site s = db_->site_by_key("key-a")->value();
  s.name = "Renamed";
  s.first_response_seconds = 7;
  EXPECT_EQ(db_->update_site(scope_of("boris@b.ru"), s).error().code, Errc::not_found);
  EXPECT_EQ(db_->site_by_key("key-a")->value().name, "Shop A");
  ASSERT_TRUE(db_->update_site(scope_of("anna@a.ru"), s).has_value());
  EXPECT_EQ(db_->site_by_key("key-a")->value().name, "Renamed");
  EXPECT_EQ(db_->site_by_key("key-a")->value().first_response_seconds, 7);
  s.first_response_seconds.reset();
  ASSERT_TRUE(db_->update_site(scope_of("anna@a.ru"), s).has_value());
  EXPECT_FALSE(db_->site_by_key("key-a")->value().first_response_seconds.has_value());
}

TEST_F(SqliteStorageTest, ReadMarkerMovesForwardOnlyAndDrivesUnread) {
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  for (int i = 1; i <= 4; ++i) db_->append_visitor_message(v, msg("m" + std::to_string(i), "x"));
  auto anna = scope_of("anna@a.ru");
  auto conv = db_->open_conversation_of(v)->value().id;
  db_->append_operator_message(anna, conv, msg("o1", "reply"));
  EXPECT_EQ(*db_->mark_read(anna, conv, 3), 3);
  EXPECT_EQ(*db_->mark_read(anna, conv, 1), 3);
  EXPECT_EQ(*db_->mark_read(anna, conv, 999), 5);  // capped at last_seq
  auto s = db_->summary_for(anna, conv)->value();
  EXPECT_EQ(s.unread, 0);
  EXPECT_EQ(s.last_message->author.name, "Анна");
}

TEST_F(SqliteStorageTest, UnreadIgnoresOperatorsOwnMessages) {
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  auto anna = scope_of("anna@a.ru");
  auto conv = db_->append_visitor_message(v, msg("m1", "q"))->conversation.id;
  db_->append_operator_message(anna, conv, msg("o1", "a"));
  EXPECT_EQ(db_->summary_for(anna, conv)->value().unread, 1);
}

TEST_F(SqliteStorageTest, SessionsExpireAndCarryMembership) {
  auto creds = db_->credentials_by_email("ANNA@a.ru")->value();  // e-mail is case-insensitive
  EXPECT_EQ(creds.op.name, "Анна");
  ASSERT_TRUE(db_->create_session("t", "c", creds.op.id, clock_.now(), clock_.now() + std::chrono::minutes(5)));
  auto s = db_->session("t", clock_.now())->value();
  EXPECT_EQ(s.csrf, "c");
  EXPECT_EQ(s.scope.sites, std::vector<SiteId>{site_a_});
  EXPECT_FALSE(db_->session("t", clock_.now() + std::chrono::minutes(6))->has_value());
  db_->delete_session("t");
  EXPECT_FALSE(db_->session("t", clock_.now())->has_value());
}

TEST_F(SqliteStorageTest, PhotoIsTheOperatorsCurrentOneOnEveryMessage) {
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  auto anna = scope_of("anna@a.ru");  // the session was opened before the photo existed
  auto conv = db_->append_visitor_message(v, msg("m1", "q"))->conversation.id;
  auto first = db_->append_operator_message(anna, conv, msg("o1", "a"))->message;
  EXPECT_EQ(first.author.photo, "");

  auto replaced = db_->set_operator_photo(op_a_, OperatorPhoto{"image/png", "v1"});
  ASSERT_TRUE(replaced);
  EXPECT_FALSE(replaced->has_value());
  auto second = db_->append_operator_message(anna, conv, msg("o2", "b"))->message;
  EXPECT_EQ(second.author.photo, "v1");
  replaced = db_->set_operator_photo(op_a_, OperatorPhoto{"image/webp", "v2"});
  ASSERT_TRUE(replaced && replaced->has_value());
  EXPECT_EQ((*replaced)->version, "v1");  // the caller removes its file
  bool more = false;
  auto history = *db_->messages_after(conv, 0, 10, more);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].author.photo, "");  // the visitor's
  EXPECT_EQ(history[1].author.photo, "v2");
  EXPECT_EQ(history[2].author.photo, "v2");
  EXPECT_EQ(db_->operator_photo(op_a_)->value().content_type, "image/webp");
  EXPECT_EQ(db_->session("tok-anna@a.ru", clock_.now())->value().scope.op.photo, "v2");

  ASSERT_TRUE(db_->set_operator_photo(op_a_, OperatorPhoto{}));
  EXPECT_FALSE(db_->operator_photo(op_a_)->has_value());
  EXPECT_FALSE(db_->operator_photo(op_b_)->has_value());
}

TEST_F(SqliteStorageTest, InvitationsAreOneTimeAndExpire) {
  const auto anna = scope_of("anna@a.ru");
  Invitation inv{"vera@a.ru", "Вера", Role::operator_, {site_a_}, 3, "hash-1", clock_.now() + std::chrono::hours(1)};
  auto vera = *db_->invite_operator(anna, inv, clock_.now());
  EXPECT_TRUE(vera.invited);
  EXPECT_EQ(vera.sites, std::vector<SiteId>{site_a_});
  EXPECT_EQ(vera.departments.size(), 1u) << "the site's default department";
  EXPECT_EQ(vera.chat_limit, 3);
  EXPECT_TRUE(std::ranges::none_of(db_->team_of(anna)->operators, [&](const auto& m) { return m.id == vera.id; }))
      << "not in the desk's team before accepting";
  inv.token_hash = "hash-2";  // a fresh link: the first one dies
  EXPECT_EQ(db_->invite_operator(anna, inv, clock_.now())->id, vera.id);
  EXPECT_FALSE(db_->accept_invite("hash-1", "pw", clock_.now())->has_value());
  EXPECT_FALSE(db_->accept_invite("hash-2", "pw", clock_.now() + std::chrono::hours(2))->has_value()) << "expired";
  auto creds = db_->accept_invite("hash-2", "pw", clock_.now());
  ASSERT_TRUE(creds && creds->has_value());
  EXPECT_EQ((*creds)->op.id, vera.id);
  EXPECT_FALSE(db_->accept_invite("hash-2", "pw", clock_.now())->has_value()) << "used";
  EXPECT_FALSE(db_->team_member(anna, vera.id)->value().invited);
  EXPECT_EQ(db_->invite_operator(anna, inv, clock_.now()).error().code, Errc::conflict) << "accepted already";
  inv.email = "boris@b.ru";
  EXPECT_EQ(db_->invite_operator(anna, inv, clock_.now()).error().code, Errc::conflict) << "another account's";
  EXPECT_FALSE(db_->team_member(scope_of("boris@b.ru"), vera.id)->has_value()) << "another account's operator";
}

TEST_F(SqliteStorageTest, DisablingEndsSessionsAndDeletingADepartmentMovesItsChatsAndRules) {
  const auto anna = scope_of("anna@a.ru");
  OperatorChange off;
  off.disabled = true;
  EXPECT_TRUE(db_->change_operator(anna, op_a_, off)->disabled);
  EXPECT_FALSE(db_->session("tok-anna@a.ru", clock_.now())->has_value()) << "sessions end";
  EXPECT_TRUE((*db_->credentials_by_email("anna@a.ru"))->disabled);
  EXPECT_TRUE(std::ranges::none_of(db_->desk_snapshot()->operators, [&](const auto& o) { return o.id == op_a_; }));
  off.disabled = false;
  EXPECT_FALSE(db_->change_operator(anna, op_a_, off)->disabled);

  auto tech = *db_->create_department(site_a_, "Техподдержка", std::vector<OperatorId>{op_a_});
  EXPECT_EQ(tech.members, std::vector<OperatorId>{op_a_});
  EXPECT_EQ(db_->create_department(site_a_, "Техподдержка", {}).error().code, Errc::conflict);
  EXPECT_EQ(db_->create_department(site_a_, "Опт", std::vector<OperatorId>{op_b_}).error().code, Errc::bad_request);
  RoutingRule rule;
  rule.path_pattern = "/developers*";
  rule.department = tech.id;
  const std::vector<RoutingRule> rules{rule};
  ASSERT_TRUE(db_->set_routing_rules(site_a_, rules));
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  auto conv = db_->append_visitor_message(v, msg("m1", "q"))->conversation.id;
  ASSERT_TRUE(db_->assign_conversation(conv, tech.id, OperatorId{}, clock_.now()));
  auto setup = *db_->routing_setup(site_a_);
  ASSERT_EQ(setup.departments.size(), 2u);
  EXPECT_TRUE(setup.departments[0].is_default);
  const auto fallback = setup.departments[0].id;
  EXPECT_EQ(db_->delete_department(fallback).error().code, Errc::conflict) << "not the default";
  ASSERT_TRUE(db_->delete_department(tech.id));
  EXPECT_EQ(db_->desk_snapshot()->open_chats.at(0).department, fallback);
  setup = *db_->routing_setup(site_a_);
  ASSERT_EQ(setup.rules.size(), 1u);
  EXPECT_EQ(setup.rules[0].department, fallback);
  EXPECT_EQ(setup.departments.size(), 1u);
  EXPECT_FALSE(db_->department_site(scope_of("boris@b.ru"), fallback)->has_value()) << "another account's";
}

TEST_F(SqliteStorageTest, EverySiteHasADefaultDepartmentWithItsMembers) {
  auto snap = *db_->desk_snapshot();
  ASSERT_EQ(snap.sites.size(), 3u);
  for (const auto& site : snap.sites) EXPECT_TRUE(site.default_department) << site.id.value;
  const auto anna = std::ranges::find(snap.operators, op_a_, &DeskOperator::id);
  ASSERT_NE(anna, snap.operators.end());
  ASSERT_EQ(anna->departments.size(), 1u);  // the default department of site A, whose member she is
  EXPECT_EQ(anna->limit, 5);
  EXPECT_EQ(anna->presence, Presence::online);

  auto tech = *db_->upsert_department(site_a_, "Техподдержка", false);
  EXPECT_EQ(*db_->upsert_department(site_a_, "Техподдержка", false), tech) << "idempotent by name";
  EXPECT_TRUE(db_->add_department_member(tech, op_a_));
  EXPECT_EQ(db_->add_department_member(tech, op_b_).error().code, Errc::forbidden) << "another account's operator";
  RoutingRule rule;
  rule.path_pattern = "/developers*";
  rule.department = tech;
  EXPECT_TRUE(db_->add_routing_rule(site_a_, rule));
  EXPECT_EQ(db_->add_routing_rule(site_b_, rule).error().code, Errc::bad_request) << "a department of another site";
  snap = *db_->desk_snapshot();
  const auto a = std::ranges::find(snap.sites, site_a_, &DeskSite::id);
  ASSERT_EQ(a->rules.size(), 1u);
  EXPECT_EQ(a->rules[0].path_pattern, "/developers*");
  EXPECT_EQ(a->rules[0].department, tech);
}

TEST_F(SqliteStorageTest, SupervisorJoinsWhispersAndAnswersWithoutTakingTheChat) {
  const auto sveta_id = *db_->upsert_operator(a_, "sveta@a.ru", "Света", "hash", Role::supervisor, clock_.now());
  ASSERT_TRUE(db_->add_site_member(site_a_, sveta_id).has_value());
  auto anna = scope_of("anna@a.ru");
  auto sveta = scope_of("sveta@a.ru");
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  const auto conv = db_->append_visitor_message(v, msg("m1", "помогите"))->conversation.id;
  const auto dept = db_->desk_snapshot()->sites[0].default_department;
  ASSERT_TRUE(db_->assign_conversation(conv, dept, OperatorId{}, clock_.now()));  // queued
  EXPECT_EQ(db_->join_conversation(sveta, conv, clock_.now()).error().code, Errc::conflict) << "nobody holds it";
  EXPECT_EQ(db_->add_note(sveta, conv, msg("w0", "x"), true).error().code, Errc::conflict);
  ASSERT_TRUE(db_->assign_conversation(conv, dept, op_a_, clock_.now()));
  EXPECT_EQ(db_->join_conversation(anna, conv, clock_.now()).error().code, Errc::conflict) << "her own";
  EXPECT_EQ(db_->join_conversation(scope_of("boris@b.ru"), conv, clock_.now()).error().code, Errc::not_found);

  auto joined = db_->join_conversation(sveta, conv, clock_.now());
  ASSERT_TRUE(joined.has_value()) << joined.error().message;
  EXPECT_FALSE(joined->duplicate);
  EXPECT_EQ(joined->message.author.kind, AuthorKind::system);
  EXPECT_EQ(joined->message.text, "К разговору присоединяется руководитель Света");
  EXPECT_EQ(joined->message.seq, 2);
  auto again = db_->join_conversation(sveta, conv, clock_.now());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message.id, joined->message.id);

  auto said = db_->append_operator_message(sveta, conv, msg("s1", "Здравствуйте"));
  EXPECT_TRUE(said->joined);
  EXPECT_TRUE(said->first_reply);
  auto chat = db_->desk_snapshot()->open_chats.at(0);
  EXPECT_EQ(chat.assigned, op_a_) << "a joined supervisor does not take the chat";
  EXPECT_TRUE(chat.answered);

  auto whisper = db_->add_note(sveta, conv, msg("w1", "Предложи скидку"), true);
  ASSERT_TRUE(whisper.has_value()) << whisper.error().message;
  EXPECT_EQ(whisper->first.whisper_to, op_a_);
  EXPECT_EQ(whisper->first.whisper_to_name, "Анна");
  EXPECT_EQ(db_->add_note(anna, conv, msg("w2", "x"), true).error().code, Errc::conflict) << "her own chat";
  auto notes = *db_->notes_of(anna, conv);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].whisper_to, op_a_);
  ASSERT_TRUE(db_->close_conversation(anna, conv, clock_.now()));
  EXPECT_EQ(db_->join_conversation(sveta, conv, clock_.now())->duplicate, true) << "a repeat stays a repeat";
}

TEST_F(SqliteStorageTest, AssignmentFirstReplyCloseAndReturningVisitor) {
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  auto anna = scope_of("anna@a.ru");
  auto first = db_->append_visitor_message(v, msg("m1", "q"))->conversation.id;
  const auto dept = db_->desk_snapshot()->sites[0].default_department;
  ASSERT_TRUE(db_->assign_conversation(first, dept, OperatorId{}, clock_.now()));  // queued
  auto chat = db_->desk_snapshot()->open_chats.at(0);
  EXPECT_FALSE(chat.assigned);
  EXPECT_EQ(chat.department, dept);
  EXPECT_TRUE(db_->append_operator_message(anna, first, msg("o1", "a"))->first_reply);
  EXPECT_FALSE(db_->append_operator_message(anna, first, msg("o2", "b"))->first_reply);
  chat = db_->desk_snapshot()->open_chats.at(0);
  EXPECT_EQ(chat.assigned, op_a_) << "who answers first takes it";
  EXPECT_TRUE(chat.answered);
  EXPECT_EQ(db_->summary_for(anna, first)->value().assigned_name, "Анна");

  EXPECT_EQ(db_->close_conversation(scope_of("boris@b.ru"), first, clock_.now()).error().code, Errc::not_found);
  ASSERT_TRUE(db_->close_conversation(anna, first, clock_.now()));
  EXPECT_TRUE(db_->close_conversation(anna, first, clock_.now())) << "closing twice is not an error";
  EXPECT_TRUE(db_->desk_snapshot()->open_chats.empty());
  auto second = db_->append_visitor_message(v, msg("m2", "again"));
  EXPECT_TRUE(second->created_conversation);
  EXPECT_EQ(db_->last_operator_of(v.id, second->conversation.id)->value(), op_a_);
  EXPECT_EQ(db_->assign_conversation(first, dept, op_a_, clock_.now()).error().code, Errc::not_found)
      << "a closed conversation is not assigned again";
}

TEST_F(SqliteStorageTest, VisitorTokenIsScopedToItsSite) {
  db_->create_visitor(site_a_, "vt", clock_.now());
  EXPECT_TRUE(db_->visitor_by_token(site_a_, "vt")->has_value());
  EXPECT_FALSE(db_->visitor_by_token(site_b_, "vt")->has_value());
}

TEST_F(SqliteStorageTest, PageViewsOpenVisitsAndFeedTheSummary) {
  auto v = *db_->create_visitor(site_a_, "vt", clock_.now());
  ASSERT_TRUE(db_->record_page_view(v, PageRef{"https://a/1", "One", ""}, clock_.now()));
  clock_.advance(std::chrono::minutes(40));
  ASSERT_TRUE(db_->record_page_view(v, PageRef{"https://a/2", "Two", ""}, clock_.now()));
  auto conv = db_->append_visitor_message(v, msg("m", "x"))->conversation.id;
  auto s = db_->summary_for(scope_of("anna@a.ru"), conv)->value();
  ASSERT_TRUE(s.page);
  EXPECT_EQ(s.page->url, "https://a/2");
  auto visits = db_->connection().prepare("SELECT MAX(number) FROM visits");
  visits.step();
  EXPECT_EQ(visits.i64(0), 2);
}


TEST_F(SqliteStorageTest, ContactsOfOnePersonMergeIntoOneLead) {
  auto v1 = *db_->create_visitor(site_a_, "lv1", clock_.now());
  ASSERT_TRUE(db_->record_page_view(v1, PageRef{"https://shop.example/?utm_campaign=spring", "Shop", "https://ya.ru/"},
                                    clock_.now()).has_value());
  ContactForm form{"Анна", "anna@mail.ru", "", "Есть размер 42?"};
  auto first = db_->save_contact(v1, form, LeadSource::offline_form, "c1", clock_.now());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->lead.email, "anna@mail.ru");
  EXPECT_EQ(first->lead.source, LeadSource::offline_form);
  EXPECT_EQ(first->lead.referrer, "https://ya.ru/");
  EXPECT_EQ(first->lead.landing_url, "https://shop.example/?utm_campaign=spring");
  EXPECT_EQ(first->lead.visits, 1);
  EXPECT_EQ(db_->visitor_by_token(site_a_, "lv1")->value().name, "Анна");  // the chat list shows her name now

  // The same submission again (a retry after a lost ack) changes nothing.
  auto again = db_->save_contact(v1, form, LeadSource::offline_form, "c1", clock_.now());
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->lead.id, first->lead.id);

  // The same visitor adds a phone later: same lead, both contacts.
  clock_.advance(std::chrono::minutes(5));
  auto phone = db_->save_contact(v1, ContactForm{"", "", "+79161234567", ""}, LeadSource::chat, "c2", clock_.now());
  ASSERT_TRUE(phone.has_value());
  EXPECT_FALSE(phone->created);
  EXPECT_EQ(phone->lead.id, first->lead.id);
  EXPECT_EQ(phone->lead.email, "anna@mail.ru");
  EXPECT_EQ(phone->lead.phone, "+79161234567");
  EXPECT_EQ(phone->lead.message, "Есть размер 42?");  // an empty message keeps the last one
  EXPECT_EQ(phone->lead.source, LeadSource::offline_form);  // how the contact first came

  // Another device, same e-mail: the same person, one lead; a different site: a different lead.
  auto v2 = *db_->create_visitor(site_a_, "lv2", clock_.now());
  auto other_device = db_->save_contact(v2, ContactForm{"Аня", "anna@mail.ru", "", ""}, LeadSource::chat, "c1", clock_.now());
  ASSERT_TRUE(other_device.has_value());
  EXPECT_EQ(other_device->lead.id, first->lead.id);
  EXPECT_EQ(other_device->lead.name, "Аня");
  auto v3 = *db_->create_visitor(site_a2_, "lv3", clock_.now());
  auto other_site = db_->save_contact(v3, form, LeadSource::offline_form, "c1", clock_.now());
  ASSERT_TRUE(other_site.has_value());
  EXPECT_TRUE(other_site->created);

  auto sc = scope_of("anna@a.ru");
  auto detail = db_->lead_detail(sc, first->lead.id);
  ASSERT_TRUE(detail.has_value() && detail->has_value());
  EXPECT_EQ((*detail)->entries.size(), 3u);  // three submissions, the retry not counted
  ASSERT_EQ((*detail)->pages.size(), 1u);
  EXPECT_EQ((*detail)->pages[0].visit, 1);
}

TEST_F(SqliteStorageTest, LeadsAreScopedStatusAndNotesAreRecorded) {
  auto va = *db_->create_visitor(site_a_, "la", clock_.now());
  auto va2 = *db_->create_visitor(site_a2_, "la2", clock_.now());
  auto vb = *db_->create_visitor(site_b_, "lb", clock_.now());
  auto la = db_->save_contact(va, ContactForm{"A", "a@a.ru", "", ""}, LeadSource::offline_form, "c", clock_.now())->lead;
  auto la2 = db_->save_contact(va2, ContactForm{"A2", "a2@a.ru", "", ""}, LeadSource::offline_form, "c", clock_.now())->lead;
  auto lb = db_->save_contact(vb, ContactForm{"B", "b@b.ru", "", ""}, LeadSource::offline_form, "c", clock_.now())->lead;

  auto anna = scope_of("anna@a.ru");  // account A, member of site A only
  auto boris = scope_of("boris@b.ru");
  auto list = db_->leads_of(anna, LeadFilter{});
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).id, la.id);
  EXPECT_FALSE(db_->lead_detail(anna, lb.id)->has_value());
  EXPECT_FALSE(db_->lead_detail(anna, la2.id)->has_value());
  EXPECT_EQ(db_->set_lead_status(boris, la.id, LeadStatus::won, clock_.now()).error().code, Errc::not_found);
  EXPECT_EQ(db_->add_lead_note(boris, la.id, msg("n1", "mine now")).error().code, Errc::not_found);
  EXPECT_EQ(db_->leads_of(anna, LeadFilter{.limit = 0}).error().code, Errc::bad_request);

  auto won = db_->set_lead_status(anna, la.id, LeadStatus::in_work, clock_.now());
  ASSERT_TRUE(won.has_value());
  EXPECT_EQ(won->first.status, LeadStatus::in_work);
  ASSERT_TRUE(db_->set_lead_status(anna, la.id, LeadStatus::in_work, clock_.now()).has_value());  // no second entry
  auto note = db_->add_lead_note(anna, la.id, msg("n1", "Перезвонить в пятницу"));
  ASSERT_TRUE(note.has_value());
  EXPECT_FALSE(note->second);
  auto resent = db_->add_lead_note(anna, la.id, msg("n1", "Перезвонить в пятницу"));
  ASSERT_TRUE(resent.has_value());
  EXPECT_TRUE(resent->second);
  EXPECT_EQ(resent->first.id, note->first.id);

  auto detail = db_->lead_detail(anna, la.id)->value();
  ASSERT_EQ(detail.entries.size(), 3u);  // contact, status, note
  EXPECT_EQ(detail.entries[1].kind, LeadEntryKind::status);
  EXPECT_EQ(detail.entries[1].text, "in_work");
  EXPECT_EQ(detail.entries[2].author_name, "Анна");

  EXPECT_EQ(db_->leads_of(anna, LeadFilter{.status = LeadStatus::new_})->size(), 0u);
  EXPECT_EQ(db_->leads_of(anna, LeadFilter{.status = LeadStatus::in_work})->size(), 1u);
  EXPECT_EQ(db_->leads_of(anna, LeadFilter{.before = la.id})->size(), 0u);
}


TEST_F(SqliteStorageTest, ExportsPageByIdWithinTheRangeAndTheScope) {
  const auto day = std::chrono::hours(24);
  const auto start = clock_.now();
  std::vector<LeadId> mine;
  for (int i = 0; i < 5; ++i) {  // one lead a day in site A
    auto v = *db_->create_visitor(site_a_, "ex" + std::to_string(i), clock_.now());
    mine.push_back(db_->save_contact(v, ContactForm{"N" + std::to_string(i), "", "+7916000000" + std::to_string(i), ""},
                                     LeadSource::offline_form, "c", clock_.now())->lead.id);
    auto other_site = *db_->create_visitor(site_a2_, "ex2" + std::to_string(i), clock_.now());
    db_->save_contact(other_site, ContactForm{"", "x" + std::to_string(i) + "@a.ru", "", ""}, LeadSource::chat, "c", clock_.now());
    auto other_account = *db_->create_visitor(site_b_, "exb" + std::to_string(i), clock_.now());
    db_->save_contact(other_account, ContactForm{"", "y" + std::to_string(i) + "@b.ru", "", ""}, LeadSource::chat, "c", clock_.now());
    clock_.advance(day);
  }
  auto anna = scope_of("anna@a.ru");
  const ExportFilter days_1_to_3{start + day, start + 4 * day, std::nullopt};
  std::vector<LeadId> got;
  for (LeadId after;;) {  // pages of two
    auto page = db_->export_leads(anna, days_1_to_3, after, 2);
    ASSERT_TRUE(page.has_value());
    for (const auto& l : *page) got.push_back(l.id);
    if (page->size() < 2) break;
    after = page->back().id;
  }
  EXPECT_EQ(got, (std::vector<LeadId>{mine[1], mine[2], mine[3]}));
  EXPECT_EQ(db_->export_leads(anna, ExportFilter{start, start + 5 * day, site_b_}, LeadId{}, 10)->size(), 0u);
  EXPECT_EQ(db_->export_leads(scope_of("boris@b.ru"), days_1_to_3, LeadId{}, 10)->size(), 3u);
  EXPECT_EQ(db_->export_leads(anna, days_1_to_3, LeadId{}, 0).error().code, Errc::bad_request);

  // A conversation with its routing, first response, close, rating and labels.
  auto v = *db_->create_visitor(site_a_, "exc", clock_.now());
  auto conv = db_->append_visitor_message(v, msg("m1", "Здравствуйте"))->conversation.id;
  const auto dept = db_->desk_snapshot()->sites[0].default_department;
  ASSERT_TRUE(db_->assign_conversation(conv, dept, op_a_, clock_.now()));
  clock_.advance(std::chrono::seconds(42));
  ASSERT_TRUE(db_->append_operator_message(anna, conv, msg("o1", "Добрый день")));
  ASSERT_TRUE(db_->set_label(anna, conv, "возврат", true));
  ASSERT_TRUE(db_->set_label(anna, conv, "VIP", true));
  ASSERT_TRUE(db_->close_conversation(anna, conv, clock_.now()));
  ASSERT_TRUE(db_->rate_conversation(v, conv, true, "спасибо", clock_.now()));
  auto other = *db_->create_visitor(site_b_, "excb", clock_.now());
  db_->append_visitor_message(other, msg("m1", "hi"));
  auto rows = db_->export_conversations(anna, ExportFilter{start, clock_.now() + day, std::nullopt}, ConversationId{}, 10);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  const auto& c = rows->at(0);
  EXPECT_EQ(c.id, conv);
  EXPECT_EQ(c.site_name, "Shop A");
  EXPECT_EQ(c.operator_name, "Анна");
  EXPECT_FALSE(c.department.empty());
  EXPECT_FALSE(c.visitor_name.empty()) << "the console's default name for a visitor without one";
  EXPECT_EQ(c.messages, 2);
  EXPECT_EQ(c.first_response_seconds, 42);
  EXPECT_TRUE(c.closed_at.has_value());
  EXPECT_EQ(c.rating, "good");
  EXPECT_EQ(c.rating_comment, "спасибо");
  EXPECT_EQ(c.labels, (std::vector<std::string>{"VIP", "возврат"}));

  NewCallback cb{site_a_, v.id, "cb", "+79161234567", "", "connected", true, "", clock_.now(), {}};
  ASSERT_TRUE(db_->create_callback(cb));
  NewCallback foreign{site_b_, other.id, "cb", "+79160000000", "", "connected", true, "", clock_.now(), {}};
  ASSERT_TRUE(db_->create_callback(foreign));
  auto calls = db_->export_callbacks(anna, ExportFilter{start, clock_.now() + day, std::nullopt}, CallbackId{}, 10);
  ASSERT_TRUE(calls.has_value());
  ASSERT_EQ(calls->size(), 1u);
  EXPECT_EQ(calls->at(0).e164, "+79161234567");
}

TEST_F(SqliteStorageTest, CallbackHistoryFeedsTheFraudRules) {
  auto v = *db_->create_visitor(site_a_, "cb1", clock_.now());
  auto other = *db_->create_visitor(site_a_, "cb2", clock_.now());
  const auto t0 = clock_.now();
  auto add = [&](const Visitor& who, std::string cid, std::string e164, std::string status, bool allowed,
                 std::string ip = "203.0.113.7") {
    NewCallback c{site_a_, who.id, std::move(cid), std::move(e164), std::move(ip), std::move(status), allowed, "", clock_.now(), {}};
    auto r = db_->create_callback(c);
    EXPECT_TRUE(r.has_value());
    return r->first;
  };
  auto first = add(v, "c1", "+79161234567", "placing", true);
  add(v, "c2", "+79160000000", "rate_limited", false);  // refused: never counts
  add(other, "c3", "+79161234567", "connected", true, "198.51.100.1");
  clock_.advance(std::chrono::hours(25));
  add(v, "c4", "+79161234567", "connected", true);  // now the older ones are a day old
  clock_.advance(std::chrono::minutes(1));

  auto again = db_->create_callback(NewCallback{site_a_, v.id, "c1", "+7000", "", "placing", true, "", clock_.now(), {}});
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->second);
  EXPECT_EQ(again->first.id, first.id);

  const CapPeriods periods{t0 - std::chrono::hours(1), t0 - std::chrono::hours(48)};
  auto h = db_->fraud_history(site_a_, "+79161234567", "203.0.113.7", v.id, clock_.now(), periods);
  ASSERT_TRUE(h.has_value()) << h.error().message;
  EXPECT_EQ(h->number_requests.size(), 1u);  // c4 only: c1 and c3 are older than a day
  EXPECT_TRUE(h->number_call_live);          // c1 is still being placed
  EXPECT_FALSE(h->number_opted_out);
  EXPECT_EQ(h->ip_requests.size(), 1u);
  EXPECT_EQ(h->browser_requests.size(), 1u);
  EXPECT_EQ(h->site_live_calls, 1);
  EXPECT_EQ(h->site_requests.size(), 0u);  // none in the last minute

  ASSERT_TRUE(db_->update_callback(first.id, CallbackUpdate{"connected", t0, t0 + std::chrono::minutes(2), 90'000, 120, 500, "[]"})
                  .has_value());
  auto h2 = db_->fraud_history(site_a_, "+79161234567", "", v.id, clock_.now(), periods);
  EXPECT_FALSE(h2->number_call_live);
  EXPECT_EQ(h2->site_billed_seconds_today, 120);
  EXPECT_EQ(h2->site_spend_month, 500);
  EXPECT_TRUE(h2->ip_requests.empty());  // no address, no per-address history

  ASSERT_TRUE(db_->opt_out("+79161234567", clock_.now()).has_value());
  EXPECT_TRUE(db_->fraud_history(site_a_, "+79161234567", "", v.id, clock_.now(), periods)->number_opted_out);
}

// docs/callback.md, "Opt-outs": the console's entries belong to an account (listed and applied only there); the
// CLI's are install-wide.
TEST_F(SqliteStorageTest, OptOutsOfAnAccountStayInThatAccount) {
  auto v = *db_->create_visitor(site_a_, "oo", clock_.now());
  auto vb = *db_->create_visitor(site_b_, "oob", clock_.now());
  const CapPeriods periods{clock_.now(), clock_.now()};
  const auto opted = [&](SiteId site, VisitorId visitor, std::string_view n) {
    return db_->fraud_history(site, n, "", visitor, clock_.now(), periods)->number_opted_out;
  };
  auto added = db_->add_optout(a_, op_a_, "+79161234567", clock_.now());
  ASSERT_TRUE(added.has_value()) << added.error().message;
  EXPECT_TRUE(added->second);
  EXPECT_EQ(added->first.e164, "+79161234567");
  EXPECT_EQ(added->first.added_by, op_a_);
  EXPECT_FALSE(added->first.added_by_name.empty());
  EXPECT_FALSE(db_->add_optout(a_, op_a_, "+79161234567", clock_.now() + std::chrono::seconds(5))->second);  // kept once
  EXPECT_TRUE(opted(site_a_, v.id, "+79161234567"));
  EXPECT_TRUE(opted(site_a2_, v.id, "+79161234567")) << "every site of the account";
  EXPECT_FALSE(opted(site_b_, vb.id, "+79161234567")) << "another account is not affected";
  EXPECT_EQ(db_->optouts_of(a_)->size(), 1u);
  EXPECT_TRUE(db_->optouts_of(b_)->empty()) << "nor sees it";
  EXPECT_EQ(db_->remove_optout(b_, "+79161234567").error().code, Errc::not_found);
  EXPECT_TRUE(opted(site_a_, v.id, "+79161234567"));

  ASSERT_TRUE(db_->opt_out("+79161234568", clock_.now()).has_value());  // the CLI: everyone
  EXPECT_TRUE(opted(site_a_, v.id, "+79161234568"));
  EXPECT_TRUE(opted(site_b_, vb.id, "+79161234568"));
  EXPECT_EQ(db_->optouts_of(a_)->size(), 1u) << "install-wide entries are not an account's list";
  EXPECT_EQ(db_->remove_optout(a_, "+79161234568").error().code, Errc::not_found);

  ASSERT_TRUE(db_->remove_optout(a_, "+79161234567").has_value());
  EXPECT_FALSE(opted(site_a_, v.id, "+79161234567"));
  EXPECT_TRUE(db_->optouts_of(a_)->empty());
}

TEST_F(SqliteStorageTest, ScheduledCallbacksComeDueOnceAndCrashesEndLiveOnes) {
  auto v = *db_->create_visitor(site_a_, "cb3", clock_.now());
  const auto later = clock_.now() + std::chrono::hours(10);
  ASSERT_TRUE(db_->create_callback(NewCallback{site_a_, v.id, "s1", "+79161234567", "", "scheduled", true, "", clock_.now(), later}));
  ASSERT_TRUE(db_->create_callback(NewCallback{site_a_, v.id, "p1", "+79161234568", "", "placing", true, "", clock_.now(), {}}));
  EXPECT_TRUE(db_->take_due_callbacks(clock_.now(), 10)->empty());
  clock_.advance(std::chrono::hours(10));
  auto due = db_->take_due_callbacks(clock_.now(), 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).status, "placing");
  EXPECT_TRUE(db_->take_due_callbacks(clock_.now(), 10)->empty()) << "taken once";
  EXPECT_EQ(db_->fail_interrupted_callbacks(clock_.now()).value(), 2);

  auto anna = scope_of("anna@a.ru");
  auto boris = scope_of("boris@b.ru");
  auto mine = db_->callbacks_of(anna, std::nullopt, CallbackId{}, 50);
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ(mine->at(0).status, "failed_technical");
  EXPECT_TRUE(db_->callbacks_of(boris, std::nullopt, CallbackId{}, 50)->empty());
  EXPECT_TRUE(db_->callbacks_of(anna, site_a2_, CallbackId{}, 50)->empty());
}

TEST_F(SqliteStorageTest, CallbackSettingsAreStoredPerSite) {
  EXPECT_FALSE(db_->callback_settings(site_a_)->has_value());
  ASSERT_TRUE(db_->set_callback_settings(site_a_, R"({"enabled":false})").has_value());
  ASSERT_TRUE(db_->set_callback_settings(site_a_, R"({"enabled":true})").has_value());
  EXPECT_EQ(db_->callback_settings(site_a_)->value(), R"({"enabled":true})");
  EXPECT_EQ(db_->set_callback_settings(SiteId{999}, "{}").error().code, Errc::not_found);
}

}  // namespace
}  // namespace otk

namespace otk {
namespace {

TEST_F(SqliteStorageTest, BotMessagesMarksAndStateMoveOnlyForward) {
  auto v = *db_->create_visitor(site_a_, "vt-bot", clock_.now());
  auto first = *db_->append_visitor_message(v, msg("m1", "Сколько стоит доставка?"));
  const auto conv = first.conversation.id;
  EXPECT_TRUE(*db_->set_bot_state(conv, "active", ""));
  EXPECT_FALSE(*db_->set_bot_state(conv, "active", "")) << "a conversation gets the bot once";
  EXPECT_EQ(db_->open_conversation_of(v)->value().bot_state, "active");
  EXPECT_TRUE(db_->desk_snapshot()->open_chats.empty()) << "the bot's conversations are not the desk's yet";

  auto intro = *db_->append_bot_message(conv, "Робот", msg("intro", "Я бот"), 0);
  auto answer = *db_->append_bot_message(conv, "Робот", msg("answer-1", "300 ₽"), 7);
  EXPECT_EQ(intro.message.author.kind, AuthorKind::bot);
  EXPECT_EQ(answer.message.seq, 3) << "bot lines share the visitor's gap-free sequence";
  EXPECT_TRUE(db_->append_bot_message(conv, "Робот", msg("answer-1", "300 ₽"), 7)->duplicate);
  bool more = false;
  auto all = *db_->messages_after(conv, 0, 10, more);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(all[1].bot) << "the introduction is no answer";
  ASSERT_TRUE(all[2].bot);
  EXPECT_EQ(all[2].bot->entry, 7);
  EXPECT_FALSE(all[2].bot->helpful);

  // Marks: only on answers, only by the conversation's visitor; the same mark twice changes nothing.
  EXPECT_EQ(db_->set_bot_feedback(v, intro.message.id, true).error().code, Errc::not_found);
  auto stranger = *db_->create_visitor(site_a_, "vt-other", clock_.now());
  EXPECT_EQ(db_->set_bot_feedback(stranger, answer.message.id, true).error().code, Errc::not_found);
  auto marked = *db_->set_bot_feedback(v, answer.message.id, false);
  EXPECT_TRUE(marked.changed);
  EXPECT_EQ(marked.not_helpful, 1);
  EXPECT_EQ(marked.message.bot->helpful, false);
  EXPECT_FALSE(db_->set_bot_feedback(v, answer.message.id, false)->changed);

  // An operator writing silences the bot in the same transaction; a later hand-off changes nothing.
  auto anna = scope_of("anna@a.ru");
  auto reply = *db_->append_operator_message(anna, conv, msg("o1", "Здравствуйте!"));
  EXPECT_TRUE(reply.bot_stopped);
  EXPECT_FALSE(*db_->set_bot_state(conv, "handed_off", "asked"));
  EXPECT_FALSE(db_->append_operator_message(anna, conv, msg("o2", "Ещё"))->bot_stopped);
  EXPECT_EQ(db_->desk_snapshot()->open_chats.size(), 1u);

  auto stats = *db_->bot_stats(site_a_, clock_.now() - std::chrono::hours(1), clock_.now() + std::chrono::hours(1));
  EXPECT_EQ(stats.conversations, 1);
  EXPECT_EQ(stats.answers, 1);
  EXPECT_EQ(stats.not_helpful, 1);
  EXPECT_EQ(stats.handed_off, 1);
  ASSERT_EQ(stats.handoff_reasons.size(), 1u);
  EXPECT_EQ(stats.handoff_reasons[0].first, "operator");
}

TEST_F(SqliteStorageTest, KnowledgeBaseAndCountersStayWithTheirSite) {
  auto e = *db_->put_kb_entry(site_a_, KbEntry{0, "Доставка?", {"Сколько везёте?"}, "2 дня", {}}, clock_.now());
  EXPECT_GT(e.id, 0);
  EXPECT_EQ(e.phrasings, std::vector<std::string>{"Сколько везёте?"});
  EXPECT_EQ(db_->put_kb_entry(site_b_, KbEntry{e.id, "x", {}, "y", {}}, clock_.now()).error().code, Errc::not_found);
  EXPECT_EQ(db_->delete_kb_entry(site_b_, e.id).error().code, Errc::not_found);
  EXPECT_TRUE(db_->kb_entries(site_b_)->empty());
  EXPECT_EQ(db_->kb_entries(site_a_)->size(), 1u);

  const std::vector<EngageEvent> events{{"poll", "shown", -1}, {"poll", "answered", 1}, {"poll", "answered", 1}};
  ASSERT_TRUE(db_->count_engage_events(site_a_, "2026-11-30", events));
  ASSERT_TRUE(db_->count_engage_events(site_a_, "2026-12-01", std::vector<EngageEvent>{{"poll", "shown", -1}}));
  auto one_day = *db_->engage_stats(site_a_, "2026-11-30", "2026-11-30");
  ASSERT_EQ(one_day.size(), 1u);
  EXPECT_EQ(one_day[0].shown, 1);
  EXPECT_EQ(one_day[0].answers, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(db_->engage_stats(site_a_, "2026-11-30", "2026-12-31")->at(0).shown, 2);
  EXPECT_TRUE(db_->engage_stats(site_b_, "2026-01-01", "2026-12-31")->empty());

  ASSERT_TRUE(db_->set_engage_settings(site_a_, R"({"triggers":[]})"));
  EXPECT_EQ(db_->engage_settings(site_a_)->value(), R"({"triggers":[]})");
  EXPECT_FALSE(db_->engage_settings(site_b_)->has_value());

  const auto secret = *db_->identity_secret(site_a_, true, false);
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(*db_->identity_secret(site_a_, true, false), secret);
  EXPECT_NE(*db_->identity_secret(site_a_, true, true), secret) << "rotate makes a new one";
  EXPECT_EQ(*db_->identity_secret(site_b_, false, false), "") << "none until asked for";
}

TEST_F(SqliteStorageTest, ATokenWithASiteListSeesOnlyThoseOfItsMakersSites) {
  ASSERT_TRUE(db_->add_site_member(site_a2_, op_a_).has_value());
  const auto maker = scope_of("anna@a.ru");
  ASSERT_EQ(maker.sites.size(), 2u);
  auto va = *db_->create_visitor(site_a_, "ta", clock_.now());
  auto va2 = *db_->create_visitor(site_a2_, "ta2", clock_.now());
  const auto conv_a = db_->append_visitor_message(va, msg("m1", "on A"))->conversation.id;
  const auto conv_a2 = db_->append_visitor_message(va2, msg("m2", "on A2"))->conversation.id;

  const std::vector<SiteId> only_a2{site_a2_};
  auto made = db_->create_api_token(maker, "crm", "hash-a2", "otk_abc", false, only_a2, clock_.now());
  ASSERT_TRUE(made.has_value()) << made.error().message;
  EXPECT_EQ(made->sites, only_a2);
  auto all = db_->create_api_token(maker, "all", "hash-all", "otk_def", false, std::nullopt, clock_.now());
  EXPECT_FALSE(all->sites.has_value()) << "no list: all the maker's sites";
  auto listed = db_->api_tokens(maker);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].sites, only_a2);

  const auto narrow = db_->token_session("hash-a2")->value().scope;
  EXPECT_EQ(narrow.sites, only_a2);
  EXPECT_TRUE(db_->conversation_for(narrow, conv_a2)->has_value());
  EXPECT_FALSE(db_->conversation_for(narrow, conv_a)->has_value()) << "the maker's other site is not the token's";
  auto open = db_->open_conversations(narrow);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].conversation.id, conv_a2);
  auto sites = db_->sites_of(narrow);
  ASSERT_EQ(sites->size(), 1u);
  EXPECT_EQ((*sites)[0].id, site_a2_);
  EXPECT_EQ(db_->open_conversations(db_->token_session("hash-all")->value().scope)->size(), 2u);

  // The scope is a ceiling, not a grant: a scope naming a site its operator is not a member of shows nothing
  // of it (the membership is checked in the same query).
  OperatorScope forged = narrow;
  forged.sites = {site_a2_, site_b_};
  EXPECT_EQ(db_->open_conversations(forged)->size(), 1u);
  EXPECT_EQ(db_->sites_of(forged)->size(), 1u);
}

TEST_F(SqliteStorageTest, WebhookRetentionDeletesOldFinishedDeliveriesAndEventsButNothingPending) {
  const auto sc = scope_of("boris@b.ru");
  const std::vector<std::string> events{"message.created"};
  auto ep = db_->create_webhook(sc, site_b_, "https://hooks.example/in", events, "secret", clock_.now());
  ASSERT_TRUE(ep.has_value());
  auto enqueue = [&](const char* id) {
    auto n = db_->enqueue_webhook(site_b_, "message.created", id, "{}", clock_.now(), 0);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 1);
  };
  auto finish = [&](std::int64_t delivery, bool delivered) {
    WebhookOutcome o;
    o.at = clock_.now();
    o.status = delivered ? 200 : 500;
    o.delivered = delivered;
    ASSERT_TRUE(db_->record_webhook_attempt(delivery, o).has_value());
  };
  auto log = [&] {
    auto d = db_->webhook_deliveries(sc, ep->id, 0, 100);
    EXPECT_TRUE(d.has_value());
    std::vector<WebhookDelivery> oldest_first(d->rbegin(), d->rend());
    return oldest_first;
  };
  // 40 days ago: one delivered, one failed, one still pending (its endpoint retries or waits).
  enqueue("evt_old_delivered");
  enqueue("evt_old_failed");
  enqueue("evt_old_pending");
  auto old = log();
  ASSERT_EQ(old.size(), 3u);
  finish(old[0].id, true);
  finish(old[1].id, false);
  clock_.advance(std::chrono::hours(24 * 40));
  // Today: one delivered.
  enqueue("evt_new_delivered");
  finish(log().back().id, true);

  const TimePoint before = clock_.now() - std::chrono::hours(24 * 30);
  // One delivery and the event it alone needed per call with a batch of one; then nothing is left to do.
  EXPECT_EQ(db_->prune_webhooks(before, 1).value(), 2);
  EXPECT_EQ(db_->prune_webhooks(before, 1).value(), 2);
  EXPECT_EQ(db_->prune_webhooks(before, 1).value(), 0);
  EXPECT_EQ(db_->prune_webhooks(before, 1000).value(), 0);

  auto left = log();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].event_id, "evt_old_pending");
  EXPECT_EQ(left[0].state, "pending");
  EXPECT_EQ(left[1].event_id, "evt_new_delivered");
  EXPECT_EQ(left[1].log.size(), 1u);
  // The pending one is still sent, with its event's body.
  TimePoint next = clock_.now() + std::chrono::hours(1);
  auto due = db_->due_webhooks(clock_.now(), 10, next);
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event_id, "evt_old_pending");
  EXPECT_EQ((*due)[0].body, "{}");
  // Once it has failed too and is old enough, it goes with its event (and so does today's, by then).
  finish(left[0].id, false);
  clock_.advance(std::chrono::hours(24 * 31));
  EXPECT_EQ(db_->prune_webhooks(clock_.now() - std::chrono::hours(24 * 30), 1000).value(), 4);
  EXPECT_TRUE(log().empty());
}

}  // namespace
}  // namespace otk
