// The chat domain: account -> sites -> operators, visitors -> conversations -> messages.
// Plain data; no I/O. Storage fills these, proto/ turns them into frames.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"

namespace otk {

enum class Role { owner, admin, supervisor, operator_ };
enum class AuthorKind { visitor, operator_, system, bot };
enum class ConversationStatus { open, closed };

std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);
std::string_view author_kind_name(AuthorKind k);
std::optional<AuthorKind> parse_author_kind(std::string_view s);

/// Public settings of a site's widget; sent to every visitor, so nothing secret belongs here.
struct SiteAppearance {
  std::string color = "#2f6fed";
  std::string position = "right";  // "right" | "left"
  std::string title;               // empty: the widget's own lively default
  std::string greeting;
  std::string launcher;
  std::string operator_name;  // the team's name in the header until an operator answers; empty: the site name
  bool vendor_link = false;
  /// Operators see what the visitor types before it is sent. Off by default (privacy); when on, the widget says so.
  bool typing_preview = false;
};

struct Site {
  SiteId id;
  AccountId account;
  std::string key;   // public, in the embed snippet
  std::string name;
  std::vector<std::string> allowed_origins;  // "https://shop.example" (scheme://host[:port])
  std::string language = "ru";               // "ru" | "en"
  std::string timezone = "Europe/Moscow";
  SiteAppearance appearance;
  std::string hours = R"({"always_open":true})";  // WorkingHours as JSON (core/hours: hours_to_json)
  /// The site's own first-response timer, seconds (5..600); none: the server's [desk] default.
  std::optional<int> first_response_seconds;
};

struct OperatorAccount {
  OperatorId id;
  AccountId account;
  std::string email;
  std::string name;
  Role role = Role::operator_;
  std::string photo;  // version of the uploaded photo (a content hash), empty when there is none
};

struct Visitor {
  VisitorId id;
  SiteId site;
  std::string name;  // empty until the visitor gives it
};

struct PageRef {
  std::string url;
  std::string title;
  std::string referrer;
};

struct Author {
  AuthorKind kind = AuthorKind::visitor;
  std::string name;
  OperatorId operator_id;
  std::string photo;  // the operator's current photo version, empty when none
};

/// On a bot's answer from the knowledge base: which entry, and the visitor's "did this help?" (unset until marked).
struct BotMark {
  std::int64_t entry = 0;
  std::optional<bool> helpful;
};

/// A file sent in a message (core/media/attachment): the public id, which also names the file on disk, the
/// sanitised name, the MIME type read from the bytes and the size in bytes.
struct Attachment {
  std::string id;
  std::string name;
  std::string type;
  std::int64_t size = 0;
};

struct Message {
  MessageId id;
  ConversationId conversation;
  Seq seq = 0;
  std::string client_id;
  Author author;
  std::string text;
  TimePoint at;
  std::optional<BotMark> bot;  // only on bot answers
  std::optional<Attachment> attachment;  // a message with a file; its text then reads "[файл: name]"
};

struct Conversation {
  ConversationId id;
  SiteId site;
  AccountId account;
  VisitorId visitor;
  ConversationStatus status = ConversationStatus::open;
  Seq last_seq = 0;
  TimePoint created_at;
  std::string bot_state;  // "" no bot, "active" the FAQ bot answers, "handed_off" a person has it
};

/// What an operator's list shows of one conversation; read_seq and unread are per operator.
struct ConversationSummary {
  Conversation conversation;
  std::string site_name;
  std::string visitor_name;
  Seq read_seq = 0;
  std::int64_t unread = 0;
  std::optional<Message> last_message;
  std::optional<PageRef> page;
  DepartmentId department;          // 0 until the desk has routed it
  std::string department_name;
  OperatorId assigned;              // 0 while it waits in the queue
  std::string assigned_name;
  bool answered = false;            // an operator has written in it (its first response happened)
  std::vector<std::string> labels;  // the operators' labels, alphabetical
};

/// An operators-only note on a conversation (a transfer's reason, a hint for a colleague). Never sent to the
/// visitor; kept apart from the messages so the visitor's gap-free sequence stays whole.
struct Note {
  std::int64_t id = 0;
  ConversationId conversation;
  OperatorId author;
  std::string author_name;
  std::string client_id;
  std::string text;
  TimePoint at;
  OperatorId whisper_to;  // a supervisor's whisper to the operator holding the chat; 0 for a plain note
  std::string whisper_to_name;
};

/// A visitor's display name when they gave none: "Посетитель 17" / "Visitor 17".
std::string default_visitor_name(VisitorId id, std::string_view language);

/// The line a visitor reads when a supervisor joins their chat, in the site's language:
/// "К разговору присоединяется руководитель Анна" / "Anna, a supervisor, joined the conversation".
std::string joined_text(std::string_view name, Role role, std::string_view language);

/// Supervisors, admins and owners watch every chat of their sites: they may join, whisper and reassign.
[[nodiscard]] inline bool may_supervise(Role r) { return r == Role::owner || r == Role::admin || r == Role::supervisor; }
/// Owners and admins manage the account: sites, the team, integrations, callback and engagement settings.
[[nodiscard]] inline bool may_manage(Role r) { return r == Role::owner || r == Role::admin; }

}  // namespace otk
