// SqliteStorage: leads — contacts visitors left, merged per person, and what operators do with them.
#include <limits>

#include <nlohmann/json.hpp>

#include "core/chat/device.hpp"
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/tenant.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

// Columns 0..14 of a Lead. The source facts come from the first visit of the visitor who created the lead; the
// visit count covers every visitor merged into it.
#define OTK_LEAD_SELECT                                                                                      \
  "SELECT l.id, l.site_id, s.name, l.visitor_id, l.name, l.email, l.phone, l.status, l.source, l.message, " \
  "l.created_at, l.updated_at, "                                                                             \
  "COALESCE((SELECT v.referrer FROM visits v WHERE v.visitor_id = l.visitor_id ORDER BY v.id LIMIT 1), ''), " \
  "COALESCE((SELECT v.landing_url FROM visits v WHERE v.visitor_id = l.visitor_id ORDER BY v.id LIMIT 1), ''), " \
  "(SELECT COUNT(*) FROM visits v JOIN lead_visitors lv ON lv.visitor_id = v.visitor_id WHERE lv.lead_id = l.id) " \
  "FROM leads l JOIN sites s ON s.id = l.site_id "

// The tenant filter for leads: the operator's account, and only the scope's sites (store/sqlite/tenant.hpp).
#define OTK_LEAD_VISIBLE OTK_SCOPE_JOIN("m", "l.site_id") "WHERE l.account_id = ? "

Lead lead_from(const sqlite::Stmt& s) {
  Lead l;
  l.id = LeadId{s.i64(0)};
  l.site = SiteId{s.i64(1)};
  l.site_name = s.str(2);
  l.visitor = VisitorId{s.i64(3)};
  l.name = s.str(4);
  l.email = s.str(5);
  l.phone = s.str(6);
  l.status = parse_lead_status(s.str(7)).value_or(LeadStatus::new_);
  l.source = parse_lead_source(s.str(8)).value_or(LeadSource::chat);
  l.message = s.str(9);
  l.created_at = from_unix_ms(s.i64(10));
  l.updated_at = from_unix_ms(s.i64(11));
  l.referrer = s.str(12);
  l.landing_url = s.str(13);
  l.visits = static_cast<int>(s.i64(14));
  return l;
}

// Columns: e.id, e.lead_id, e.kind, e.operator_id, o.name, e.body, e.created_at
#define OTK_ENTRY_SELECT                                                                                      \
  "SELECT e.id, e.lead_id, e.kind, COALESCE(e.operator_id, 0), COALESCE(o.name, ''), e.body, e.created_at " \
  "FROM lead_entries e LEFT JOIN operators o ON o.id = e.operator_id "

LeadEntry entry_from(const sqlite::Stmt& s) {
  LeadEntry e;
  e.id = s.i64(0);
  e.lead = LeadId{s.i64(1)};
  const auto kind = s.str(2);
  e.kind = kind == "contact" ? LeadEntryKind::contact : kind == "status" ? LeadEntryKind::status : LeadEntryKind::note;
  e.author = OperatorId{s.i64(3)};
  e.author_name = s.str(4);
  e.text = s.str(5);
  e.at = from_unix_ms(s.i64(6));
  return e;
}

}  // namespace

std::optional<Lead> SqliteStorage::lead_by_id(LeadId id) {
  auto s = db_.prepare(OTK_LEAD_SELECT "WHERE l.id = ?");
  s.bind(1, id.value);
  if (!s.step()) return std::nullopt;
  return lead_from(s);
}

std::optional<Lead> SqliteStorage::visible_lead(const OperatorScope& scope, LeadId id) {
  auto s = db_.prepare(OTK_LEAD_SELECT OTK_LEAD_VISIBLE "AND l.id = ?");
  bind_scope(s, scope).bind(2, scope.op.account.value).bind(3, id.value);
  if (!s.step()) return std::nullopt;
  return lead_from(s);
}

