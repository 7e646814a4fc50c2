// SqliteStorage: callback requests — their records, the history the fraud rules read, the schedule.
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/tenant.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace otk {
namespace {

constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

// Columns 0..16 of a CallbackRecord.
#define OTK_CALLBACK_SELECT                                                                                   \
  "SELECT c.id, c.site_id, s.name, c.visitor_id, c.client_id, c.e164, c.status, c.rule, c.created_at, "     \
  "c.scheduled_for, c.started_at, c.ended_at, c.talk_ms, c.billed_seconds, c.charge, c.legs, c.account_id " \
  "FROM callbacks c JOIN sites s ON s.id = c.site_id "

std::optional<TimePoint> opt_time(const sqlite::Stmt& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return from_unix_ms(s.i64(col));
}

CallbackRecord callback_from(const sqlite::Stmt& s) {
  CallbackRecord r;
  r.id = CallbackId{s.i64(0)};
  r.site = SiteId{s.i64(1)};
  r.site_name = s.str(2);
  r.visitor = VisitorId{s.i64(3)};
  r.client_id = s.str(4);
  r.e164 = s.str(5);
  r.status = s.str(6);
  r.rule = s.str(7);
  r.created_at = from_unix_ms(s.i64(8));
  r.scheduled_for = opt_time(s, 9);
  r.started_at = opt_time(s, 10);
  r.ended_at = opt_time(s, 11);
  r.talk_ms = s.i64(12);
  r.billed_seconds = s.i64(13);
  r.charge = s.i64(14);
  r.legs = s.str(15);
  return r;
}

void bind_opt(sqlite::Stmt& s, int i, const std::optional<TimePoint>& t) {
  if (t) s.bind(i, to_unix_ms(*t));
  else s.bind_null(i);
}

}  // namespace

std::optional<CallbackRecord> SqliteStorage::callback_by_id(CallbackId id) {
  auto s = db_.prepare(OTK_CALLBACK_SELECT "WHERE c.id = ?");
  s.bind(1, id.value);
  if (!s.step()) return std::nullopt;
  return callback_from(s);
}

Result<std::optional<std::string>> SqliteStorage::callback_settings(SiteId site) {
  return guarded([&]() -> Result<std::optional<std::string>> {
    auto s = db_.prepare("SELECT settings FROM callback_settings WHERE site_id = ?");
    s.bind(1, site.value);
    if (!s.step()) return std::optional<std::string>{};
    return std::optional(s.str(0));
  });
}

Result<void> SqliteStorage::set_callback_settings(SiteId site, std::string_view settings_json) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "INSERT INTO callback_settings(site_id, settings) SELECT id, ? FROM sites WHERE id = ? "
        "ON CONFLICT(site_id) DO UPDATE SET settings = excluded.settings");
    s.bind(1, settings_json).bind(2, site.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such site");
    return {};
  });
}

