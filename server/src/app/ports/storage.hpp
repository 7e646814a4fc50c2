// The Storage port: every durable read and write the application needs, as synchronous calls on one
// connection. Threads and group commit are not the port's business: store/database.hpp runs these calls on
// its reader and writer threads and wraps writes in shared transactions. Implementations: SqliteStorage
// (store/sqlite); PostgreSQL follows the same contract (store/contract).
//
// Tenant scoping lives here: every operator-facing call takes an OperatorScope, and implementations filter
// by the scope's account and site membership in one place.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/analytics/report.hpp"
#include "core/bot/bot.hpp"
#include "core/callback/fraud.hpp"
#include "core/chat/canned.hpp"
#include "core/chat/model.hpp"
#include "core/leads/lead.hpp"
#include "core/routing/routing.hpp"
#include "core/tenancy/scope.hpp"

namespace otk {

/// A message to store. Idempotent by (author, client_id): a second append with the same pair returns the
/// first message with duplicate = true and stores nothing.
struct NewMessage {
  std::string client_id;
  std::string text;
  TimePoint at;
  std::optional<Attachment> attachment;  // its file is on disk before the append (api/attachments.cpp)
};

/// An attachment with the conversation it belongs to, as a viewer allowed to see it finds it.
struct StoredAttachment {
  Attachment attachment;
  Conversation conversation;
};

struct Appended {
  Message message;
  Conversation conversation;
  bool created_conversation = false;  // this append opened the conversation
  bool duplicate = false;             // already stored by an earlier append
  bool first_reply = false;           // the first operator message of the conversation: its first response
  bool bot_stopped = false;           // an operator wrote where the FAQ bot was answering: the bot stops
  bool joined = false;                // the author joined the chat as a supervisor: it stays with its holder
};

/// One widget event to count (docs/engagement.md, "Widget events"); option only for answered polls.
struct EngageEvent {
  std::string trigger;
  std::string kind;  // shown | accepted | dismissed | answered
  int option = -1;
};

/// Invitation counts of one trigger over a period; answers[i]: how often poll option i was chosen.
struct TriggerStats {
  std::string trigger;
  std::int64_t shown = 0, accepted = 0, dismissed = 0;
  std::vector<std::int64_t> answers;
};

struct BotStats {
  std::int64_t conversations = 0, answers = 0, helpful = 0, not_helpful = 0, handed_off = 0;
  std::vector<std::pair<std::string, std::int64_t>> handoff_reasons;  // by reason, alphabetical
};

/// The visitor's mark on a bot answer, with what the bot needs to decide whether to hand off.
struct BotFeedbackSaved {
  Message message;
  Conversation conversation;
  int not_helpful = 0;  // answers in this conversation marked "did not help", this one included
  bool changed = false; // false: the same mark again (a resend)
};

struct Credentials {
  OperatorAccount op;
  std::string password_hash;  // argon2id, libsodium's crypto_pwhash_str format; "" for an invitation not accepted
  bool disabled = false;      // an admin turned their access off: no login
};

/// An operator's uploaded photo: its MIME type and version (a content hash, also part of its URL).
struct OperatorPhoto {
  std::string content_type;
  std::string version;
};

// ---- the desk's view: who can answer what ----

struct DeskOperator {
  OperatorId id;
  AccountId account;
  std::string name;
  int limit = 5;
  Presence presence = Presence::online;  // the operator's own choice; the desk adds whether they are connected
  std::vector<DepartmentId> departments;
};

struct DeskDepartment {
  DepartmentId id;
  SiteId site;
  std::string name;
  bool is_default = false;
};

struct DeskSite {
  SiteId id;
  DepartmentId default_department;
  std::vector<RoutingRule> rules;  // in order
  std::string timezone;
  std::string hours;  // JSON, core/hours
  std::optional<Millis> first_response;  // the site's own first-response timer; none: the desk's default
};

struct DeskChat {
  ConversationId id;
  SiteId site;
  VisitorId visitor;
  DepartmentId department;
  OperatorId assigned;
  TimePoint created_at;
  TimePoint assigned_at;
  bool answered = false;
};

struct DeskSnapshot {
  std::vector<DeskOperator> operators;
  std::vector<DeskDepartment> departments;
  std::vector<DeskSite> sites;
  std::vector<DeskChat> open_chats;
};

/// Who the scope's operator works with: the operators sharing a site with them and those sites' departments.
struct Team {
  struct Member {
    OperatorId id;
    std::string name;
    std::vector<DepartmentId> departments;
  };
  std::vector<Member> operators;
  std::vector<DeskDepartment> departments;
};

/// What the console's visitor card shows about the visitor of a conversation.
struct VisitorCard {
  VisitorId visitor;
  std::string name;
  TimePoint first_seen;
  int visits = 0;        // how many visits so far
  int visit_number = 0;  // the current (latest) visit's number
  TimePoint visit_started;
  std::string referrer;     // the current visit's
  std::string landing_url;  // the current visit's first page
  std::string user_agent;   // the current visit's browser
  std::vector<LeadPage> pages;  // the visitor's pages, newest first, at most 50
  struct Earlier {
    ConversationId id;
    TimePoint created_at;
    bool open = false;
    std::string rating;  // "good", "bad" or ""
    std::string last_text;
  };
  std::vector<Earlier> earlier;  // the visitor's other conversations, newest first, at most 20
  std::optional<Lead> lead;      // contacts the visitor left
};

/// The result of saving a visitor's contacts: the lead they now belong to.
struct SavedLead {
  Lead lead;
  bool created = false;    // a new lead (not merged into one the visitor or their address already had)
  bool duplicate = false;  // the same (visitor, client_id) was saved before: nothing changed
};

/// A callback request to record: refused, scheduled, or being placed (status "placing").
struct NewCallback {
  SiteId site;
  VisitorId visitor;
  std::string client_id;
  std::string e164;  // "" when the number did not parse
  std::string ip;
  std::string status;  // "placing" or a CallStatus name
  bool allowed = false;
  std::string rule;    // the fraud rule that refused it, or ""
  TimePoint at;
  std::optional<TimePoint> scheduled_for;
};

/// A callback as stored, for the console and the engine's updates.
struct CallbackRecord {
  CallbackId id;
  SiteId site;
  std::string site_name;
  VisitorId visitor;
  std::string client_id;
  std::string e164;
  std::string status;
  std::string rule;
  TimePoint created_at;
  std::optional<TimePoint> scheduled_for, started_at, ended_at;
  std::int64_t talk_ms = 0;
  std::int64_t billed_seconds = 0;
  std::int64_t charge = 0;
  std::string legs = "[]";  // JSON
};

/// What changes as a call goes on and when it ends.
struct CallbackUpdate {
  std::string status;
  std::optional<TimePoint> started_at, ended_at;
  std::int64_t talk_ms = 0;
  std::int64_t billed_seconds = 0;
  std::int64_t charge = 0;
  std::string legs = "[]";
};

/// Where "today" and "this month" begin in the site's time zone, for the minute and spend caps.
struct CapPeriods {
  TimePoint day_start;
  TimePoint month_start;
};

/// Which part of the scope a report covers (docs/metrics.md).
struct ReportFilter {
  std::vector<SiteId> sites;  // empty: every site of the scope
  DepartmentId department;    // 0: any
  OperatorId op;              // 0: any
};

/// A site's month on its statement (docs/metrics.md, "Statement").
struct SiteMonth {
  std::int64_t chats = 0, answered = 0, leads = 0, callbacks = 0, connected_calls = 0;
  std::int64_t talk_ms = 0, billed_seconds = 0, billed_minutes = 0, charge = 0;
  struct Server {
    OperatorId id;
    std::string name;
    std::int64_t chats = 0;  // conversations of the month they wrote in
  };
  std::vector<Server> operators;  // most chats first
};

/// What a CSV export reads: rows created in [from, until), of one site (one of the scope's) or of all of them.
struct ExportFilter {
  TimePoint from;
  TimePoint until;
  std::optional<SiteId> site;
};
inline constexpr int kMaxExportPage = 1000;

/// A conversation as the CSV export lists it.
struct ConversationExportRow {
  ConversationId id;
  SiteId site;
  std::string site_name;
  TimePoint created_at;
  std::optional<TimePoint> closed_at;
  VisitorId visitor;
  std::string visitor_name;  // as the console shows it: the site's default name when the visitor gave none
  std::string department;    // "" when never routed
  std::string operator_name; // "" when nobody was assigned
  std::int64_t messages = 0; // every message: the visitor's, operators', the bot's and system lines
  std::optional<std::int64_t> first_response_seconds;  // from the start to the first operator reply
  std::string rating;        // "good", "bad" or ""
  std::string rating_comment;
  std::vector<std::string> labels;  // alphabetical
};

// ---- webhooks (docs/webhooks.md) ----

struct WebhookEndpoint {
  std::int64_t id = 0;
  SiteId site;
  std::string site_key;
  std::string site_name;
  std::string url;
  std::string secret;
  std::vector<std::string> events;
  bool enabled = true;
  std::string disabled_reason;  // why the server turned it off ("" when on, or when its owner did)
  TimePoint created_at;
  std::int64_t pending = 0;     // deliveries waiting to be sent
};

struct WebhookAttempt {
  TimePoint at;
  int status = 0;  // the receiver's HTTP status; 0 when there was none
  std::string error;
  std::int64_t duration_ms = 0;
};

struct WebhookDelivery {
  std::int64_t id = 0;
  std::int64_t endpoint = 0;
  std::string event_id;  // "evt_..."
  std::string type;
  std::string state;     // pending | delivered | failed
  int attempts = 0;
  TimePoint created_at;
  TimePoint next_at;
  int last_status = 0;
  std::string last_error;
  std::optional<TimePoint> last_at;
  std::vector<WebhookAttempt> log;  // newest first, at most 20
};

/// What the sender needs for one delivery: the head of an enabled endpoint's queue.
struct DueWebhook {
  std::int64_t delivery = 0;
  std::int64_t endpoint = 0;
  std::string url;
  std::string secret;
  std::string event_id;
  std::string type;
  std::string body;
  int attempts = 0;
  TimePoint window_start;
};

/// The outcome of one attempt and what follows from it.
struct WebhookOutcome {
  TimePoint at;
  int status = 0;
  std::string error;
  std::int64_t duration_ms = 0;
  bool delivered = false;
  std::optional<TimePoint> retry_at;  // not delivered: when to try again; none: the delivery has failed
  std::string disable_reason;         // non-empty: turn the endpoint off with this notice
};

struct WebhookChange {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> enabled;
};

/// Whom a site's event goes to: set when at least one enabled endpoint subscribed to the type.
struct WebhookTarget {
  std::string site_key;
  std::string site_name;
};

struct AuthSession {
  OperatorScope scope;
  std::string csrf;
  TimePoint expires;
  std::int64_t token = 0;  // the API token it came from; 0 for a console session (cookie)
  bool may_write = true;   // false for a read-only API token
  bool site_limited = false;  // an API token limited to some of its maker's sites: account-wide lists are not its
};

/// An API token as lists show it (the token itself is never stored, only its hash).
struct ApiToken {
  std::int64_t id = 0;
  std::string name;
  std::string prefix;
  OperatorId maker;
  std::string maker_name;
  bool write = false;
  std::optional<std::vector<SiteId>> sites;  // the sites it is limited to; std::nullopt: all the maker's sites
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
};

// ---- team settings (docs/api.md, "Team and departments") ----

/// An operator of the account as the team settings list them.
struct TeamMember {
  OperatorId id;
  std::string name;
  std::string email;
  Role role = Role::operator_;
  std::vector<SiteId> sites;
  std::vector<std::string> site_keys;  // the same sites, by key
  std::vector<DepartmentId> departments;
  int chat_limit = 5;
  Presence presence = Presence::online;  // the stored choice
  bool disabled = false;
  bool invited = false;  // has an invitation and no password yet
  std::string photo;     // photo version, "" when none
};

/// An invitation to store: a new operator of the scope's account, or a fresh link for one not yet accepted.
struct Invitation {
  std::string email;  // lowercase
  std::string name;
  Role role = Role::operator_;
  std::vector<SiteId> sites;  // already checked to be the scope's
  int chat_limit = 5;
  std::string token_hash;
  TimePoint expires;
};

/// What PATCH /api/v1/operators/{id} may change; each field absent = unchanged. Rules are checked by the caller.
struct OperatorChange {
  std::optional<std::string> name;
  std::optional<Role> role;
  std::optional<std::vector<SiteId>> sites;
  std::optional<std::vector<DepartmentId>> departments;
  std::optional<int> chat_limit;
  std::optional<bool> disabled;
};

/// A department with its members, as the settings show it.
struct DepartmentInfo {
  DepartmentId id;
  SiteId site;
  std::string name;
  bool is_default = false;
  std::vector<OperatorId> members;
};

/// A site's departments (default first) and its ordered routing rules.
struct RoutingSetup {
  std::vector<DepartmentInfo> departments;
  std::vector<RoutingRule> rules;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // ---- transactions: for store/database.cpp's group commit only; these throw on failure ----
  virtual void tx_begin() = 0;
  virtual void tx_end(bool commit) = 0;
  virtual void savepoint_begin() = 0;
  virtual void savepoint_end(bool keep) = 0;

