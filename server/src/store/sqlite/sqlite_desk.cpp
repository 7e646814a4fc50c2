// SqliteStorage: the desk's tables (departments, routing rules, assignment, presence).
#include <nlohmann/json.hpp>

#include "core/chat/text.hpp"
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/tenant.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

std::string rule_to_json(const RoutingRule& r) {
  json j = json::object();
  if (!r.path_pattern.empty()) j["path"] = r.path_pattern;
  if (!r.referrer_contains.empty()) j["referrer"] = r.referrer_contains;
  if (!r.utm_source.empty()) j["utm_source"] = r.utm_source;
  if (!r.utm_medium.empty()) j["utm_medium"] = r.utm_medium;
  if (!r.utm_campaign.empty()) j["utm_campaign"] = r.utm_campaign;
  if (r.logged_in) j["logged_in"] = *r.logged_in;
  return j.dump();
}

RoutingRule rule_from_json(const std::string& text, DepartmentId department) {
  const json j = json::parse(text);
  RoutingRule r;
  r.path_pattern = j.value("path", "");
  r.referrer_contains = j.value("referrer", "");
  r.utm_source = j.value("utm_source", "");
  r.utm_medium = j.value("utm_medium", "");
  r.utm_campaign = j.value("utm_campaign", "");
  if (j.contains("logged_in")) r.logged_in = j["logged_in"].get<bool>();
  r.department = department;
  return r;
}

}  // namespace

Result<DeskSnapshot> SqliteStorage::desk_snapshot() {
  return guarded([&]() -> Result<DeskSnapshot> {
    DeskSnapshot out;
    {
      auto s = db_.prepare("SELECT id, account_id, name, chat_limit, presence FROM operators WHERE disabled = 0 ORDER BY id");
      while (s.step()) {
        out.operators.push_back(DeskOperator{OperatorId{s.i64(0)}, AccountId{s.i64(1)}, s.str(2),
                                             static_cast<int>(s.i64(3)),
                                             parse_presence(s.str(4)).value_or(Presence::offline), {}});
      }
    }
    {
      auto s = db_.prepare("SELECT operator_id, department_id FROM department_members ORDER BY operator_id");
      auto it = out.operators.begin();
      while (s.step()) {
        const OperatorId op{s.i64(0)};
        while (it != out.operators.end() && it->id < op) ++it;
        if (it != out.operators.end() && it->id == op) it->departments.push_back(DepartmentId{s.i64(1)});
      }
    }
    {
      auto s = db_.prepare("SELECT id, site_id, name, is_default FROM departments ORDER BY id");
      while (s.step()) {
        out.departments.push_back(DeskDepartment{DepartmentId{s.i64(0)}, SiteId{s.i64(1)}, s.str(2), s.i64(3) != 0});
      }
    }
    {
      auto s = db_.prepare("SELECT id, timezone, hours, first_response_seconds FROM sites ORDER BY id");
      while (s.step()) {
        DeskSite site{SiteId{s.i64(0)}, DepartmentId{}, {}, s.str(1), s.str(2), std::nullopt};
        if (!s.is_null(3)) site.first_response = Millis{s.i64(3) * 1000};
        out.sites.push_back(std::move(site));
      }
      for (const auto& d : out.departments) {
        if (!d.is_default) continue;
        for (auto& site : out.sites) {
          if (site.id == d.site) site.default_department = d.id;
        }
      }
      auto r = db_.prepare("SELECT site_id, rule, department_id FROM routing_rules ORDER BY site_id, position, id");
      while (r.step()) {
        const SiteId site{r.i64(0)};
        for (auto& s2 : out.sites) {
          if (s2.id == site) s2.rules.push_back(rule_from_json(r.str(1), DepartmentId{r.i64(2)}));
        }
      }
    }
    {
      auto s = db_.prepare(
          "SELECT id, site_id, visitor_id, department_id, operator_id, created_at, assigned_at, first_response_at "
          "FROM conversations WHERE status = 'open' AND bot_state != 'active' ORDER BY created_at, id");  // the bot's own are not the desk's yet
      while (s.step()) {
        DeskChat c;
        c.id = ConversationId{s.i64(0)};
        c.site = SiteId{s.i64(1)};
        c.visitor = VisitorId{s.i64(2)};
        c.department = DepartmentId{s.is_null(3) ? 0 : s.i64(3)};
        c.assigned = OperatorId{s.is_null(4) ? 0 : s.i64(4)};
        c.created_at = from_unix_ms(s.i64(5));
        c.assigned_at = s.is_null(6) ? c.created_at : from_unix_ms(s.i64(6));
        c.answered = !s.is_null(7);
        out.open_chats.push_back(c);
      }
    }
    return out;
  });
}

