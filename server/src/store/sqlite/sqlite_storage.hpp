// Storage on one SQLite connection. Not thread-safe: Database gives each thread its own instance.
#pragma once
#include <memory>
#include <string>

#include "app/ports/storage.hpp"
#include "store/sqlite/sqlite.hpp"

namespace otk {

class SqliteStorage final : public Storage {
 public:
  /// Opens the file; with migrate = true applies pending migrations first (throws on failure: start-up).
  SqliteStorage(const std::string& path, bool migrate);

  /// The schema version of the open database.
  int schema_version();
  /// Caps the database file at about `bytes` (SQLite's max_page_count; never below what it holds now). Writes
  /// past it fail with SQLITE_FULL, which the storage contract reports as `unavailable`, as for a full disk.
  void limit_size(std::int64_t bytes);
  sqlite::Connection& connection() { return db_; }

  void tx_begin() override { db_.exec("BEGIN IMMEDIATE"); }
  void tx_end(bool commit) override { db_.exec(commit ? "COMMIT" : "ROLLBACK"); }
  void savepoint_begin() override { db_.exec("SAVEPOINT job"); }
  void savepoint_end(bool keep) override { db_.exec(keep ? "RELEASE job" : "ROLLBACK TO job; RELEASE job"); }

  Result<void> ping() override;
  Result<AccountId> ensure_account(std::string_view name, TimePoint now) override;
  Result<SiteId> upsert_site(const Site& site, TimePoint now) override;
  Result<OperatorId> upsert_operator(AccountId account, std::string_view email, std::string_view name,
                                     std::string_view password_hash, Role role, TimePoint now) override;
  Result<void> add_site_member(SiteId site, OperatorId op) override;
  Result<std::optional<AccountId>> account_by_name(std::string_view name) override;
  Result<std::optional<Site>> site_by_key(std::string_view key) override;
  Result<Site> create_site(const Site& site, OperatorId creator, TimePoint now) override;
  Result<void> update_site(const OperatorScope& scope, const Site& site) override;
  Result<std::vector<Site>> sites_of(const OperatorScope& scope) override;
  Result<std::optional<Visitor>> visitor_by_token(SiteId site, std::string_view token_hash) override;
  Result<Visitor> create_visitor(SiteId site, std::string_view token_hash, TimePoint now) override;
  Result<void> record_page_view(const Visitor& visitor, const PageRef& page, TimePoint now) override;
  Result<std::optional<Conversation>> open_conversation_of(const Visitor& visitor) override;
  Result<std::optional<Conversation>> visitor_conversation(const Visitor& visitor, ConversationId id) override;
  Result<std::optional<Conversation>> conversation_for(const OperatorScope& scope, ConversationId id) override;
  Result<std::vector<ConversationSummary>> open_conversations(const OperatorScope& scope) override;
  Result<std::optional<ConversationSummary>> summary_for(const OperatorScope& scope, ConversationId id) override;
  Result<std::vector<Message>> messages_after(ConversationId id, Seq after, int limit, bool& more) override;
  Result<Appended> append_visitor_message(const Visitor& visitor, const NewMessage& m) override;
  Result<Appended> append_operator_message(const OperatorScope& scope, ConversationId id,
                                           const NewMessage& m) override;
  Result<Conversation> rate_conversation(const Visitor& visitor, ConversationId id, bool good, std::string_view comment,
                                         TimePoint now) override;
  Result<Seq> mark_read(const OperatorScope& scope, ConversationId id, Seq seq) override;
  Result<std::optional<Credentials>> credentials_by_email(std::string_view email) override;
  Result<void> create_session(std::string_view token_hash, std::string_view csrf, OperatorId op, TimePoint now,
                              TimePoint expires) override;
  Result<std::optional<AuthSession>> session(std::string_view token_hash, TimePoint now) override;
  Result<void> delete_session(std::string_view token_hash) override;
  Result<std::optional<OperatorPhoto>> operator_photo(OperatorId op) override;
  Result<std::optional<OperatorPhoto>> set_operator_photo(OperatorId op, const OperatorPhoto& photo) override;
  // sqlite_desk.cpp
  Result<DeskSnapshot> desk_snapshot() override;
  Result<void> assign_conversation(ConversationId id, DepartmentId department, OperatorId op, TimePoint now) override;
  Result<void> set_presence(OperatorId op, Presence presence) override;
  Result<std::optional<OperatorId>> last_operator_of(VisitorId visitor, ConversationId except) override;
  Result<Conversation> close_conversation(const OperatorScope& scope, ConversationId id, TimePoint now) override;
  Result<DepartmentId> upsert_department(SiteId site, std::string_view name, bool is_default) override;
  Result<void> add_department_member(DepartmentId department, OperatorId op) override;
  Result<void> add_routing_rule(SiteId site, const RoutingRule& rule) override;
  Result<void> set_chat_limit(OperatorId op, int limit) override;
  Result<Team> team_of(const OperatorScope& scope) override;
  Result<std::vector<TeamMember>> team_members(const OperatorScope& scope) override;
  Result<std::optional<TeamMember>> team_member(const OperatorScope& scope, OperatorId id) override;
  Result<int> owner_count(const OperatorScope& scope) override;
  Result<TeamMember> invite_operator(const OperatorScope& scope, const Invitation& invitation, TimePoint now) override;
  Result<std::optional<Credentials>> accept_invite(std::string_view token_hash, std::string_view password_hash,
                                                   TimePoint now) override;
  Result<TeamMember> change_operator(const OperatorScope& scope, OperatorId id, const OperatorChange& change) override;
  Result<RoutingSetup> routing_setup(SiteId site) override;
  Result<std::optional<SiteId>> department_site(const OperatorScope& scope, DepartmentId id) override;
  Result<DepartmentInfo> create_department(SiteId site, std::string_view name, std::span<const OperatorId> members) override;
  Result<DepartmentInfo> change_department(DepartmentId id, const std::optional<std::string>& name,
                                           const std::optional<std::vector<OperatorId>>& members) override;
  Result<void> delete_department(DepartmentId id) override;
  Result<void> set_routing_rules(SiteId site, std::span<const RoutingRule> rules) override;
  Result<std::pair<Note, bool>> add_note(const OperatorScope& scope, ConversationId id, const NewMessage& m,
                                         bool whisper) override;
  Result<Appended> join_conversation(const OperatorScope& scope, ConversationId id, TimePoint at) override;
  Result<std::vector<Note>> notes_of(const OperatorScope& scope, ConversationId id) override;
  Result<std::pair<Conversation, std::vector<std::string>>> set_label(const OperatorScope& scope, ConversationId id,
                                                                    std::string_view label, bool on) override;
  std::vector<std::string> labels_of(ConversationId id);
  Result<std::vector<CannedReply>> canned_of(const OperatorScope& scope) override;
  Result<CannedReply> put_canned(const OperatorScope& scope, SiteId site, std::string_view shortcut,
                                 std::string_view text, TimePoint now) override;
  Result<void> delete_canned(const OperatorScope& scope, std::int64_t id) override;
  Result<void> set_visit_device(const Visitor& visitor, std::string_view user_agent) override;
  Result<std::optional<VisitorCard>> visitor_card(const OperatorScope& scope, ConversationId id) override;
  // sqlite_leads.cpp
  Result<SavedLead> save_contact(const Visitor& visitor, const ContactForm& form, LeadSource source,
                                 std::string_view client_id, TimePoint now) override;
  Result<std::vector<Lead>> leads_of(const OperatorScope& scope, const LeadFilter& filter) override;
  Result<std::optional<LeadDetail>> lead_detail(const OperatorScope& scope, LeadId id) override;
  Result<std::pair<Lead, bool>> set_lead_status(const OperatorScope& scope, LeadId id, LeadStatus status,
                                                TimePoint now) override;
  Result<std::pair<LeadEntry, bool>> add_lead_note(const OperatorScope& scope, LeadId id, const NewMessage& m) override;
  // sqlite_callbacks.cpp
  Result<std::optional<std::string>> callback_settings(SiteId site) override;
  Result<void> set_callback_settings(SiteId site, std::string_view settings_json) override;
  Result<std::pair<CallbackRecord, bool>> create_callback(const NewCallback& c) override;
  Result<CallbackRecord> update_callback(CallbackId id, const CallbackUpdate& u) override;
  Result<FraudHistory> fraud_history(SiteId site, std::string_view e164, std::string_view ip, VisitorId visitor,
                                     TimePoint now, const CapPeriods& periods) override;
  Result<std::vector<CallbackRecord>> take_due_callbacks(TimePoint now, int limit) override;
  Result<int> fail_interrupted_callbacks(TimePoint now) override;
  Result<std::vector<CallbackRecord>> callbacks_of(const OperatorScope& scope, std::optional<SiteId> site,
                                                   CallbackId before, int limit) override;
  Result<void> opt_out(std::string_view e164, TimePoint now) override;
  Result<std::vector<OptOut>> optouts_of(AccountId account) override;
  Result<std::pair<OptOut, bool>> add_optout(AccountId account, OperatorId by, std::string_view e164,
                                             TimePoint now) override;
  Result<void> remove_optout(AccountId account, std::string_view e164) override;
  Result<std::optional<CallbackRecord>> callback_for(const OperatorScope& scope, CallbackId id) override;
  Result<void> report_facts(const OperatorScope& scope, const ReportFilter& filter, const ReportDays& days,
                            ReportBuilder& out) override;
  Result<SiteMonth> site_month(const OperatorScope& scope, SiteId site, TimePoint from, TimePoint until) override;
  Result<std::vector<StatementRow>> statement_rows(const OperatorScope& scope, TimePoint from, TimePoint to) override;
  Result<std::vector<Lead>> export_leads(const OperatorScope& scope, const ExportFilter& filter, LeadId after,
                                         int limit) override;
  Result<std::vector<ConversationExportRow>> export_conversations(const OperatorScope& scope, const ExportFilter& filter,
                                                                  ConversationId after, int limit) override;
  Result<std::vector<CallbackRecord>> export_callbacks(const OperatorScope& scope, const ExportFilter& filter,
                                                       CallbackId after, int limit) override;
  Result<std::optional<std::string>> engage_settings(SiteId site) override;
  Result<void> set_engage_settings(SiteId site, std::string_view settings_json) override;
  Result<std::vector<KbEntry>> kb_entries(SiteId site) override;
  Result<KbEntry> put_kb_entry(SiteId site, const KbEntry& entry, TimePoint now) override;
  Result<void> delete_kb_entry(SiteId site, std::int64_t id) override;
  Result<void> count_engage_events(SiteId site, std::string_view day, std::span<const EngageEvent> events) override;
  Result<std::vector<TriggerStats>> engage_stats(SiteId site, std::string_view from_day, std::string_view to_day) override;
  Result<BotStats> bot_stats(SiteId site, TimePoint from, TimePoint to) override;
  Result<bool> set_bot_state(ConversationId id, std::string_view state, std::string_view reason) override;
  Result<Appended> append_bot_message(ConversationId id, std::string_view bot_name, const NewMessage& m,
                                      std::int64_t entry) override;
  Result<BotFeedbackSaved> set_bot_feedback(const Visitor& visitor, MessageId message, bool helpful) override;
  Result<std::string> identity_secret(SiteId site, bool create, bool rotate) override;
  Result<std::pair<int, int>> site_operator_photos(SiteId site) override;
  Result<int> average_first_response(SiteId site, TimePoint since) override;
  Result<Visitor> set_visitor_identity(const Visitor& visitor, std::string_view external_id, std::string_view name,
                                       std::string_view email) override;
  // sqlite_attachments.cpp
  Result<std::optional<StoredAttachment>> attachment_for(const OperatorScope& scope, std::string_view id) override;
  Result<std::optional<StoredAttachment>> visitor_attachment(const Visitor& visitor, std::string_view id) override;
  Result<std::vector<std::string>> known_attachments(std::span<const std::string> ids) override;

