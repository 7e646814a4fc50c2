#include "store/sqlite/sqlite_storage.hpp"

#include <nlohmann/json.hpp>

#include "store/migrations/migrations.hpp"
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/tenant.hpp"

namespace otk {
namespace {

using sqlite::SqliteError;
using sqlite::Stmt;
using json = nlohmann::json;

constexpr std::int64_t kVisitGapMs = 30 * 60 * 1000;

SiteAppearance appearance_from(const std::string& text) {
  SiteAppearance a;
  const json j = json::parse(text);
  a.color = j.value("color", a.color);
  a.position = j.value("position", a.position);
  a.title = j.value("title", "");
  a.greeting = j.value("greeting", "");
  a.launcher = j.value("launcher", "");
  a.operator_name = j.value("operator_name", "");
  a.vendor_link = j.value("vendor_link", false);
  a.typing_preview = j.value("typing_preview", false);
  return a;
}

std::string appearance_to(const SiteAppearance& a) {
  return json{{"color", a.color},       {"position", a.position},           {"title", a.title},
              {"greeting", a.greeting}, {"launcher", a.launcher},           {"operator_name", a.operator_name},
              {"vendor_link", a.vendor_link},       {"typing_preview", a.typing_preview}}
      .dump();
}

Site site_from(const Stmt& s) {
  Site site;
  site.id = SiteId{s.i64(0)};
  site.account = AccountId{s.i64(1)};
  site.key = s.str(2);
  site.name = s.str(3);
  site.allowed_origins = json::parse(s.str(4)).get<std::vector<std::string>>();
  site.language = s.str(5);
  site.timezone = s.str(6);
  site.appearance = appearance_from(s.str(7));
  site.hours = s.str(8);
  if (!s.is_null(9)) site.first_response_seconds = static_cast<int>(s.i64(9));
  return site;
}

// Columns: id, site_id, account_id, visitor_id, status, last_seq, created_at, bot_state
Conversation conversation_from(const Stmt& s, int base = 0) {
  Conversation c;
  c.id = ConversationId{s.i64(base + 0)};
  c.site = SiteId{s.i64(base + 1)};
  c.account = AccountId{s.i64(base + 2)};
  c.visitor = VisitorId{s.i64(base + 3)};
  c.status = s.str(base + 4) == "closed" ? ConversationStatus::closed : ConversationStatus::open;
  c.last_seq = s.i64(base + 5);
  c.created_at = from_unix_ms(s.i64(base + 6));
  c.bot_state = s.str(base + 7);
  return c;
}

// Columns as in kMessageSelect.
Message message_from(const Stmt& s) {
  Message m;
  m.id = MessageId{s.i64(0)};
  m.conversation = ConversationId{s.i64(1)};
  m.seq = s.i64(2);
  m.client_id = s.str(3);
  m.author.kind = parse_author_kind(s.str(4)).value_or(AuthorKind::system);
  m.author.operator_id = OperatorId{s.is_null(5) ? 0 : s.i64(5)};
  m.author.name = s.str(6);
  m.text = s.str(7);
  m.at = from_unix_ms(s.i64(8));
  m.author.photo = s.is_null(9) ? std::string() : s.str(9);
  if (!s.is_null(10)) {
    m.bot = BotMark{s.i64(10), s.is_null(11) ? std::nullopt : std::optional<bool>(s.i64(11) != 0)};
  }
  if (!s.is_null(12)) m.attachment = Attachment{s.str(12), s.str(13), s.str(14), s.i64(15)};
  return m;
}

// Messages with their author's current photo: a photo is who the operator is now, not a historical record.
#define OTK_MESSAGE_SELECT                                                                                     \
  "SELECT m.id, m.conversation_id, m.seq, m.client_id, m.author_kind, m.operator_id, m.author_name, m.body, " \
  "m.created_at, o.photo_version, m.bot_entry, m.bot_helpful, a.id, a.name, a.type, a.size "                 \
  "FROM messages m LEFT JOIN operators o ON o.id = m.operator_id LEFT JOIN attachments a ON a.message_id = m.id "

// Columns: id, account_id, email, name, role, photo_version
#define OTK_OPERATOR_SELECT "SELECT o.id, o.account_id, o.email, o.name, o.role, o.photo_version FROM operators o "

OperatorAccount operator_from(const Stmt& s) {
  return OperatorAccount{OperatorId{s.i64(0)}, AccountId{s.i64(1)}, s.str(2), s.str(3),
                         parse_role(s.str(4)).value_or(Role::operator_), s.str(5)};
}

// What a conversation summary takes from its own row and the rows it joins (sites s, visitors v, and LEFT JOINed
// departments d and operators o); the per-operator parts are added by summarise().
#define OTK_SUMMARY_HEAD \
  "s.name, s.language, v.name, c.department_id, d.name, c.operator_id, o.name, c.first_response_at "
#define OTK_SUMMARY_JOINS                                                                                         \
  "JOIN sites s ON s.id = c.site_id JOIN visitors v ON v.id = c.visitor_id "                                      \
  "LEFT JOIN departments d ON d.id = c.department_id LEFT JOIN operators o ON o.id = c.operator_id "

ConversationSummary summary_head(const Stmt& s, VisitorId visitor, int base) {
  ConversationSummary out;
  out.site_name = s.str(base);
  const std::string name = s.str(base + 2);
  out.visitor_name = name.empty() ? default_visitor_name(visitor, s.str(base + 1)) : name;
  out.department = DepartmentId{s.is_null(base + 3) ? 0 : s.i64(base + 3)};
  out.department_name = s.is_null(base + 4) ? "" : s.str(base + 4);
  out.assigned = OperatorId{s.is_null(base + 5) ? 0 : s.i64(base + 5)};
  out.assigned_name = s.is_null(base + 6) ? "" : s.str(base + 6);
  out.answered = !s.is_null(base + 7);
  return out;
}

}  // namespace

SqliteStorage::SqliteStorage(const std::string& path, bool migrate_now) : db_(path) {
  if (migrate_now) migrate();
}

int SqliteStorage::schema_version() {
  auto s = db_.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.i64(0));
}

