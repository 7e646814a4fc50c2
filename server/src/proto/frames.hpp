// Wire frames of docs/protocol.md <-> core types. Parsers take untrusted bytes and return either a typed
// frame or a FrameError naming the precise problem; serializers produce the JSON text sent on the wire.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "core/chat/model.hpp"
#include "core/leads/lead.hpp"
#include "core/routing/routing.hpp"
#include "core/tenancy/scope.hpp"

namespace otk::proto {

inline constexpr std::size_t kMaxVisitorFrame = 16 * 1024;
inline constexpr std::size_t kMaxOperatorFrame = 64 * 1024;
inline constexpr int kDefaultHistoryPage = 200;
inline constexpr int kMaxHistoryPage = 500;
inline constexpr std::size_t kMaxUrlChars = 2048;
inline constexpr std::size_t kMaxTitleChars = 300;
inline constexpr std::size_t kMaxTokenChars = 128;

/// The team as the console shows it (see Storage::team_of).
struct TeamView {
  struct Member {
    OperatorId id;
    std::string name;
    std::vector<DepartmentId> departments;
  };
  struct Department {
    DepartmentId id;
    SiteId site;
    std::string name;
  };
  std::vector<Member> operators;
  std::vector<Department> departments;
  Millis first_response{0};  // the desk's first-response time, so the console can mark late chats
};

/// A site's signed-in user, as the page told the widget (Otklik.identify); trusted only when `hash` is the
/// HMAC of `id` with the site's identity secret (checked by the visitor endpoint, not here).
struct Identity {
  std::string id;
  std::string name;
  std::string email;
  std::string hash;
};

struct Hello {
  std::optional<std::string> visitor_token;
  std::optional<PageRef> page;
  std::optional<Identity> identity;  // visitors only
};
struct Send {
  ConversationId conversation;  // operators: required; visitors: absent (their own conversation)
  std::string client_id;
  std::string text;  // normalised
};
struct Typing {
  ConversationId conversation;
  bool active = false;
  std::string draft;  // visitors only: what they have typed so far (forwarded only where the site allows it)
};
struct History {
  ConversationId conversation;
  Seq after = 0;
  int limit = kDefaultHistoryPage;
};
struct Read {
  ConversationId conversation;
  Seq seq = 0;
};
struct PageView {
  PageRef page;
};
struct Close {
  ConversationId conversation;
};
struct SetPresence {
  Presence presence = Presence::online;
};
struct AddNote {
  ConversationId conversation;
  std::string client_id;
  std::string text;  // normalised like a message
  bool whisper = false;  // a supervisor's whisper to the operator holding the conversation
};
/// A supervisor joins a chat held by a colleague: the visitor is told, and the supervisor writes as a guest.
struct Join {
  ConversationId conversation;
};
struct ListNotes {
  ConversationId conversation;
};
/// Hand the conversation to one operator or to a department (exactly one of the two), with an optional note.
struct Transfer {
  ConversationId conversation;
  OperatorId to_operator;
  DepartmentId to_department;
  std::optional<std::string> note;  // normalised; its client_id is derived from the frame's client_id
  std::string client_id;
};

/// The visitor leaves contacts (the offline form): checked and normalised by core/leads already.
struct LeaveContact {
  std::string client_id;
  ContactForm form;
};

/// The visitor asks to be called back. `phone` as typed (parsed by phone/ with the site's region); `honeypot`:
/// the form's hidden field, which people leave empty.
struct RequestCallback {
  std::string client_id;
  std::string phone;
  bool honeypot = false;
  std::optional<TimePoint> at;  // a slot the visitor picked (one of callback_slots); none: as soon as possible
};

/// The callback form asks which times the visitor may pick (answered with callback_slots).
struct CallbackSlotsRequest {};

/// The visitor's verdict on a conversation of theirs: good or bad, with an optional comment.
struct Rate {
  ConversationId conversation;
  bool good = true;
  std::string comment;  // normalised like a message text; may be empty
};

/// The callback form asks, while the visitor types, whether the number is one we would call.
struct CheckPhone {
  std::string phone;  // as typed
};

/// "Talk to a person": the visitor leaves the FAQ bot for the queue.
struct Handoff {};

/// The visitor's "did this help?" on one of the bot's answers.
struct BotFeedback {
  MessageId message;
  bool helpful = false;
};

using VisitorFrame =
    std::variant<Hello, Send, Typing, History, PageView, LeaveContact, RequestCallback, Rate, Handoff, BotFeedback,
                 CheckPhone, CallbackSlotsRequest>;
/// Put a label on a conversation (on) or take it off.
struct SetLabel {
  ConversationId conversation;
  std::string label;  // normalised (core/chat/text: normalize_label)
  bool on = true;
};

using OperatorFrame =
    std::variant<Hello, Send, Typing, History, Read, Close, SetPresence, AddNote, ListNotes, Transfer, SetLabel, Join>;

/// A refused frame: the error and what to echo as `ref` (client_id, else the frame type).
struct FrameError {
  Error error;
  std::string ref;
};

/// What an error about this frame echoes as `ref`: its client_id, else its type.
std::string ref_of(const VisitorFrame& f);
std::string ref_of(const OperatorFrame& f);

[[nodiscard]] std::expected<VisitorFrame, FrameError> parse_visitor_frame(std::string_view text);
[[nodiscard]] std::expected<OperatorFrame, FrameError> parse_operator_frame(std::string_view text);

// ---- server -> client ----------------------------------------------------------------------------

std::string error_frame(const Error& e, std::string_view ref = {});
std::string ack_frame(const Message& m);
std::string message_frame(const Message& m);
std::string history_frame(ConversationId conv, std::span<const Message> messages, bool more);
std::string typing_frame(ConversationId conv, bool active, const Author& author, std::string_view draft = {});
std::string read_frame(ConversationId conv, Seq seq);
std::string visitor_welcome_frame(std::string_view token, const std::optional<Conversation>& conv,
                                  bool logged_in = false);
/// Whether the FAQ bot answers this conversation (true) or has handed it to people (false).
std::string bot_frame(ConversationId conv, bool active);
std::string bot_feedback_saved_frame(MessageId message, bool helpful);
std::string operator_welcome_frame(const OperatorScope& scope, std::span<const Site> sites,
                                   std::span<const ConversationSummary> conversations, const struct TeamView& team);
/// To a console: its team changed (settings: a member, a department, a limit); the same shape as welcome's team.
std::string team_frame(const struct TeamView& team);
/// To the site's operators: an owner or admin changed the site (name, first-response time); the shape of an entry
/// of welcome's `sites`, `default_first_response` standing in for a site without its own.
std::string site_frame(const Site& site, Millis default_first_response);
std::string conversation_frame(const ConversationSummary& s);
/// To the visitor: where their chat stands. state "queued" (with position), "busy" (nobody answered in time),
/// "assigned"; wait_ms is an honest estimate or absent when nobody can promise one.
std::string status_frame(ConversationId conv, std::string_view state, std::size_t position, std::optional<Millis> wait);
/// To the site's operators: who has the chat now (op 0: waiting in the queue).
std::string assignment_frame(ConversationId conv, DepartmentId department, std::string_view department_name,
                             OperatorId op, std::string_view operator_name);
/// To the visitor and the site's operators: the conversation is closed.
std::string closed_frame(ConversationId conv);
/// To the site's operators: the visitor of an open conversation is now on this page.
std::string page_frame(ConversationId conv, const PageRef& page, TimePoint at);
/// To the visitor: whether the team works now; next_open (ms since the epoch) when it does not.
std::string hours_frame(bool open, std::optional<TimePoint> next_open);
/// To the operator: their presence as the desk sees it.
std::string presence_frame(Presence chosen, bool connected);
/// To the site's operators (never the visitor): a note was added. Also the answer to the author.
std::string note_frame(const Note& n);
std::string notes_frame(ConversationId conv, std::span<const Note> notes);
/// To the site's operators: the conversation's labels now.
std::string labels_frame(ConversationId conv, std::span<const std::string> labels);

/// To the visitor: their contacts are stored (the answer to `contact`).
std::string contact_saved_frame(std::string_view client_id);
/// To the visitor: the rating is stored. To the site's operators: a visitor rated a conversation.
std::string rated_frame(ConversationId conv);
std::string rating_frame(ConversationId conv, bool good, std::string_view comment);
/// To the site's operators: a lead was created or changed.
std::string lead_frame(const Lead& lead);
std::string lead_json(const Lead& lead);
std::string lead_entry_json(const LeadEntry& e);
std::string lead_detail_json(const LeadDetail& d);

/// To the visitor: where their callback stands. `state`: "refused", "scheduled", "calling_operator",
/// "calling_you", "connected" or "ended"; `message` the polite text for refused ones; `status` the final
/// CallStatus name once ended; `scheduled_for` for scheduled ones.
/// The answer to callback_slots: whether the team is open now, the site's zone, and the slot starts offered.
std::string callback_slots_frame(bool open, std::string_view zone, std::span<const TimePoint> slots);
/// The answer to check_phone: `e164` and `display` ("+7 916 123-45-67") when we would call it, else `message`
/// (the same polite text a request would get).
std::string phone_check_frame(std::string_view phone, bool ok, std::string_view e164, std::string_view display,
                              std::string_view message);
std::string callback_state_frame(std::string_view client_id, CallbackId id, std::string_view state,
                                 std::string_view message, std::string_view status,
                                 std::optional<TimePoint> scheduled_for);
/// To the site's operators: the site's callbacks are suspended (a minute or spend cap was reached; `rule` says which).
std::string callback_suspended_frame(SiteId site, std::string_view rule);
/// To the site's operators: a callback was requested or changed.
std::string callback_frame(const struct CallbackView& c);
std::string callback_json(const struct CallbackView& c);

/// A callback as operators see it (the number included: they are to call it).
struct CallbackView {
  CallbackId id;
  SiteId site;
  std::string site_name;
  VisitorId visitor;
  std::string e164;
  std::string status;
  std::string rule;
  TimePoint created_at;
  std::optional<TimePoint> scheduled_for, started_at, ended_at;
  std::int64_t talk_ms = 0, billed_seconds = 0, charge = 0;
  std::string legs_json = "[]";
};

/// JSON text of one Message / ConversationSummary as in docs/protocol.md (also used by REST).
std::string message_json(const Message& m);
std::string summary_json(const ConversationSummary& s);
std::string operator_json(const OperatorAccount& op);
std::string site_json(const Site& s);
/// Where an operator's photo is served: "/media/operators/{id}/{version}". The version is a content hash, so
/// the URL can be cached forever and cannot be guessed from the operator id alone.
std::string operator_photo_path(OperatorId op, std::string_view version);

}  // namespace otk::proto