  // sqlite_tokens.cpp
  Result<ApiToken> create_api_token(const OperatorScope& scope, std::string_view name, std::string_view hash,
                                    std::string_view prefix, bool write,
                                    const std::optional<std::vector<SiteId>>& sites, TimePoint now) override;
  Result<std::vector<ApiToken>> api_tokens(const OperatorScope& scope) override;
  Result<void> revoke_api_token(const OperatorScope& scope, std::int64_t id, TimePoint now) override;
  Result<std::optional<AuthSession>> token_session(std::string_view hash) override;
  // sqlite_webhooks.cpp
  Result<std::optional<WebhookTarget>> webhook_target(SiteId site, std::string_view type) override;
  Result<int> enqueue_webhook(SiteId site, std::string_view type, std::string_view event_id, std::string_view body,
                              TimePoint now, std::int64_t only_endpoint) override;
  Result<std::vector<WebhookEndpoint>> webhook_endpoints(const OperatorScope& scope) override;
  Result<std::optional<WebhookEndpoint>> webhook_endpoint(const OperatorScope& scope, std::int64_t id) override;
  Result<WebhookEndpoint> create_webhook(const OperatorScope& scope, SiteId site, std::string_view url,
                                         std::span<const std::string> events, std::string_view secret,
                                         TimePoint now) override;
  Result<WebhookEndpoint> update_webhook(const OperatorScope& scope, std::int64_t id, const WebhookChange& change,
                                         TimePoint now) override;
  Result<void> delete_webhook(const OperatorScope& scope, std::int64_t id) override;
  Result<std::vector<WebhookDelivery>> webhook_deliveries(const OperatorScope& scope, std::int64_t endpoint,
                                                          std::int64_t before, int limit) override;
  Result<WebhookDelivery> redeliver_webhook(const OperatorScope& scope, std::int64_t endpoint, std::int64_t delivery,
                                            TimePoint now) override;
  Result<std::vector<DueWebhook>> due_webhooks(TimePoint now, int limit, TimePoint& next_due) override;
  Result<void> record_webhook_attempt(std::int64_t delivery, const WebhookOutcome& outcome) override;
  Result<int> prune_webhooks(TimePoint before, int batch) override;

