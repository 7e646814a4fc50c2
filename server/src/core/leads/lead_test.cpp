#include "core/leads/lead.hpp"

#include <gtest/gtest.h>

namespace otk {
namespace {

TEST(LeadNames, RoundTrip) {
  for (auto s : {LeadStatus::new_, LeadStatus::in_work, LeadStatus::won, LeadStatus::lost}) {
    EXPECT_EQ(parse_lead_status(lead_status_name(s)), s);
  }
  for (auto s : {LeadSource::offline_form, LeadSource::chat, LeadSource::callback}) {
    EXPECT_EQ(parse_lead_source(lead_source_name(s)), s);
  }
  EXPECT_FALSE(parse_lead_status("New"));
  EXPECT_FALSE(parse_lead_source(""));
}

TEST(Email, NormalisesTheDomainOnly) {
  EXPECT_EQ(normalize_email("  Anna.K@Example.RU ").value(), "Anna.K@example.ru");
  EXPECT_EQ(normalize_email("a+tag@mail.co.uk").value(), "a+tag@mail.co.uk");
  EXPECT_EQ(normalize_email("ivan@пример.рф").value(), "ivan@пример.рф");
}

TEST(Email, RefusesWhatIsNotAnAddress) {
  for (auto bad : {"", "anna", "anna@", "@example.ru", "anna@example", "anna@@example.ru", "an na@example.ru",
                   "anna@.ru", "anna@example.", "anna@ex..ru", "anna@-ex.ru", "a@b@c.ru", "anna@exa mple.ru"}) {
    auto r = normalize_email(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::bad_request);
  }
  EXPECT_FALSE(normalize_email(std::string(250, 'a') + "@x.ru"));
  EXPECT_FALSE(normalize_email("anna\x01@example.ru"));
  EXPECT_FALSE(normalize_email("anna@exam\xff.ru"));
}

TEST(Phone, KeepsThePlusAndDigits) {
  EXPECT_EQ(normalize_phone("+7 (916) 123-45-67").value(), "+79161234567");
  EXPECT_EQ(normalize_phone("8 916 123 45 67").value(), "89161234567");
  EXPECT_EQ(normalize_phone("123-45-67").value(), "1234567");
  EXPECT_EQ(normalize_phone("+1.202.555.0143").value(), "+12025550143");
}

TEST(Phone, RefusesBadShapes) {
  EXPECT_FALSE(normalize_phone(""));
  EXPECT_FALSE(normalize_phone("12345"));                 // too few digits
  EXPECT_FALSE(normalize_phone("+1234567890123456"));     // 16 digits
  EXPECT_FALSE(normalize_phone("7+9161234567"));          // plus not first
  EXPECT_FALSE(normalize_phone("+7 916 CALL NOW"));
  EXPECT_FALSE(normalize_phone("++79161234567"));
  EXPECT_TRUE(normalize_phone("+123456789012345"));      // exactly 15
}

TEST(ContactForm, NeedsAWayToReply) {
  auto r = validate_contact_form("Анна", "", "", "Есть ли размер 42?");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("email"), std::string::npos);
  auto ok = validate_contact_form("  Анна  ", "anna@Example.ru", "", "  Есть ли размер 42?  ");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->name, "Анна");
  EXPECT_EQ(ok->email, "anna@example.ru");
  EXPECT_EQ(ok->phone, "");
  EXPECT_EQ(ok->message, "Есть ли размер 42?");
  auto phone_only = validate_contact_form("", "", "+7 916 123-45-67", "");
  ASSERT_TRUE(phone_only);
  EXPECT_EQ(phone_only->phone, "+79161234567");
  EXPECT_EQ(phone_only->name, "");
}

TEST(ContactForm, NamesTheBadField) {
  auto long_name = validate_contact_form(std::string(101, 'x'), "a@b.ru", "", "");
  ASSERT_FALSE(long_name);
  EXPECT_NE(long_name.error().message.find("'name'"), std::string::npos);
  EXPECT_FALSE(validate_contact_form("An\xd0\xd0na", "a@b.ru", "", ""));  // not UTF-8
  std::string hundred_cyrillic;
  for (int i = 0; i < 100; ++i) hundred_cyrillic += "ж";
  EXPECT_TRUE(validate_contact_form(hundred_cyrillic, "a@b.ru", "", ""));  // 100 code points, 200 bytes
  auto ctl = validate_contact_form("An\nna", "a@b.ru", "", "");
  ASSERT_FALSE(ctl);
  EXPECT_NE(ctl.error().message.find("'name'"), std::string::npos);
  auto bad_phone = validate_contact_form("", "a@b.ru", "12", "");
  ASSERT_FALSE(bad_phone);
  EXPECT_NE(bad_phone.error().message.find("'phone'"), std::string::npos);
  auto long_message = validate_contact_form("", "a@b.ru", "", std::string(4001, 'm'));
  ASSERT_FALSE(long_message);
  EXPECT_EQ(long_message.error().code, Errc::text_too_long);
}

TEST(FindContacts, InChatMessages) {
  auto a = find_contacts("Пишите на anna.k@Example.ru. Спасибо!");
  EXPECT_EQ(a.email, "anna.k@example.ru");
  EXPECT_EQ(a.phone, "");
  auto b = find_contacts("мой номер +7 (916) 123-45-67, звоните после шести");
  EXPECT_EQ(b.phone, "+79161234567");
  EXPECT_EQ(b.email, "");
  auto c = find_contacts("8-916-123-45-67 или ivan@mail.ru");
  EXPECT_EQ(c.phone, "89161234567");
  EXPECT_EQ(c.email, "ivan@mail.ru");
}

TEST(FindContacts, IgnoresWhatIsNotAContact) {
  EXPECT_TRUE(find_contacts("Заказ 12345 на 2990 руб., размер 42").empty());
  EXPECT_TRUE(find_contacts("карта 4276 1234 5678 9012").empty());  // 16 digits: not a phone
  EXPECT_TRUE(find_contacts("артикул AB9161234567").empty());       // glued to letters
  EXPECT_TRUE(find_contacts("напишите @support в телеграм").empty());
  EXPECT_TRUE(find_contacts("").empty());
}

}  // namespace
}  // namespace otk