Result<void> SqliteStorage::assign_conversation(ConversationId id, DepartmentId department, OperatorId op,
                                                TimePoint now) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "UPDATE conversations SET department_id = ?1, operator_id = ?2, assigned_at = ?3, "
        "routed_at = COALESCE(routed_at, ?4) WHERE id = ?5 AND status = 'open'");
    s.bind(1, department.value);
    if (op) s.bind(2, op.value).bind(3, to_unix_ms(now));
    else s.bind_null(2).bind_null(3);
    s.bind(4, to_unix_ms(now)).bind(5, id.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such open conversation");
    return {};
  });
}

Result<void> SqliteStorage::set_presence(OperatorId op, Presence presence) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("UPDATE operators SET presence = ? WHERE id = ?");
    s.bind(1, presence_name(presence)).bind(2, op.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "operator no longer exists");
    return {};
  });
}

Result<std::optional<OperatorId>> SqliteStorage::last_operator_of(VisitorId visitor, ConversationId except) {
  return guarded([&]() -> Result<std::optional<OperatorId>> {
    auto s = db_.prepare(
        "SELECT operator_id FROM conversations WHERE visitor_id = ? AND id != ? AND operator_id IS NOT NULL "
        "ORDER BY id DESC LIMIT 1");
    s.bind(1, visitor.value).bind(2, except.value);
    if (!s.step()) return std::optional<OperatorId>{};
    return std::optional(OperatorId{s.i64(0)});
  });
}

Result<Conversation> SqliteStorage::close_conversation(const OperatorScope& scope, ConversationId id, TimePoint now) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<Conversation> {
    auto s = db_.prepare("UPDATE conversations SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'");
    s.bind(1, to_unix_ms(now)).bind(2, id.value).run();
    Conversation c = **conv;
    c.status = ConversationStatus::closed;
    return c;
  });
}

Result<DepartmentId> SqliteStorage::upsert_department(SiteId site, std::string_view name, bool is_default) {
  return guarded([&]() -> Result<DepartmentId> {
    {
      auto s = db_.prepare("INSERT INTO departments(site_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING");
      s.bind(1, site.value).bind(2, name).run();
    }
    DepartmentId id;
    {
      auto s = db_.prepare("SELECT id FROM departments WHERE site_id = ? AND name = ?");
      s.bind(1, site.value).bind(2, name);
      if (!s.step()) return fail(Errc::not_found, "no such site");
      id = DepartmentId{s.i64(0)};
    }
    if (is_default) {
      auto clear = db_.prepare("UPDATE departments SET is_default = 0 WHERE site_id = ? AND id != ?");
      clear.bind(1, site.value).bind(2, id.value).run();
      auto set = db_.prepare("UPDATE departments SET is_default = 1 WHERE id = ?");
      set.bind(1, id.value).run();
    }
    return id;
  });
}

Result<void> SqliteStorage::add_department_member(DepartmentId department, OperatorId op) {
  return guarded([&]() -> Result<void> {
    // Only a member of the department's site can be in the department.
    auto s = db_.prepare(
        "INSERT INTO department_members(operator_id, department_id) SELECT m.operator_id, d.id FROM departments d "
        "JOIN site_members m ON m.site_id = d.site_id WHERE d.id = ? AND m.operator_id = ? ON CONFLICT DO NOTHING");
    s.bind(1, department.value).bind(2, op.value).run();
    auto check = db_.prepare("SELECT 1 FROM department_members WHERE department_id = ? AND operator_id = ?");
    check.bind(1, department.value).bind(2, op.value);
    if (!check.step()) return fail(Errc::forbidden, "the operator is not a member of the department's site");
    return {};
  });
}

Result<void> SqliteStorage::add_routing_rule(SiteId site, const RoutingRule& rule) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "INSERT INTO routing_rules(site_id, position, rule, department_id) "
        "SELECT ?, COALESCE((SELECT MAX(position) FROM routing_rules WHERE site_id = ?), 0) + 1, ?, id "
        "FROM departments WHERE id = ? AND site_id = ?");
    s.bind(1, site.value).bind(2, site.value).bind(3, rule_to_json(rule)).bind(4, rule.department.value);
    s.bind(5, site.value).run();
    if (db_.changes() != 1) return fail(Errc::bad_request, "the rule's department is not one of the site's");
    return {};
  });
}