Result<std::pair<CallbackRecord, bool>> SqliteStorage::create_callback(const NewCallback& c) {
  return guarded([&]() -> Result<std::pair<CallbackRecord, bool>> {
    {
      auto dup = db_.prepare(OTK_CALLBACK_SELECT "WHERE c.visitor_id = ? AND c.client_id = ?");
      dup.bind(1, c.visitor.value).bind(2, c.client_id);
      if (dup.step()) return std::pair{callback_from(dup), true};
    }
    auto ins = db_.prepare(
        "INSERT INTO callbacks(account_id, site_id, visitor_id, client_id, e164, ip, status, allowed, rule, created_at, "
        "scheduled_for) SELECT account_id, id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM sites WHERE id = ?");
    ins.bind(1, c.visitor.value).bind(2, c.client_id).bind(3, c.e164).bind(4, c.ip).bind(5, c.status);
    ins.bind(6, c.allowed ? 1 : 0).bind(7, c.rule).bind(8, to_unix_ms(c.at));
    bind_opt(ins, 9, c.scheduled_for);
    ins.bind(10, c.site.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such site");
    auto got = callback_by_id(CallbackId{db_.last_insert_id()});
    if (!got) return fail(Errc::internal, "the callback vanished while being saved");
    return std::pair{std::move(*got), false};
  });
}

Result<CallbackRecord> SqliteStorage::update_callback(CallbackId id, const CallbackUpdate& u) {
  return guarded([&]() -> Result<CallbackRecord> {
    auto s = db_.prepare(
        "UPDATE callbacks SET status = ?, started_at = COALESCE(?, started_at), ended_at = ?, talk_ms = ?, "
        "billed_seconds = ?, charge = ?, legs = ? WHERE id = ?");
    s.bind(1, u.status);
    bind_opt(s, 2, u.started_at);
    bind_opt(s, 3, u.ended_at);
    s.bind(4, u.talk_ms).bind(5, u.billed_seconds).bind(6, u.charge).bind(7, u.legs).bind(8, id.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such callback");
    auto got = callback_by_id(id);
    if (!got) return fail(Errc::not_found, "no such callback");
    return *got;
  });
}

Result<FraudHistory> SqliteStorage::fraud_history(SiteId site, std::string_view e164, std::string_view ip,
                                                  VisitorId visitor, TimePoint now, const CapPeriods& periods) {
  return guarded([&]() -> Result<FraudHistory> {
    FraudHistory h;
    const auto since = to_unix_ms(now) - kDayMs;
    {
      auto s = db_.prepare("SELECT created_at FROM callbacks WHERE e164 = ? AND created_at > ? AND allowed = 1");
      s.bind(1, e164).bind(2, since);
      while (s.step()) h.number_requests.push_back(from_unix_ms(s.i64(0)));
    }
    {
      // Opt-outs: install-wide ones (account 0, the CLI) and those of the site's own account.
      auto s = db_.prepare("SELECT EXISTS(SELECT 1 FROM callbacks WHERE e164 = ? AND status = 'placing'), "
                           "EXISTS(SELECT 1 FROM callback_optout WHERE e164 = ? AND account_id IN "
                           "(0, (SELECT account_id FROM sites WHERE id = ?)))");
      s.bind(1, e164).bind(2, e164).bind(3, site.value);
      s.step();
      h.number_call_live = s.i64(0) != 0;
      h.number_opted_out = s.i64(1) != 0;
    }
    if (!ip.empty()) {
      auto s = db_.prepare("SELECT e164, created_at FROM callbacks WHERE ip = ? AND created_at > ? AND allowed = 1");
      s.bind(1, ip).bind(2, since);
      while (s.step()) h.ip_requests.push_back(NumberRequest{s.str(0), from_unix_ms(s.i64(1))});
    }
    {
      // The browser is the widget's visitor: its token lives in the browser's storage.
      auto s = db_.prepare("SELECT e164, created_at FROM callbacks WHERE visitor_id = ? AND created_at > ? AND allowed = 1");
      s.bind(1, visitor.value).bind(2, since);
      while (s.step()) h.browser_requests.push_back(NumberRequest{s.str(0), from_unix_ms(s.i64(1))});
    }
    {
      auto s = db_.prepare("SELECT COUNT(*) FROM callbacks WHERE site_id = ? AND status = 'placing'");
      s.bind(1, site.value);
      s.step();
      h.site_live_calls = static_cast<int>(s.i64(0));
    }
    {
      auto s = db_.prepare("SELECT created_at FROM callbacks WHERE site_id = ? AND created_at > ? AND allowed = 1");
      s.bind(1, site.value).bind(2, to_unix_ms(now) - 60'000);
      while (s.step()) h.site_requests.push_back(from_unix_ms(s.i64(0)));
    }
    {
      auto s = db_.prepare(
          "SELECT COALESCE(SUM(CASE WHEN ended_at >= ? THEN billed_seconds END), 0), "
          "COALESCE(SUM(billed_seconds), 0), COALESCE(SUM(CASE WHEN ended_at >= ? THEN charge END), 0), "
          "COALESCE(SUM(charge), 0) FROM callbacks WHERE site_id = ? AND ended_at >= ?");
      s.bind(1, to_unix_ms(periods.day_start)).bind(2, to_unix_ms(periods.day_start)).bind(3, site.value);
      s.bind(4, to_unix_ms(periods.month_start));
      s.step();
      h.site_billed_seconds_today = s.i64(0);
      h.site_billed_seconds_month = s.i64(1);
      h.site_spend_today = s.i64(2);
      h.site_spend_month = s.i64(3);
    }
    return h;
  });
}

Result<std::vector<CallbackRecord>> SqliteStorage::take_due_callbacks(TimePoint now, int limit) {
  return guarded([&]() -> Result<std::vector<CallbackRecord>> {
    std::vector<CallbackRecord> out;
    {
      auto s = db_.prepare(OTK_CALLBACK_SELECT
                           "WHERE c.status = 'scheduled' AND c.scheduled_for <= ? ORDER BY c.scheduled_for, c.id LIMIT ?");
      s.bind(1, to_unix_ms(now)).bind(2, limit);
      while (s.step()) out.push_back(callback_from(s));
    }
    for (auto& r : out) {
      auto u = db_.prepare("UPDATE callbacks SET status = 'placing' WHERE id = ?");
      u.bind(1, r.id.value).run();
      r.status = "placing";
    }
    return out;
  });
}

Result<int> SqliteStorage::fail_interrupted_callbacks(TimePoint now) {
  return guarded([&]() -> Result<int> {
    auto s = db_.prepare("UPDATE callbacks SET status = 'failed_technical', ended_at = ? WHERE status = 'placing'");
    s.bind(1, to_unix_ms(now)).run();
    return db_.changes();
  });
}

Result<std::vector<CallbackRecord>> SqliteStorage::callbacks_of(const OperatorScope& scope, std::optional<SiteId> site,
                                                                CallbackId before, int limit) {
  if (limit < 1 || limit > 200) return fail(Errc::bad_request, "'limit' must be from 1 to 200");
  return guarded([&]() -> Result<std::vector<CallbackRecord>> {
    auto s = db_.prepare(OTK_CALLBACK_SELECT
                         OTK_SCOPE_JOIN("m", "c.site_id") "WHERE c.account_id = ? "
                         "AND (?3 = 0 OR c.site_id = ?3) AND (?4 = 0 OR c.id < ?4) ORDER BY c.id DESC LIMIT ?5");
    bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, site ? site->value : 0);
    s.bind(4, before.value).bind(5, limit);
    std::vector<CallbackRecord> out;
    while (s.step()) out.push_back(callback_from(s));
    return out;
  });
}

Result<std::vector<CallbackRecord>> SqliteStorage::export_callbacks(const OperatorScope& scope, const ExportFilter& filter,
                                                                    CallbackId after, int limit) {
  if (limit < 1 || limit > kMaxExportPage) return fail(Errc::bad_request, "an export page is 1 to 1000 rows");
  return guarded([&]() -> Result<std::vector<CallbackRecord>> {
    auto s = db_.prepare(OTK_CALLBACK_SELECT
                         OTK_SCOPE_JOIN("m", "c.site_id") "WHERE c.account_id = ? "
                         "AND (?3 = 0 OR c.site_id = ?3) AND c.created_at >= ?4 AND c.created_at < ?5 AND c.id > ?6 "
                         "ORDER BY c.id LIMIT ?7");
    bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, filter.site ? filter.site->value : 0);
    s.bind(4, to_unix_ms(filter.from)).bind(5, to_unix_ms(filter.until)).bind(6, after.value).bind(7, limit);
    std::vector<CallbackRecord> out;
    while (s.step()) out.push_back(callback_from(s));
    return out;
  });
}

Result<std::optional<CallbackRecord>> SqliteStorage::callback_for(const OperatorScope& scope, CallbackId id) {
  return guarded([&]() -> Result<std::optional<CallbackRecord>> {
    auto s = db_.prepare(OTK_CALLBACK_SELECT
                         OTK_SCOPE_JOIN("m", "c.site_id") "WHERE c.account_id = ? AND c.id = ?");
    bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, id.value);
    if (!s.step()) return std::optional<CallbackRecord>{};
    return std::optional(callback_from(s));
  });
}