void SqliteStorage::limit_size(std::int64_t bytes) {
  auto size = db_.prepare("PRAGMA page_size");
  size.step();
  const std::int64_t pages = std::max<std::int64_t>(1, bytes / std::max<std::int64_t>(1, size.i64(0)));
  db_.exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str());
}

void SqliteStorage::migrate() {
  const int current = schema_version();
  for (const auto& m : migrations::all()) {
    if (m.version <= current) continue;
    db_.exec("BEGIN IMMEDIATE");
    try {
      db_.exec(m.sqlite_sql);
      db_.exec(("PRAGMA user_version=" + std::to_string(m.version)).c_str());
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }
  fill_campaigns();
}

Result<void> SqliteStorage::ping() {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("SELECT 1");
    s.step();
    return {};
  });
}

Result<std::optional<AccountId>> SqliteStorage::account_by_name(std::string_view name) {
  return guarded([&]() -> Result<std::optional<AccountId>> {
    auto s = db_.prepare("SELECT id FROM accounts WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::optional<AccountId>{};
    return std::optional(AccountId{s.i64(0)});
  });
}

Result<AccountId> SqliteStorage::ensure_account(std::string_view name, TimePoint now) {
  return guarded([&]() -> Result<AccountId> {
    auto ins = db_.prepare("INSERT INTO accounts(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING");
    ins.bind(1, name).bind(2, to_unix_ms(now)).run();
    auto s = db_.prepare("SELECT id FROM accounts WHERE name = ?");
    s.bind(1, name);
    s.step();
    return AccountId{s.i64(0)};
  });
}

Result<SiteId> SqliteStorage::upsert_site(const Site& site, TimePoint now) {
  return guarded([&]() -> Result<SiteId> {
    SiteId id;
    {
    auto s = db_.prepare(
        "INSERT INTO sites(account_id, key, name, allowed_origins, language, timezone, appearance, created_at, hours) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET name = excluded.name, "
        "allowed_origins = excluded.allowed_origins, language = excluded.language, timezone = excluded.timezone, "
        "appearance = excluded.appearance, hours = excluded.hours WHERE account_id = excluded.account_id RETURNING id");
    s.bind(1, site.account.value).bind(2, site.key).bind(3, site.name).bind(4, json(site.allowed_origins).dump());
    s.bind(5, site.language).bind(6, site.timezone).bind(7, appearance_to(site.appearance)).bind(8, to_unix_ms(now));
    s.bind(9, site.hours);
    if (!s.step()) return fail(Errc::conflict, "site key '" + site.key + "' belongs to another account");
    id = SiteId{s.i64(0)};
    }
    // Every site has a default department: where chats go when no routing rule matches.
    auto d = db_.prepare(
        "INSERT INTO departments(site_id, name, is_default) SELECT ?, ?, 1 "
        "WHERE NOT EXISTS (SELECT 1 FROM departments WHERE site_id = ? AND is_default = 1) ON CONFLICT DO NOTHING");
    d.bind(1, id.value).bind(2, site.language == "en" ? "General" : "Общий").bind(3, id.value).run();
    return id;
  });
}

Result<OperatorId> SqliteStorage::upsert_operator(AccountId account, std::string_view email, std::string_view name,
                                                  std::string_view password_hash, Role role, TimePoint now) {
  return guarded([&]() -> Result<OperatorId> {
    auto s = db_.prepare(
        "INSERT INTO operators(account_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, "
        "role = excluded.role WHERE account_id = excluded.account_id RETURNING id");
    s.bind(1, account.value).bind(2, email).bind(3, name).bind(4, password_hash).bind(5, role_name(role));
    s.bind(6, to_unix_ms(now));
    if (!s.step()) return fail(Errc::conflict, "email belongs to an operator of another account");
    return OperatorId{s.i64(0)};
  });
}

Result<void> SqliteStorage::add_site_member(SiteId site, OperatorId op) {
  return guarded([&]() -> Result<void> {
    // Membership only within one account: the site and the operator must share it.
    auto s = db_.prepare(
        "INSERT INTO site_members(operator_id, site_id) SELECT o.id, s.id FROM operators o JOIN sites s "
        "ON s.account_id = o.account_id WHERE o.id = ? AND s.id = ? ON CONFLICT DO NOTHING");
    s.bind(1, op.value).bind(2, site.value).run();
    auto check = db_.prepare("SELECT 1 FROM site_members WHERE operator_id = ? AND site_id = ?");
    check.bind(1, op.value).bind(2, site.value);
    if (!check.step()) return fail(Errc::forbidden, "operator and site belong to different accounts");
    auto d = db_.prepare(
        "INSERT INTO department_members(operator_id, department_id) SELECT ?, id FROM departments "
        "WHERE site_id = ? AND is_default = 1 ON CONFLICT DO NOTHING");
    d.bind(1, op.value).bind(2, site.value).run();
    return {};
  });
}

Result<Site> SqliteStorage::create_site(const Site& site, OperatorId creator, TimePoint now) {
  return guarded([&]() -> Result<Site> {
    {
      auto taken = db_.prepare("SELECT 1 FROM sites WHERE key = ?");
      taken.bind(1, site.key);
      if (taken.step()) return fail(Errc::conflict, "key: the site key '" + site.key + "' is taken");
    }
    Site out = site;
    {
      auto s = db_.prepare(
          "INSERT INTO sites(account_id, key, name, allowed_origins, language, timezone, appearance, created_at, hours, "
          "first_response_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
      s.bind(1, site.account.value).bind(2, site.key).bind(3, site.name).bind(4, json(site.allowed_origins).dump());
      s.bind(5, site.language).bind(6, site.timezone).bind(7, appearance_to(site.appearance)).bind(8, to_unix_ms(now));
      s.bind(9, site.hours);
      if (site.first_response_seconds) s.bind(10, std::int64_t{*site.first_response_seconds});
      else s.bind_null(10);
      s.step();
      out.id = SiteId{s.i64(0)};
    }
    auto d = db_.prepare("INSERT INTO departments(site_id, name, is_default) VALUES (?, ?, 1)");
    d.bind(1, out.id.value).bind(2, site.language == "en" ? "General" : "Общий").run();
    // The maker and everyone who manages the account work the new site (and its default department).
    auto m = db_.prepare(
        "INSERT INTO site_members(operator_id, site_id) SELECT id, ? FROM operators WHERE account_id = ? "
        "AND (id = ? OR role IN ('owner', 'admin')) ON CONFLICT DO NOTHING");
    m.bind(1, out.id.value).bind(2, site.account.value).bind(3, creator.value).run();
    auto dm = db_.prepare(
        "INSERT INTO department_members(operator_id, department_id) SELECT sm.operator_id, d.id FROM site_members sm "
        "JOIN departments d ON d.site_id = sm.site_id AND d.is_default = 1 WHERE sm.site_id = ? ON CONFLICT DO NOTHING");
    dm.bind(1, out.id.value).run();
    return out;
  });
}

Result<void> SqliteStorage::update_site(const OperatorScope& scope, const Site& site) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "UPDATE sites SET name = ?, allowed_origins = ?, language = ?, timezone = ?, appearance = ?, hours = ?, "
        "first_response_seconds = ? WHERE id = ? AND account_id = ? AND id IN " OTK_SCOPE_MEMBER_SITES
        " RETURNING id");
    s.bind(1, site.name).bind(2, json(site.allowed_origins).dump()).bind(3, site.language).bind(4, site.timezone);
    s.bind(5, appearance_to(site.appearance)).bind(6, site.hours);
    if (site.first_response_seconds) s.bind(7, std::int64_t{*site.first_response_seconds});
    else s.bind_null(7);
    s.bind(8, site.id.value).bind(9, scope.op.account.value);
    bind_scope(s, scope);
    if (!s.step()) return fail(Errc::not_found, "no such site");
    return {};
  });
}

