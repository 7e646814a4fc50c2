// SqliteStorage: engagement settings, widget event counters, the FAQ bot's knowledge base, its messages and marks,
// and verified visitor identities.
#include <nlohmann/json.hpp>

#include "store/sqlite/guarded.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace otk {
namespace {

using json = nlohmann::json;

std::string bot_sender(ConversationId id) { return "b" + std::to_string(id.value); }

KbEntry kb_from(const sqlite::Stmt& s) {
  KbEntry e;
  e.id = s.i64(0);
  e.question = s.str(1);
  e.phrasings = json::parse(s.str(2)).get<std::vector<std::string>>();
  e.answer = s.str(3);
  e.updated_at = from_unix_ms(s.i64(4));
  return e;
}

}  // namespace

Result<std::optional<std::string>> SqliteStorage::engage_settings(SiteId site) {
  return guarded([&]() -> Result<std::optional<std::string>> {
    auto s = db_.prepare("SELECT settings FROM engage_settings WHERE site_id = ?");
    s.bind(1, site.value);
    if (!s.step()) return std::optional<std::string>{};
    return std::optional(s.str(0));
  });
}

Result<void> SqliteStorage::set_engage_settings(SiteId site, std::string_view settings_json) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare(
        "INSERT INTO engage_settings(site_id, settings) SELECT id, ? FROM sites WHERE id = ? "
        "ON CONFLICT(site_id) DO UPDATE SET settings = excluded.settings");
    s.bind(1, settings_json).bind(2, site.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such site");
    return {};
  });
}

Result<std::vector<KbEntry>> SqliteStorage::kb_entries(SiteId site) {
  return guarded([&]() -> Result<std::vector<KbEntry>> {
    auto s = db_.prepare(
        "SELECT id, question, phrasings, answer, updated_at FROM kb_entries WHERE site_id = ? ORDER BY id");
    s.bind(1, site.value);
    std::vector<KbEntry> out;
    while (s.step()) out.push_back(kb_from(s));
    return out;
  });
}