Result<void> SqliteStorage::opt_out(std::string_view e164, TimePoint now) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("INSERT INTO callback_optout(e164, account_id, created_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING");
    s.bind(1, e164).bind(2, to_unix_ms(now)).run();
    return {};
  });
}

namespace {
#define OTK_OPTOUT_SELECT                                                                   \
  "SELECT o.e164, o.created_at, COALESCE(o.added_by, 0), COALESCE(p.name, '') "            \
  "FROM callback_optout o LEFT JOIN operators p ON p.id = o.added_by AND p.account_id = o.account_id "

Storage::OptOut optout_from(const sqlite::Stmt& s) {
  return Storage::OptOut{s.str(0), from_unix_ms(s.i64(1)), OperatorId{s.i64(2)}, s.str(3)};
}
}  // namespace

Result<std::vector<Storage::OptOut>> SqliteStorage::optouts_of(AccountId account) {
  return guarded([&]() -> Result<std::vector<OptOut>> {
    if (account.value <= 0) return fail(Errc::bad_request, "no account");
    auto s = db_.prepare(OTK_OPTOUT_SELECT "WHERE o.account_id = ? ORDER BY o.created_at DESC, o.e164");
    s.bind(1, account.value);
    std::vector<OptOut> out;
    while (s.step()) out.push_back(optout_from(s));
    return out;
  });
}