Result<std::optional<Site>> SqliteStorage::site_by_key(std::string_view key) {
  return guarded([&]() -> Result<std::optional<Site>> {
    auto s = db_.prepare(
        "SELECT id, account_id, key, name, allowed_origins, language, timezone, appearance, hours, "
        "first_response_seconds FROM sites WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return std::optional<Site>{};
    return std::optional(site_from(s));
  });
}

Result<std::vector<Site>> SqliteStorage::sites_of(const OperatorScope& scope) {
  return guarded([&]() -> Result<std::vector<Site>> {
    auto s = db_.prepare(
        "SELECT s.id, s.account_id, s.key, s.name, s.allowed_origins, s.language, s.timezone, s.appearance, s.hours, "
        "s.first_response_seconds FROM sites s " OTK_SCOPE_JOIN("m", "s.id") "WHERE s.account_id = ? ORDER BY s.name");
    bind_scope(s, scope).bind(2, scope.op.account.value);
    std::vector<Site> out;
    while (s.step()) out.push_back(site_from(s));
    return out;
  });
}

Result<std::optional<Visitor>> SqliteStorage::visitor_by_token(SiteId site, std::string_view token_hash) {
  return guarded([&]() -> Result<std::optional<Visitor>> {
    auto s = db_.prepare("SELECT id, site_id, name FROM visitors WHERE token_hash = ? AND site_id = ?");
    s.bind(1, token_hash).bind(2, site.value);
    if (!s.step()) return std::optional<Visitor>{};
    return std::optional(Visitor{VisitorId{s.i64(0)}, SiteId{s.i64(1)}, s.str(2)});
  });
}

Result<Visitor> SqliteStorage::create_visitor(SiteId site, std::string_view token_hash, TimePoint now) {
  return guarded([&]() -> Result<Visitor> {
    auto s = db_.prepare("INSERT INTO visitors(site_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?)");
    s.bind(1, site.value).bind(2, token_hash).bind(3, to_unix_ms(now)).bind(4, to_unix_ms(now)).run();
    return Visitor{VisitorId{db_.last_insert_id()}, site, ""};
  });
}

Result<void> SqliteStorage::record_page_view(const Visitor& visitor, const PageRef& page, TimePoint now) {
  return guarded([&]() -> Result<void> {
    const auto now_ms = to_unix_ms(now);
    std::int64_t visit_id = 0, number = 0;
    {
      auto s = db_.prepare("SELECT id, number, last_seen_at FROM visits WHERE visitor_id = ? ORDER BY id DESC LIMIT 1");
      s.bind(1, visitor.id.value);
      if (s.step()) {
        number = s.i64(1);
        if (now_ms - s.i64(2) < kVisitGapMs) visit_id = s.i64(0);
      }
    }
    if (visit_id == 0) {
      auto ins = db_.prepare(
          "INSERT INTO visits(visitor_id, site_id, number, started_at, last_seen_at, referrer, landing_url) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)");
      ins.bind(1, visitor.id.value).bind(2, visitor.site.value).bind(3, number + 1).bind(4, now_ms).bind(5, now_ms);
      ins.bind(6, page.referrer).bind(7, page.url).run();
      visit_id = db_.last_insert_id();
      if (number == 0) {  // the first visit: its landing page gives the visitor's first-touch campaign
        auto first = db_.prepare("UPDATE visitors SET campaign = ? WHERE id = ? AND campaign IS NULL");
        first.bind(1, campaign_key(page.url)).bind(2, visitor.id.value).run();
      }
    } else {
      auto upd = db_.prepare("UPDATE visits SET last_seen_at = ? WHERE id = ?");
      upd.bind(1, now_ms).bind(2, visit_id).run();
    }
    auto pv = db_.prepare("INSERT INTO page_views(visit_id, url, title, at) VALUES (?, ?, ?, ?)");
    pv.bind(1, visit_id).bind(2, page.url).bind(3, page.title).bind(4, now_ms).run();
    auto seen = db_.prepare("UPDATE visitors SET last_seen_at = ? WHERE id = ?");
    seen.bind(1, now_ms).bind(2, visitor.id.value).run();
    return {};
  });
}

Result<std::optional<Conversation>> SqliteStorage::open_conversation_of(const Visitor& visitor) {
  return guarded([&]() -> Result<std::optional<Conversation>> {
    auto s = db_.prepare(
        "SELECT id, site_id, account_id, visitor_id, status, last_seq, created_at, bot_state FROM conversations "
        "WHERE visitor_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1");
    s.bind(1, visitor.id.value);
    if (!s.step()) return std::optional<Conversation>{};
    return std::optional(conversation_from(s));
  });
}

Result<std::optional<Conversation>> SqliteStorage::visitor_conversation(const Visitor& visitor, ConversationId id) {
  return guarded([&]() -> Result<std::optional<Conversation>> {
    auto s = db_.prepare(
        "SELECT id, site_id, account_id, visitor_id, status, last_seq, created_at, bot_state FROM conversations "
        "WHERE id = ? AND visitor_id = ?");
    s.bind(1, id.value).bind(2, visitor.id.value);
    if (!s.step()) return std::optional<Conversation>{};
    return std::optional(conversation_from(s));
  });
}

Result<Conversation> SqliteStorage::rate_conversation(const Visitor& visitor, ConversationId id, bool good,
                                                     std::string_view comment, TimePoint now) {
  return guarded([&]() -> Result<Conversation> {
    auto s = db_.prepare("UPDATE conversations SET rating = ?, rating_comment = ?, rated_at = ? WHERE id = ? AND visitor_id = ?");
    s.bind(1, good ? "good" : "bad").bind(2, comment).bind(3, to_unix_ms(now)).bind(4, id.value).bind(5, visitor.id.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such conversation");
    auto conv = visitor_conversation(visitor, id);
    if (!conv || !*conv) return fail(Errc::internal, "the rated conversation vanished");
    return **conv;
  });
}

// The tenant filter: a conversation is visible to an operator only inside their account and only on a site
// they are a member of.
Result<std::optional<Conversation>> SqliteStorage::conversation_for(const OperatorScope& scope, ConversationId id) {
  return guarded([&]() -> Result<std::optional<Conversation>> {
    auto s = db_.prepare(
        "SELECT c.id, c.site_id, c.account_id, c.visitor_id, c.status, c.last_seq, c.created_at, c.bot_state "
        "FROM conversations c " OTK_SCOPE_JOIN("m", "c.site_id") "WHERE c.id = ? AND c.account_id = ?");
    bind_scope(s, scope).bind(2, id.value).bind(3, scope.op.account.value);
    if (!s.step()) return std::optional<Conversation>{};
    return std::optional(conversation_from(s));
  });
}

ConversationSummary SqliteStorage::summarise(const OperatorScope& scope, Conversation c, ConversationSummary out) {
  {
    auto r = db_.prepare("SELECT seq FROM read_markers WHERE operator_id = ? AND conversation_id = ?");
    r.bind(1, scope.op.id.value).bind(2, c.id.value);
    if (r.step()) out.read_seq = r.i64(0);
  }
  {
    auto u = db_.prepare("SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq > ? AND sender != ?");
    u.bind(1, c.id.value).bind(2, out.read_seq).bind(3, operator_sender(scope.op.id));
    u.step();
    out.unread = u.i64(0);
  }
  if (c.last_seq > 0) {
    auto m = db_.prepare(OTK_MESSAGE_SELECT "WHERE m.conversation_id = ? AND m.seq = ?");
    m.bind(1, c.id.value).bind(2, c.last_seq);
    if (m.step()) out.last_message = message_from(m);
  }
  {
    auto p = db_.prepare(
        "SELECT pv.url, pv.title FROM page_views pv JOIN visits v ON v.id = pv.visit_id WHERE v.visitor_id = ? "
        "ORDER BY pv.id DESC LIMIT 1");
    p.bind(1, c.visitor.value);
    if (p.step()) out.page = PageRef{p.str(0), p.str(1), ""};
  }
  out.labels = labels_of(c.id);
  out.conversation = std::move(c);
  return out;
}

Result<std::vector<ConversationSummary>> SqliteStorage::open_conversations(const OperatorScope& scope) {
  return guarded([&]() -> Result<std::vector<ConversationSummary>> {
    auto s = db_.prepare(
        "SELECT c.id, c.site_id, c.account_id, c.visitor_id, c.status, c.last_seq, c.created_at, c.bot_state, " OTK_SUMMARY_HEAD
        "FROM conversations c " OTK_SCOPE_JOIN("m", "c.site_id") OTK_SUMMARY_JOINS
        "WHERE c.account_id = ? AND c.status = 'open' ORDER BY c.last_message_at DESC LIMIT 500");
    bind_scope(s, scope).bind(2, scope.op.account.value);
    std::vector<std::pair<Conversation, ConversationSummary>> rows;
    while (s.step()) {
      auto c = conversation_from(s);
      auto head = summary_head(s, c.visitor, 8);
      rows.emplace_back(std::move(c), std::move(head));
    }
    std::vector<ConversationSummary> out;
    out.reserve(rows.size());
    for (auto& [c, head] : rows) out.push_back(summarise(scope, std::move(c), std::move(head)));
    return out;
  });
}

Result<std::vector<ConversationExportRow>> SqliteStorage::export_conversations(const OperatorScope& scope,
                                                                              const ExportFilter& filter,
                                                                              ConversationId after, int limit) {
  if (limit < 1 || limit > kMaxExportPage) return fail(Errc::bad_request, "an export page is 1 to 1000 rows");
  return guarded([&]() -> Result<std::vector<ConversationExportRow>> {
    std::vector<ConversationExportRow> out;
    {
      auto s = db_.prepare(
          "SELECT c.id, c.site_id, s.name, s.language, c.created_at, c.closed_at, c.visitor_id, v.name, "
          "COALESCE(d.name, ''), COALESCE(o.name, ''), c.last_seq, c.first_response_at, COALESCE(c.rating, ''), "
          "c.rating_comment FROM conversations c " OTK_SCOPE_JOIN("m", "c.site_id")
          OTK_SUMMARY_JOINS
          "WHERE c.account_id = ? AND (?3 = 0 OR c.site_id = ?3) AND c.created_at >= ?4 AND c.created_at < ?5 "
          "AND c.id > ?6 ORDER BY c.id LIMIT ?7");
      bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, filter.site ? filter.site->value : 0);
      s.bind(4, to_unix_ms(filter.from)).bind(5, to_unix_ms(filter.until)).bind(6, after.value).bind(7, limit);
      while (s.step()) {
        ConversationExportRow r;
        r.id = ConversationId{s.i64(0)};
        r.site = SiteId{s.i64(1)};
        r.site_name = s.str(2);
        r.created_at = from_unix_ms(s.i64(4));
        if (!s.is_null(5)) r.closed_at = from_unix_ms(s.i64(5));
        r.visitor = VisitorId{s.i64(6)};
        r.visitor_name = s.str(7);
        if (r.visitor_name.empty()) r.visitor_name = default_visitor_name(r.visitor, s.str(3));
        r.department = s.str(8);
        r.operator_name = s.str(9);
        r.messages = s.i64(10);
        if (!s.is_null(11)) r.first_response_seconds = std::max<std::int64_t>(0, (s.i64(11) - s.i64(4)) / 1000);
        r.rating = s.str(12);
        r.rating_comment = s.str(13);
        out.push_back(std::move(r));
      }
    }
    if (!out.empty()) {
      // One read for the page's labels: the key (conversation_id, label) gives them in order.
      auto s = db_.prepare(
          "SELECT conversation_id, label FROM conversation_labels WHERE conversation_id BETWEEN ? AND ? "
          "ORDER BY conversation_id, label");
      s.bind(1, out.front().id.value).bind(2, out.back().id.value);
      auto row = out.begin();
      while (s.step()) {
        const ConversationId id{s.i64(0)};
        while (row != out.end() && row->id < id) ++row;
        if (row == out.end()) break;
        if (row->id == id) row->labels.push_back(s.str(1));
      }
    }
    return out;
  });
}

Result<std::optional<ConversationSummary>> SqliteStorage::summary_for(const OperatorScope& scope, ConversationId id) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return std::optional<ConversationSummary>{};
  return guarded([&]() -> Result<std::optional<ConversationSummary>> {
    ConversationSummary head;
    {
      auto s = db_.prepare("SELECT " OTK_SUMMARY_HEAD "FROM conversations c " OTK_SUMMARY_JOINS "WHERE c.id = ?");
      s.bind(1, id.value);
      if (!s.step()) return fail(Errc::internal, "conversation vanished while summarising it");
      head = summary_head(s, (*conv)->visitor, 0);
    }
    return std::optional(summarise(scope, **conv, std::move(head)));
  });
}

