// The visitor's side of docs/protocol.md, without any DOM: connect, hello, resume by sequence, send with
// idempotent client ids, reconnect with backoff and jitter. The view subscribes to `onChange`.
import type { Attachment, AuthorKind, CallbackFrame, Identity, Message, VisitorIn, VisitorOut } from '../protocol/index';

export interface Entry {
  key: string;           // client_id: stable across pending -> committed
  seq: number;           // 0 while pending
  id?: number;           // the message id, once committed (bot feedback names it)
  kind: AuthorKind;
  mine: boolean;
  text: string;
  author?: string;
  photo?: string | null; // the operator's photo, a path on the Otklik server
  at: number;
  state: 'sending' | 'sent' | 'failed';
  /** bot messages: a knowledge-base answer asks "did it help?"; helpful is the visitor's mark */
  bot?: { answer: boolean; helpful: boolean | null };
  /** a file sent in the message: shown instead of its text */
  attachment?: Attachment;
}

export type Status = 'connecting' | 'online' | 'offline';

/** What the visitor typed into the offline form. */
export interface ContactForm { name: string; email: string; phone: string; message: string }
/** The offline form's progress; `failed` carries which field the server refused ('' when not one field). */
export type ContactState =
  | { state: 'idle' } | { state: 'sending' } | { state: 'saved' } | { state: 'failed'; field: string };

/** Where the chat stands on the desk, as the server last said. */
export interface Waiting { state: 'queued' | 'busy'; position: number; waitMs: number | null }

