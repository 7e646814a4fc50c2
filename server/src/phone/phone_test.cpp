#include "phone/phone.hpp"

#include <gtest/gtest.h>

#include <string>

namespace otk {
namespace {

PhoneNumber ok(std::string_view input, std::string_view region) {
  auto r = parse_phone(input, region);
  EXPECT_TRUE(r) << input << " [" << region << "]: " << (r ? "" : r.error().message);
  return r ? *r : PhoneNumber{};
}

/// The error message, or "" (with a failure) if the input parsed.
std::string error(std::string_view input, std::string_view region) {
  auto r = parse_phone(input, region);
  EXPECT_FALSE(r) << input << " [" << region << "] parsed as " << (r ? r->e164 : "");
  if (r) return "";
  EXPECT_EQ(r.error().code, Errc::bad_request);
  return r.error().message;
}

TEST(ParsePhone, RussianMobileInEverySpelling) {
  const PhoneNumber want{"+79161234567", "RU", 7, PhoneType::mobile};
  for (const char* s : {"8 (916) 123-45-67", "+7 916 123 45 67", "+7 (916) 123-45-67", "89161234567", "8-916-123-45-67",
                        "8(916)1234567", "+79161234567", "  +7 916 123 45 67  ", "7 916 123 45 67", "8.916.123.45.67",
                        "8 916 123 45 67\t", "8/916/1234567"}) {
    EXPECT_EQ(ok(s, "RU"), want) << s;
  }
  // A site's region written in lower case is still Russia.
  EXPECT_EQ(ok("8 (916) 123-45-67", "ru"), want);
  // With a "+" the default region does not matter.
  EXPECT_EQ(ok("+7 916 123-45-67", "DE"), want);
  EXPECT_EQ(ok("+7 916 123-45-67", ""), want);
}

TEST(ParsePhone, CopyPasteLookAlikes) {
  const std::string want = "+79161234567";
  EXPECT_EQ(ok("+7\u00a0916\u00a0123\u201145\u201367", "RU").e164, want);  // no-break space, Unicode hyphens
  EXPECT_EQ(ok("+7\u202f916\u2009123\u221245\u201467", "RU").e164, want);  // narrow/thin space, minus, em dash
  EXPECT_EQ(ok("\uff0b\uff17\uff19\uff11\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17", "RU").e164, want);
  EXPECT_EQ(ok("\uff08916\uff09123\uff0d45\uff0d67", "RU").e164, want);
}

TEST(ParsePhone, RussianFixedLine) {
  EXPECT_EQ(ok("8 (495) 123-45-67", "RU"), (PhoneNumber{"+74951234567", "RU", 7, PhoneType::fixed_line}));
  EXPECT_EQ(ok("+7 812 123 45 67", "RU").type, PhoneType::fixed_line);  // St Petersburg
  EXPECT_EQ(ok("+7 812 123 45 67", "RU").e164, "+78121234567");
}

TEST(ParsePhone, KazakhNumbersShareCountryCodeSeven) {
  // +7 7xx is Kazakhstan: the country code alone would say Russia, the region must not.
  EXPECT_EQ(ok("+7 701 123 4567", "RU"), (PhoneNumber{"+77011234567", "KZ", 7, PhoneType::mobile}));
  EXPECT_EQ(ok("8 701 123 45 67", "KZ"), (PhoneNumber{"+77011234567", "KZ", 7, PhoneType::mobile}));
  EXPECT_EQ(ok("+7 727 258 3456", "KZ"), (PhoneNumber{"+77272583456", "KZ", 7, PhoneType::fixed_line}));
}

TEST(ParsePhone, UkAndGermany) {
  EXPECT_EQ(ok("+44 20 7946 0958", "RU"), (PhoneNumber{"+442079460958", "GB", 44, PhoneType::fixed_line}));
  EXPECT_EQ(ok("020 7946 0958", "GB").e164, "+442079460958");
  EXPECT_EQ(ok("07400 123456", "GB"), (PhoneNumber{"+447400123456", "GB", 44, PhoneType::mobile}));
  EXPECT_EQ(ok("+49 30 123456", "DE"), (PhoneNumber{"+4930123456", "DE", 49, PhoneType::fixed_line}));
  EXPECT_EQ(ok("01512 3456789", "DE"), (PhoneNumber{"+4915123456789", "DE", 49, PhoneType::mobile}));
  EXPECT_EQ(ok("+1 650 253 0000", "US"), (PhoneNumber{"+16502530000", "US", 1, PhoneType::fixed_line_or_mobile}));
}

TEST(ParsePhone, TypesTheRulesRefuse) {
  EXPECT_EQ(ok("8 800 555 35 35", "RU"), (PhoneNumber{"+78005553535", "RU", 7, PhoneType::toll_free}));
  EXPECT_EQ(ok("8-800-555-35-35", "RU").type, PhoneType::toll_free);
  EXPECT_EQ(ok("8 809 505 12 34", "RU"), (PhoneNumber{"+78095051234", "RU", 7, PhoneType::premium_rate}));
  EXPECT_EQ(ok("+44 909 876 5432", "GB").type, PhoneType::premium_rate);
  EXPECT_EQ(ok("0900 1234567", "DE").type, PhoneType::premium_rate);
  EXPECT_EQ(ok("+44 800 123 4567", "GB").type, PhoneType::toll_free);
  EXPECT_EQ(ok("+44 56 1234 5678", "GB").type, PhoneType::voip);
  EXPECT_EQ(ok("+44 70 1234 5678", "GB").type, PhoneType::personal_number);
  EXPECT_EQ(ok("+44 7640 123456", "GB").type, PhoneType::pager);
  EXPECT_EQ(ok("+44 55 1234 5678", "GB").type, PhoneType::uan);
  EXPECT_EQ(ok("+49 180 12345", "DE").type, PhoneType::shared_cost);
  EXPECT_EQ(ok("+49 177 991234567", "DE").type, PhoneType::voicemail);
}

TEST(ParsePhone, NonGeographicNumbersHaveRegion001) {
  EXPECT_EQ(ok("+881 6 1234 5678", "RU"), (PhoneNumber{"+881612345678", "001", 881, PhoneType::mobile}));
  EXPECT_EQ(ok("+882 34 2 1234", "RU"), (PhoneNumber{"+8823421234", "001", 882, PhoneType::mobile}));
  EXPECT_EQ(ok("+883 510 012 345", "RU"), (PhoneNumber{"+883510012345", "001", 883, PhoneType::voip}));
  EXPECT_EQ(ok("+870 773 111 632", "RU").region, "001");  // Inmarsat
  EXPECT_EQ(ok("+800 1234 5678", "RU"), (PhoneNumber{"+80012345678", "001", 800, PhoneType::toll_free}));
  EXPECT_EQ(std::string(kNonGeographicRegion), "001");
}

TEST(ParsePhone, GarbageIsRefusedWithAPreciseMessage) {
  EXPECT_EQ(error("", "RU"), "phone number: empty");
  EXPECT_EQ(error("    ", "RU"), "phone number: empty");
  EXPECT_EQ(error("--()", "RU"), "phone number: no digits");
  EXPECT_EQ(error("hello", "RU"), "phone number: letters are not allowed (no extensions or words, digits only)");
  EXPECT_EQ(error("1-800-FLOWERS", "US"),
            "phone number: letters are not allowed (no extensions or words, digits only)");
  EXPECT_EQ(error("+7 916 123 45 67 ext. 12", "RU"),
            "phone number: letters are not allowed (no extensions or words, digits only)");
  EXPECT_EQ(error("+7 916 123 45 67 доб. 12", "RU"), "phone number: only digits, spaces and + - ( ) . / are allowed");
  EXPECT_EQ(error("+7 916 123 45 67#12", "RU"), "phone number: only digits, spaces and + - ( ) . / are allowed");
  EXPECT_EQ(error("*100#", "RU"), "phone number: only digits, spaces and + - ( ) . / are allowed");
  EXPECT_EQ(error("8916\n1234567", "RU"), "phone number: only digits, spaces and + - ( ) . / are allowed");
  EXPECT_EQ(error(std::string_view("8916\0001234567", 12), "RU"),
            "phone number: only digits, spaces and + - ( ) . / are allowed");
  EXPECT_EQ(error("\xff\xfe", "RU"), "phone number: only digits, spaces and + - ( ) . / are allowed");
  EXPECT_EQ(error("8 916 +123 45 67", "RU"), "phone number: \"+\" may only start the number");
  EXPECT_EQ(error("++7 916 123 45 67", "RU"), "phone number: \"+\" may only start the number");
}

TEST(ParsePhone, WrongLengthsAndRanges) {
  EXPECT_EQ(error("+7 (916) 12", "RU"), "phone number: too few digits for +7");
  EXPECT_EQ(error("+7 6 123 45 67", "RU"), "phone number: too few digits for +7");
  EXPECT_EQ(error("+7 916 123 45 67 89", "RU"), "phone number: wrong number of digits for +7");
  EXPECT_EQ(error("+7 916 123 45 67 89 01 23", "RU"), "phone number: too many digits for +7");
  EXPECT_EQ(error("+7 9", "RU"), "phone number: not a phone number");
  EXPECT_EQ(error("+7 123 4567", "RU"), "phone number: a local number: add the area code");
  EXPECT_EQ(error("+7 (100) 123-45-67", "RU"), "phone number: no such number range in +7");
  EXPECT_EQ(error("+999 123 456 789", "RU"), "phone number: unknown country calling code");
  EXPECT_EQ(error("+49 32 12345678", "DE"), "phone number: no such number range in +49");
  // The Russian habit of "+8" instead of "+7" is a country code that does not exist.
  EXPECT_EQ(error("+8 916 123 45 67", "RU"), "phone number: unknown country calling code");
  // Found by fuzz_phone (server/fuzz): libphonenumber calls these German numbers valid, but E.164 has at most 15
  // digits, and the fraud rules could not list them (CallbackDesk::block failed on one).
  EXPECT_EQ(error("+49 2164 9160360866", "RU"), "phone number: too many digits for +49");
  EXPECT_EQ(error("+49 30 123456789012", "DE"), "phone number: too many digits for +49");
  EXPECT_EQ(ok("+49 2164 916036086", "RU").e164, "+492164916036086");
  // The default region decides how a national number reads: in Germany this is a Munich number.
  EXPECT_EQ(ok("8 916 123 45 67", "DE").e164, "+4989161234567");
}

TEST(ParsePhone, Bounds) {
  const std::string at_limit = "+7 916 123 45 67" + std::string(kMaxPhoneInputBytes - 16, ' ');
  ASSERT_EQ(at_limit.size(), kMaxPhoneInputBytes);
  EXPECT_EQ(ok(at_limit, "RU").e164, "+79161234567");
  EXPECT_EQ(error(at_limit + " ", "RU"), "phone number: too long (at most 64 bytes)");
  EXPECT_EQ(error(std::string(10'000, '9'), "RU"), "phone number: too long (at most 64 bytes)");
  // 64 bytes of digits is within the byte bound but not a number.
  EXPECT_EQ(error(std::string(64, '9'), "RU"), "phone number: too many digits");
}

TEST(ParsePhone, DefaultRegion) {
  EXPECT_EQ(error("8 916 123 45 67", ""), "phone number: no country code: start with + and the country code");
  for (const char* r : {"XX", "RUS", "R", "001", "R1", "ZZ"}) {
    EXPECT_EQ(error("+7 916 123 45 67", r),
              "phone number: unknown default region (an ISO 3166 alpha-2 code such as RU is expected)")
        << r;
  }
}

TEST(ParsePhone, ShortAndEmergencyNumbersAreNotPhoneNumbers) {
  EXPECT_EQ(error("112", "RU"), "phone number: a short or emergency number, not a full phone number");
  EXPECT_EQ(error("911", "US"), "phone number: a short or emergency number, not a full phone number");
  EXPECT_EQ(error("01", "RU"), "phone number: a short or emergency number, not a full phone number");
}

TEST(IsShortOrEmergency, Cases) {
  EXPECT_TRUE(is_short_or_emergency("112", "RU"));
  EXPECT_TRUE(is_short_or_emergency("112", "DE"));
  EXPECT_TRUE(is_short_or_emergency("911", "US"));
  EXPECT_TRUE(is_short_or_emergency(" 1 1 2 ", "ru"));
  EXPECT_TRUE(is_short_or_emergency("999", "GB"));
  EXPECT_FALSE(is_short_or_emergency("+7 916 123 45 67", "RU"));
  EXPECT_FALSE(is_short_or_emergency("8 916 123 45 67", "RU"));
  EXPECT_FALSE(is_short_or_emergency("8 800 555 35 35", "RU"));
  EXPECT_FALSE(is_short_or_emergency("hello", "RU"));
  EXPECT_FALSE(is_short_or_emergency("", "RU"));
  EXPECT_FALSE(is_short_or_emergency("112", ""));
  EXPECT_FALSE(is_short_or_emergency("112", "XX"));
  EXPECT_FALSE(is_short_or_emergency(std::string(100, '1'), "RU"));
}

TEST(NumberFacts, CarryTheParse) {
  const auto n = ok("8 (916) 123-45-67", "RU");
  const auto f = number_facts(n);
  EXPECT_EQ(f.e164, "+79161234567");
  EXPECT_EQ(f.region, "RU");
  EXPECT_EQ(f.type, PhoneType::mobile);
  EXPECT_FALSE(f.short_or_emergency);
  EXPECT_TRUE(number_facts(n, true).short_or_emergency);
}

/// What the fraud rules make of a typed number with the defaults of a Russian site: the whole path the callback
/// request takes (parse, facts, check), so that a change of libphonenumber's metadata shows up here.
std::string verdict(std::string_view input) {
  auto n = parse_phone(input, "RU");
  const auto v = n ? check_callback(default_fraud_policy("RU"),
                                    CallbackAttempt{.number = number_facts(*n, is_short_or_emergency(input, "RU")),
                                                    .time_on_page = std::chrono::seconds(30)},
                                    {}, from_unix_ms(1'800'000'000'000))
                   : refuse_invalid_number();
  return v.allowed() ? "allowed" : std::string(fraud_rule_name(v.refusal->rule));
}

TEST(ParsePhoneThenCheck, DefaultsOfARussianSite) {
  EXPECT_EQ(verdict("8 (916) 123-45-67"), "allowed");
  EXPECT_EQ(verdict("8 (495) 123-45-67"), "allowed");
  EXPECT_EQ(verdict("8 800 555 35 35"), "number_type_not_allowed");
  EXPECT_EQ(verdict("8 809 505 12 34"), "number_type_not_allowed");
  EXPECT_EQ(verdict("+7 701 123 4567"), "region_not_allowed");
  EXPECT_EQ(verdict("+44 20 7946 0958"), "region_not_allowed");
  EXPECT_EQ(verdict("+882 34 2 1234"), "non_geographic_number");
  EXPECT_EQ(verdict("+881 6 1234 5678"), "non_geographic_number");
  EXPECT_EQ(verdict("112"), "invalid_number");
  EXPECT_EQ(verdict("hello"), "invalid_number");
}

TEST(Phone, InternationalFormatForTheVisitorToCheck) {
  EXPECT_EQ(format_international("+79161234567"), "+7 916 123-45-67");
  EXPECT_EQ(format_international("+442079460958"), "+44 20 7946 0958");
  EXPECT_EQ(format_international("not a number"), "not a number");
}

}  // namespace
}  // namespace otk