  // ---- health, administration ----
  virtual Result<void> ping() = 0;
  virtual Result<AccountId> ensure_account(std::string_view name, TimePoint now) = 0;
  /// Creates the site, or updates every field of the site with the same key. Returns its id.
  virtual Result<SiteId> upsert_site(const Site& site, TimePoint now) = 0;
  /// Creates the operator, or updates name, role and password of the one with the same email (same account).
  virtual Result<OperatorId> upsert_operator(AccountId account, std::string_view email, std::string_view name,
                                             std::string_view password_hash, Role role, TimePoint now) = 0;
  virtual Result<void> add_site_member(SiteId site, OperatorId op) = 0;
  virtual Result<std::optional<AccountId>> account_by_name(std::string_view name) = 0;

  // ---- sites ----
  virtual Result<std::optional<Site>> site_by_key(std::string_view key) = 0;
  /// A new site (the key must be free install-wide, else conflict naming the key) with its default department;
  /// `creator` and every owner and admin of the site's account become members of both. Returns it with its id.
  virtual Result<Site> create_site(const Site& site, OperatorId creator, TimePoint now) = 0;
  /// Stores every field of `site` but its key and account; not_found unless it is one of the scope's sites.
  virtual Result<void> update_site(const OperatorScope& scope, const Site& site) = 0;
  virtual Result<std::vector<Site>> sites_of(const OperatorScope& scope) = 0;

