// Wire types of the Otklik chat protocol, version 1. Mirrors docs/protocol.md; the server's parsers are
// server/src/proto/. Keep the three in step.

/** 'bot': the site's FAQ bot (docs/engagement.md); the widget always marks it as a bot */
export type AuthorKind = 'visitor' | 'operator' | 'system' | 'bot';

export interface Author {
  kind: AuthorKind;
  name?: string;
  photo?: string | null;
}

export interface Message {
  conversation: number;
  id: number;
  seq: number;
  client_id: string;
  author: Author;
  text: string;
  /** commit time, ms since the Unix epoch; display only, order is by seq */
  at: number;
  /** bot messages only. answer: a knowledge-base answer (the widget asks "did it help?"); helpful: the stored mark */
  bot?: { answer: boolean; helpful: boolean | null };
  /** a file sent in the message (images inline, PDFs as downloads); `text` then reads "[файл: name]" */
  attachment?: Attachment;
}

/** An attached file: `id` names it in the download URLs (docs/api.md, "Attachments"); `type` was read from its
 *  bytes: image/png, image/jpeg, image/gif, image/webp or application/pdf; `size` in bytes. */
export interface Attachment { id: string; name: string; type: string; size: number }

export interface PageRef {
  url: string;
  title?: string;
  referrer?: string;
}

export interface ConversationSummary {
  id: number;
  site: number;
  site_name: string;
  visitor: { id: number; name: string };
  status: 'open' | 'closed';
  created_at: number;
  last_seq: number;
  read_seq: number;
  unread: number;
  last_message: Message | null;
  page: PageRef | null;
  /** null until the desk has routed it */
  department: { id: number; name: string } | null;
  /** who has it; null while it waits in the queue */
  operator: { id: number; name: string } | null;
  /** an operator has written in it */
  answered: boolean;
  /** the operators' labels, alphabetical */
  labels: string[];
  /** the FAQ bot answers it; the desk has not routed it yet */
  bot?: boolean;
}

/** Where a visitor's chat stands: waiting in line, nobody answered in time, or with an operator. */
export interface StatusFrame {
  type: 'status';
  conversation: number;
  state: 'queued' | 'busy' | 'assigned';
  /** 1 = next; only when queued */
  position?: number;
  /** an honest estimate, or null when nobody can promise one; absent when assigned */
  wait_ms?: number | null;
}

export interface ClosedFrame { type: 'closed'; conversation: number }

/** Whether the team works now (the site's hours in its zone); next_open in ms since the epoch, or null. */
export interface HoursFrame { type: 'hours'; open: boolean; next_open: number | null }

export type Presence = 'online' | 'away' | 'offline';

export interface OperatorInfo {
  id: number;
  name: string;
  email: string;
  role: 'owner' | 'admin' | 'supervisor' | 'operator';
  /** path of the operator's photo on the Otklik server ("/media/operators/{id}/{version}"), or null */
  photo: string | null;
}

export interface SiteInfo {
  id: number;
  name: string;
  key: string;
  /** In the operator socket's welcome and site frames: the site's own first-response time, else the default. */
  first_response_ms?: number;
}

// ---- frames shared by both endpoints -------------------------------------------------------------

export type ErrorCode =
  | 'bad_json' | 'bad_frame' | 'unknown_type' | 'not_ready' | 'text_empty' | 'text_too_long'
  | 'not_found' | 'rate_limited' | 'unavailable' | 'internal' | 'bad_request' | 'unauthorized' | 'forbidden'
  | 'csrf' | 'bad_credentials' | 'origin_not_allowed' | 'unknown_site' | 'conflict' | 'too_large' | 'unsupported_media';

/** `ref`: the `client_id` of the frame it answers, else that frame's `type`. A refused `hello.identity` (wrong
 *  hash: `unauthorized`; no identity secret on the site: `forbidden`) has `ref` `"identity"`: the identity is
 *  ignored and the chat goes on anonymously. */