Result<KbEntry> SqliteStorage::put_kb_entry(SiteId site, const KbEntry& entry, TimePoint now) {
  return guarded([&]() -> Result<KbEntry> {
    const std::string phrasings = json(entry.phrasings).dump();
    if (entry.id == 0) {
      auto ins = db_.prepare(
          "INSERT INTO kb_entries(site_id, question, phrasings, answer, updated_at) SELECT id, ?, ?, ?, ? "
          "FROM sites WHERE id = ?");
      ins.bind(1, entry.question).bind(2, phrasings).bind(3, entry.answer).bind(4, to_unix_ms(now)).bind(5, site.value);
      ins.run();
      if (db_.changes() != 1) return fail(Errc::not_found, "no such site");
    } else {
      auto upd = db_.prepare(
          "UPDATE kb_entries SET question = ?, phrasings = ?, answer = ?, updated_at = ? WHERE id = ? AND site_id = ?");
      upd.bind(1, entry.question).bind(2, phrasings).bind(3, entry.answer).bind(4, to_unix_ms(now));
      upd.bind(5, entry.id).bind(6, site.value).run();
      if (db_.changes() != 1) return fail(Errc::not_found, "no such knowledge-base entry");
    }
    const std::int64_t id = entry.id == 0 ? db_.last_insert_id() : entry.id;
    auto s = db_.prepare("SELECT id, question, phrasings, answer, updated_at FROM kb_entries WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return fail(Errc::internal, "knowledge-base entry vanished after writing it");
    return kb_from(s);
  });
}

Result<void> SqliteStorage::delete_kb_entry(SiteId site, std::int64_t id) {
  return guarded([&]() -> Result<void> {
    auto s = db_.prepare("DELETE FROM kb_entries WHERE id = ? AND site_id = ?");
    s.bind(1, id).bind(2, site.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such knowledge-base entry");
    return {};
  });
}

Result<void> SqliteStorage::count_engage_events(SiteId site, std::string_view day, std::span<const EngageEvent> events) {
  return guarded([&]() -> Result<void> {
    for (const auto& e : events) {
      auto s = db_.prepare(
          "INSERT INTO engage_counts(site_id, day, trigger_id, kind, option, n) VALUES (?, ?, ?, ?, ?, 1) "
          "ON CONFLICT(site_id, day, trigger_id, kind, option) DO UPDATE SET n = n + 1");
      s.bind(1, site.value).bind(2, day).bind(3, e.trigger).bind(4, e.kind).bind(5, e.option).run();
    }
    return {};
  });
}

Result<std::vector<TriggerStats>> SqliteStorage::engage_stats(SiteId site, std::string_view from_day,
                                                              std::string_view to_day) {
  return guarded([&]() -> Result<std::vector<TriggerStats>> {
    auto s = db_.prepare(
        "SELECT trigger_id, kind, option, SUM(n) FROM engage_counts WHERE site_id = ? AND day >= ? AND day <= ? "
        "GROUP BY trigger_id, kind, option ORDER BY trigger_id, kind, option");
    s.bind(1, site.value).bind(2, from_day).bind(3, to_day);
    std::vector<TriggerStats> out;
    while (s.step()) {
      const std::string trigger = s.str(0);
      if (out.empty() || out.back().trigger != trigger) out.push_back(TriggerStats{trigger, 0, 0, 0, {}});
      auto& t = out.back();
      const std::string kind = s.str(1);
      const auto n = s.i64(3);
      if (kind == "shown") t.shown += n;
      else if (kind == "accepted") t.accepted += n;
      else if (kind == "dismissed") t.dismissed += n;
      else if (kind == "answered") {
        const auto option = s.i64(2);
        if (option < 0 || option >= 5) continue;  // the schema allows at most five options
        if (t.answers.size() <= static_cast<std::size_t>(option)) t.answers.resize(static_cast<std::size_t>(option) + 1);
        t.answers[static_cast<std::size_t>(option)] += n;
      }
    }
    return out;
  });
}

Result<BotStats> SqliteStorage::bot_stats(SiteId site, TimePoint from, TimePoint to) {
  return guarded([&]() -> Result<BotStats> {
    BotStats out;
    {
      auto s = db_.prepare(
          "SELECT COUNT(*), COALESCE(SUM(bot_state = 'handed_off'), 0) FROM conversations "
          "WHERE site_id = ? AND bot_state != '' AND created_at >= ? AND created_at < ?");
      s.bind(1, site.value).bind(2, to_unix_ms(from)).bind(3, to_unix_ms(to));
      s.step();
      out.conversations = s.i64(0);
      out.handed_off = s.i64(1);
    }
    {
      auto s = db_.prepare(
          "SELECT COUNT(*), COALESCE(SUM(m.bot_helpful = 1), 0), COALESCE(SUM(m.bot_helpful = 0), 0) "
          "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
          "WHERE c.site_id = ? AND c.created_at >= ? AND c.created_at < ? AND m.bot_entry IS NOT NULL");
      s.bind(1, site.value).bind(2, to_unix_ms(from)).bind(3, to_unix_ms(to));
      s.step();
      out.answers = s.i64(0);
      out.helpful = s.i64(1);
      out.not_helpful = s.i64(2);
    }
    auto r = db_.prepare(
        "SELECT bot_handoff, COUNT(*) FROM conversations WHERE site_id = ? AND bot_state = 'handed_off' "
        "AND created_at >= ? AND created_at < ? GROUP BY bot_handoff ORDER BY bot_handoff");
    r.bind(1, site.value).bind(2, to_unix_ms(from)).bind(3, to_unix_ms(to));
    while (r.step()) out.handoff_reasons.emplace_back(r.str(0), r.i64(1));
    return out;
  });
}

Result<bool> SqliteStorage::set_bot_state(ConversationId id, std::string_view state, std::string_view reason) {
  return guarded([&]() -> Result<bool> {
    if (state == "active") {
      auto s = db_.prepare("UPDATE conversations SET bot_state = 'active' WHERE id = ? AND bot_state = ''");
      s.bind(1, id.value).run();
    } else if (state == "handed_off") {
      auto s = db_.prepare(
          "UPDATE conversations SET bot_state = 'handed_off', bot_handoff = ? WHERE id = ? AND bot_state = 'active'");
      s.bind(1, reason).bind(2, id.value).run();
    } else {
      return fail(Errc::bad_request, "unknown bot state");
    }
    return db_.changes() == 1;
  });
}

Result<Appended> SqliteStorage::append_bot_message(ConversationId id, std::string_view bot_name, const NewMessage& m,
                                                   std::int64_t entry) {
  return guarded([&]() -> Result<Appended> {
    auto c = db_.prepare(
        "SELECT id, site_id, account_id, visitor_id, status, last_seq, created_at, bot_state FROM conversations "
        "WHERE id = ?");
    c.bind(1, id.value);
    if (!c.step()) return fail(Errc::not_found, "no such conversation");
    Conversation conv;
    conv.id = ConversationId{c.i64(0)};
    conv.site = SiteId{c.i64(1)};
    conv.account = AccountId{c.i64(2)};
    conv.visitor = VisitorId{c.i64(3)};
    conv.status = c.str(4) == "closed" ? ConversationStatus::closed : ConversationStatus::open;
    conv.last_seq = c.i64(5);
    conv.created_at = from_unix_ms(c.i64(6));
    conv.bot_state = c.str(7);
    const auto sender = bot_sender(id);
    if (auto dup = find_by_client_id(sender, m.client_id)) return Appended{*dup, conv, false, true};
    Author author{AuthorKind::bot, std::string(bot_name), OperatorId{}, ""};
    Appended out = append(conv, sender, author, m, false);
    if (entry != 0) {
      auto mark = db_.prepare("UPDATE messages SET bot_entry = ? WHERE id = ?");
      mark.bind(1, entry).bind(2, out.message.id.value).run();
      out.message.bot = BotMark{entry, std::nullopt};
    }
    return out;
  });
}

Result<BotFeedbackSaved> SqliteStorage::set_bot_feedback(const Visitor& visitor, MessageId message, bool helpful) {
  return guarded([&]() -> Result<BotFeedbackSaved> {
    auto find = db_.prepare(
        "SELECT m.conversation_id, m.bot_helpful FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.id = ? AND c.visitor_id = ? AND m.bot_entry IS NOT NULL");
    find.bind(1, message.value).bind(2, visitor.id.value);
    if (!find.step()) return fail(Errc::not_found, "no such bot answer");
    const ConversationId conv_id{find.i64(0)};
    BotFeedbackSaved out;
    out.changed = find.is_null(1) || (find.i64(1) != 0) != helpful;
    if (out.changed) {
      auto upd = db_.prepare("UPDATE messages SET bot_helpful = ? WHERE id = ?");
      upd.bind(1, helpful ? 1 : 0).bind(2, message.value).run();
    }
    auto m = find_message(message);
    if (!m) return fail(Errc::internal, "bot answer vanished");
    out.message = std::move(*m);
    auto conv = visitor_conversation(visitor, conv_id);
    if (!conv || !*conv) return fail(Errc::internal, "conversation of a bot answer vanished");
    out.conversation = **conv;
    auto count = db_.prepare("SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND bot_helpful = 0");
    count.bind(1, conv_id.value);
    count.step();
    out.not_helpful = static_cast<int>(count.i64(0));
    return out;
  });
}

Result<std::string> SqliteStorage::identity_secret(SiteId site, bool create, bool rotate) {
  return guarded([&]() -> Result<std::string> {
    // SQLite's randomblob draws from its ChaCha20 generator seeded by the OS: fit for a 256-bit HMAC key.
    if (rotate) {
      auto s = db_.prepare("UPDATE sites SET identity_secret = lower(hex(randomblob(32))) WHERE id = ?");
      s.bind(1, site.value).run();
    } else if (create) {
      auto s = db_.prepare(
          "UPDATE sites SET identity_secret = lower(hex(randomblob(32))) WHERE id = ? AND identity_secret = ''");
      s.bind(1, site.value).run();
    }
    auto s = db_.prepare("SELECT identity_secret FROM sites WHERE id = ?");
    s.bind(1, site.value);
    if (!s.step()) return fail(Errc::not_found, "no such site");
    return s.str(0);
  });
}

Result<std::pair<int, int>> SqliteStorage::site_operator_photos(SiteId site) {
  return guarded([&]() -> Result<std::pair<int, int>> {
    auto s = db_.prepare(
        "SELECT COUNT(*), COALESCE(SUM(o.photo_version != ''), 0) FROM site_members m JOIN operators o "
        "ON o.id = m.operator_id WHERE m.site_id = ?");
    s.bind(1, site.value);
    s.step();
    return std::pair{static_cast<int>(s.i64(0)), static_cast<int>(s.i64(1))};
  });
}

Result<int> SqliteStorage::average_first_response(SiteId site, TimePoint since) {
  return guarded([&]() -> Result<int> {
    auto s = db_.prepare(
        "SELECT CAST(ROUND(AVG(first_response_at - created_at) / 1000.0) AS INTEGER) FROM conversations "
        "WHERE site_id = ? AND created_at >= ? AND first_response_at IS NOT NULL");
    s.bind(1, site.value).bind(2, to_unix_ms(since));
    s.step();
    if (s.is_null(0)) return -1;
    return static_cast<int>(s.i64(0));
  });
}

Result<Visitor> SqliteStorage::set_visitor_identity(const Visitor& visitor, std::string_view external_id,
                                                    std::string_view name, std::string_view email) {
  return guarded([&]() -> Result<Visitor> {
    auto s = db_.prepare(
        "UPDATE visitors SET external_id = ?, email = ?, name = CASE WHEN ? = '' THEN name ELSE ? END WHERE id = ?");
    s.bind(1, external_id).bind(2, email).bind(3, name).bind(4, name).bind(5, visitor.id.value).run();
    if (db_.changes() != 1) return fail(Errc::not_found, "no such visitor");
    Visitor out = visitor;
    if (!name.empty()) out.name = std::string(name);
    return out;
  });
}

}  // namespace otk