  // ---- visitors ----
  virtual Result<std::optional<Visitor>> visitor_by_token(SiteId site, std::string_view token_hash) = 0;
  virtual Result<Visitor> create_visitor(SiteId site, std::string_view token_hash, TimePoint now) = 0;
  /// The browser of the visitor's current visit (kept once per visit, cut to kMaxUserAgentBytes).
  virtual Result<void> set_visit_device(const Visitor& visitor, std::string_view user_agent) = 0;
  /// The card of the conversation's visitor, if the scope may see the conversation.
  virtual Result<std::optional<VisitorCard>> visitor_card(const OperatorScope& scope, ConversationId id) = 0;
  /// Records a page view; opens a new visit when the last activity is older than 30 minutes.
  virtual Result<void> record_page_view(const Visitor& visitor, const PageRef& page, TimePoint now) = 0;

  // ---- conversations and messages ----
  virtual Result<std::optional<Conversation>> open_conversation_of(const Visitor& visitor) = 0;
  /// The conversation if the visitor owns it.
  virtual Result<std::optional<Conversation>> visitor_conversation(const Visitor& visitor, ConversationId id) = 0;
  /// The conversation if the scope may see it: the single tenant filter for conversations.
  virtual Result<std::optional<Conversation>> conversation_for(const OperatorScope& scope, ConversationId id) = 0;
  virtual Result<std::vector<ConversationSummary>> open_conversations(const OperatorScope& scope) = 0;
  virtual Result<std::optional<ConversationSummary>> summary_for(const OperatorScope& scope, ConversationId id) = 0;
  /// Up to `limit` messages with seq > after, in seq order; `more` tells whether further ones exist.
  virtual Result<std::vector<Message>> messages_after(ConversationId id, Seq after, int limit, bool& more) = 0;
  /// Appends to the visitor's open conversation, opening one when there is none.
  virtual Result<Appended> append_visitor_message(const Visitor& visitor, const NewMessage& m) = 0;
  /// The first operator message takes the conversation (its first response), unless its author joined the
  /// conversation (join_conversation): then it is the first response and the chat stays with its holder.
  virtual Result<Appended> append_operator_message(const OperatorScope& scope, ConversationId id,
                                                   const NewMessage& m) = 0;
  /// A supervisor joins an open conversation held by another operator: stores the system message the visitor
  /// reads (core/chat joined_text, in the site's language). Idempotent per (operator, conversation): joining
  /// again returns the first message with duplicate = true. not_found outside the scope; conflict when the
  /// conversation is closed, waits in the queue or is the joiner's own. Role checks are the caller's.
  virtual Result<Appended> join_conversation(const OperatorScope& scope, ConversationId id, TimePoint at) = 0;
  /// The visitor's verdict on their conversation (open or closed); a second one replaces the first.
  /// not_found unless the visitor owns it.
  virtual Result<Conversation> rate_conversation(const Visitor& visitor, ConversationId id, bool good,
                                                 std::string_view comment, TimePoint now) = 0;
  /// Moves the operator's read marker forward (never back). Returns the marker now stored.
  virtual Result<Seq> mark_read(const OperatorScope& scope, ConversationId id, Seq seq) = 0;

