// SqliteStorage: team settings (docs/api.md, "Team and departments"): operators of an account, invitations,
// disabling, departments and their members. Role rules are the caller's (api/team.cpp); the account filter is here.
#include <algorithm>

#include "store/sqlite/guarded.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "store/sqlite/tenant.hpp"

namespace otk {
namespace {

// Columns: id, name, email, role, chat_limit, presence, disabled, invited, photo_version
#define OTK_MEMBER_SELECT                                                                                    \
  "SELECT o.id, o.name, o.email, o.role, o.chat_limit, o.presence, o.disabled, "                            \
  "(o.password_hash = '' AND o.invite_hash IS NOT NULL), o.photo_version FROM operators o "

TeamMember member_from(const sqlite::Stmt& s) {
  TeamMember m;
  m.id = OperatorId{s.i64(0)};
  m.name = s.str(1);
  m.email = s.str(2);
  m.role = parse_role(s.str(3)).value_or(Role::operator_);
  m.chat_limit = static_cast<int>(s.i64(4));
  m.presence = parse_presence(s.str(5)).value_or(Presence::offline);
  m.disabled = s.i64(6) != 0;
  m.invited = s.i64(7) != 0;
  m.photo = s.str(8);
  return m;
}

/// Puts `op` into department `d` if they work on its site; whether they are in it afterwards.
bool join_department(sqlite::Connection& db, DepartmentId d, OperatorId op) {
  auto add = db.prepare(
      "INSERT INTO department_members(operator_id, department_id) SELECT m.operator_id, d.id FROM departments d "
      "JOIN site_members m ON m.site_id = d.site_id WHERE d.id = ? AND m.operator_id = ? ON CONFLICT DO NOTHING");
  add.bind(1, d.value).bind(2, op.value).run();
  auto check = db.prepare("SELECT 1 FROM department_members WHERE department_id = ? AND operator_id = ?");
  check.bind(1, d.value).bind(2, op.value);
  return check.step();
}

}  // namespace

std::vector<OperatorId> SqliteStorage::department_members(DepartmentId id) {
  auto s = db_.prepare(
      "SELECT dm.operator_id FROM department_members dm JOIN operators o ON o.id = dm.operator_id "
      "WHERE dm.department_id = ? ORDER BY o.name, o.id");
  s.bind(1, id.value);
  std::vector<OperatorId> out;
  while (s.step()) out.push_back(OperatorId{s.i64(0)});
  return out;
}

std::optional<DepartmentInfo> SqliteStorage::department_info(DepartmentId id) {
  auto s = db_.prepare("SELECT id, site_id, name, is_default FROM departments WHERE id = ?");
  s.bind(1, id.value);
  if (!s.step()) return std::nullopt;
  DepartmentInfo d{DepartmentId{s.i64(0)}, SiteId{s.i64(1)}, s.str(2), s.i64(3) != 0, {}};
  d.members = department_members(d.id);
  return d;
}

Result<std::vector<TeamMember>> SqliteStorage::team_members(const OperatorScope& scope) {
  return guarded([&]() -> Result<std::vector<TeamMember>> {
    std::vector<TeamMember> out;
    auto s = db_.prepare(OTK_MEMBER_SELECT "WHERE o.account_id = ? ORDER BY o.name, o.id");
    s.bind(1, scope.op.account.value);
    while (s.step()) out.push_back(member_from(s));
    auto sites = db_.prepare(
        "SELECT m.operator_id, s.id, s.key FROM site_members m JOIN sites s ON s.id = m.site_id "
        "WHERE s.account_id = ? ORDER BY s.name, s.id");
    sites.bind(1, scope.op.account.value);
    while (sites.step()) {
      auto it = std::ranges::find(out, OperatorId{sites.i64(0)}, &TeamMember::id);
      if (it == out.end()) continue;
      it->sites.push_back(SiteId{sites.i64(1)});
      it->site_keys.push_back(sites.str(2));
    }
    auto deps = db_.prepare(
        "SELECT dm.operator_id, dm.department_id FROM department_members dm JOIN departments d ON d.id = dm.department_id "
        "JOIN sites s ON s.id = d.site_id WHERE s.account_id = ? ORDER BY dm.department_id");
    deps.bind(1, scope.op.account.value);
    while (deps.step()) {
      auto it = std::ranges::find(out, OperatorId{deps.i64(0)}, &TeamMember::id);
      if (it != out.end()) it->departments.push_back(DepartmentId{deps.i64(1)});
    }
    return out;
  });
}

Result<std::optional<TeamMember>> SqliteStorage::team_member(const OperatorScope& scope, OperatorId id) {
  auto all = team_members(scope);
  if (!all) return std::unexpected(all.error());
  auto it = std::ranges::find(*all, id, &TeamMember::id);
  if (it == all->end()) return std::optional<TeamMember>{};
  return std::optional(std::move(*it));
}

Result<int> SqliteStorage::owner_count(const OperatorScope& scope) {
  return guarded([&]() -> Result<int> {
    auto s = db_.prepare("SELECT COUNT(*) FROM operators WHERE account_id = ? AND role = 'owner' AND disabled = 0");
    s.bind(1, scope.op.account.value);
    s.step();
    return static_cast<int>(s.i64(0));
  });
}

Result<TeamMember> SqliteStorage::invite_operator(const OperatorScope& scope, const Invitation& inv, TimePoint now) {
  auto done = guarded([&]() -> Result<OperatorId> {
    OperatorId id;
    {
      auto s = db_.prepare("SELECT id, account_id, password_hash FROM operators WHERE email = ?");
      s.bind(1, inv.email);
      if (s.step()) {
        if (s.i64(1) != scope.op.account.value || !s.str(2).empty()) {
          return fail(Errc::conflict, "'email': someone with this e-mail already has an account");
        }
        id = OperatorId{s.i64(0)};
      }
    }
    if (id) {
      auto u = db_.prepare(
          "UPDATE operators SET name = ?, role = ?, chat_limit = ?, invite_hash = ?, invite_expires_at = ?, "
          "disabled = 0 WHERE id = ?");
      u.bind(1, inv.name).bind(2, role_name(inv.role)).bind(3, inv.chat_limit).bind(4, inv.token_hash);
      u.bind(5, to_unix_ms(inv.expires)).bind(6, id.value).run();
    } else {
      auto s = db_.prepare(
          "INSERT INTO operators(account_id, email, name, password_hash, role, created_at, chat_limit, invite_hash, "
          "invite_expires_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?) RETURNING id");
      s.bind(1, scope.op.account.value).bind(2, inv.email).bind(3, inv.name).bind(4, role_name(inv.role));
      s.bind(5, to_unix_ms(now)).bind(6, inv.chat_limit).bind(7, inv.token_hash).bind(8, to_unix_ms(inv.expires));
      if (!s.step()) return fail(Errc::internal, "the invitation was not stored");
      id = OperatorId{s.i64(0)};
    }
    return id;
  });
  if (!done) return std::unexpected(done.error());
  OperatorChange sites;
  sites.sites = inv.sites;
  return change_operator(scope, *done, sites);
}

Result<std::optional<Credentials>> SqliteStorage::accept_invite(std::string_view token_hash, std::string_view password_hash,
                                                                TimePoint now) {
  return guarded([&]() -> Result<std::optional<Credentials>> {
    auto s = db_.prepare(
        "UPDATE operators SET password_hash = ?, invite_hash = NULL, invite_expires_at = NULL "
        "WHERE invite_hash = ? AND invite_expires_at > ? AND disabled = 0 "
        "RETURNING id, account_id, email, name, role, photo_version");
    s.bind(1, password_hash).bind(2, token_hash).bind(3, to_unix_ms(now));
    if (!s.step()) return std::optional<Credentials>{};
    Credentials c;
    c.op = OperatorAccount{OperatorId{s.i64(0)}, AccountId{s.i64(1)}, s.str(2), s.str(3),
                           parse_role(s.str(4)).value_or(Role::operator_), s.str(5)};
    c.password_hash = std::string(password_hash);
    return std::optional(std::move(c));
  });
}

Result<TeamMember> SqliteStorage::change_operator(const OperatorScope& scope, OperatorId id, const OperatorChange& ch) {
  auto done = guarded([&]() -> Result<void> {
    {
      auto s = db_.prepare("SELECT 1 FROM operators WHERE id = ? AND account_id = ?");
      s.bind(1, id.value).bind(2, scope.op.account.value);
      if (!s.step()) return fail(Errc::not_found, "no such operator");
    }
    if (ch.name) {
      auto s = db_.prepare("UPDATE operators SET name = ? WHERE id = ?");
      s.bind(1, *ch.name).bind(2, id.value).run();
    }
    if (ch.role) {
      auto s = db_.prepare("UPDATE operators SET role = ? WHERE id = ?");
      s.bind(1, role_name(*ch.role)).bind(2, id.value).run();
    }
    if (ch.chat_limit) {
      auto s = db_.prepare("UPDATE operators SET chat_limit = ? WHERE id = ?");
      s.bind(1, *ch.chat_limit).bind(2, id.value).run();
    }
    if (ch.disabled) {
      auto s = db_.prepare("UPDATE operators SET disabled = ? WHERE id = ?");
      s.bind(1, *ch.disabled ? 1 : 0).bind(2, id.value).run();
      if (*ch.disabled) {
        auto end = db_.prepare("DELETE FROM sessions WHERE operator_id = ?");
        end.bind(1, id.value).run();
      }
    }
    if (ch.sites) {
      // Leaving a site: out of its departments too. Joining one: into its default department.
      const std::string wanted = site_list_json(*ch.sites);
      auto leave_deps = db_.prepare(
          "DELETE FROM department_members WHERE operator_id = ?1 AND department_id IN (SELECT d.id FROM departments d "
          "JOIN sites s ON s.id = d.site_id WHERE s.account_id = ?2 AND d.site_id NOT IN (SELECT value FROM json_each(?3)))");
      leave_deps.bind(1, id.value).bind(2, scope.op.account.value).bind(3, wanted).run();
      auto leave = db_.prepare(
          "DELETE FROM site_members WHERE operator_id = ?1 AND site_id IN (SELECT id FROM sites WHERE account_id = ?2) "
          "AND site_id NOT IN (SELECT value FROM json_each(?3))");
      leave.bind(1, id.value).bind(2, scope.op.account.value).bind(3, wanted).run();
      for (const SiteId site : *ch.sites) {
        auto join = db_.prepare(
            "INSERT INTO site_members(operator_id, site_id) SELECT ?1, id FROM sites WHERE id = ?2 AND account_id = ?3 "
            "ON CONFLICT DO NOTHING");
        join.bind(1, id.value).bind(2, site.value).bind(3, scope.op.account.value).run();
        if (db_.changes() == 1) {
          auto d = db_.prepare(
              "INSERT INTO department_members(operator_id, department_id) SELECT ?, id FROM departments "
              "WHERE site_id = ? AND is_default = 1 ON CONFLICT DO NOTHING");
          d.bind(1, id.value).bind(2, site.value).run();
        }
      }
    }
    if (ch.departments) {
      auto clear = db_.prepare("DELETE FROM department_members WHERE operator_id = ?");
      clear.bind(1, id.value).run();
      for (const DepartmentId d : *ch.departments) {
        if (!join_department(db_, d, id)) {
          return fail(Errc::bad_request, "'departments': " + std::to_string(d.value) + " is not a department of their sites");
        }
      }
    }
    return {};
  });
  if (!done) return std::unexpected(done.error());
  auto member = team_member(scope, id);
  if (!member) return std::unexpected(member.error());
  if (!*member) return fail(Errc::not_found, "no such operator");
  return std::move(**member);
}

Result<std::optional<SiteId>> SqliteStorage::department_site(const OperatorScope& scope, DepartmentId id) {
  return guarded([&]() -> Result<std::optional<SiteId>> {
    auto s = db_.prepare(
        "SELECT d.site_id FROM departments d JOIN sites s ON s.id = d.site_id " OTK_SCOPE_JOIN("m", "d.site_id")
        "WHERE d.id = ? AND s.account_id = ?");
    bind_scope(s, scope).bind(2, id.value).bind(3, scope.op.account.value);
    if (!s.step()) return std::optional<SiteId>{};
    return std::optional(SiteId{s.i64(0)});
  });
}

namespace {

// Whether each of `members` works on the site; checked before anything is written.
Result<void> check_members(sqlite::Connection& db, SiteId site, std::span<const OperatorId> members) {
  for (const OperatorId op : members) {
    auto s = db.prepare("SELECT 1 FROM site_members WHERE operator_id = ? AND site_id = ?");
    s.bind(1, op.value).bind(2, site.value);
    if (!s.step()) {
      return fail(Errc::bad_request, "'members': operator " + std::to_string(op.value) + " does not work on this site");
    }
  }
  return {};
}

// Replaces a department's members; each must be a member of its site.
Result<void> put_members(sqlite::Connection& db, DepartmentId id, std::span<const OperatorId> members) {
  auto clear = db.prepare("DELETE FROM department_members WHERE department_id = ?");
  clear.bind(1, id.value).run();
  for (const OperatorId op : members) {
    if (!join_department(db, id, op)) {
      return fail(Errc::bad_request, "'members': operator " + std::to_string(op.value) + " does not work on this site");
    }
  }
  return {};
}

}  // namespace

Result<DepartmentInfo> SqliteStorage::create_department(SiteId site, std::string_view name,
                                                        std::span<const OperatorId> members) {
  return guarded([&]() -> Result<DepartmentInfo> {
    if (auto ok = check_members(db_, site, members); !ok) return std::unexpected(ok.error());
    DepartmentId id;
    {
      auto s = db_.prepare("INSERT INTO departments(site_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id");
      s.bind(1, site.value).bind(2, name);
      if (!s.step()) return fail(Errc::conflict, "'name': the site already has a department with this name");
      id = DepartmentId{s.i64(0)};
    }
    if (auto put = put_members(db_, id, members); !put) return std::unexpected(put.error());
    return *department_info(id);
  });
}

Result<DepartmentInfo> SqliteStorage::change_department(DepartmentId id, const std::optional<std::string>& name,
                                                        const std::optional<std::vector<OperatorId>>& members) {
  return guarded([&]() -> Result<DepartmentInfo> {
    const auto before = department_info(id);
    if (!before) return fail(Errc::not_found, "no such department");
    if (members) {
      if (auto ok = check_members(db_, before->site, *members); !ok) return std::unexpected(ok.error());
    }
    if (name) {
      auto s = db_.prepare(
          "UPDATE departments SET name = ?1 WHERE id = ?2 AND NOT EXISTS (SELECT 1 FROM departments o "
          "WHERE o.site_id = departments.site_id AND o.name = ?1 AND o.id != ?2)");
      s.bind(1, *name).bind(2, id.value).run();
      if (db_.changes() != 1) return fail(Errc::conflict, "'name': the site already has a department with this name");
    }
    if (members) {
      if (auto put = put_members(db_, id, *members); !put) return std::unexpected(put.error());
    }
    auto info = department_info(id);
    if (!info) return fail(Errc::not_found, "no such department");
    return std::move(*info);
  });
}

Result<void> SqliteStorage::delete_department(DepartmentId id) {
  return guarded([&]() -> Result<void> {
    auto info = department_info(id);
    if (!info) return fail(Errc::not_found, "no such department");
    if (info->is_default) {
      return fail(Errc::conflict, "the default department cannot be deleted: chats no rule matches go there");
    }
    std::int64_t fallback = 0;
    {
      auto d = db_.prepare("SELECT id FROM departments WHERE site_id = ? AND is_default = 1");
      d.bind(1, info->site.value);
      if (!d.step()) return fail(Errc::internal, "the site has no default department");
      fallback = d.i64(0);
    }
    auto chats = db_.prepare("UPDATE conversations SET department_id = ? WHERE department_id = ?");
    chats.bind(1, fallback).bind(2, id.value).run();
    auto rules = db_.prepare("UPDATE routing_rules SET department_id = ? WHERE department_id = ?");
    rules.bind(1, fallback).bind(2, id.value).run();
    auto drop = db_.prepare("DELETE FROM departments WHERE id = ?");
    drop.bind(1, id.value).run();
    return {};
  });
}

}  // namespace otk
