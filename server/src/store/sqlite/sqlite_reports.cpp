// SqliteStorage: reports and statements (docs/metrics.md). Every query reads one site range on an index
// (conversations_report, which covers every column a report reads, leads_site_created, callbacks_site, messages_bot), filtered by the scope's account
// and sites; conversations come as one narrow row each and the ReportBuilder adds them up in one pass, since the
// percentiles need every duration anyway. Counts that need no row of their own are added up in SQL.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/sqlite/guarded.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "store/sqlite/tenant.hpp"

namespace otk {
namespace {

/// The scope's sites (only `wanted` of them when it is not empty) as a JSON array for json_each.
std::string visible_sites(const OperatorScope& scope, const std::vector<SiteId>& wanted) {
  std::vector<SiteId> ids;
  for (const SiteId s : scope.sites) {
    if (wanted.empty() || std::ranges::find(wanted, s) != wanted.end()) ids.push_back(s);
  }
  return site_list_json(ids);
}

std::optional<TimePoint> time_or_null(const sqlite::Stmt& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return from_unix_ms(s.i64(col));
}

}  // namespace

void SqliteStorage::fill_campaigns() {
  for (;;) {
    std::vector<std::pair<std::int64_t, std::string>> batch;
    {
      auto s = db_.prepare(
          "SELECT v.id, COALESCE((SELECT landing_url FROM visits WHERE visitor_id = v.id ORDER BY id LIMIT 1), '') "
          "FROM visitors v WHERE v.campaign IS NULL AND EXISTS (SELECT 1 FROM visits WHERE visitor_id = v.id) "
          "LIMIT 1000");
      while (s.step()) batch.emplace_back(s.i64(0), campaign_key(s.str(1)));
    }
    if (batch.empty()) {
      db_.exec("UPDATE conversations SET campaign = COALESCE((SELECT v.campaign FROM visitors v "
               "WHERE v.id = conversations.visitor_id), '') WHERE campaign IS NULL");
      return;
    }
    db_.exec("BEGIN IMMEDIATE");
    try {
      for (const auto& [id, key] : batch) {
        auto u = db_.prepare("UPDATE visitors SET campaign = ? WHERE id = ?");
        u.bind(1, key).bind(2, id).run();
      }
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }
}

Result<void> SqliteStorage::report_facts(const OperatorScope& scope, const ReportFilter& filter, const ReportDays& days,
                                         ReportBuilder& out) {
  return guarded([&]() -> Result<void> {
    const std::string sites = visible_sites(scope, filter.sites);
    const auto from = to_unix_ms(days.from()), until = to_unix_ms(days.until());
    {
      auto s = db_.prepare(
          "SELECT c.created_at, c.routed_at, c.first_response_at, c.closed_at, c.bot_state, COALESCE(c.rating, ''), "
          "COALESCE(c.department_id, 0), COALESCE(c.operator_id, 0), COALESCE(c.campaign, '') "
          "FROM conversations c "
          "WHERE c.site_id IN (SELECT value FROM json_each(?1)) AND c.account_id = ?2 "
          "AND c.created_at >= ?3 AND c.created_at < ?4 "
          "AND (?5 = 0 OR c.department_id = ?5) AND (?6 = 0 OR c.operator_id = ?6)");
      s.bind(1, sites).bind(2, scope.op.account.value).bind(3, from).bind(4, until);
      s.bind(5, filter.department.value).bind(6, filter.op.value);
      while (s.step()) {
        // The text columns as views (valid until the next step): no copy per row.
        out.conversation(ConversationFact{from_unix_ms(s.i64(0)), time_or_null(s, 1), time_or_null(s, 2),
                                          time_or_null(s, 3), s.view(4), s.view(5), DepartmentId{s.i64(6)},
                                          OperatorId{s.i64(7)}, s.view(8)});
      }
    }
    {
      auto s = db_.prepare(
          "SELECT COUNT(*), COALESCE(SUM(m.bot_helpful = 1), 0), COALESCE(SUM(m.bot_helpful = 0), 0) "
          "FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.bot_entry IS NOT NULL "
          "WHERE c.site_id IN (SELECT value FROM json_each(?1)) AND c.account_id = ?2 "
          "AND c.created_at >= ?3 AND c.created_at < ?4 AND c.bot_state != '' "
          "AND (?5 = 0 OR c.department_id = ?5) AND (?6 = 0 OR c.operator_id = ?6)");
      s.bind(1, sites).bind(2, scope.op.account.value).bind(3, from).bind(4, until);
      s.bind(5, filter.department.value).bind(6, filter.op.value);
      s.step();
      out.bot(s.i64(0), s.i64(1), s.i64(2));
    }
    if (filter.department || filter.op) return {};
    {
      auto s = db_.prepare(
          "SELECT l.created_at, l.source, COALESCE(v.campaign, '') FROM leads l JOIN visitors v ON v.id = l.visitor_id "
          "WHERE l.site_id IN (SELECT value FROM json_each(?1)) AND l.account_id = ?2 "
          "AND l.created_at >= ?3 AND l.created_at < ?4");
      s.bind(1, sites).bind(2, scope.op.account.value).bind(3, from).bind(4, until);
      while (s.step()) out.lead(from_unix_ms(s.i64(0)), s.str(1), s.str(2));
    }
    {
      auto s = db_.prepare(
          "SELECT c.created_at, c.status, c.talk_ms, c.billed_seconds, c.charge, COALESCE(v.campaign, '') "
          "FROM callbacks c JOIN visitors v ON v.id = c.visitor_id "
          "WHERE c.site_id IN (SELECT value FROM json_each(?1)) AND c.account_id = ?2 "
          "AND c.created_at >= ?3 AND c.created_at < ?4");
      s.bind(1, sites).bind(2, scope.op.account.value).bind(3, from).bind(4, until);
      while (s.step()) out.callback(from_unix_ms(s.i64(0)), s.str(1), s.i64(2), s.i64(3), s.i64(4), s.str(5));
    }
    {
      // Invitation counters are kept per UTC day (migration 12): the period's day names select them.
      auto s = db_.prepare(
          "SELECT COALESCE(SUM(CASE WHEN kind = 'shown' THEN n END), 0), "
          "COALESCE(SUM(CASE WHEN kind = 'accepted' THEN n END), 0) FROM engage_counts "
          "WHERE site_id IN (SELECT value FROM json_each(?1)) AND day >= ?2 AND day <= ?3 "
          "AND kind IN ('shown', 'accepted')");
      s.bind(1, sites).bind(2, days.names.front()).bind(3, days.names.back());
      s.step();
      out.invitations(s.i64(0), s.i64(1));
    }
    return {};
  });
}

Result<SiteMonth> SqliteStorage::site_month(const OperatorScope& scope, SiteId site, TimePoint from, TimePoint until) {
  return guarded([&]() -> Result<SiteMonth> {
    if (!scope.can_see(site)) return fail(Errc::not_found, "no such site");
    SiteMonth out;
    const auto f = to_unix_ms(from), u = to_unix_ms(until);
    const auto account = scope.op.account.value;
    {
      auto s = db_.prepare(
          "SELECT COUNT(*), COUNT(first_response_at) FROM conversations "
          "WHERE site_id = ?1 AND account_id = ?2 AND created_at >= ?3 AND created_at < ?4");
      s.bind(1, site.value).bind(2, account).bind(3, f).bind(4, u);
      s.step();
      out.chats = s.i64(0);
      out.answered = s.i64(1);
    }
    {
      auto s = db_.prepare(
          "SELECT COUNT(*) FROM leads WHERE site_id = ?1 AND account_id = ?2 AND created_at >= ?3 AND created_at < ?4");
      s.bind(1, site.value).bind(2, account).bind(3, f).bind(4, u);
      s.step();
      out.leads = s.i64(0);
    }
    {
      // A call belongs to the month it ended in (as billing has it, core/billing); a scheduled one may have been
      // asked for weeks before, hence the wide window on the indexed column.
      auto s = db_.prepare(
          "SELECT COUNT(*), COALESCE(SUM(status = 'connected'), 0), COALESCE(SUM(talk_ms), 0), "
          "COALESCE(SUM(billed_seconds), 0), COALESCE(SUM(charge), 0) FROM callbacks "
          "WHERE site_id = ?1 AND account_id = ?2 AND created_at >= ?3 - 45 * 86400000 AND created_at < ?4 "
          "AND COALESCE(ended_at, created_at) >= ?3 AND COALESCE(ended_at, created_at) < ?4");
      s.bind(1, site.value).bind(2, account).bind(3, f).bind(4, u);
      s.step();
      out.callbacks = s.i64(0);
      out.connected_calls = s.i64(1);
      out.talk_ms = s.i64(2);
      out.billed_seconds = s.i64(3);
      out.billed_minutes = (out.billed_seconds + 59) / 60;
      out.charge = s.i64(4);
    }
    {
      auto s = db_.prepare(
          "SELECT o.id, o.name, COUNT(DISTINCT m.conversation_id) AS chats FROM conversations c "
          "JOIN messages m ON m.conversation_id = c.id AND m.author_kind = 'operator' "
          "JOIN operators o ON o.id = m.operator_id "
          "WHERE c.site_id = ?1 AND c.account_id = ?2 AND c.created_at >= ?3 AND c.created_at < ?4 "
          "GROUP BY o.id ORDER BY chats DESC, o.name");
      s.bind(1, site.value).bind(2, account).bind(3, f).bind(4, u);
      while (s.step()) out.operators.push_back(SiteMonth::Server{OperatorId{s.i64(0)}, s.str(1), s.i64(2)});
    }
    return out;
  });
}

}  // namespace otk