  // ---- attachments (store/sqlite/sqlite_attachments.cpp) ----
  /// The attachment if the scope may see its conversation; nullopt for an unknown or foreign id alike.
  virtual Result<std::optional<StoredAttachment>> attachment_for(const OperatorScope& scope, std::string_view id) = 0;
  /// The attachment if it belongs to one of the visitor's conversations; nullopt otherwise.
  virtual Result<std::optional<StoredAttachment>> visitor_attachment(const Visitor& visitor, std::string_view id) = 0;
  /// Which of `ids` an attachments row names (the orphan-file sweep keeps those files).
  virtual Result<std::vector<std::string>> known_attachments(std::span<const std::string> ids) = 0;

  // ---- operators and sessions ----
  virtual Result<std::optional<Credentials>> credentials_by_email(std::string_view email) = 0;
  virtual Result<void> create_session(std::string_view token_hash, std::string_view csrf, OperatorId op,
                                      TimePoint now, TimePoint expires) = 0;
  virtual Result<std::optional<AuthSession>> session(std::string_view token_hash, TimePoint now) = 0;
  virtual Result<void> delete_session(std::string_view token_hash) = 0;
  virtual Result<std::optional<OperatorPhoto>> operator_photo(OperatorId op) = 0;

  // ---- desk ----
  /// Everything the desk needs to route: operators, departments, rules, open conversations.
  virtual Result<DeskSnapshot> desk_snapshot() = 0;
  /// Records the routing decision: department and operator (0: waiting in the queue).
  virtual Result<void> assign_conversation(ConversationId id, DepartmentId department, OperatorId op,
                                           TimePoint now) = 0;
  virtual Result<void> set_presence(OperatorId op, Presence presence) = 0;
  /// The operator of the visitor's latest other conversation that had one.
  virtual Result<std::optional<OperatorId>> last_operator_of(VisitorId visitor, ConversationId except) = 0;
  /// Closes an open conversation the scope may see. not_found otherwise; closing twice is not an error.
  virtual Result<Conversation> close_conversation(const OperatorScope& scope, ConversationId id, TimePoint now) = 0;
  /// Setup: the site's department of that name (created when missing); `is_default` moves the default to it.
  virtual Result<DepartmentId> upsert_department(SiteId site, std::string_view name, bool is_default) = 0;
  virtual Result<void> add_department_member(DepartmentId department, OperatorId op) = 0;
  virtual Result<void> add_routing_rule(SiteId site, const RoutingRule& rule) = 0;
  virtual Result<void> set_chat_limit(OperatorId op, int limit) = 0;
  virtual Result<Team> team_of(const OperatorScope& scope) = 0;