const randomId = (): string => {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return 'v' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

export class VisitorClient {
  status: Status = 'connecting';
  conversation = 0;
  lastSeq = 0;
  operatorTyping = '';
  waiting: Waiting | null = null;
  /** Messages of conversations an operator closed, shown above the current one. */
  earlier: Entry[] = [];
  /** An operator closed the conversation and the visitor has not written since. */
  closedNotice = false;
  /** Outside working hours: when the team is back (ms), 0 when unknown; null while open. */
  backAt: number | null = null;
  contact: ContactState = { state: 'idle' };
  /** The conversation an operator just closed, which the visitor may rate; 0 when there is none. */
  ratable = 0;
  /** Where the rating stands: not given, sent, stored by the server. */
  rating: 'none' | 'sent' | 'stored' = 'none';
  /** The callback request: null before one, 'sending' until the server answers, then its last frame. */
  callback: CallbackFrame | 'sending' | 'failed' | null = null;
  onChange: () => void = () => {};
  onOperatorMessage: (m: Message) => void = () => {};
  /** Moments the page and its analytics hear of: chat_started, message_sent, callback_requested, lead_left. */
  onEvent: (name: string) => void = () => {};
  /** The bot is answering the current conversation; `handoff` says the visitor asked for a person. */
  bot = false;
  handoff = false;
  /** The server accepted the identity given with Otklik.identify(). */
  loggedIn = false;
  /** This visitor's token from the last welcome: it also authorises attachment uploads and downloads. */
  token = '';

  private ws: WebSocket | null = null;
  private bySeq = new Map<number, Entry>();
  private pending = new Map<string, Entry>();
  private retry = 0;
  private stableTimer = 0;
  private typingTimer = 0;
  private draftTimer = 0;
  private lastTypingSent = 0;
  private typingActive = false;
  private closedByUs = false;
  private reconnectTimer = 0;
  private lastUrl = location.href;
  private contactFrame: Extract<VisitorOut, { type: 'contact' }> | null = null;
  private callbackFrame: Extract<VisitorOut, { type: 'callback' }> | null = null;
  private warned = false;

  /** `identity`: read at every hello, so one given later goes with the next (see rehello). */
  constructor(private url: string, private tokenKey: string,
    private identity: () => Identity | undefined = () => undefined) {
    // Single-page sites change the URL without a reload: tell the operator where the visitor is now. A cheap
    // check every 2 s, only once the visitor has opened the chat; the page's own history API is left alone.
    window.setInterval(() => {
      if (location.href === this.lastUrl || !this.ws || this.status !== 'online') return;
      this.lastUrl = location.href;
      this.raw({ type: 'page', url: location.href, title: document.title });
    }, 2000);
    // A dead network can leave a socket looking open for minutes; the browser knows sooner. Drop it at once so
    // the visitor sees "no connection", and reconnect the moment the network is back.
    window.addEventListener('offline', () => this.ws?.close());
    window.addEventListener('online', () => {
      if (this.closedByUs || this.ws) return;
      clearTimeout(this.reconnectTimer);
      this.retry = 0;
      this.connect();
    });
  }

  /** Every message to show, committed ones by seq, then pending ones in the order written. */
  entries(): Entry[] {
    const committed = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return committed.concat([...this.pending.values()]);
  }

  connect(): void {
    this.closedByUs = false;
    this.status = 'connecting';
    this.onChange();
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener('open', () => {
      let token: string | null = null;
      try { token = localStorage.getItem(this.tokenKey); } catch { /* storage may be blocked */ }
      const identity = this.identity();
      this.raw({ type: 'hello', ...(token ? { visitor: token } : {}), ...(identity ? { identity } : {}),
        page: { url: location.href, title: document.title, referrer: document.referrer } });
    });
    ws.addEventListener('message', (ev) => { if (this.ws === ws) this.receive(JSON.parse(String(ev.data)) as VisitorIn); });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return; // replaced by rehello(): that one is already connecting
      clearTimeout(this.stableTimer);
      this.ws = null;
      this.status = 'offline';
      this.operatorTyping = '';
      this.onChange();
      if (this.closedByUs) return;
      // Full jitter: anywhere up to the exponential cap, so a restart is not met by a synchronized storm.
      const cap = Math.min(30000, 500 * 2 ** this.retry++);
      this.reconnectTimer = window.setTimeout(() => this.connect(), Math.random() * cap);
    });
  }

  close(): void {
    this.closedByUs = true;
    this.ws?.close();
  }

  /** A hello goes once per connection: to tell the server a new identity, connect afresh (quietly, at once). */
  rehello(): void {
    const old = this.ws;
    if (!old) return; // not connected: the next hello takes it anyway
    clearTimeout(this.stableTimer);
    this.connect();
    old.close();
  }

  send(text: string): void {
    const e: Entry = { key: randomId(), seq: 0, kind: 'visitor', mine: true, text, at: Date.now(), state: 'sending' };
    if (!this.conversation && !this.bySeq.size && !this.pending.size) this.onEvent('chat_started');
    this.pending.set(e.key, e);
    this.closedNotice = false;
    this.ratable = 0;  // a new conversation begins: the old one's rating card goes
    this.typing(false);
    this.transmit(e);
    this.onEvent('message_sent');
    this.onChange();
  }

  /** "Talk to a person": the bot steps aside; the server answers with a `bot` frame (active: false). */
  askPerson(): void {
    this.raw({ type: 'handoff' });
    this.handoff = true;
    this.onChange();
  }

  /** The visitor's "did this help?" on a bot answer; shown at once, the server confirms. */
  feedback(e: Entry, helpful: boolean): void {
    if (!e.id || !e.bot) return;
    this.raw({ type: 'bot_feedback', message: e.id, helpful });
    e.bot.helpful = helpful;
    this.onChange();
  }

  retrySend(key: string): void {
    const e = this.pending.get(key);
    if (!e) return;
    e.state = 'sending';
    this.transmit(e);
    this.onChange();
  }

  /** Call on every keystroke (true) and when the draft is sent or cleared (false). With `draft` (only where the
   *  site shows operators a preview, and the widget says so) the text goes along, at most every half second. */
  typing(active: boolean, draft?: string): void {
    clearTimeout(this.typingTimer);
    clearTimeout(this.draftTimer);
    const now = Date.now();
    if (active) {
      const interval = draft === undefined ? 2000 : 500;
      if (!this.typingActive || now - this.lastTypingSent > interval) {
        this.raw({ type: 'typing', active: true, ...(draft !== undefined ? { text: draft } : {}) });
        this.lastTypingSent = now;
        this.typingActive = true;
      } else if (draft !== undefined) {
        // The last keystrokes of a burst still reach the preview.
        this.draftTimer = window.setTimeout(() => this.typing(true, draft), interval);
      }
      this.typingTimer = window.setTimeout(() => this.typing(false), 3000);
    } else if (this.typingActive) {
      this.typingActive = false;
      this.raw({ type: 'typing', active: false });
    }
  }

  /** Leaves contacts (the offline form). Resent after a reconnect until stored: the server keeps it once. */
  leaveContact(form: ContactForm): void {
    const f: Extract<VisitorOut, { type: 'contact' }> = { type: 'contact', client_id: randomId() };
    for (const k of ['name', 'email', 'phone', 'message'] as const) if (form[k].trim()) f[k] = form[k].trim();
    this.contactFrame = f;
    this.contact = { state: 'sending' };
    this.raw(f);
    this.onChange();
  }

  /** Rates the closed conversation; sending again (with a comment) replaces the earlier rating. */
  rate(good: boolean, comment = ''): void {
    if (!this.ratable) return;
    this.raw({ type: 'rate', conversation: this.ratable, rating: good ? 'good' : 'bad', ...(comment ? { comment } : {}) });
    this.rating = 'sent';
    this.onChange();
  }

  /** The server's verdict on the number being typed in the callback form (the last answered check). */
  phoneCheck: { phone: string; ok: boolean; display?: string; message?: string } | null = null;

  /** Asks whether we would call this number; the answer lands in phoneCheck. */
  checkPhone(phone: string): void {
    this.raw({ type: 'check_phone', phone });
  }

  /** The times the visitor may pick (callback_slots), once asked for with askSlots(). */
  slots: { open: boolean; zone: string; slots: number[] } | null = null;
  askSlots(): void {
    this.raw({ type: 'callback_slots' });
  }

  /** Asks to be called back (at a picked slot, or as soon as possible). `trap` is the hidden honeypot field's
   *  value. Resent after a reconnect. */
  requestCallback(phone: string, trap: string, at?: number): void {
    this.callbackFrame = { type: 'callback', client_id: randomId(), phone, ...(trap ? { website: trap } : {}),
      ...(at ? { at } : {}) };
    this.callback = 'sending';
    this.raw(this.callbackFrame);
    this.onChange();
  }

  private transmit(e: Entry): void {
    if (this.status === 'online') this.raw({ type: 'send', client_id: e.key, text: e.text });
  }

  private raw(f: VisitorOut): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  }

  private askHistory(): void {
    if (this.conversation) this.raw({ type: 'history', conversation: this.conversation, after: this.lastSeq });
  }

  private add(m: Message): boolean {
    if (this.conversation && m.conversation !== this.conversation) return false;
    this.conversation = m.conversation;
    const known = this.bySeq.has(m.seq);
    if (!known) {
      this.bySeq.set(m.seq, {
        key: m.client_id, seq: m.seq, id: m.id, kind: m.author.kind, mine: m.author.kind === 'visitor', text: m.text,
        author: m.author.name, photo: m.author.photo, at: m.at, state: 'sent',
        ...(m.bot ? { bot: { ...m.bot } } : {}), ...(m.attachment ? { attachment: m.attachment } : {}),
      });
      if (m.author.kind === 'visitor') this.pending.delete(m.client_id);
    }
    return !known;
  }

  /** A message the server stored outside the socket (an attachment upload's answer); the socket may bring it too. */
  addMessage(m: Message): void {
    if (this.add(m)) this.advance();
    this.closedNotice = false;
    this.ratable = 0;
    this.onChange();
  }

  private advance(): void {
    while (this.bySeq.has(this.lastSeq + 1)) this.lastSeq++;
  }

  private receive(f: VisitorIn): void {
    switch (f.type) {
      case 'welcome':
        try { localStorage.setItem(this.tokenKey, f.visitor); } catch { /* private mode */ }
        this.token = f.visitor;
        this.lastUrl = location.href;
        this.status = 'online';
        this.stableTimer = window.setTimeout(() => { this.retry = 0; }, 10000);
        this.loggedIn = !!f.logged_in;
        this.bot = !!f.conversation?.bot;
        if (f.conversation) {
          this.conversation = f.conversation.id;
          if (f.conversation.last_seq > this.lastSeq) this.askHistory();
        }
        for (const e of this.pending.values()) { e.state = 'sending'; this.transmit(e); }
        if (this.contact.state === 'sending' && this.contactFrame) this.raw(this.contactFrame);
        if (this.callback === 'sending' && this.callbackFrame) this.raw(this.callbackFrame);
        break;
      case 'callback':
        if (this.callbackFrame?.client_id === f.client_id) {
          if (this.callback === 'sending' && f.state !== 'refused') this.onEvent('callback_requested');
          this.callback = f;
        }
        break;
      case 'contact_saved':
        if (this.contactFrame?.client_id === f.client_id) {
          this.contact = { state: 'saved' };
          this.contactFrame = null;
          this.onEvent('lead_left');
        }
        break;
      case 'bot':
        if (this.conversation && f.conversation !== this.conversation) break;
        this.bot = f.active;
        this.handoff = false;
        break;
      case 'bot_feedback_saved':
        for (const e of this.bySeq.values()) if (e.id === f.message && e.bot) e.bot.helpful = f.helpful;
        break;
      case 'ack': {
        const e = this.pending.get(f.client_id);
        if (e) {
          this.pending.delete(f.client_id);
          this.conversation = f.conversation;
          if (!this.bySeq.has(f.seq)) this.bySeq.set(f.seq, { ...e, seq: f.seq, id: f.id, at: f.at, state: 'sent' });
        }
        this.advance();
        if (f.seq > this.lastSeq + 1) this.askHistory();
        break;
      }
      case 'message': {
        const gap = f.seq > this.lastSeq + 1 && this.lastSeq < f.seq - 1;
        const fresh = this.add(f);
        this.advance();
        if (gap && this.bySeq.size && this.lastSeq < f.seq) this.askHistory();
        if (fresh && f.author.kind === 'operator') {
          this.operatorTyping = '';
          this.onOperatorMessage(f);
        }
        break;
      }
      case 'history':
        for (const m of f.messages) this.add(m);
        this.advance();
        if (f.more) this.askHistory();
        break;
      case 'typing':
        this.operatorTyping = f.active ? f.author.name || '…' : '';
        break;
      case 'hours':
        this.backAt = f.open ? null : f.next_open ?? 0;
        break;
      case 'status':
        if (f.conversation !== this.conversation && this.conversation) break;
        this.waiting = f.state === 'assigned' ? null
          : { state: f.state, position: f.position ?? 0, waitMs: f.wait_ms ?? null };
        break;
      case 'closed':
        if (f.conversation !== this.conversation) break;
        // The next message opens a new conversation with its own sequence: keep the old one on screen, apart.
        this.earlier = this.earlier.concat([...this.bySeq.values()].sort((a, b) => a.seq - b.seq));
        this.bySeq.clear();
        this.lastSeq = 0;
        this.conversation = 0;
        this.waiting = null;
        this.operatorTyping = '';
        this.bot = false;
        this.closedNotice = true;
        this.ratable = f.conversation;
        this.rating = 'none';
        break;
      case 'rated':
        if (f.conversation === this.ratable) this.rating = 'stored';
        break;
      case 'phone_check':
        this.phoneCheck = f;
        break;
      case 'callback_slots':
        this.slots = f;
        break;
      case 'error': {
        if (f.ref === 'identity') {
          // identify() was refused (`unauthorized`: the hash does not match the id; `forbidden`: the site has no
          // identity secret). The chat goes on anonymously; the site's developer should know, once.
          if (!this.warned) console.warn(`Otklik: identify() was refused (${f.code}): ${f.message}`);
          this.warned = true;
          break;
        }
        if (f.ref && f.ref === this.callbackFrame?.client_id) {
          this.callback = 'failed';
          break;
        }
        if (f.ref && f.ref === this.contactFrame?.client_id) {
          if (f.code === 'unavailable' || f.code === 'rate_limited') {
            const frame = this.contactFrame;
            setTimeout(() => { if (this.contactFrame === frame) this.raw(frame); }, 2000 + Math.random() * 2000);
          } else {
            // The server names the refused field in quotes: 'email', 'phone', 'name' or 'message'.
            this.contact = { state: 'failed', field: /'(\w+)'/.exec(f.message)?.[1] ?? '' };
          }
          break;
        }
        const e = f.ref ? this.pending.get(f.ref) : undefined;
        if (e) {
          if (f.code === 'unavailable' || f.code === 'rate_limited') {
            setTimeout(() => this.transmit(e), 2000 + Math.random() * 2000);
          } else {
            e.state = 'failed';
          }
        }
        break;
      }
    }
    this.onChange();
  }
}
