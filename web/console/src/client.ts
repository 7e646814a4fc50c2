// The operator's side of docs/protocol.md, without any view code: one socket, every conversation of the
// operator's sites, messages per conversation keyed by seq, pending sends keyed by client_id, resume and gap
// filling by sequence, reconnect with backoff and full jitter.
import type { Attachment, CallbackRecord, ConversationSummary, Lead, Message, Note, OperatorIn, OperatorOut, OperatorWelcome, Presence, SiteInfo, Team } from '../../protocol/index';

/** On a bot's message (docs/engagement.md): whether it answered from the knowledge base and what the visitor
 *  said to "did this help?" (null until they say). */
export interface BotMark { answer: boolean; helpful: boolean | null }

/** The FAQ bot is answering this conversation (`bot` on a summary; absent from older servers). */
export const botAnswering = (s: ConversationSummary): boolean => (s as ConversationSummary & { bot?: boolean }).bot === true;

export interface Item {
  key: string;
  seq: number;
  mine: boolean;
  kind: 'visitor' | 'operator' | 'system' | 'bot';
  /** only on the bot's messages */
  bot?: BotMark;
  author: string;
  text: string;
  at: number;
  state: 'sending' | 'sent' | 'failed';
  /** a file sent in the message: shown instead of its text */
  attachment?: Attachment;
}

export interface Conv {
  summary: ConversationSummary;
  messages: Map<number, Item>;
  pending: Map<string, Item>;
  lastSeq: number;      // highest contiguous seq held
  loaded: boolean;      // history requested at least once
  notes: Map<string, Note>; // by client_id: a resend or an echo replaces, never doubles
  /** the visitor's draft, where the site shows a typing preview */
  visitorDraft?: string;
  visitorTyping: number; // ms timestamp of the last typing:true, 0 when not typing
}