  // ---- team settings (sqlite_team.cpp) ----
  /// Every operator of the scope's account (whatever their sites), by name.
  virtual Result<std::vector<TeamMember>> team_members(const OperatorScope& scope) = 0;
  /// One operator of the scope's account, or none (another account's looks missing).
  virtual Result<std::optional<TeamMember>> team_member(const OperatorScope& scope, OperatorId id) = 0;
  /// How many enabled owners the scope's account has.
  virtual Result<int> owner_count(const OperatorScope& scope) = 0;
  /// Creates an invited operator (no password yet, in the sites and their default departments), or gives a
  /// fresh link to one of the account who has not accepted yet (the old link dies). conflict when the e-mail
  /// belongs to someone who already has a password, or to another account.
  virtual Result<TeamMember> invite_operator(const OperatorScope& scope, const Invitation& invitation, TimePoint now) = 0;
  /// Sets the password of the invitation's operator and ends the invitation. none: unknown, used or expired.
  virtual Result<std::optional<Credentials>> accept_invite(std::string_view token_hash, std::string_view password_hash,
                                                           TimePoint now) = 0;
  /// Applies a change already allowed by the caller. Sites: memberships follow the list (joining a site puts
  /// them in its default department; leaving one takes them out of its departments). Departments: must be of
  /// their sites (bad_request naming the id otherwise). Disabling ends their sessions.
  virtual Result<TeamMember> change_operator(const OperatorScope& scope, OperatorId id, const OperatorChange& change) = 0;
  /// The departments and rules of a site the caller has already checked the scope may see.
  virtual Result<RoutingSetup> routing_setup(SiteId site) = 0;
  /// The site of one of the scope's departments, or none.
  virtual Result<std::optional<SiteId>> department_site(const OperatorScope& scope, DepartmentId id) = 0;
  /// A new department of the site; members must be members of the site (bad_request naming one otherwise),
  /// the name unique within the site (conflict).
  virtual Result<DepartmentInfo> create_department(SiteId site, std::string_view name,
                                                   std::span<const OperatorId> members) = 0;
  /// Renames and/or replaces the members of a department (of a site the caller checked).
  virtual Result<DepartmentInfo> change_department(DepartmentId id, const std::optional<std::string>& name,
                                                   const std::optional<std::vector<OperatorId>>& members) = 0;
  /// Deletes a department that is not its site's default: its chats and rules move to the default one.
  virtual Result<void> delete_department(DepartmentId id) = 0;
  /// Replaces the site's ordered rules (each already normalised; departments must be the site's).
  virtual Result<void> set_routing_rules(SiteId site, std::span<const RoutingRule> rules) = 0;

  // ---- labels ----
  /// Adds (on) or removes a label; at most kMaxLabelsPerConversation. Returns the conversation's labels now.
  virtual Result<std::pair<Conversation, std::vector<std::string>>> set_label(const OperatorScope& scope, ConversationId id,
                                                                            std::string_view label, bool on) = 0;

