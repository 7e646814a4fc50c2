// CSV exports (docs/api.md, "Exports"): RFC 4180 text that spreadsheet programs open safely, and the day range an
// export asks for. Pure: no I/O; the api streams what these build.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace otk::proto {

/// UTF-8's byte order mark: Excel reads a CSV file as UTF-8 (Cyrillic included) only when it starts with one.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

/// Appends one field. RFC 4180: a field with a comma, a double quote, CR or LF is put in double quotes, its
/// quotes doubled. Formula injection: a field starting with '=', '+', '-', '@', TAB or CR would be read by a
/// spreadsheet as a formula, so it gets a leading apostrophe ("=1+1" -> "'=1+1") — except a plain signed integer
/// ("+79161234567", "-5"), which a spreadsheet can only read as that number. Other bytes (UTF-8 text) are kept.
void append_csv_field(std::string& out, std::string_view field);

/// Builds rows into a string: fields separated by commas, each row ended by CRLF.
class CsvWriter {
 public:
  explicit CsvWriter(std::string& out) : out_(out) {}
  CsvWriter& field(std::string_view text);
  CsvWriter& field(std::int64_t n);
  /// ISO 8601 in UTC to the second, "2026-11-01T09:05:00Z"; empty for none.
  CsvWriter& time(std::optional<TimePoint> t);
  void end_row();

 private:
  std::string& out_;
  bool first_ = true;
};

/// "2026-11-01T09:05:00Z".
[[nodiscard]] std::string iso8601_utc(TimePoint t);

/// Whole UTC days, both ends included: [from 00:00, the day after `to` 00:00).
struct DayRange {
  TimePoint from;
  TimePoint until;  // exclusive
  std::string from_text, to_text;  // "YYYY-MM-DD" as asked
};
inline constexpr int kMaxExportDays = 366;

/// Parses `from` and `to` ("YYYY-MM-DD", real calendar days from 2000 on): both required, to >= from, at most
/// kMaxExportDays days. bad_request naming the parameter otherwise.
[[nodiscard]] Result<DayRange> parse_day_range(std::optional<std::string_view> from, std::optional<std::string_view> to);

/// "YYYY-MM" exactly, a real month from 2000 on: its first day; nullopt otherwise.
[[nodiscard]] std::optional<date::sys_days> parse_month(std::string_view s);

}  // namespace otk::proto