export interface ErrorFrame { type: 'error'; code: ErrorCode; message: string; ref?: string }
export interface AckFrame { type: 'ack'; client_id: string; conversation: number; id: number; seq: number; at: number }
export interface MessageFrame extends Message { type: 'message' }
export interface HistoryFrame { type: 'history'; conversation: number; messages: Message[]; more: boolean }
/** `text`: to operators, the visitor's draft where the site shows a typing preview */
export interface TypingFrame { type: 'typing'; conversation: number; active: boolean; author: Author; text?: string }

// ---- visitor endpoint: /ws/visitor?site=KEY -------------------------------------------------------

/** Otklik.identify(): `hash` = hex HMAC-SHA256 of `id` with the site's identity secret. */
export interface Identity { id: string; name?: string; email?: string; hash: string }

export type VisitorOut =
  | { type: 'hello'; visitor?: string; page?: PageRef; identity?: Identity }
  | { type: 'send'; client_id: string; text: string }
  /** `text`: the draft, sent only where the site owner turned the typing preview on (the widget then says so) */
  | { type: 'typing'; active: boolean; text?: string }
  | { type: 'history'; conversation: number; after: number; limit?: number }
  | { type: 'page'; url: string; title?: string }
  /** the offline form: at least an email or a phone; the answer is contact_saved (or an error with ref) */
  | { type: 'contact'; client_id: string; name?: string; email?: string; phone?: string; message?: string }
  /** the visitor's verdict on a conversation of theirs (usually right after it was closed) */
  | { type: 'rate'; conversation: number; rating: 'good' | 'bad'; comment?: string }
  /** instant callback; `website` is the form's hidden honeypot field (people leave it empty) */
  | { type: 'callback'; client_id: string; phone: string; website?: string; at?: number }
  /** the callback form opens: which times may the visitor pick? answered with callback_slots */
  | { type: 'callback_slots' }
  /** the callback form's instant check, while the visitor types; answered with phone_check */
  | { type: 'check_phone'; phone: string }
  /** "talk to a person": the bot hands the conversation to the operators */
  | { type: 'handoff' }
  /** the visitor's "did this help?" on a bot answer (`message`: the message id) */
  | { type: 'bot_feedback'; message: number; helpful: boolean };

/** Where a callback request stands. `message`: the polite reason of a refusal; `status`: the final call status. */
export interface CallbackFrame {
  type: 'callback';
  client_id: string;
  id: number;
  state: 'refused' | 'scheduled' | 'calling_operator' | 'calling_you' | 'connected' | 'ended';
  message?: string;
  status?: string;
  scheduled_for?: number;
}

export interface ContactSavedFrame { type: 'contact_saved'; client_id: string }

export interface VisitorWelcome {
  type: 'welcome';
  visitor: string;
  /** bot: the bot is answering the resumed conversation */
  conversation: { id: number; last_seq: number; bot?: boolean } | null;
  /** hello.identity was accepted */
  logged_in?: boolean;
}

/** The bot is answering this conversation (active) or has handed it to the operators. */
export interface BotFrame { type: 'bot'; conversation: number; active: boolean }
/** Would we call this number? `display` is it as people write it ("+7 916 123-45-67"); else `message` says why not. */
export interface PhoneCheckFrame { type: 'phone_check'; phone: string; ok: boolean; e164?: string; display?: string; message?: string }
/** Times the visitor may pick for a callback (ms, ascending; grouped by day in `zone`, the site's). */
export interface CallbackSlotsFrame { type: 'callback_slots'; open: boolean; zone: string; slots: number[] }
export interface BotFeedbackSavedFrame { type: 'bot_feedback_saved'; message: number; helpful: boolean }

export type VisitorIn = VisitorWelcome | AckFrame | MessageFrame | HistoryFrame | TypingFrame | StatusFrame | ClosedFrame
  | HoursFrame | ContactSavedFrame | CallbackFrame | { type: 'rated'; conversation: number } | BotFrame
  | BotFeedbackSavedFrame | PhoneCheckFrame | CallbackSlotsFrame | ErrorFrame;

// ---- operator endpoint: /ws/operator (session cookie) ---------------------------------------------