  // ---- notes ----
  /// Idempotent by (operator, client_id) like messages: a resend returns the stored note with duplicate = true.
  /// `whisper`: addressed to the operator holding the conversation (conflict when nobody else holds it).
  virtual Result<std::pair<Note, bool>> add_note(const OperatorScope& scope, ConversationId id, const NewMessage& m,
                                                 bool whisper) = 0;
  /// The conversation's notes, oldest first (at most 500).
  virtual Result<std::vector<Note>> notes_of(const OperatorScope& scope, ConversationId id) = 0;
  // ---- canned replies (sqlite_desk.cpp) ----
  /// The account's replies for every site plus those of the scope's sites, by shortcut.
  virtual Result<std::vector<CannedReply>> canned_of(const OperatorScope& scope) = 0;
  /// Adds a reply, or replaces the text of the one with the same shortcut and site. `site` 0: every site;
  /// otherwise one of the scope's sites (not_found if not).
  virtual Result<CannedReply> put_canned(const OperatorScope& scope, SiteId site, std::string_view shortcut,
                                         std::string_view text, TimePoint now) = 0;
  virtual Result<void> delete_canned(const OperatorScope& scope, std::int64_t id) = 0;

  // ---- leads (sqlite_leads.cpp) ----
  /// Saves contacts a visitor left. Merges into the visitor's lead, else the site's lead with the same email or
  /// phone, else creates one; fills the visitor's name when they had none. Idempotent by (visitor, client_id).
  virtual Result<SavedLead> save_contact(const Visitor& visitor, const ContactForm& form, LeadSource source,
                                         std::string_view client_id, TimePoint now) = 0;
  virtual Result<std::vector<Lead>> leads_of(const OperatorScope& scope, const LeadFilter& filter) = 0;
  virtual Result<std::optional<LeadDetail>> lead_detail(const OperatorScope& scope, LeadId id) = 0;
  /// Changes the status (recorded as an entry); the same status again changes nothing (second: false).
  virtual Result<std::pair<Lead, bool>> set_lead_status(const OperatorScope& scope, LeadId id, LeadStatus status,
                                                        TimePoint now) = 0;
  /// Idempotent by (operator, client_id): a resend returns the stored entry with duplicate = true.
  virtual Result<std::pair<LeadEntry, bool>> add_lead_note(const OperatorScope& scope, LeadId id,
                                                           const NewMessage& m) = 0;

  // ---- callbacks (sqlite_callbacks.cpp) ----
  /// The site's callback settings as stored JSON (core/callback/settings.hpp), or none.
  virtual Result<std::optional<std::string>> callback_settings(SiteId site) = 0;
  virtual Result<void> set_callback_settings(SiteId site, std::string_view settings_json) = 0;
  /// Records a request. Idempotent by (visitor, client_id): a resend returns the first record, duplicate = true.
  virtual Result<std::pair<CallbackRecord, bool>> create_callback(const NewCallback& c) = 0;
  virtual Result<CallbackRecord> update_callback(CallbackId id, const CallbackUpdate& u) = 0;
  /// Everything the fraud rules need about this number, address, visitor and site (allowed requests only).
  virtual Result<FraudHistory> fraud_history(SiteId site, std::string_view e164, std::string_view ip,
                                             VisitorId visitor, TimePoint now, const CapPeriods& periods) = 0;
  /// Scheduled callbacks whose time has come, oldest first; each is switched to "placing" in the same step.
  virtual Result<std::vector<CallbackRecord>> take_due_callbacks(TimePoint now, int limit) = 0;
  /// After a crash, calls that were being placed are over: failed_technical. Returns how many.
  virtual Result<int> fail_interrupted_callbacks(TimePoint now) = 0;
  virtual Result<std::vector<CallbackRecord>> callbacks_of(const OperatorScope& scope, std::optional<SiteId> site,
                                                           CallbackId before, int limit) = 0;
  /// An install-wide opt-out (the CLI): no site of any account calls the number.
  virtual Result<void> opt_out(std::string_view e164, TimePoint now) = 0;
  /// The console's opt-out list (docs/callback.md, "Opt-outs"): numbers an account added. Such an entry stops
  /// calls from that account's sites only; another account neither sees it nor is affected by it.
  struct OptOut {
    std::string e164;
    TimePoint created_at;
    OperatorId added_by;    // 0 when unknown
    std::string added_by_name;
  };
  virtual Result<std::vector<OptOut>> optouts_of(AccountId account) = 0;
  /// Adds one; the same number again keeps the first entry (returned, with false).
  virtual Result<std::pair<OptOut, bool>> add_optout(AccountId account, OperatorId by, std::string_view e164,
                                                     TimePoint now) = 0;
  /// Removes one of the account's own; not_found when the account has no such entry.
  virtual Result<void> remove_optout(AccountId account, std::string_view e164) = 0;
  /// One callback, if the scope may see it.
  virtual Result<std::optional<CallbackRecord>> callback_for(const OperatorScope& scope, CallbackId id) = 0;
  /// Callbacks of the scope's sites created in [from, to), for statements: the site's time zone comes along so
  /// the caller can put each call in its site's month.
  struct StatementRow {
    SiteId site;
    std::string site_name;
    std::string timezone;
    std::string status;
    std::int64_t billed_seconds = 0;
    std::int64_t charge = 0;
    TimePoint at;  // ended_at, else created_at
  };
  virtual Result<std::vector<StatementRow>> statement_rows(const OperatorScope& scope, TimePoint from, TimePoint to) = 0;