Result<std::vector<Message>> SqliteStorage::messages_after(ConversationId id, Seq after, int limit, bool& more) {
  return guarded([&]() -> Result<std::vector<Message>> {
    auto s = db_.prepare(OTK_MESSAGE_SELECT "WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?");
    s.bind(1, id.value).bind(2, after).bind(3, limit + 1);
    std::vector<Message> out;
    while (s.step()) out.push_back(message_from(s));
    more = out.size() > static_cast<std::size_t>(limit);
    if (more) out.pop_back();
    return out;
  });
}

std::optional<Message> SqliteStorage::find_by_client_id(const std::string& sender, const std::string& client_id) {
  auto s = db_.prepare(OTK_MESSAGE_SELECT "WHERE m.sender = ? AND m.client_id = ?");
  s.bind(1, sender).bind(2, client_id);
  if (!s.step()) return std::nullopt;
  return message_from(s);
}

std::optional<Message> SqliteStorage::find_message(MessageId id) {
  auto s = db_.prepare(OTK_MESSAGE_SELECT "WHERE m.id = ?");
  s.bind(1, id.value);
  if (!s.step()) return std::nullopt;
  return message_from(s);
}

Appended SqliteStorage::append(const Conversation& conv, const std::string& sender, const Author& author,
                               const NewMessage& m, bool created) {
  Appended out;
  out.conversation = conv;
  out.created_conversation = created;
  out.message.conversation = conv.id;
  out.message.seq = conv.last_seq + 1;
  out.message.client_id = m.client_id;
  out.message.author = author;
  out.message.text = m.text;
  out.message.at = m.at;
  auto ins = db_.prepare(
      "INSERT INTO messages(conversation_id, seq, sender, client_id, author_kind, operator_id, author_name, body, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, conv.id.value).bind(2, out.message.seq).bind(3, sender).bind(4, m.client_id);
  ins.bind(5, author_kind_name(author.kind));
  if (author.operator_id) ins.bind(6, author.operator_id.value); else ins.bind_null(6);
  ins.bind(7, author.name).bind(8, m.text).bind(9, to_unix_ms(m.at)).run();
  out.message.id = MessageId{db_.last_insert_id()};
  if (m.attachment) {
    insert_attachment(out.message.id, conv.id, *m.attachment, m.at);
    out.message.attachment = m.attachment;
  }
  auto upd = db_.prepare("UPDATE conversations SET last_seq = ?, last_message_at = ? WHERE id = ?");
  upd.bind(1, out.message.seq).bind(2, to_unix_ms(m.at)).bind(3, conv.id.value).run();
  out.conversation.last_seq = out.message.seq;
  return out;
}

Result<Appended> SqliteStorage::append_visitor_message(const Visitor& visitor, const NewMessage& m) {
  return guarded([&]() -> Result<Appended> {
    const auto sender = visitor_sender(visitor.id);
    if (auto dup = find_by_client_id(sender, m.client_id)) {
      auto conv = visitor_conversation(visitor, dup->conversation);
      if (!conv || !*conv) return fail(Errc::internal, "message without its conversation");
      return Appended{*dup, **conv, false, true};
    }
    auto open = open_conversation_of(visitor);
    if (!open) return std::unexpected(open.error());
    bool created = false;
    Conversation conv;
    if (*open) {
      conv = **open;
    } else {
      auto ins = db_.prepare(
          "INSERT INTO conversations(account_id, site_id, visitor_id, created_at, last_message_at, campaign) "
          "SELECT account_id, id, ?1, ?2, ?3, COALESCE((SELECT campaign FROM visitors WHERE id = ?1), '') "
          "FROM sites WHERE id = ?4");
      ins.bind(1, visitor.id.value).bind(2, to_unix_ms(m.at)).bind(3, to_unix_ms(m.at)).bind(4, visitor.site.value);
      ins.run();
      if (db_.changes() != 1) return fail(Errc::not_found, "site no longer exists");
      auto got = visitor_conversation(visitor, ConversationId{db_.last_insert_id()});
      if (!got || !*got) return fail(Errc::internal, "conversation vanished after insert");
      conv = **got;
      created = true;
    }
    return append(conv, sender, Author{AuthorKind::visitor, "", OperatorId{}}, m, created);
  });
}

Result<Appended> SqliteStorage::append_operator_message(const OperatorScope& scope, ConversationId id,
                                                        const NewMessage& m) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<Appended> {
    const auto sender = operator_sender(scope.op.id);
    if (auto dup = find_by_client_id(sender, m.client_id)) {
      if (dup->conversation != id) return fail(Errc::conflict, "client_id already used in another conversation");
      return Appended{*dup, **conv, false, true};
    }
    // The name and photo as they are now, not as they were when the operator's socket opened.
    Author author{AuthorKind::operator_, "", scope.op.id, ""};
    {
      auto who = db_.prepare("SELECT name, photo_version FROM operators WHERE id = ?");
      who.bind(1, scope.op.id.value);
      if (!who.step()) return fail(Errc::unauthorized, "operator no longer exists");
      author.name = who.str(0);
      author.photo = who.str(1);
    }
    Appended out = append(**conv, sender, author, m, false);
    // A supervisor who joined the chat while a colleague holds it is a guest: their answer is the visitor's
    // first response, but the chat stays with its holder.
    {
      auto guest = db_.prepare(
          "SELECT 1 FROM conversations c JOIN messages j ON j.sender = ? AND j.client_id = ? "
          "WHERE c.id = ? AND c.operator_id IS NOT NULL AND c.operator_id != ?");
      guest.bind(1, joiner_sender(scope.op.id)).bind(2, std::to_string(id.value)).bind(3, id.value);
      guest.bind(4, scope.op.id.value);
      out.joined = guest.step();
    }
    if (out.joined) {
      auto first = db_.prepare("UPDATE conversations SET first_response_at = ? WHERE id = ? AND first_response_at IS NULL");
      first.bind(1, to_unix_ms(m.at)).bind(2, id.value).run();
      out.first_reply = db_.changes() == 1;
    } else {
      // The first answer is the first response, and whoever gives it takes the conversation.
      auto first = db_.prepare(
          "UPDATE conversations SET first_response_at = ?, operator_id = ?, assigned_at = COALESCE(assigned_at, ?) "
          "WHERE id = ? AND first_response_at IS NULL");
      first.bind(1, to_unix_ms(m.at)).bind(2, scope.op.id.value).bind(3, to_unix_ms(m.at)).bind(4, id.value).run();
      out.first_reply = db_.changes() == 1;
    }
    auto bot = db_.prepare(
        "UPDATE conversations SET bot_state = 'handed_off', bot_handoff = 'operator' WHERE id = ? AND bot_state = 'active'");
    bot.bind(1, id.value).run();
    out.bot_stopped = db_.changes() == 1;
    if (out.bot_stopped) out.conversation.bot_state = "handed_off";
    return out;
  });
}

