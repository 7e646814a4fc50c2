// SqliteStorage: message attachments. A row is inserted with its message (append() calls insert_attachment in
// the same transaction); reads find the row and then ask the usual tenant filters whether the viewer may see
// its conversation, so an attachment is exactly as visible as the conversation it was sent in.
#include "store/sqlite/guarded.hpp"
#include "store/sqlite/sqlite_storage.hpp"

namespace otk {

void SqliteStorage::insert_attachment(MessageId message, ConversationId conversation, const Attachment& a, TimePoint at) {
  auto s = db_.prepare(
      "INSERT INTO attachments(id, message_id, conversation_id, name, type, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, a.id).bind(2, message.value).bind(3, conversation.value).bind(4, a.name).bind(5, a.type).bind(6, a.size);
  s.bind(7, to_unix_ms(at)).run();
}

std::optional<std::pair<Attachment, ConversationId>> SqliteStorage::find_attachment(std::string_view id) {
  auto s = db_.prepare("SELECT id, name, type, size, conversation_id FROM attachments WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return std::pair{Attachment{s.str(0), s.str(1), s.str(2), s.i64(3)}, ConversationId{s.i64(4)}};
}

Result<std::optional<StoredAttachment>> SqliteStorage::attachment_for(const OperatorScope& scope, std::string_view id) {
  auto found = guarded([&]() -> Result<std::optional<std::pair<Attachment, ConversationId>>> { return find_attachment(id); });
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<StoredAttachment>{};
  auto conv = conversation_for(scope, (*found)->second);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return std::optional<StoredAttachment>{};
  return std::optional(StoredAttachment{std::move((*found)->first), std::move(**conv)});
}

Result<std::optional<StoredAttachment>> SqliteStorage::visitor_attachment(const Visitor& visitor, std::string_view id) {
  auto found = guarded([&]() -> Result<std::optional<std::pair<Attachment, ConversationId>>> { return find_attachment(id); });
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<StoredAttachment>{};
  auto conv = visitor_conversation(visitor, (*found)->second);
  if (!conv) return std::unexpected(conv.error());
  if (!*conv) return std::optional<StoredAttachment>{};
  return std::optional(StoredAttachment{std::move((*found)->first), std::move(**conv)});
}

Result<std::vector<std::string>> SqliteStorage::known_attachments(std::span<const std::string> ids) {
  return guarded([&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& id : ids) {
      auto s = db_.prepare("SELECT 1 FROM attachments WHERE id = ?");
      s.bind(1, id);
      if (s.step()) out.push_back(id);
    }
    return out;
  });
}

}  // namespace otk
