#include "proto/csv.hpp"

#include <gtest/gtest.h>

namespace otk::proto {
namespace {

std::string encode(std::string_view field) {
  std::string out;
  append_csv_field(out, field);
  return out;
}

TEST(CsvField, PlainFieldsAreKeptAsTheyAre) {
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("anna@example.ru"), "anna@example.ru");
  EXPECT_EQ(encode("https://shop.example/boots?utm_source=ya"), "https://shop.example/boots?utm_source=ya");
  EXPECT_EQ(encode("a;b"), "a;b");  // the separator is the comma only
}

TEST(CsvField, QuotesCommasQuotesAndLineBreaks) {
  EXPECT_EQ(encode("Иванов, Пётр"), "\"Иванов, Пётр\"");
  EXPECT_EQ(encode("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(encode("\""), "\"\"\"\"");
  EXPECT_EQ(encode("line 1\nline 2"), "\"line 1\nline 2\"");
  EXPECT_EQ(encode("line 1\r\nline 2"), "\"line 1\r\nline 2\"");
}

TEST(CsvField, NeutralisesFormulas) {
  EXPECT_EQ(encode("=HYPERLINK(\"http://evil.example\",\"click\")"), "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"");
  EXPECT_EQ(encode("=1+1"), "'=1+1");
  EXPECT_EQ(encode("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
  EXPECT_EQ(encode("-2+3"), "'-2+3");
  EXPECT_EQ(encode("@SUM(A1:A2)"), "'@SUM(A1:A2)");
  EXPECT_EQ(encode("\t=1"), "'\t=1");
  EXPECT_EQ(encode("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(encode("=Иванов, \"Вася\""), "\"'=Иванов, \"\"Вася\"\"\"");
  EXPECT_EQ(encode("+"), "'+");
  EXPECT_EQ(encode("-"), "'-");
  // Only the first character counts.
  EXPECT_EQ(encode("a=1"), "a=1");
}

TEST(CsvField, SignedIntegersStayNumbers) {
  EXPECT_EQ(encode("+79161234567"), "+79161234567");
  EXPECT_EQ(encode("-5"), "-5");
  EXPECT_EQ(encode("+7 916"), "'+7 916");
}

TEST(CsvField, CyrillicAndOtherUtf8IsUntouched) {
  const std::string text = "Анна Сергеевна — ёлка 🎄";
  EXPECT_EQ(encode(text), text);
  EXPECT_EQ(encode("«Ромашка», ООО"), "\"«Ромашка», ООО\"");
}

TEST(CsvWriter, WritesRowsWithCrlf) {
  std::string out;
  CsvWriter w(out);
  w.field("id").field("name").field("created_at");
  w.end_row();
  w.field(std::int64_t{42}).field("Пётр, мл.").time(from_unix_ms(1'793'523'900'000));
  w.end_row();
  w.field(std::int64_t{-1}).field("").time(std::nullopt);
  w.end_row();
  EXPECT_EQ(out, "id,name,created_at\r\n42,\"Пётр, мл.\",2026-11-01T09:05:00Z\r\n-1,,\r\n");
}

TEST(Iso8601, IsUtcToTheSecond) {
  EXPECT_EQ(iso8601_utc(from_unix_ms(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(from_unix_ms(1'793'523'900'999)), "2026-11-01T09:05:00Z");
}

TEST(Month, FirstDayOfARealMonthFrom2000) {
  EXPECT_EQ(parse_month("2026-11"), date::sys_days{date::year{2026} / 11 / 1});
  for (auto bad : {"2026-13", "2026-00", "1999-12", "2026-1", "2026-011", "2026--1", "20-6-11", "", "abcd-ef"}) {
    EXPECT_FALSE(parse_month(bad)) << bad;
  }
}

TEST(DayRange, ParsesInclusiveUtcDays) {
  auto r = parse_day_range("2026-11-01", "2026-11-30");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(iso8601_utc(r->from), "2026-11-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(r->until), "2026-12-01T00:00:00Z");
  EXPECT_EQ(r->from_text, "2026-11-01");
  auto one = parse_day_range("2028-02-29", "2028-02-29");
  ASSERT_TRUE(one);
  EXPECT_EQ(iso8601_utc(one->until), "2028-03-01T00:00:00Z");
  EXPECT_TRUE(parse_day_range("2027-01-01", "2027-12-31"));   // 365 days
  EXPECT_TRUE(parse_day_range("2028-01-01", "2028-12-31"));   // 366 days: a leap year
  EXPECT_TRUE(parse_day_range("2026-01-01", "2027-01-01"));   // 366 days
}

TEST(DayRange, RefusesWhatIsNotARange) {
  auto message = [](std::optional<std::string_view> f, std::optional<std::string_view> t) {
    auto r = parse_day_range(f, t);
    EXPECT_FALSE(r);
    if (r) return std::string();
    EXPECT_EQ(r.error().code, Errc::bad_request);
    return r.error().message;
  };
  EXPECT_NE(message(std::nullopt, "2026-11-30").find("'from'"), std::string::npos);
  EXPECT_NE(message("2026-11-01", std::nullopt).find("'to'"), std::string::npos);
  EXPECT_NE(message("2026-11-1", "2026-11-30").find("'from'"), std::string::npos);
  EXPECT_NE(message("2026-02-30", "2026-03-01").find("'from'"), std::string::npos);
  EXPECT_NE(message("2026-11-01", "2026-13-01").find("'to'"), std::string::npos);
  EXPECT_NE(message("2026-11-01", "2026-11-01T00").find("'to'"), std::string::npos);
  EXPECT_NE(message("1999-12-31", "2000-01-01").find("'from'"), std::string::npos);
  EXPECT_NE(message("+026-11-01", "2026-11-30").find("'from'"), std::string::npos);
  EXPECT_NE(message("2026-11-30", "2026-11-01").find("before"), std::string::npos);
  EXPECT_NE(message("2026-01-01", "2027-01-02").find("366"), std::string::npos);
}

}  // namespace
}  // namespace otk::proto