Result<void> SqliteStorage::set_chat_limit(OperatorId op, int limit) {
  if (limit < 0 || limit > 100) return fail(Errc::bad_request, "a chat limit is from 0 to 100");
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("UPDATE operators SET chat_limit = ? WHERE id = ?");
    s.bind(1, limit).bind(2, op.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "operator no longer exists");
    return {};
  });
}

}  // namespace otk

namespace otk {
namespace {

// Columns: n.id, n.conversation_id, n.operator_id, o.name, n.client_id, n.body, n.created_at, n.whisper_to, w.name
#define OTK_NOTE_SELECT \
  "SELECT n.id, n.conversation_id, n.operator_id, o.name, n.client_id, n.body, n.created_at, n.whisper_to, " \
  "COALESCE(w.name, '') FROM notes n JOIN operators o ON o.id = n.operator_id " \
  "LEFT JOIN operators w ON w.id = n.whisper_to "

Note note_from(const sqlite::Stmt& s) {
  return Note{s.i64(0), ConversationId{s.i64(1)}, OperatorId{s.i64(2)}, s.str(3), s.str(4), s.str(5),
              from_unix_ms(s.i64(6)), OperatorId{s.is_null(7) ? 0 : s.i64(7)}, s.str(8)};
}

}  // namespace

Result<Team> SqliteStorage::team_of(const OperatorScope& scope) {
  return guarded([&]() -> Result<Team> {
    Team team;
    auto ops = db_.prepare(
        "SELECT DISTINCT o.id, o.name FROM operators o JOIN site_members m ON m.operator_id = o.id "
        OTK_SCOPE_JOIN("mine", "m.site_id") "WHERE o.account_id = ? AND o.disabled = 0 AND o.password_hash != '' ORDER BY o.name, o.id");
    bind_scope(ops, scope).bind(2, scope.op.account.value);
    while (ops.step()) team.operators.push_back(Team::Member{OperatorId{ops.i64(0)}, ops.str(1), {}});
    auto deps = db_.prepare(
        "SELECT d.id, d.site_id, d.name, d.is_default FROM departments d "
        OTK_SCOPE_JOIN("mine", "d.site_id") "ORDER BY d.site_id, d.id");
    bind_scope(deps, scope);
    while (deps.step()) {
      team.departments.push_back(DeskDepartment{DepartmentId{deps.i64(0)}, SiteId{deps.i64(1)}, deps.str(2), deps.i64(3) != 0});
    }
    auto members = db_.prepare(
        "SELECT dm.operator_id, dm.department_id FROM department_members dm JOIN departments d ON d.id = dm.department_id "
        OTK_SCOPE_JOIN("mine", "d.site_id"));
    bind_scope(members, scope);
    while (members.step()) {
      auto it = std::ranges::find(team.operators, OperatorId{members.i64(0)}, &Team::Member::id);
      if (it != team.operators.end()) it->departments.push_back(DepartmentId{members.i64(1)});
    }
    return team;
  });
}

Result<std::pair<Note, bool>> SqliteStorage::add_note(const OperatorScope& scope, ConversationId id, const NewMessage& m,
                                                      bool whisper) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<std::pair<Note, bool>> {
    {
      auto dup = db_.prepare(OTK_NOTE_SELECT "WHERE n.operator_id = ? AND n.client_id = ?");
      dup.bind(1, scope.op.id.value).bind(2, m.client_id);
      if (dup.step()) {
        Note n = note_from(dup);
        if (n.conversation != id) return fail(Errc::conflict, "client_id already used in another conversation");
        return std::pair{std::move(n), true};
      }
    }
    std::int64_t to = 0;
    if (whisper) {
      auto holder = db_.prepare("SELECT operator_id, status FROM conversations WHERE id = ?");
      holder.bind(1, id.value);
      if (!holder.step()) return fail(Errc::not_found, "no such conversation");
      if (holder.str(1) != "open") return fail(Errc::conflict, "the conversation is closed");
      if (holder.is_null(0)) return fail(Errc::conflict, "nobody holds the conversation yet: write a plain note");
      to = holder.i64(0);
      if (to == scope.op.id.value) return fail(Errc::conflict, "the conversation is yours: there is nobody to whisper to");
    }
    auto ins = db_.prepare(
        "INSERT INTO notes(conversation_id, operator_id, client_id, body, created_at, whisper_to) VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, id.value).bind(2, scope.op.id.value).bind(3, m.client_id).bind(4, m.text).bind(5, to_unix_ms(m.at));
    if (to) ins.bind(6, to); else ins.bind_null(6);
    ins.run();
    const auto note_id = db_.last_insert_id();
    auto got = db_.prepare(OTK_NOTE_SELECT "WHERE n.id = ?");
    got.bind(1, note_id);
    got.step();
    return std::pair{note_from(got), false};
  });
}