const rid = () => {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return 'o' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

export class OperatorClient {
  online = false;
  presence: Presence = 'online';
  team: Team = { operators: [], departments: [] };
  sites: SiteInfo[] = [];
  firstResponseMs = 25000;
  me: OperatorWelcome['operator'] | null = null;
  convs = new Map<number, Conv>();
  onChange: () => void = () => {};
  onLoggedOut: () => void = () => {};
  onIncoming: (c: Conv, m: Message | null) => void = () => {};
  /** A lead was created or changed on one of the operator's sites. */
  onLead: (lead: Lead) => void = () => {};
  /** A site's callbacks were suspended: a minute or spend cap was reached. */
  onSuspended: (site: number, rule: string) => void = () => {};
  /** A visitor rated a conversation (usually one just closed). */
  onRating: (conversation: number, good: boolean, comment: string) => void = () => {};
  /** A callback of one of the operator's sites was requested or changed. */
  onCallback: (c: CallbackRecord) => void = () => {};
  /** The server's last refusal (an `error` frame not about a pending message), for views that act on chats. */
  lastError: { code: string; message: string; ref: string; at: number } | null = null;
  /** Leads that arrived while the operator was elsewhere; the view resets it. */
  freshLeads = 0;

  private ws: WebSocket | null = null;
  private retry = 0;
  private stopped = false;
  private reconnectTimer = 0;
  private watching = false;
  private chosenOffline: Presence | null = null;

  connect(): void {
    this.stopped = false;
    this.watchNetwork();
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws/operator');
    this.ws = ws;
    ws.addEventListener('open', () => this.raw({ type: 'hello' }));
    ws.addEventListener('message', (ev) => this.receive(JSON.parse(String(ev.data)) as OperatorIn));
    ws.addEventListener('close', (ev) => {
      this.online = false;
      this.ws = null;
      // 4002: the operator's sites changed (a new site); come back at once for the new welcome, without the
      // "no connection" bar flashing.
      if (ev.code === 4002 && !this.stopped) return this.connect();
      this.onChange();
      if (ev.code === 4001) return this.onLoggedOut();
      if (this.stopped) return;
      const cap = Math.min(30000, 500 * 2 ** this.retry++);
      this.reconnectTimer = window.setTimeout(() => this.connect(), Math.random() * cap);
    });
  }

  /** A dead network often leaves a socket that looks open for minutes: trust the browser's own signal, drop the
   *  socket at once (so the "no connection" bar shows and sends wait), and reconnect the moment it is back. */
  private watchNetwork(): void {
    if (this.watching) return;
    this.watching = true;
    window.addEventListener('offline', () => this.ws?.close());
    window.addEventListener('online', () => {
      if (this.stopped || this.ws) return;
      clearTimeout(this.reconnectTimer);
      this.retry = 0;
      this.connect();
    });
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }

  /** Nobody has answered this visitor within the first-response time (supervisors watch these). */
  late(c: Conv, now = Date.now()): boolean {
    const limit = this.sites.find((x) => x.id === c.summary.site)?.first_response_ms ?? this.firstResponseMs;
    return !c.summary.answered && c.summary.status === 'open' && now - c.summary.created_at > limit;
  }

  list(): Conv[] {
    return [...this.convs.values()].sort(
      (a, b) => (b.summary.last_message?.at ?? b.summary.created_at) - (a.summary.last_message?.at ?? a.summary.created_at));
  }

  items(c: Conv): Item[] {
    return [...c.messages.values()].sort((a, b) => a.seq - b.seq).concat([...c.pending.values()]);
  }

  /** Loads the transcript the first time a conversation is opened. */
  open(id: number): void {
    const c = this.convs.get(id);
    if (c && !c.loaded) {
      c.loaded = true;
      this.history(c);
      this.raw({ type: 'notes', conversation: id });
    }
  }

  note(id: number, text: string): void { this.raw({ type: 'note', conversation: id, client_id: rid(), text }); }

  /** A supervisor's note to the operator holding the chat (docs/protocol.md, "Supervisors"). */
  whisper(id: number, text: string): void { this.raw({ type: 'note', conversation: id, client_id: rid(), text, whisper: true }); }

  /** A supervisor joins a colleague's chat: the visitor is told who came. */
  join(id: number): void { this.raw({ type: 'join', conversation: id }); }

  /** Since when the visitor has waited for an answer (ms), or null when nobody owes them one: their last message
   *  is unanswered, or nobody has answered since the chat began. */
  waitingSince(c: Conv): number | null {
    const last = c.summary.last_message;
    if (last && last.author.kind === 'visitor') return last.at;
    return c.summary.answered ? null : c.summary.created_at;
  }

  transfer(id: number, to: { operator: number } | { department: number }, note?: string): void {
    this.raw({ type: 'transfer', conversation: id, ...to, ...(note ? { client_id: rid(), note } : {}) });
  }

  send(id: number, text: string): void {
    const c = this.convs.get(id);
    if (!c) return;
    const it: Item = { key: rid(), seq: 0, mine: true, kind: 'operator', author: this.me?.name ?? '', text, at: Date.now(), state: 'sending' };
    c.pending.set(it.key, it);
    this.raw({ type: 'send', conversation: id, client_id: it.key, text });
    this.onChange();
  }

  typing(id: number, active: boolean): void { this.raw({ type: 'typing', conversation: id, active }); }

  close(id: number): void { this.raw({ type: 'close', conversation: id }); }

  label(conversation: number, label: string, on: boolean): void {
    this.raw({ type: 'label', conversation, label, on });
  }

  setPresence(p: Presence): void {
    this.presence = p;
    // Chosen before the socket is up (or while it is down): say it once the server has welcomed us.
    if (this.online) this.raw({ type: 'presence', status: p });
    else this.chosenOffline = p;
    this.onChange();
  }

  markRead(id: number): void {
    const c = this.convs.get(id);
    if (!c || c.summary.unread === 0 && c.summary.read_seq >= c.summary.last_seq) return;
    c.summary.unread = 0;
    c.summary.read_seq = c.summary.last_seq;
    this.raw({ type: 'read', conversation: id, seq: c.summary.last_seq });
    this.onChange();
  }

  private raw(f: OperatorOut): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  }

  private history(c: Conv): void {
    this.raw({ type: 'history', conversation: c.summary.id, after: c.lastSeq, limit: 200 });
  }

  private conv(s: ConversationSummary): Conv {
    let c = this.convs.get(s.id);
    if (!c) {
      c = { summary: s, messages: new Map(), pending: new Map(), lastSeq: 0, loaded: false, visitorTyping: 0, notes: new Map() };
      this.convs.set(s.id, c);
    } else {
      c.summary = { ...s, unread: s.unread };
    }
    return c;
  }

  private add(c: Conv, m: Message): boolean {
    const bot = (m as Message & { bot?: BotMark }).bot;
    const held = c.messages.get(m.seq);
    if (held) {
      if (bot) held.bot = bot; // a resent bot answer carries the visitor's "did this help?"
      return false;
    }
    const mine = m.author.kind === 'operator';
    const kind: Item['kind'] = (m.author.kind as string) === 'bot' ? 'bot' : m.author.kind;
    c.messages.set(m.seq, { key: m.client_id, seq: m.seq, mine, kind, author: m.author.name ?? '', text: m.text, at: m.at, state: 'sent', ...(bot ? { bot } : {}),
      ...(m.attachment ? { attachment: m.attachment } : {}) });
    if (m.author.kind === 'operator') c.summary.answered = true;
    c.pending.delete(m.client_id);
    while (c.messages.has(c.lastSeq + 1)) c.lastSeq++;
    if (m.seq > c.summary.last_seq) {
      c.summary.last_seq = m.seq;
      c.summary.last_message = m;
    }
    return true;
  }

  private receive(f: OperatorIn): void {
    switch (f.type) {
      case 'team':
        this.team = f.team;
        break;
      case 'welcome': {
        this.online = true;
        this.me = f.operator;
        this.team = f.team;
        this.sites = f.sites;
        this.firstResponseMs = f.first_response_ms;
        if (this.chosenOffline) { this.raw({ type: 'presence', status: this.chosenOffline }); this.chosenOffline = null; }
        setTimeout(() => { if (this.online) this.retry = 0; }, 10000);
        // Conversations closed while this console was away are no longer in the list.
        const open = new Set(f.conversations.map((s) => s.id));
        for (const id of [...this.convs.keys()]) if (!open.has(id)) this.convs.delete(id);
        for (const s of f.conversations) {
          const c = this.conv(s);
          if (c.loaded && s.last_seq > c.lastSeq) this.history(c);
          if (c.loaded) this.raw({ type: 'notes', conversation: s.id });
          for (const p of c.pending.values()) this.raw({ type: 'send', conversation: s.id, client_id: p.key, text: p.text });
        }
        break;
      }
      case 'site': {
        this.sites = this.sites.map((x) => (x.id === f.site.id ? { ...x, ...f.site } : x));
        break;
      }
      case 'conversation': {
        const isNew = !this.convs.has(f.conversation.id);
        const c = this.conv(f.conversation);
        if (isNew) this.onIncoming(c, null);
        break;
      }
      case 'message': {
        let c = this.convs.get(f.conversation);
        if (!c) break; // a conversation frame always comes first; an unknown one is not ours to show
        const gap = c.loaded && f.seq > c.lastSeq + 1;
        // A new conversation's summary already counts its first message as unread.
        const counted = f.seq <= c.summary.last_seq;
        const fresh = this.add(c, f);
        if (gap) this.history(c);
        if (fresh && !counted && f.author.kind === 'visitor') {
          c.summary.unread += 1;
          c.visitorTyping = 0;
          this.onIncoming(c, f);
        }
        break;
      }
      case 'ack': {
        const c = this.convs.get(f.conversation);
        const p = c?.pending.get(f.client_id);
        if (c && p) {
          c.pending.delete(f.client_id);
          if (!c.messages.has(f.seq)) {
            c.messages.set(f.seq, { ...p, seq: f.seq, at: f.at, state: 'sent' });
            while (c.messages.has(c.lastSeq + 1)) c.lastSeq++;
          }
          if (f.seq > c.summary.last_seq) c.summary.last_seq = f.seq;
          if (c.loaded && f.seq > c.lastSeq) this.history(c);
        }
        break;
      }
      case 'history': {
        const c = this.convs.get(f.conversation);
        if (!c) break;
        for (const m of f.messages) this.add(c, m);
        if (f.more) this.history(c);
        break;
      }
      case 'typing': {
        const c = this.convs.get(f.conversation);
        if (c && f.author.kind === 'visitor') {
          c.visitorTyping = f.active ? Date.now() : 0;
          c.visitorDraft = f.active ? f.text ?? '' : '';
        }
        break;
      }
      case 'read': {
        const c = this.convs.get(f.conversation);
        if (c) { c.summary.read_seq = f.seq; if (f.seq >= c.summary.last_seq) c.summary.unread = 0; }
        break;
      }
      case 'assignment': {
        const c = this.convs.get(f.conversation);
        if (c) { c.summary.department = f.department; c.summary.operator = f.operator; }
        break;
      }
      case 'closed':
        this.convs.delete(f.conversation);
        break;
      case 'page': {
        const c = this.convs.get(f.conversation);
        if (c) c.summary.page = f.page;
        break;
      }
      case 'note': {
        const c = this.convs.get(f.conversation);
        if (c) c.notes.set(f.client_id, f);
        break;
      }
      case 'notes': {
        const c = this.convs.get(f.conversation);
        if (c) for (const n of f.notes) c.notes.set(n.client_id, n);
        break;
      }
      case 'presence':
        if (!this.chosenOffline) this.presence = f.status;
        break;
      case 'callback':
        this.onCallback(f.callback);
        break;
      case 'labels': {
        const c = this.convs.get(f.conversation);
        if (c) c.summary.labels = f.labels;
        break;
      }
      case 'bot': {
        const c = this.convs.get(f.conversation);
        if (c) (c.summary as ConversationSummary & { bot?: boolean }).bot = f.active;
        break;
      }
      case 'callback_suspended':
        this.onSuspended(f.site, f.rule);
        break;
      case 'rating':
        this.onRating(f.conversation, f.rating === 'good', f.comment);
        break;
      case 'lead':
        if (f.lead.status === 'new' && f.lead.created_at === f.lead.updated_at) this.freshLeads++;
        this.onLead(f.lead);
        break;
      case 'error': {
        let pending = false;
        for (const c of this.convs.values()) {
          const p = f.ref ? c.pending.get(f.ref) : undefined;
          if (p) { p.state = 'failed'; pending = true; }
        }
        if (!pending) this.lastError = { code: f.code, message: f.message, ref: f.ref ?? '', at: Date.now() };
        break;
      }
    }
    this.onChange();
  }
}