Result<SavedLead> SqliteStorage::save_contact(const Visitor& visitor, const ContactForm& form, LeadSource source,
                                              std::string_view client_id, TimePoint now) {
  return guarded([&]() -> Result<SavedLead> {
    const auto sender = visitor_sender(visitor.id);
    {
      auto dup = db_.prepare("SELECT lead_id FROM lead_entries WHERE sender = ? AND client_id = ?");
      dup.bind(1, sender).bind(2, client_id);
      if (dup.step()) {
        auto lead = lead_by_id(LeadId{dup.i64(0)});
        if (!lead) return fail(Errc::internal, "a lead entry without its lead");
        return SavedLead{std::move(*lead), false, true};
      }
    }
    // The same person: this visitor's lead, else the site's lead with the same address or number.
    LeadId id;
    {
      auto mine = db_.prepare("SELECT lead_id FROM lead_visitors WHERE visitor_id = ?");
      mine.bind(1, visitor.id.value);
      if (mine.step()) id = LeadId{mine.i64(0)};
    }
    if (!id && !form.email.empty()) {
      auto same = db_.prepare("SELECT id FROM leads WHERE site_id = ? AND email = ? ORDER BY id LIMIT 1");
      same.bind(1, visitor.site.value).bind(2, form.email);
      if (same.step()) id = LeadId{same.i64(0)};
    }
    if (!id && !form.phone.empty()) {
      auto same = db_.prepare("SELECT id FROM leads WHERE site_id = ? AND phone = ? ORDER BY id LIMIT 1");
      same.bind(1, visitor.site.value).bind(2, form.phone);
      if (same.step()) id = LeadId{same.i64(0)};
    }
    const bool created = !id;
    const auto at = to_unix_ms(now);
    if (created) {
      auto ins = db_.prepare(
          "INSERT INTO leads(account_id, site_id, visitor_id, name, email, phone, source, message, created_at, "
          "updated_at) SELECT account_id, id, ?, ?, ?, ?, ?, ?, ?, ? FROM sites WHERE id = ?");
      ins.bind(1, visitor.id.value).bind(2, form.name).bind(3, form.email).bind(4, form.phone);
      ins.bind(5, lead_source_name(source)).bind(6, form.message).bind(7, at).bind(8, at).bind(9, visitor.site.value);
      ins.run();
      if (db_.changes() != 1) return fail(Errc::not_found, "the visitor's site no longer exists");
      id = LeadId{db_.last_insert_id()};
    } else {
      // Newer non-empty values win: a visitor who corrects their address is reached at the new one.
      auto upd = db_.prepare(
          "UPDATE leads SET name = CASE WHEN ?1 != '' THEN ?1 ELSE name END, "
          "email = CASE WHEN ?2 != '' THEN ?2 ELSE email END, phone = CASE WHEN ?3 != '' THEN ?3 ELSE phone END, "
          "message = CASE WHEN ?4 != '' THEN ?4 ELSE message END, updated_at = ?5 WHERE id = ?6");
      upd.bind(1, form.name).bind(2, form.email).bind(3, form.phone).bind(4, form.message).bind(5, at);
      upd.bind(6, id.value).run();
    }
    {
      auto link = db_.prepare("INSERT INTO lead_visitors(visitor_id, lead_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
      link.bind(1, visitor.id.value).bind(2, id.value).run();
    }
    {
      json body{{"source", lead_source_name(source)}};
      if (!form.name.empty()) body["name"] = form.name;
      if (!form.email.empty()) body["email"] = form.email;
      if (!form.phone.empty()) body["phone"] = form.phone;
      if (!form.message.empty()) body["message"] = form.message;
      auto entry = db_.prepare(
          "INSERT INTO lead_entries(lead_id, kind, sender, client_id, body, created_at) VALUES (?, 'contact', ?, ?, ?, ?)");
      entry.bind(1, id.value).bind(2, sender).bind(3, client_id).bind(4, body.dump()).bind(5, at).run();
    }
    if (!form.name.empty()) {
      auto name = db_.prepare("UPDATE visitors SET name = ? WHERE id = ? AND name = ''");
      name.bind(1, form.name).bind(2, visitor.id.value).run();
    }
    auto lead = lead_by_id(id);
    if (!lead) return fail(Errc::internal, "the lead vanished while being saved");
    return SavedLead{std::move(*lead), created, false};
  });
}

Result<std::vector<Lead>> SqliteStorage::leads_of(const OperatorScope& scope, const LeadFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxLeadPage) return fail(Errc::bad_request, "'limit' must be from 1 to 200");
  return guarded([&]() -> Result<std::vector<Lead>> {
    auto s = db_.prepare(OTK_LEAD_SELECT OTK_LEAD_VISIBLE
                         "AND (?3 = 0 OR l.site_id = ?3) AND (?4 = '' OR l.status = ?4) AND (?5 = 0 OR l.id < ?5) "
                         "AND (?7 = '' OR l.source = ?7) AND l.created_at >= ?8 AND l.created_at < ?9 "
                         "ORDER BY l.id DESC LIMIT ?6");
    bind_scope(s, scope).bind(2, scope.op.account.value);
    s.bind(3, filter.site ? filter.site->value : 0);
    s.bind(4, filter.status ? lead_status_name(*filter.status) : std::string_view{});
    s.bind(5, filter.before.value).bind(6, filter.limit);
    s.bind(7, filter.source ? lead_source_name(*filter.source) : std::string_view{});
    s.bind(8, filter.from ? to_unix_ms(*filter.from) : std::numeric_limits<std::int64_t>::min());
    s.bind(9, filter.until ? to_unix_ms(*filter.until) : std::numeric_limits<std::int64_t>::max());
    std::vector<Lead> out;
    while (s.step()) out.push_back(lead_from(s));
    return out;
  });
}