  // ---- reports and statements (docs/metrics.md) ----
  /// Feeds `out` with the facts of the report period (`days`) of the scope's sites — only `filter.sites` of them
  /// when that is not empty; conversations (and bot answers) of `filter.department` / `filter.op` only when set,
  /// and then no leads, callbacks or invitations (they belong to a site, not to a department or an operator).
  virtual Result<void> report_facts(const OperatorScope& scope, const ReportFilter& filter, const ReportDays& days,
                                    ReportBuilder& out) = 0;
  /// One site's figures for [from, until) — a month of the site's calendar — if the scope may see the site.
  virtual Result<SiteMonth> site_month(const OperatorScope& scope, SiteId site, TimePoint from, TimePoint until) = 0;

  // ---- CSV exports: keyset pages in id order, with the same tenant filter as the lists ----
  /// Up to `limit` (1..kMaxExportPage) leads created in the filter's range with an id above `after`, by id.
  virtual Result<std::vector<Lead>> export_leads(const OperatorScope& scope, const ExportFilter& filter, LeadId after,
                                                 int limit) = 0;
  /// The same for conversations (created in the range).
  virtual Result<std::vector<ConversationExportRow>> export_conversations(const OperatorScope& scope,
                                                                          const ExportFilter& filter,
                                                                          ConversationId after, int limit) = 0;
  /// The same for callback requests (created in the range; refused ones included, with their rule).
  virtual Result<std::vector<CallbackRecord>> export_callbacks(const OperatorScope& scope, const ExportFilter& filter,
                                                               CallbackId after, int limit) = 0;

  /// Sets (or, with an empty version, removes) the photo. Returns the one it replaced, whose file may go.
  virtual Result<std::optional<OperatorPhoto>> set_operator_photo(OperatorId op, const OperatorPhoto& photo) = 0;

  // ---- engagement and the FAQ bot (docs/engagement.md) ----
  virtual Result<std::optional<std::string>> engage_settings(SiteId site) = 0;
  virtual Result<void> set_engage_settings(SiteId site, std::string_view settings_json) = 0;
  virtual Result<std::vector<KbEntry>> kb_entries(SiteId site) = 0;
  /// Inserts (entry.id == 0) or replaces an entry of the site; not_found for an id of another site.
  virtual Result<KbEntry> put_kb_entry(SiteId site, const KbEntry& entry, TimePoint now) = 0;
  virtual Result<void> delete_kb_entry(SiteId site, std::int64_t id) = 0;
  /// Adds the events to the site's counters of that UTC day ("YYYY-MM-DD").
  virtual Result<void> count_engage_events(SiteId site, std::string_view day, std::span<const EngageEvent> events) = 0;
  virtual Result<std::vector<TriggerStats>> engage_stats(SiteId site, std::string_view from_day,
                                                         std::string_view to_day) = 0;
  /// Conversations of the site created in [from, to) that the bot took part in.
  virtual Result<BotStats> bot_stats(SiteId site, TimePoint from, TimePoint to) = 0;
  /// Moves the bot state: "active" on a new conversation, "handed_off" (with the reason) from "active" only.
  /// Returns false when nothing changed (already handed off, or never the bot's).
  virtual Result<bool> set_bot_state(ConversationId id, std::string_view state, std::string_view reason) = 0;
  /// A bot message; `entry` is the knowledge-base entry of an answer (0: intro, hand-off or other line).
  /// Idempotent by client_id within the conversation.
  virtual Result<Appended> append_bot_message(ConversationId id, std::string_view bot_name, const NewMessage& m,
                                              std::int64_t entry) = 0;
  /// The visitor's "did this help?" on a bot answer in one of their conversations.
  virtual Result<BotFeedbackSaved> set_bot_feedback(const Visitor& visitor, MessageId message, bool helpful) = 0;
  /// The site's identity secret; created (or replaced, with rotate) when asked for.
  virtual Result<std::string> identity_secret(SiteId site, bool create, bool rotate) = 0;
  /// Members of the site: how many, and how many have a photo (the politeness report asks for real faces).
  virtual Result<std::pair<int, int>> site_operator_photos(SiteId site) = 0;
  /// Average seconds from a conversation's start to the first operator reply, over conversations of the site
  /// started since `since` that got one; -1 when there are none.
  virtual Result<int> average_first_response(SiteId site, TimePoint since) = 0;
  /// What a verified Otklik.identify said: kept on the visitor (the name only when given).
  virtual Result<Visitor> set_visitor_identity(const Visitor& visitor, std::string_view external_id,
                                               std::string_view name, std::string_view email) = 0;

