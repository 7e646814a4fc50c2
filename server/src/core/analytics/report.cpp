#include "core/analytics/report.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/hours/hours.hpp"
#include "core/routing/routing.hpp"

namespace otk {
namespace {

std::int64_t ms_between(TimePoint from, TimePoint to) {
  return std::max<std::int64_t>(0, to_unix_ms(to) - to_unix_ms(from));
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

int ReportDays::day_of(TimePoint t) const {
  if (day_starts.size() < 2 || t < day_starts.front() || t >= day_starts.back()) return -1;
  const auto it = std::upper_bound(day_starts.begin(), day_starts.end(), t);
  return static_cast<int>(it - day_starts.begin()) - 1;
}

Result<ReportDays> report_days(date::sys_days first, date::sys_days last, const std::string& tz) {
  auto zone = find_zone(tz);
  if (!zone) return fail(Errc::bad_request, "'tz' must be a time zone such as Europe/Moscow");
  ReportDays out;
  out.tz = tz;
  const auto end = last + date::days{1};
  for (auto d = first; d <= end; d += date::days{1}) {
    const date::local_days local{d.time_since_epoch()};
    // A local midnight that a DST change skips begins at the change: choose::earliest gives that instant.
    out.day_starts.push_back(std::chrono::time_point_cast<TimePoint::duration>((*zone)->to_sys(local, date::choose::earliest)));
    if (d < end) out.names.push_back(date::format("%F", d));
  }
  return out;
}

std::string campaign_key(std::string_view landing_url) {
  const auto visit = visit_context(landing_url, "", false);
  auto source = trimmed(visit.utm_source), medium = trimmed(visit.utm_medium), campaign = trimmed(visit.utm_campaign);
  if (source.empty() && medium.empty() && campaign.empty()) return {};
  return nlohmann::json::array({source, medium, campaign}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

DurationStats duration_stats(std::vector<std::int64_t>& ms) {
  DurationStats out;
  out.count = static_cast<std::int64_t>(ms.size());
  if (ms.empty()) return out;
  std::ranges::sort(ms);
  auto rank = [&](std::int64_t percent) {  // ceil(p·n), 1-based
    const std::int64_t r = (percent * out.count + 99) / 100;
    return ms[static_cast<std::size_t>(std::max<std::int64_t>(1, r) - 1)];
  };
  out.median_ms = rank(50);
  out.p90_ms = rank(90);
  return out;
}

bool is_answered(const ConversationFact& c) { return c.first_response.has_value(); }
bool is_bot_only(const ConversationFact& c) { return !c.first_response && c.bot_state == "active"; }
bool is_missed(const ConversationFact& c) { return !c.first_response && c.bot_state != "active"; }

ReportBuilder::ReportBuilder(const ReportDays& days) : days_(days) {
  report_.days.resize(days.names.size());
}

void ReportBuilder::conversation(const ConversationFact& c) {
  const int day = days_.day_of(c.created);
  if (day < 0) return;
  auto count = [&](ChatCounts& n) {
    n.started++;
    if (is_answered(c)) n.answered++;
    if (is_missed(c)) n.missed++;
    if (is_bot_only(c)) n.bot_only++;
    if (c.bot_state == "handed_off") n.handed_off++;
    if (c.rating == "good") n.good++;
    if (c.rating == "bad") n.bad++;
  };
  count(report_.chats);
  count(report_.days[static_cast<std::size_t>(day)].chats);
  count(report_.operators[c.op.value].chats);
  count(report_.departments[c.department.value].chats);
  campaign(c.campaign).chats++;
  // Times count from when the chat reached people; a chat a person answered without it being routed (the bot
  // still had it) counts from its start.
  const TimePoint start = c.routed.value_or(c.created);
  if (c.first_response) {
    const auto ms = ms_between(start, *c.first_response);
    all_.first_response.push_back(ms);
    by_operator_[c.op.value].first_response.push_back(ms);
    by_department_[c.department.value].first_response.push_back(ms);
    if (c.closed) {
      const auto r = ms_between(start, *c.closed);
      all_.resolution.push_back(r);
      by_operator_[c.op.value].resolution.push_back(r);
      by_department_[c.department.value].resolution.push_back(r);
    }
  }
}

CampaignFigures& ReportBuilder::campaign(std::string_view key) {
  auto it = report_.campaigns.find(key);
  if (it == report_.campaigns.end()) it = report_.campaigns.emplace(std::string(key), CampaignFigures{}).first;
  return it->second;
}

void ReportBuilder::lead(TimePoint at, std::string_view source, std::string_view campaign) {
  const int day = days_.day_of(at);
  if (day < 0) return;
  report_.leads++;
  report_.leads_by_source[std::string(source)]++;
  report_.days[static_cast<std::size_t>(day)].leads++;
  this->campaign(campaign).leads++;
}

void ReportBuilder::callback(TimePoint at, std::string_view status, std::int64_t talk_ms, std::int64_t billed_seconds,
                             std::int64_t charge, std::string_view campaign) {
  const int day = days_.day_of(at);
  if (day < 0) return;
  auto& cb = report_.callbacks;
  cb.total++;
  cb.by_status[std::string(status)]++;
  cb.talk_ms += talk_ms;
  cb.billed_seconds += billed_seconds;
  cb.charge += charge;
  report_.days[static_cast<std::size_t>(day)].callbacks++;
  this->campaign(campaign).callbacks++;
}

void ReportBuilder::bot(std::int64_t answers, std::int64_t helpful, std::int64_t not_helpful) {
  report_.bot_answers += answers;
  report_.bot_helpful += helpful;
  report_.bot_not_helpful += not_helpful;
}

void ReportBuilder::invitations(std::int64_t shown, std::int64_t accepted) {
  report_.invitations_shown += shown;
  report_.invitations_accepted += accepted;
}

Report ReportBuilder::finish() {
  report_.first_response = duration_stats(all_.first_response);
  report_.resolution = duration_stats(all_.resolution);
  for (auto& [id, d] : by_operator_) {
    report_.operators[id].first_response = duration_stats(d.first_response);
    report_.operators[id].resolution = duration_stats(d.resolution);
  }
  for (auto& [id, d] : by_department_) {
    report_.departments[id].first_response = duration_stats(d.first_response);
    report_.departments[id].resolution = duration_stats(d.resolution);
  }
  return std::move(report_);
}

}  // namespace otk