Result<std::vector<Lead>> SqliteStorage::export_leads(const OperatorScope& scope, const ExportFilter& filter, LeadId after,
                                                      int limit) {
  if (limit < 1 || limit > kMaxExportPage) return fail(Errc::bad_request, "an export page is 1 to 1000 rows");
  return guarded([&]() -> Result<std::vector<Lead>> {
    auto s = db_.prepare(OTK_LEAD_SELECT OTK_LEAD_VISIBLE
                         "AND (?3 = 0 OR l.site_id = ?3) AND l.created_at >= ?4 AND l.created_at < ?5 AND l.id > ?6 "
                         "ORDER BY l.id LIMIT ?7");
    bind_scope(s, scope).bind(2, scope.op.account.value);
    s.bind(3, filter.site ? filter.site->value : 0);
    s.bind(4, to_unix_ms(filter.from)).bind(5, to_unix_ms(filter.until)).bind(6, after.value).bind(7, limit);
    std::vector<Lead> out;
    while (s.step()) out.push_back(lead_from(s));
    return out;
  });
}

Result<std::optional<LeadDetail>> SqliteStorage::lead_detail(const OperatorScope& scope, LeadId id) {
  return guarded([&]() -> Result<std::optional<LeadDetail>> {
    auto lead = visible_lead(scope, id);
    if (!lead) return std::optional<LeadDetail>{};
    LeadDetail d;
    d.lead = std::move(*lead);
    {
      auto s = db_.prepare(OTK_ENTRY_SELECT "WHERE e.lead_id = ? ORDER BY e.id LIMIT 500");
      s.bind(1, id.value);
      while (s.step()) d.entries.push_back(entry_from(s));
    }
    {
      auto s = db_.prepare(
          "SELECT p.url, p.title, p.at, v.number FROM page_views p JOIN visits v ON v.id = p.visit_id "
          "JOIN lead_visitors lv ON lv.visitor_id = v.visitor_id WHERE lv.lead_id = ? ORDER BY p.at DESC, p.id DESC "
          "LIMIT 100");
      s.bind(1, id.value);
      while (s.step()) d.pages.push_back(LeadPage{s.str(0), s.str(1), from_unix_ms(s.i64(2)), static_cast<int>(s.i64(3))});
    }
    {
      auto s = db_.prepare(
          "SELECT c.id, c.created_at FROM conversations c JOIN lead_visitors lv ON lv.visitor_id = c.visitor_id "
          "WHERE lv.lead_id = ? ORDER BY c.id DESC LIMIT 50");
      s.bind(1, id.value);
      while (s.step()) d.conversations.emplace_back(ConversationId{s.i64(0)}, from_unix_ms(s.i64(1)));
    }
    return std::optional(std::move(d));
  });
}

Result<std::pair<Lead, bool>> SqliteStorage::set_lead_status(const OperatorScope& scope, LeadId id, LeadStatus status,
                                                             TimePoint now) {
  return guarded([&]() -> Result<std::pair<Lead, bool>> {
    auto lead = visible_lead(scope, id);
    if (!lead) return fail(Errc::not_found, "no such lead");
    if (lead->status == status) return std::pair(*lead, false);
    const auto at = to_unix_ms(now);
    auto upd = db_.prepare("UPDATE leads SET status = ?, updated_at = ? WHERE id = ?");
    upd.bind(1, lead_status_name(status)).bind(2, at).bind(3, id.value).run();
    auto entry = db_.prepare(
        "INSERT INTO lead_entries(lead_id, kind, sender, operator_id, body, created_at) VALUES (?, 'status', ?, ?, ?, ?)");
    entry.bind(1, id.value).bind(2, operator_sender(scope.op.id)).bind(3, scope.op.id.value);
    entry.bind(4, lead_status_name(status)).bind(5, at).run();
    lead->status = status;
    lead->updated_at = from_unix_ms(at);
    return std::pair(*lead, true);
  });
}