export type OperatorOut =
  | { type: 'hello' }
  | { type: 'send'; conversation: number; client_id: string; text: string }
  | { type: 'typing'; conversation: number; active: boolean }
  | { type: 'history'; conversation: number; after: number; limit?: number }
  | { type: 'read'; conversation: number; seq: number }
  | { type: 'close'; conversation: number }
  | { type: 'presence'; status: Presence }
  | { type: 'note'; conversation: number; client_id: string; text: string; whisper?: boolean }
  | { type: 'notes'; conversation: number }
  | { type: 'join'; conversation: number }
  | { type: 'transfer'; conversation: number; operator?: number; department?: number; client_id?: string; note?: string }
  /** put a label on (on: true) or take it off; 1..32 characters, at most 10 per conversation */
  | { type: 'label'; conversation: number; label: string; on: boolean };

export interface Team {
  operators: { id: number; name: string; departments: number[] }[];
  departments: { id: number; site: number; name: string }[];
}

export interface OperatorWelcome {
  type: 'welcome';
  operator: OperatorInfo;
  sites: SiteInfo[];
  conversations: ConversationSummary[];
  team: Team;
  /** the desk's first-response time: an unanswered chat older than this is late */
  first_response_ms: number;
}

/** An operators-only note on a conversation; never sent to the visitor. */
export interface Note {
  conversation: number;
  id: number;
  client_id: string;
  author: { id: number; name: string };
  text: string;
  at: number;
  /** a supervisor's whisper to the operator holding the chat (`to`) */
  whisper?: boolean;
  to?: { id: number; name: string };
}

export type LeadStatus = 'new' | 'in_work' | 'won' | 'lost';

/** A visitor who left contacts (offline form, a chat message with an address or number, a callback request). */
export interface Lead {
  id: number;
  site: number;
  site_name: string;
  visitor: number;
  name: string;
  email: string;
  phone: string;
  status: LeadStatus;
  source: 'offline_form' | 'chat' | 'callback';
  /** the latest message left with the contacts */
  message: string;
  created_at: number;
  updated_at: number;
  /** the first visit's referrer and landing page, its UTM tags, and how many visits so far */
  referrer: string;
  landing_url: string;
  utm: { source?: string; medium?: string; campaign?: string };
  visits: number;
}

export interface LeadEntry {
  id: number;
  lead: number;
  kind: 'contact' | 'note' | 'status';
  author: { id: number; name: string } | null;
  at: number;
  /** kind contact: what the visitor submitted */
  contact?: { source: string; name?: string; email?: string; phone?: string; message?: string };
  /** kind note: the text; kind status: the new status */
  text?: string;
}

/** GET /api/v1/leads/{id} */
export interface LeadDetail {
  lead: Lead;
  entries: LeadEntry[];
  pages: { url: string; title: string; at: number; visit: number }[];
  conversations: { id: number; created_at: number }[];
}

/** A callback as operators see it (GET /api/v1/callbacks, `callback` frames). */
export interface CallbackRecord {
  id: number;
  site: number;
  site_name: string;
  visitor: number;
  /** E.164, '' when the number did not parse */
  phone: string;
  /** 'placing' while live, 'scheduled', or the final status (docs/callback.md) */
  status: string;
  /** the fraud rule that refused it, or '' */
  rule: string;
  created_at: number;
  scheduled_for: number | null;
  started_at: number | null;
  ended_at: number | null;
  talk_ms: number;
  billed_seconds: number;
  charge: number;
  legs: { party: 'operator' | 'visitor'; operator?: number; round?: number; state: string; outcome: string;
    invited: number | null; first_provisional: number | null; answered: number | null; ended: number | null;
    final_code: number; reason: string | null; ended_by: string | null }[];
}

