// Reports (docs/metrics.md): what the team did in a period, per day, department, operator and campaign. Pure: the
// store reads facts (one narrow row per conversation, SQL aggregates for the rest) and feeds a ReportBuilder,
// which adds them up in one pass and computes the percentiles. Every definition lives in docs/metrics.md; the
// comments here name them, the doc explains them.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"

namespace otk {

/// A period of whole local days in one time zone: day_starts[i] is the first instant of day i (its local
/// midnight, or the first instant after it when a DST change skips midnight); day_starts.back() ends the period.
struct ReportDays {
  std::vector<TimePoint> day_starts;  // size: days + 1
  std::vector<std::string> names;     // "2026-11-01", size: days
  std::string tz;
  [[nodiscard]] TimePoint from() const { return day_starts.front(); }
  [[nodiscard]] TimePoint until() const { return day_starts.back(); }
  /// The day an instant falls on, or -1 outside the period.
  [[nodiscard]] int day_of(TimePoint t) const;
};

/// The calendar days first..last (both included) as local days of zone `tz`. bad_request for an unknown zone.
[[nodiscard]] Result<ReportDays> report_days(date::sys_days first, date::sys_days last,
                                             const std::string& tz);

/// The first-touch campaign of a visitor: '' without UTM tags, else a JSON array [source, medium, campaign]
/// (percent-decoded, trimmed). Stored with the visitor, so reports group by it without parsing URLs.
[[nodiscard]] std::string campaign_key(std::string_view landing_url);

/// Nearest-rank percentiles of durations: the p-th percentile of n sorted values is the value at rank ceil(p·n).
struct DurationStats {
  std::int64_t count = 0;
  std::optional<std::int64_t> median_ms, p90_ms;
  bool operator==(const DurationStats&) const = default;
};
/// Sorts `ms` in place.
[[nodiscard]] DurationStats duration_stats(std::vector<std::int64_t>& ms);

/// One conversation as the report sees it.
struct ConversationFact {
  TimePoint created;
  std::optional<TimePoint> routed;          // reached people: an operator or the queue (docs/metrics.md)
  std::optional<TimePoint> first_response;  // the first human reply
  std::optional<TimePoint> closed;
  std::string_view bot_state;               // '', 'active', 'handed_off'
  std::string_view rating;                  // '', 'good', 'bad'
  DepartmentId department;                  // 0: none yet
  OperatorId op;                            // who holds it; 0: nobody
  std::string_view campaign;                // the visitor's campaign_key
};

struct ChatCounts {
  std::int64_t started = 0, answered = 0, missed = 0, bot_only = 0, handed_off = 0, good = 0, bad = 0;
  bool operator==(const ChatCounts&) const = default;
};

struct DayFigures {
  ChatCounts chats;
  std::int64_t leads = 0, callbacks = 0;
};

struct GroupFigures {
  ChatCounts chats;
  DurationStats first_response, resolution;
};

struct CampaignFigures {
  std::int64_t chats = 0, leads = 0, callbacks = 0;
};

struct CallbackFigures {
  std::int64_t total = 0, talk_ms = 0, billed_seconds = 0, charge = 0;
  std::map<std::string, std::int64_t> by_status;
};

struct Report {
  ChatCounts chats;
  DurationStats first_response, resolution;
  std::int64_t bot_answers = 0, bot_helpful = 0, bot_not_helpful = 0;
  CallbackFigures callbacks;
  std::int64_t leads = 0;
  std::map<std::string, std::int64_t> leads_by_source;
  std::map<std::string, CampaignFigures, std::less<>> campaigns;  // by campaign_key
  std::int64_t invitations_shown = 0, invitations_accepted = 0;
  std::vector<DayFigures> days;
  std::map<std::int64_t, GroupFigures> operators, departments;  // by id; 0: none
};

/// Adds facts up; finish() computes the percentiles. Facts outside the period are ignored.
class ReportBuilder {
 public:
  explicit ReportBuilder(const ReportDays& days);
  void conversation(const ConversationFact& c);
  void lead(TimePoint at, std::string_view source, std::string_view campaign);
  void callback(TimePoint at, std::string_view status, std::int64_t talk_ms, std::int64_t billed_seconds,
                std::int64_t charge, std::string_view campaign);
  void bot(std::int64_t answers, std::int64_t helpful, std::int64_t not_helpful);
  void invitations(std::int64_t shown, std::int64_t accepted);
  [[nodiscard]] Report finish();

 private:
  struct Durations {
    std::vector<std::int64_t> first_response, resolution;
  };
  const ReportDays& days_;
  Report report_;
  Durations all_;
  std::map<std::int64_t, Durations> by_operator_, by_department_;
  CampaignFigures& campaign(std::string_view key);
};

/// The counting rules of docs/metrics.md, "Chats".
[[nodiscard]] bool is_answered(const ConversationFact& c);
[[nodiscard]] bool is_bot_only(const ConversationFact& c);
[[nodiscard]] bool is_missed(const ConversationFact& c);

}  // namespace otk
