#include "proto/csv.hpp"

#include <date/date.h>

namespace otk::proto {
namespace {

bool is_signed_integer(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "YYYY-MM-DD" exactly, a real day from 2000 on.
std::optional<date::sys_days> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t j = starts[i]; j < starts[i] + lengths[i]; ++j) {
      if (s[j] < '0' || s[j] > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (s[j] - '0');
    }
  }
  const date::year_month_day ymd{date::year{parts[0]}, date::month{static_cast<unsigned>(parts[1])},
                                 date::day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok() || ymd.year() < date::year{2000}) return std::nullopt;
  return date::sys_days{ymd};
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  const bool formula = !field.empty() && (field.front() == '=' || field.front() == '+' || field.front() == '-' ||
                                          field.front() == '@' || field.front() == '\t' || field.front() == '\r') &&
                       !is_signed_integer(field);
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  if (quote) out.push_back('"');
}

CsvWriter& CsvWriter::field(std::string_view text) {
  if (!first_) out_.push_back(',');
  first_ = false;
  append_csv_field(out_, text);
  return *this;
}

CsvWriter& CsvWriter::field(std::int64_t n) { return field(std::string_view(std::to_string(n))); }

CsvWriter& CsvWriter::time(std::optional<TimePoint> t) {
  if (!t) return field(std::string_view{});
  return field(std::string_view(iso8601_utc(*t)));
}

void CsvWriter::end_row() {
  out_ += "\r\n";
  first_ = true;
}

std::string iso8601_utc(TimePoint t) {
  return date::format("%Y-%m-%dT%H:%M:%SZ", date::floor<std::chrono::seconds>(t));
}

Result<DayRange> parse_day_range(std::optional<std::string_view> from, std::optional<std::string_view> to) {
  if (!from) return fail(Errc::bad_request, "'from' is required: the first day, YYYY-MM-DD (UTC)");
  if (!to) return fail(Errc::bad_request, "'to' is required: the last day, YYYY-MM-DD (UTC)");
  const auto first = parse_day(*from);
  if (!first) return fail(Errc::bad_request, "'from' must be a day, YYYY-MM-DD");
  const auto last = parse_day(*to);
  if (!last) return fail(Errc::bad_request, "'to' must be a day, YYYY-MM-DD");
  if (*last < *first) return fail(Errc::bad_request, "'to' is before 'from'");
  if ((*last - *first).count() + 1 > kMaxExportDays) {
    return fail(Errc::bad_request, "the range is longer than 366 days; export it in parts");
  }
  return DayRange{TimePoint{*first}, TimePoint{*last + date::days{1}}, std::string(*from), std::string(*to)};
}

std::optional<date::sys_days> parse_month(std::string_view s) {
  if (s.size() != 7) return std::nullopt;
  return parse_day(std::string(s) + "-01");
}

}  // namespace otk::proto
