#include "store/migrations/migrations.hpp"

namespace otk::migrations {
namespace {

constexpr Migration kMigrations[] = {
    {1, "chat foundation", R"SQL(
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE sites (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  language TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
  timezone TEXT NOT NULL DEFAULT 'Europe/Moscow',
  appearance TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX sites_account ON sites(account_id);
CREATE TABLE operators (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'supervisor', 'operator')),
  created_at INTEGER NOT NULL
);
CREATE TABLE site_members (
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  PRIMARY KEY (operator_id, site_id)
) WITHOUT ROWID;
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE visitors (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  token_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE TABLE visits (
  id INTEGER PRIMARY KEY,
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  referrer TEXT NOT NULL DEFAULT '',
  landing_url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX visits_visitor ON visits(visitor_id, id);
CREATE TABLE page_views (
  id INTEGER PRIMARY KEY,
  visit_id INTEGER NOT NULL REFERENCES visits(id),
  url TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL
);
CREATE INDEX page_views_visit ON page_views(visit_id, id);
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  last_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_message_at INTEGER NOT NULL
);
CREATE INDEX conversations_site_status ON conversations(site_id, status, last_message_at);
CREATE INDEX conversations_visitor ON conversations(visitor_id, status);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL,            -- 'v<visitor id>' or 'o<operator id>': the idempotency scope
  client_id TEXT NOT NULL,
  author_kind TEXT NOT NULL CHECK (author_kind IN ('visitor', 'operator', 'system')),
  operator_id INTEGER REFERENCES operators(id),
  author_name TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (sender, client_id)
);
CREATE TABLE read_markers (
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  PRIMARY KEY (operator_id, conversation_id)
) WITHOUT ROWID;
)SQL"},
    {2, "operator photos", R"SQL(
ALTER TABLE operators ADD COLUMN photo_type TEXT NOT NULL DEFAULT '';
ALTER TABLE operators ADD COLUMN photo_version TEXT NOT NULL DEFAULT '';
)SQL"},
    {3, "desk: departments, routing, assignment", R"SQL(
CREATE TABLE departments (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  UNIQUE (site_id, name)
);
CREATE UNIQUE INDEX departments_one_default ON departments(site_id) WHERE is_default = 1;
CREATE TABLE department_members (
  operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
  PRIMARY KEY (operator_id, department_id)
) WITHOUT ROWID;
CREATE TABLE routing_rules (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  rule TEXT NOT NULL,
  department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE
);
CREATE INDEX routing_rules_site ON routing_rules(site_id, position);
ALTER TABLE operators ADD COLUMN chat_limit INTEGER NOT NULL DEFAULT 5 CHECK (chat_limit BETWEEN 0 AND 100);
ALTER TABLE operators ADD COLUMN presence TEXT NOT NULL DEFAULT 'online' CHECK (presence IN ('online', 'away', 'offline'));
ALTER TABLE conversations ADD COLUMN department_id INTEGER REFERENCES departments(id);
ALTER TABLE conversations ADD COLUMN operator_id INTEGER REFERENCES operators(id);
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
ALTER TABLE conversations ADD COLUMN first_response_at INTEGER;
ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
CREATE INDEX conversations_operator ON conversations(operator_id, status);
-- Every site has a default department, and every site member is in it.
INSERT INTO departments(site_id, name, is_default)
  SELECT id, CASE language WHEN 'en' THEN 'General' ELSE 'Общий' END, 1 FROM sites;
INSERT INTO department_members(operator_id, department_id)
  SELECT m.operator_id, d.id FROM site_members m JOIN departments d ON d.site_id = m.site_id AND d.is_default = 1;
)SQL"},
    {4, "internal notes", R"SQL(
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  operator_id INTEGER NOT NULL REFERENCES operators(id),
  client_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (operator_id, client_id)
);
CREATE INDEX notes_conversation ON notes(conversation_id, id);
)SQL"},
    {5, "working hours", R"SQL(
ALTER TABLE sites ADD COLUMN hours TEXT NOT NULL DEFAULT '{"always_open":true}';
)SQL"},
    {6, "leads", R"SQL(
CREATE TABLE leads (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_work', 'won', 'lost')),
  source TEXT NOT NULL CHECK (source IN ('offline_form', 'chat', 'callback')),
  message TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX leads_account ON leads(account_id, id);
CREATE INDEX leads_site ON leads(site_id, id);
CREATE INDEX leads_site_email ON leads(site_id, email) WHERE email != '';
CREATE INDEX leads_site_phone ON leads(site_id, phone) WHERE phone != '';
-- Every visitor who left contacts belongs to exactly one lead; one person on two devices is one lead.
CREATE TABLE lead_visitors (
  visitor_id INTEGER PRIMARY KEY REFERENCES visitors(id),
  lead_id INTEGER NOT NULL REFERENCES leads(id)
);
CREATE INDEX lead_visitors_lead ON lead_visitors(lead_id);
CREATE TABLE lead_entries (
  id INTEGER PRIMARY KEY,
  lead_id INTEGER NOT NULL REFERENCES leads(id),
  kind TEXT NOT NULL CHECK (kind IN ('contact', 'note', 'status')),
  sender TEXT NOT NULL,   -- 'v<visitor id>' or 'o<operator id>'
  client_id TEXT,         -- the idempotency key of contacts and notes; NULL for status changes
  operator_id INTEGER REFERENCES operators(id),
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (sender, client_id)
);
CREATE INDEX lead_entries_lead ON lead_entries(lead_id, id);
)SQL"},
    {7, "callbacks", R"SQL(
CREATE TABLE callback_settings (
  site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  settings TEXT NOT NULL  -- core/callback/settings.hpp as JSON, trunk password included: never sent to browsers
);
CREATE TABLE callbacks (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  client_id TEXT NOT NULL,
  e164 TEXT NOT NULL,            -- '' when the number did not parse
  ip TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,          -- 'placing' while live, else a CallStatus name (core/callback/call.hpp)
  allowed INTEGER NOT NULL,      -- passed the fraud check: counts towards the limits
  rule TEXT NOT NULL DEFAULT '', -- the fraud rule that refused it
  created_at INTEGER NOT NULL,
  scheduled_for INTEGER,
  started_at INTEGER,
  ended_at INTEGER,
  talk_ms INTEGER NOT NULL DEFAULT 0,
  billed_seconds INTEGER NOT NULL DEFAULT 0,
  charge INTEGER NOT NULL DEFAULT 0,
  legs TEXT NOT NULL DEFAULT '[]',  -- the per-leg timeline as JSON
  UNIQUE (visitor_id, client_id)
);
CREATE INDEX callbacks_number ON callbacks(e164, created_at);
CREATE INDEX callbacks_ip ON callbacks(ip, created_at);
CREATE INDEX callbacks_visitor ON callbacks(visitor_id, created_at);
CREATE INDEX callbacks_site ON callbacks(site_id, created_at);
CREATE INDEX callbacks_live ON callbacks(status) WHERE status IN ('placing', 'scheduled');
-- People who asked never to be called again, whatever site asks.
CREATE TABLE callback_optout (
  e164 TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)SQL"},
    {8, "ratings", R"SQL(
ALTER TABLE conversations ADD COLUMN rating TEXT CHECK (rating IN ('good', 'bad'));
ALTER TABLE conversations ADD COLUMN rating_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN rated_at INTEGER;
)SQL"},
    {9, "canned replies", R"SQL(
CREATE TABLE canned_replies (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  site_id INTEGER NOT NULL DEFAULT 0,  -- 0: every site of the account
  shortcut TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, site_id, shortcut)
);
)SQL"},
    {10, "visit devices", R"SQL(
ALTER TABLE visits ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
)SQL"},
    {11, "labels", R"SQL(
CREATE TABLE conversation_labels (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  label TEXT NOT NULL,
  PRIMARY KEY (conversation_id, label)
) WITHOUT ROWID;
)SQL"},
    {12, "engagement and the FAQ bot", R"SQL(
-- Bot messages are their own author kind (never dressed up as a person). SQLite cannot change a CHECK in
-- place, so the table is rebuilt; nothing references messages.
CREATE TABLE messages_v12 (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL,            -- 'v<visitor id>', 'o<operator id>' or 'b<conversation id>' (the bot)
  client_id TEXT NOT NULL,
  author_kind TEXT NOT NULL CHECK (author_kind IN ('visitor', 'operator', 'system', 'bot')),
  operator_id INTEGER REFERENCES operators(id),
  author_name TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  bot_entry INTEGER,               -- the knowledge-base entry a bot answer came from
  bot_helpful INTEGER,             -- the visitor's "did this help?": NULL unasked or unanswered, 0, 1
  UNIQUE (conversation_id, seq),
  UNIQUE (sender, client_id)
);
INSERT INTO messages_v12(id, conversation_id, seq, sender, client_id, author_kind, operator_id, author_name, body,
                         created_at)
  SELECT id, conversation_id, seq, sender, client_id, author_kind, operator_id, author_name, body, created_at
  FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v12 RENAME TO messages;

-- '' no bot; 'active' the bot answers; 'handed_off' a person has it (bot_handoff says why).
ALTER TABLE conversations ADD COLUMN bot_state TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN bot_handoff TEXT NOT NULL DEFAULT '';

CREATE TABLE engage_settings (
  site_id INTEGER PRIMARY KEY REFERENCES sites(id),
  settings TEXT NOT NULL
);
CREATE TABLE kb_entries (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  question TEXT NOT NULL,
  phrasings TEXT NOT NULL,         -- JSON array of strings
  answer TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX kb_entries_site ON kb_entries(site_id);
-- Invitation counters: per site, day, trigger, kind and poll option; no visitor, IP or page.
CREATE TABLE engage_counts (
  site_id INTEGER NOT NULL REFERENCES sites(id),
  day TEXT NOT NULL,               -- YYYY-MM-DD, UTC
  trigger_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('shown', 'accepted', 'dismissed', 'answered')),
  option INTEGER NOT NULL DEFAULT -1,
  n INTEGER NOT NULL,
  PRIMARY KEY (site_id, day, trigger_id, kind, option)
) WITHOUT ROWID;

-- Otklik.identify: the HMAC key a site signs its users' ids with ('' until the owner asks for one), and what a
-- verified identity told us.
ALTER TABLE sites ADD COLUMN identity_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN email TEXT NOT NULL DEFAULT '';
)SQL"},
    {13, "webhooks", R"SQL(
-- docs/webhooks.md. An event is written in the same transaction as what it reports (the outbox), with one
-- delivery per endpoint that subscribed; the worker sends each endpoint's deliveries in event order.
CREATE TABLE webhook_endpoints (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,            -- JSON array of event types
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_site ON webhook_endpoints(site_id);
CREATE TABLE webhook_events (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  public_id TEXT NOT NULL UNIQUE,  -- "evt_...": receivers deduplicate by it
  type TEXT NOT NULL,
  body TEXT NOT NULL,              -- the JSON sent, byte for byte (the signature covers it)
  created_at INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES webhook_events(id),
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  window_start INTEGER NOT NULL,   -- retries stop 24 h after this
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  last_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  status INTEGER NOT NULL,         -- the receiver's HTTP status; 0 when there was none
  error TEXT NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
)SQL"},
    {14, "attachments", R"SQL(
-- A file sent in a message. The file itself is <data>/media/attachments/<id>, written (and synced) before the
-- transaction that inserts the message and this row, so a row never points at a missing file.
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,             -- 32 hex digits, random: the public id and the file's name
  message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id),
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  name TEXT NOT NULL,              -- sanitised (core/media/attachment)
  type TEXT NOT NULL CHECK (type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf')),
  size INTEGER NOT NULL CHECK (size > 0),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX attachments_conversation ON attachments(conversation_id);
)SQL"},
    {15, "API tokens", R"SQL(
-- docs/api.md, "API tokens". Only the SHA-256 of a token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  operator_id INTEGER NOT NULL REFERENCES operators(id),  -- who made it: the token acts within their scope
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,            -- the token's first characters, to tell tokens apart in lists
  can_write INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);
)SQL"},
    {16, "reports", R"SQL(
-- docs/metrics.md. routed_at: when the chat first reached people (an operator or the queue); first-response and
-- resolution times count from it. A re-offer after the first-response timer does not move it.
ALTER TABLE conversations ADD COLUMN routed_at INTEGER;
UPDATE conversations SET routed_at = COALESCE(assigned_at, CASE WHEN department_id IS NOT NULL THEN created_at END);
-- The visitor's first-touch UTM tags, from the landing page of their first visit: '' none, else the JSON array
-- [source, medium, campaign]. NULL until computed (the server fills in older visitors when it opens the database).
ALTER TABLE visitors ADD COLUMN campaign TEXT;
-- The visitor's campaign, copied when the conversation starts, so that a report reads one covering index.
ALTER TABLE conversations ADD COLUMN campaign TEXT;
CREATE INDEX conversations_report ON conversations(site_id, created_at, first_response_at, routed_at, closed_at,
  bot_state, rating, department_id, operator_id, campaign, account_id);
CREATE INDEX leads_site_created ON leads(site_id, created_at);
CREATE INDEX messages_bot ON messages(conversation_id, bot_helpful) WHERE bot_entry IS NOT NULL;
)SQL"},
    {17, "API tokens limited to sites", R"SQL(
-- docs/api.md, "API tokens": a JSON array of site ids the token is limited to (each still only while its maker
-- is a member of the site); NULL: all the maker's sites.
ALTER TABLE api_tokens ADD COLUMN sites TEXT;
)SQL"},
    {18, "supervisor whispers", R"SQL(
-- protocol.md, "note" with whisper: a supervisor's note addressed to the operator holding the chat.
ALTER TABLE notes ADD COLUMN whisper_to INTEGER REFERENCES operators(id);
)SQL"},
    {19, "per-site first-response timer", R"SQL(
-- docs/api.md, "Sites": the site's own first-response timer in seconds; NULL: the server's [desk] default.
ALTER TABLE sites ADD COLUMN first_response_seconds INTEGER;
)SQL"},
    {20, "callback opt-outs per account", R"SQL(
-- docs/callback.md, "Opt-outs". account_id 0: install-wide (otklik callback optout), no site calls the number;
-- else the account whose console added it: that account's sites do not call it, and only it lists the entry.
CREATE TABLE callback_optout_v2 (
  e164 TEXT NOT NULL,
  account_id INTEGER NOT NULL DEFAULT 0,
  added_by INTEGER,  -- the operator who added it (console); NULL from the CLI
  created_at INTEGER NOT NULL,
  PRIMARY KEY (e164, account_id)
) WITHOUT ROWID;
INSERT INTO callback_optout_v2(e164, account_id, created_at) SELECT e164, 0, created_at FROM callback_optout;
DROP TABLE callback_optout;
ALTER TABLE callback_optout_v2 RENAME TO callback_optout;
CREATE INDEX callback_optout_account ON callback_optout(account_id, created_at);
)SQL"},
    {21, "team settings: disabled operators, invitations", R"SQL(
-- docs/api.md, "Team and departments". A disabled operator cannot log in and takes no chats; their messages keep
-- their author. An invited operator has no password yet (password_hash '') and the SHA-256 of a one-time link
-- token valid until invite_expires_at.
ALTER TABLE operators ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operators ADD COLUMN invite_hash TEXT;
ALTER TABLE operators ADD COLUMN invite_expires_at INTEGER;
CREATE UNIQUE INDEX operators_invite ON operators(invite_hash) WHERE invite_hash IS NOT NULL;
)SQL"},
    {22, "webhook retention indexes", R"SQL(
-- docs/webhooks.md, "Retention": finished deliveries are deleted after [webhooks] retention_days, then the old
-- events no delivery refers to; both lookups (and the foreign key check on deleting an event) use these.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(COALESCE(last_at, created_at)) WHERE state != 'pending';
CREATE INDEX webhook_events_created ON webhook_events(created_at);
)SQL"},
};

}  // namespace

std::span<const Migration> all() { return kMigrations; }

}  // namespace otk::migrations