Result<Appended> SqliteStorage::join_conversation(const OperatorScope& scope, ConversationId id, TimePoint at) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<Appended> {
    const auto sender = joiner_sender(scope.op.id);
    const auto client_id = std::to_string(id.value);
    if (auto dup = find_by_client_id(sender, client_id)) return Appended{*dup, **conv, false, true, false, false, true};
    if ((*conv)->status != ConversationStatus::open) return fail(Errc::conflict, "the conversation is closed");
    auto s = db_.prepare(
        "SELECT c.operator_id, s.language, o.name, o.role FROM conversations c JOIN sites s ON s.id = c.site_id "
        "JOIN operators o ON o.id = ? WHERE c.id = ?");
    s.bind(1, scope.op.id.value).bind(2, id.value);
    if (!s.step()) return fail(Errc::not_found, "no such conversation");
    if (s.is_null(0)) {
      return fail(Errc::conflict, "the conversation waits in the queue: answer it or hand it over instead of joining");
    }
    if (s.i64(0) == scope.op.id.value) return fail(Errc::conflict, "the conversation is yours already");
    const std::string name = s.str(2);
    const Role role = parse_role(s.str(3)).value_or(Role::operator_);
    const Author author{AuthorKind::system, name, scope.op.id, ""};
    const NewMessage m{client_id, joined_text(name, role, s.str(1)), at, std::nullopt};
    Appended out = append(**conv, sender, author, m, false);
    out.joined = true;
    return out;
  });
}

Result<std::vector<Note>> SqliteStorage::notes_of(const OperatorScope& scope, ConversationId id) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<std::vector<Note>> {
    auto s = db_.prepare(OTK_NOTE_SELECT "WHERE n.conversation_id = ? ORDER BY n.id LIMIT 500");
    s.bind(1, id.value);
    std::vector<Note> out;
    while (s.step()) out.push_back(note_from(s));
    return out;
  });
}

// ---- canned replies ----

namespace {
CannedReply canned_from(const sqlite::Stmt& s) {
  return CannedReply{s.i64(0), AccountId{s.i64(1)}, SiteId{s.i64(2)}, s.str(3), s.str(4), from_unix_ms(s.i64(5))};
}
}  // namespace

Result<std::vector<CannedReply>> SqliteStorage::canned_of(const OperatorScope& scope) {
  return guarded([&]() -> Result<std::vector<CannedReply>> {
    auto s = db_.prepare(
        "SELECT c.id, c.account_id, c.site_id, c.shortcut, c.body, c.created_at FROM canned_replies c "
        "WHERE c.account_id = ? AND (c.site_id = 0 OR c.site_id IN " OTK_SCOPE_MEMBER_SITES ") "
        "ORDER BY c.shortcut, c.site_id LIMIT 500");
    s.bind(1, scope.op.account.value);
    bind_scope(s, scope);
    std::vector<CannedReply> out;
    while (s.step()) out.push_back(canned_from(s));
    return out;
  });
}