Result<std::pair<LeadEntry, bool>> SqliteStorage::add_lead_note(const OperatorScope& scope, LeadId id,
                                                               const NewMessage& m) {
  return guarded([&]() -> Result<std::pair<LeadEntry, bool>> {
    if (!visible_lead(scope, id)) return fail(Errc::not_found, "no such lead");
    const auto sender = operator_sender(scope.op.id);
    {
      auto dup = db_.prepare(OTK_ENTRY_SELECT "WHERE e.sender = ? AND e.client_id = ?");
      dup.bind(1, sender).bind(2, m.client_id);
      if (dup.step()) {
        auto e = entry_from(dup);
        if (e.lead != id) return fail(Errc::conflict, "client_id already used for another lead");
        return std::pair{std::move(e), true};
      }
    }
    const auto at = to_unix_ms(m.at);
    auto ins = db_.prepare(
        "INSERT INTO lead_entries(lead_id, kind, sender, client_id, operator_id, body, created_at) "
        "VALUES (?, 'note', ?, ?, ?, ?, ?)");
    ins.bind(1, id.value).bind(2, sender).bind(3, m.client_id).bind(4, scope.op.id.value).bind(5, m.text).bind(6, at);
    ins.run();
    const auto entry_id = db_.last_insert_id();
    auto touch = db_.prepare("UPDATE leads SET updated_at = ? WHERE id = ?");
    touch.bind(1, at).bind(2, id.value).run();
    auto got = db_.prepare(OTK_ENTRY_SELECT "WHERE e.id = ?");
    got.bind(1, entry_id);
    got.step();
    return std::pair{entry_from(got), false};
  });
}

// ---- the visitor card ----

Result<void> SqliteStorage::set_visit_device(const Visitor& visitor, std::string_view user_agent) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "UPDATE visits SET user_agent = ? WHERE id = (SELECT id FROM visits WHERE visitor_id = ? ORDER BY id DESC "
        "LIMIT 1) AND user_agent = ''");
    s.bind(1, user_agent.substr(0, kMaxUserAgentBytes)).bind(2, visitor.id.value).run();
    return {};
  });
}

Result<std::optional<VisitorCard>> SqliteStorage::visitor_card(const OperatorScope& scope, ConversationId id) {
  auto conv = conversation_for(scope, id);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return std::optional<VisitorCard>{};
  return guarded([&]() -> Result<std::optional<VisitorCard>> {
    VisitorCard card;
    card.visitor = (*conv)->visitor;
    const auto v = card.visitor.value;
    {
      auto s = db_.prepare("SELECT name, created_at FROM visitors WHERE id = ?");
      s.bind(1, v);
      if (!s.step()) return std::optional<VisitorCard>{};
      card.name = s.str(0);
      card.first_seen = from_unix_ms(s.i64(1));
    }
    {
      auto s = db_.prepare(
          "SELECT number, started_at, referrer, landing_url, user_agent, (SELECT COUNT(*) FROM visits WHERE visitor_id = ?1) "
          "FROM visits WHERE visitor_id = ?1 ORDER BY id DESC LIMIT 1");
      s.bind(1, v);
      if (s.step()) {
        card.visit_number = static_cast<int>(s.i64(0));
        card.visit_started = from_unix_ms(s.i64(1));
        card.referrer = s.str(2);
        card.landing_url = s.str(3);
        card.user_agent = s.str(4);
        card.visits = static_cast<int>(s.i64(5));
      }
    }
    {
      auto s = db_.prepare(
          "SELECT p.url, p.title, p.at, vi.number FROM page_views p JOIN visits vi ON vi.id = p.visit_id "
          "WHERE vi.visitor_id = ? ORDER BY p.at DESC, p.id DESC LIMIT 50");
      s.bind(1, v);
      while (s.step()) card.pages.push_back(LeadPage{s.str(0), s.str(1), from_unix_ms(s.i64(2)), static_cast<int>(s.i64(3))});
    }
    {
      auto s = db_.prepare(
          "SELECT c.id, c.created_at, c.status, COALESCE(c.rating, ''), COALESCE((SELECT body FROM messages m "
          "WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1), '') FROM conversations c "
          "WHERE c.visitor_id = ? AND c.id != ? ORDER BY c.id DESC LIMIT 20");
      s.bind(1, v).bind(2, id.value);
      while (s.step()) {
        card.earlier.push_back(VisitorCard::Earlier{ConversationId{s.i64(0)}, from_unix_ms(s.i64(1)), s.str(2) == "open",
                                                    s.str(3), s.str(4)});
      }
    }
    {
      auto s = db_.prepare("SELECT lead_id FROM lead_visitors WHERE visitor_id = ?");
      s.bind(1, v);
      if (s.step()) card.lead = lead_by_id(LeadId{s.i64(0)});
    }
    return std::optional(std::move(card));
  });
}

}  // namespace otk