export type OperatorIn =
  | OperatorWelcome
  /** an owner or admin changed one of the operator's sites */
  | { type: 'site'; site: SiteInfo }
  | { type: 'conversation'; conversation: ConversationSummary }
  /** the FAQ bot stopped answering a conversation (handed off, or an operator wrote) */
  | BotFrame
  | { type: 'read'; conversation: number; seq: number }
  | { type: 'assignment'; conversation: number; department: { id: number; name: string } | null;
      operator: { id: number; name: string } | null }
  | { type: 'presence'; status: Presence; connected: boolean }
  | ({ type: 'note' } & Note)
  | { type: 'page'; conversation: number; page: PageRef; at: number }
  | { type: 'notes'; conversation: number; notes: Note[] }
  | { type: 'lead'; lead: Lead }
  | { type: 'callback'; callback: CallbackRecord }
  | { type: 'rating'; conversation: number; rating: 'good' | 'bad'; comment: string }
  | { type: 'callback_suspended'; site: number; rule: string }
  | { type: 'labels'; conversation: number; labels: string[] }
  /** the team changed in the settings (a member, a department, a limit): the same shape as welcome's team */
  | { type: 'team'; team: Team }
  | ClosedFrame
  | AckFrame | MessageFrame | HistoryFrame | TypingFrame | ErrorFrame;

// ---- widget configuration, built into /widget.js?site=KEY by the server ----------------------------

export interface WidgetConfig {
  /** public site key */
  site: string;
  lang: 'ru' | 'en';
  /** accent colour, CSS hex */
  color: string;
  position: 'right' | 'left';
  /** the site's name, shown in the panel header */
  site_name: string;
  /** optional owner-set texts; the widget has lively defaults in both languages */
  texts: { title?: string; greeting?: string; launcher?: string };
  /** the team's name in the header until an operator answers (then that operator's name and photo show) */
  operator_name: string | null;
  /** a small "chat by Otklik" text link, off unless the owner enables it */
  vendor_link: boolean;
  /** the site has instant callback switched on: the widget offers "call me back" */
  callback?: boolean;
  /** operators see the visitor's draft (off by default); the widget tells the visitor */
  typing_preview?: boolean;
  /** the site's engagement settings with defaults filled; absent: nothing proactive (docs/engagement.md) */
  engage?: EngageSettings;
  /** the largest attachment the server takes, in MiB ([limits] attachment_mb); absent: 10 */
  attachment_mb?: number;
}

// ---- engagement: the widget's part of the settings document (docs/engagement.md) ------------------

export type Device = 'desktop' | 'mobile' | 'tablet';
export type UtmParam = 'source' | 'medium' | 'campaign' | 'term' | 'content';

export type EngageCondition =
  | { type: 'time_on_page' | 'time_on_site'; min_seconds: number }
  | { type: 'pages_viewed'; min: number }
  | { type: 'visit_count'; min: number; max?: number | null }
  | { type: 'inactivity'; seconds: number }
  | { type: 'scroll_depth'; min_percent: number }
  | { type: 'exit_intent' | 'email_campaign' }
  | { type: 'url'; pattern: string }
  | { type: 'referrer'; contains: string }
  | { type: 'utm'; param: UtmParam; equals: string }
  | { type: 'logged_in'; value: boolean }
  | { type: 'device'; value: Device }
  | { type: 'event'; name: string };

export type BannerAction = { type: 'banner'; title: string; text: string; link?: string | null; link_text?: string | null };
export type EngageAction =
  | { type: 'teaser' | 'callback_offer'; text: string }
  | BannerAction
  | { type: 'poll'; question: string; options: string[] };

export interface EngageTrigger {
  id: string;
  enabled: boolean;
  match: 'all' | 'any';
  conditions: EngageCondition[];
  action: EngageAction;
}

export interface EngageSettings {
  triggers: EngageTrigger[];
  guards: { period_hours: number; excluded_pages: string[] };
  /** greetings: by utm_campaign */
  campaign: { medium: string; greeting: string | null; greetings: Record<string, string> };
  launcher: { style: 'round' | 'flat'; label: string };
  /** yandex_metrica: the counter id, 0 = off */
  goals: { yandex_metrica: number; google: boolean };
  bot: { enabled: boolean; name: string };
}

export const LIMITS = {
  visitorFrameBytes: 16 * 1024,
  operatorFrameBytes: 64 * 1024,
  textChars: 4000,
  clientIdChars: 64,
  historyPage: 200,
} as const;

export const CLOSE = {
  goingAway: 1001,
  tooBig: 1009,
  noHello: 4000,
  unauthorized: 4001,
  tooSlow: 4008,
} as const;