Result<std::pair<Storage::OptOut, bool>> SqliteStorage::add_optout(AccountId account, OperatorId by,
                                                                   std::string_view e164, TimePoint now) {
  return guarded([&]() -> Result<std::pair<OptOut, bool>> {
    if (account.value <= 0) return fail(Errc::bad_request, "no account");
    auto ins = db_.prepare(
        "INSERT INTO callback_optout(e164, account_id, added_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
    ins.bind(1, e164).bind(2, account.value);
    if (by.value > 0) ins.bind(3, by.value);
    else ins.bind_null(3);
    ins.bind(4, to_unix_ms(now)).run();
    const bool added = db_.changes() == 1;
    auto s = db_.prepare(OTK_OPTOUT_SELECT "WHERE o.account_id = ? AND o.e164 = ?");
    s.bind(1, account.value).bind(2, e164);
    if (!s.step()) return fail(Errc::internal, "the opt-out was not stored");
    return std::pair{optout_from(s), added};
  });
}

Result<void> SqliteStorage::remove_optout(AccountId account, std::string_view e164) {
  return guarded([&]() -> Result<void> {
    if (account.value <= 0) return fail(Errc::not_found, "no such opt-out");
    auto s = db_.prepare("DELETE FROM callback_optout WHERE account_id = ? AND e164 = ?");
    s.bind(1, account.value).bind(2, e164).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such opt-out");
    return {};
  });
}

Result<std::vector<Storage::StatementRow>> SqliteStorage::statement_rows(const OperatorScope& scope, TimePoint from,
                                                                         TimePoint to) {
  return guarded([&]() -> Result<std::vector<StatementRow>> {
    auto s = db_.prepare(
        "SELECT c.site_id, s.name, s.timezone, c.status, c.billed_seconds, c.charge, COALESCE(c.ended_at, c.created_at) "
        "FROM callbacks c JOIN sites s ON s.id = c.site_id "
        OTK_SCOPE_JOIN("m", "c.site_id") "WHERE c.account_id = ? "
        "AND c.created_at >= ? AND c.created_at < ? ORDER BY c.site_id, c.id");
    bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, to_unix_ms(from)).bind(4, to_unix_ms(to));
    std::vector<StatementRow> out;
    while (s.step()) {
      out.push_back(StatementRow{SiteId{s.i64(0)}, s.str(1), s.str(2), s.str(3), s.i64(4), s.i64(5), from_unix_ms(s.i64(6))});
    }
    return out;
  });
}

}  // namespace otk