  // ---- API tokens (sqlite_tokens.cpp, docs/api.md) ----
  /// A token acting as the scope's operator: their role, the sites they are a member of (at each use), only
  /// those of `sites` when it has a value (checked by the caller: core/tenancy/scope.hpp, choose_token_sites).
  virtual Result<ApiToken> create_api_token(const OperatorScope& scope, std::string_view name, std::string_view hash,
                                            std::string_view prefix, bool write,
                                            const std::optional<std::vector<SiteId>>& sites, TimePoint now) = 0;
  /// The account's tokens, revoked ones included, newest first.
  virtual Result<std::vector<ApiToken>> api_tokens(const OperatorScope& scope) = 0;
  /// Revokes one of the account's tokens (again: no error).
  virtual Result<void> revoke_api_token(const OperatorScope& scope, std::int64_t id, TimePoint now) = 0;
  /// The session a live token stands for: its maker's current scope, narrowed to the token's sites.
  virtual Result<std::optional<AuthSession>> token_session(std::string_view hash) = 0;

  // ---- webhooks (sqlite_webhooks.cpp, docs/webhooks.md) ----
  /// Whether any endpoint of the site takes events of this type now (then the caller builds the body).
  virtual Result<std::optional<WebhookTarget>> webhook_target(SiteId site, std::string_view type) = 0;
  /// The outbox: stores the event and one pending delivery per endpoint of the site subscribed to the type
  /// (or only to `only_endpoint`, for a test event), inside the caller's transaction. Returns how many. An endpoint
  /// its owner turned off gets nothing; one the server turned off (after failures) keeps collecting, so that
  /// nothing is lost while its owner mends the receiver.
  virtual Result<int> enqueue_webhook(SiteId site, std::string_view type, std::string_view event_id,
                                      std::string_view body, TimePoint now, std::int64_t only_endpoint) = 0;
  virtual Result<std::vector<WebhookEndpoint>> webhook_endpoints(const OperatorScope& scope) = 0;
  virtual Result<std::optional<WebhookEndpoint>> webhook_endpoint(const OperatorScope& scope, std::int64_t id) = 0;
  /// A new endpoint of one of the scope's sites (not_found otherwise); url and events already validated.
  virtual Result<WebhookEndpoint> create_webhook(const OperatorScope& scope, SiteId site, std::string_view url,
                                                 std::span<const std::string> events, std::string_view secret,
                                                 TimePoint now) = 0;
  /// Turning an endpoint back on clears the notice and gives its waiting deliveries a new 24-hour window.
  virtual Result<WebhookEndpoint> update_webhook(const OperatorScope& scope, std::int64_t id, const WebhookChange& change,
                                                 TimePoint now) = 0;
  virtual Result<void> delete_webhook(const OperatorScope& scope, std::int64_t id) = 0;
  /// The endpoint's delivery log, newest first, ids below `before` (0: from the newest); limit 1..100.
  virtual Result<std::vector<WebhookDelivery>> webhook_deliveries(const OperatorScope& scope, std::int64_t endpoint,
                                                                  std::int64_t before, int limit) = 0;
  /// Sends the delivery's event again: a new pending delivery at the end of the endpoint's queue.
  virtual Result<WebhookDelivery> redeliver_webhook(const OperatorScope& scope, std::int64_t endpoint,
                                                    std::int64_t delivery, TimePoint now) = 0;
  /// The sender's work: the oldest pending delivery of each enabled endpoint whose time has come (at most
  /// `limit`), and in `next_due` the earliest time a waiting head becomes due (unchanged when none waits).
  virtual Result<std::vector<DueWebhook>> due_webhooks(TimePoint now, int limit, TimePoint& next_due) = 0;
  virtual Result<void> record_webhook_attempt(std::int64_t delivery, const WebhookOutcome& outcome) = 0;
  /// Retention (docs/webhooks.md): deletes up to `batch` finished (delivered or failed) deliveries whose last
  /// activity is before `before`, with their attempts, then up to `batch` events older than `before` that no
  /// delivery refers to any more (a pending delivery keeps its event). One call is one transaction; returns how
  /// many deliveries and events went (callers call again, in a new transaction, while it is positive).
  virtual Result<int> prune_webhooks(TimePoint before, int batch) = 0;
};

}  // namespace otk