 private:
  /// Records a message's attachment, inside the message's own transaction (throws like every write here).
  void insert_attachment(MessageId message, ConversationId conversation, const Attachment& a, TimePoint at);
  /// The attachment and the id of its conversation, or nullopt.
  std::optional<std::pair<Attachment, ConversationId>> find_attachment(std::string_view id);
  std::optional<CallbackRecord> callback_by_id(CallbackId id);
  std::optional<Lead> lead_by_id(LeadId id);
  std::optional<Lead> visible_lead(const OperatorScope& scope, LeadId id);
  void migrate();
  /// Visitors from before migration 16 get their first-touch campaign (sqlite_reports.cpp).
  void fill_campaigns();
  std::optional<Message> find_by_client_id(const std::string& sender, const std::string& client_id);
  std::optional<Message> find_message(MessageId id);
  Appended append(const Conversation& conv, const std::string& sender, const Author& author, const NewMessage& m,
                  bool created);
  std::vector<SiteId> member_sites(OperatorId op, AccountId account);
  /// Team settings (sqlite_team.cpp): the members of one department, and one department with them.
  std::vector<OperatorId> department_members(DepartmentId id);
  std::optional<DepartmentInfo> department_info(DepartmentId id);
  /// Adds the per-operator parts (read marker, unread count) and the last message and page to `head`.
  ConversationSummary summarise(const OperatorScope& scope, Conversation c, ConversationSummary head);

  sqlite::Connection db_;
};

}  // namespace otk