Result<CannedReply> SqliteStorage::put_canned(const OperatorScope& scope, SiteId site, std::string_view shortcut,
                                              std::string_view text, TimePoint now) {
  if (site && !scope.can_see(site)) return fail(Errc::not_found, "no such site");
  return guarded([&]() -> Result<CannedReply> {
    {
      auto count = db_.prepare("SELECT COUNT(*) FROM canned_replies WHERE account_id = ?");
      count.bind(1, scope.op.account.value);
      count.step();
      if (count.i64(0) >= static_cast<std::int64_t>(kMaxCannedPerAccount)) {
        return fail(Errc::conflict, "an account keeps at most 500 canned replies");
      }
    }
    auto s = db_.prepare(
        "INSERT INTO canned_replies(account_id, site_id, shortcut, body, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(account_id, site_id, shortcut) DO UPDATE SET body = excluded.body");
    s.bind(1, scope.op.account.value).bind(2, site.value).bind(3, shortcut).bind(4, text).bind(5, to_unix_ms(now)).run();
    auto got = db_.prepare(
        "SELECT id, account_id, site_id, shortcut, body, created_at FROM canned_replies "
        "WHERE account_id = ? AND site_id = ? AND shortcut = ?");
    got.bind(1, scope.op.account.value).bind(2, site.value).bind(3, shortcut);
    if (!got.step()) return fail(Errc::internal, "the canned reply vanished");
    return canned_from(got);
  });
}

Result<void> SqliteStorage::delete_canned(const OperatorScope& scope, std::int64_t id) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "DELETE FROM canned_replies WHERE id = ? AND account_id = ? AND (site_id = 0 OR site_id IN "
        OTK_SCOPE_MEMBER_SITES ")");
    s.bind(1, id).bind(2, scope.op.account.value);
    bind_scope(s, scope).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such canned reply");
    return {};
  });
}

// ---- labels ----

std::vector<std::string> SqliteStorage::labels_of(ConversationId id) {
  auto s = db_.prepare("SELECT label FROM conversation_labels WHERE conversation_id = ? ORDER BY label");
  s.bind(1, id.value);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.str(0));
  return out;
}

Result<std::pair<Conversation, std::vector<std::string>>> SqliteStorage::set_label(const OperatorScope& scope,
                                                                                   ConversationId id,
                                                                                   std::string_view label, bool on) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return fail(Errc::not_found, "no such conversation");
  return guarded([&]() -> Result<std::pair<Conversation, std::vector<std::string>>> {
    if (on) {
      auto now = labels_of(id);
      if (std::ranges::find(now, std::string(label)) == now.end() && now.size() >= kMaxLabelsPerConversation) {
        return fail(Errc::conflict, "a conversation has at most 10 labels");
      }
      auto s = db_.prepare("INSERT INTO conversation_labels(conversation_id, label) VALUES (?, ?) ON CONFLICT DO NOTHING");
      s.bind(1, id.value).bind(2, label).run();
    } else {
      auto s = db_.prepare("DELETE FROM conversation_labels WHERE conversation_id = ? AND label = ?");
      s.bind(1, id.value).bind(2, label).run();
    }
    return std::pair{**conv, labels_of(id)};
  });
}

Result<RoutingSetup> SqliteStorage::routing_setup(SiteId site) {
  return guarded([&]() -> Result<RoutingSetup> {
    RoutingSetup out;
    auto d = db_.prepare("SELECT id FROM departments WHERE site_id = ? ORDER BY is_default DESC, name, id");
    d.bind(1, site.value);
    std::vector<DepartmentId> ids;
    while (d.step()) ids.push_back(DepartmentId{d.i64(0)});
    for (const auto id : ids) {
      if (auto info = department_info(id)) out.departments.push_back(std::move(*info));
    }
    auto r = db_.prepare("SELECT rule, department_id FROM routing_rules WHERE site_id = ? ORDER BY position, id");
    r.bind(1, site.value);
    while (r.step()) out.rules.push_back(rule_from_json(r.str(0), DepartmentId{r.i64(1)}));
    return out;
  });
}

Result<void> SqliteStorage::set_routing_rules(SiteId site, std::span<const RoutingRule> rules) {
  return guarded([&]() -> Result<void> {
    auto clear = db_.prepare("DELETE FROM routing_rules WHERE site_id = ?");
    clear.bind(1, site.value).run();
    int position = 0;
    for (const auto& rule : rules) {
      auto s = db_.prepare(
          "INSERT INTO routing_rules(site_id, position, rule, department_id) "
          "SELECT ?, ?, ?, id FROM departments WHERE id = ? AND site_id = ?");
      s.bind(1, site.value).bind(2, ++position).bind(3, rule_to_json(rule)).bind(4, rule.department.value);
      s.bind(5, site.value).run();
      if (db_.changes() != 1) {
        return fail(Errc::bad_request, "'rules[" + std::to_string(position - 1) + "].department' is not a department of this site");
      }
    }
    return {};
  });
}

}  // namespace otk