Result<Seq> SqliteStorage::mark_read(const OperatorScope& scope, ConversationId id, Seq seq) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<Seq> {
    const Seq capped = std::min(seq, (*conv)->last_seq);
    auto s = db_.prepare(
        "INSERT INTO read_markers(operator_id, conversation_id, seq) VALUES (?, ?, ?) "
        "ON CONFLICT(operator_id, conversation_id) DO UPDATE SET seq = max(seq, excluded.seq) RETURNING seq");
    s.bind(1, scope.op.id.value).bind(2, id.value).bind(3, capped);
    s.step();
    return s.i64(0);
  });
}

Result<std::optional<Credentials>> SqliteStorage::credentials_by_email(std::string_view email) {
  return guarded([&]() -> Result<std::optional<Credentials>> {
    auto s = db_.prepare("SELECT o.id, o.account_id, o.email, o.name, o.role, o.photo_version, o.password_hash, "
                         "o.disabled FROM operators o WHERE o.email = ?");
    s.bind(1, email);
    if (!s.step()) return std::optional<Credentials>{};
    Credentials c;
    c.op = operator_from(s);
    c.password_hash = s.str(6);
    c.disabled = s.i64(7) != 0;
    return std::optional(std::move(c));
  });
}

Result<void> SqliteStorage::create_session(std::string_view token_hash, std::string_view csrf, OperatorId op,
                                           TimePoint now, TimePoint expires) {
  return guarded([&]() -> Result<void> {
    auto gc = db_.prepare("DELETE FROM sessions WHERE expires_at < ?");
    gc.bind(1, to_unix_ms(now)).run();
    auto s = db_.prepare(
        "INSERT INTO sessions(token_hash, operator_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
    s.bind(1, token_hash).bind(2, op.value).bind(3, csrf).bind(4, to_unix_ms(now)).bind(5, to_unix_ms(expires)).run();
    return {};
  });
}

std::vector<SiteId> SqliteStorage::member_sites(OperatorId op, AccountId account) {
  auto s = db_.prepare(
      "SELECT m.site_id FROM site_members m JOIN sites s ON s.id = m.site_id WHERE m.operator_id = ? "
      "AND s.account_id = ? ORDER BY m.site_id");
  s.bind(1, op.value).bind(2, account.value);
  std::vector<SiteId> out;
  while (s.step()) out.push_back(SiteId{s.i64(0)});
  return out;
}

Result<std::optional<AuthSession>> SqliteStorage::session(std::string_view token_hash, TimePoint now) {
  return guarded([&]() -> Result<std::optional<AuthSession>> {
    auto s = db_.prepare(
        "SELECT o.id, o.account_id, o.email, o.name, o.role, o.photo_version, se.csrf, se.expires_at "
        "FROM sessions se JOIN operators o ON o.id = se.operator_id AND o.disabled = 0 "
        "WHERE se.token_hash = ? AND se.expires_at > ?");
    s.bind(1, token_hash).bind(2, to_unix_ms(now));
    if (!s.step()) return std::optional<AuthSession>{};
    AuthSession a;
    a.scope.op = operator_from(s);
    a.csrf = s.str(6);
    a.expires = from_unix_ms(s.i64(7));
    a.scope.sites = member_sites(a.scope.op.id, a.scope.op.account);
    return std::optional(std::move(a));
  });
}

Result<std::optional<AuthSession>> SqliteStorage::token_session(std::string_view hash) {
  return guarded([&]() -> Result<std::optional<AuthSession>> {
    auto s = db_.prepare(
        "SELECT o.id, o.account_id, o.email, o.name, o.role, o.photo_version, t.id, t.can_write, t.sites "
        "FROM api_tokens t JOIN operators o ON o.id = t.operator_id AND o.account_id = t.account_id AND o.disabled = 0 "
        "WHERE t.token_hash = ? AND t.revoked_at IS NULL");
    s.bind(1, hash);
    if (!s.step()) return std::optional<AuthSession>{};
    AuthSession a;
    a.scope.op = operator_from(s);
    a.token = s.i64(6);
    a.may_write = s.i64(7) != 0;
    const auto token_sites = site_list_from(s, 8);
    a.site_limited = token_sites.has_value();
    a.scope.sites = member_sites(a.scope.op.id, a.scope.op.account);
    a.scope = narrow_to_token(std::move(a.scope), token_sites);
    return std::optional(std::move(a));
  });
}

Result<std::optional<OperatorPhoto>> SqliteStorage::operator_photo(OperatorId op) {
  return guarded([&]() -> Result<std::optional<OperatorPhoto>> {
    auto s = db_.prepare("SELECT photo_type, photo_version FROM operators WHERE id = ? AND photo_version != ''");
    s.bind(1, op.value);
    if (!s.step()) return std::optional<OperatorPhoto>{};
    return std::optional(OperatorPhoto{s.str(0), s.str(1)});
  });
}

Result<std::optional<OperatorPhoto>> SqliteStorage::set_operator_photo(OperatorId op, const OperatorPhoto& photo) {
  return guarded([&]() -> Result<std::optional<OperatorPhoto>> {
    auto before = operator_photo(op);
    if (!before) return std::unexpected(before.error());
    auto s = db_.prepare("UPDATE operators SET photo_type = ?, photo_version = ? WHERE id = ?");
    s.bind(1, photo.content_type).bind(2, photo.version).bind(3, op.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "operator no longer exists");
    return *before;
  });
}

Result<void> SqliteStorage::delete_session(std::string_view token_hash) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("DELETE FROM sessions WHERE token_hash = ?");
    s.bind(1, token_hash).run();
    return {};
  });
}

}  // namespace otk
