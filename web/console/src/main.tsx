import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Attachment, Note, OperatorInfo, Presence } from '../../protocol/index';
import { OperatorClient, botAnswering, type Conv, type Item } from './client';
import { locale, t } from './i18n';
import { Calls } from './calls';
import { VisitorCard } from './card';
import { CannedTab, expandCanned, loadCanned, matchCanned, type Canned } from './canned';
import { Leads } from './leads';
import { AllChats } from './supervisor';
import { Reports } from './reports';
import { Settings } from './settings';
import './style.css';

interface Session { operator: OperatorInfo; csrf: string }

function Login({ onIn }: { onIn: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const res = await fetch('/api/v1/auth/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
      });
      const body = await res.json();
      if (res.ok) onIn({ operator: body.operator, csrf: body.csrf_token });
      else setError(res.status === 429 ? t.tooMany : res.status === 401 ? t.badCredentials : res.status === 403 ? t.loginDisabled : t.failed);
    } catch {
      setError(t.failed);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} class="card">
        <h1>Otklik</h1>
        <p class="muted">{t.title}</p>
        <label>{t.email}<input type="email" autocomplete="username" required value={email}
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)} /></label>
        <label>{t.password}<input type="password" autocomplete="current-password" required value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{t.login}</button>
      </form>
    </main>
  );
}

/** The invitation link's form (`/console/#invite=TOKEN`): a password, then straight into the console. */
function Invite({ token, onIn, onLogin }: { token: string; onIn: (s: Session) => void; onLogin: () => void }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if ([...password].length < 8) return setError(t.invShort);
    if (password !== repeat) return setError(t.invMismatch);
    setBusy(true);
    setError('');
    try {
      const res = await fetch('/api/v1/auth/invite', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, password }),
      });
      const body = await res.json();
      if (res.ok) onIn({ operator: body.operator, csrf: body.csrf_token });
      else setError(res.status === 429 ? t.tooMany : res.status === 404 ? t.invGone : body?.error?.message ?? t.failed);
    } catch {
      setError(t.failed);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} class="card invite" noValidate>
        <h1>Otklik</h1>
        <p><b>{t.invTitle}</b></p>
        <p class="muted small">{t.invHint}</p>
        <label>{t.password}<input type="password" name="password" autocomplete="new-password" required minLength={8} value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
        <label>{t.invRepeat}<input type="password" name="repeat" autocomplete="new-password" required value={repeat}
          onInput={(e) => setRepeat((e.target as HTMLInputElement).value)} /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{t.invSubmit}</button>
        <button type="button" class="link" onClick={onLogin}>{t.invToLogin}</button>
      </form>
    </main>
  );
}

const prefs = {
  get: (k: string) => localStorage.getItem('otk:' + k) !== '0',
  set: (k: string, v: boolean) => localStorage.setItem('otk:' + k, v ? '1' : '0'),
};

function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.1, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.35);
  } catch { /* no audio device */ }
}

/** Crops the picture to a centred square of at most 256 px and encodes it as WebP: a face for a 36 px
 *  avatar needs no more, and the upload stays small whatever the camera produced. */
async function squarePhoto(file: File): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const side = Math.min(bitmap.width, bitmap.height);
  const out = Math.min(256, side);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = out;
  canvas.getContext('2d')!.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, out, out);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode'))), 'image/webp', 0.86));
}

function Avatar({ name, photo }: { name: string; photo: string | null }) {
  return <span class="avatar" aria-hidden="true">{photo ? <img src={photo} alt="" /> : name.trim().charAt(0).toUpperCase()}</span>;
}

/** The operator's own face in the top bar; choosing a file uploads it. */
function MyPhoto({ session }: { session: Session }) {
  const [photo, setPhoto] = useState(session.operator.photo);
  const [error, setError] = useState('');
  const choose = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setError('');
    try {
      const body = await squarePhoto(file);
      const res = await fetch('/api/v1/me/photo', { method: 'PUT', headers: { 'Content-Type': body.type, 'X-CSRF-Token': session.csrf }, body });
      if (!res.ok) throw new Error(String(res.status));
      const { operator } = await res.json();
      session.operator.photo = operator.photo;
      setPhoto(operator.photo);
    } catch {
      setError(t.photoFailed);
    }
  };
  return (
    <>
      <label class="me" title={t.photo}>
        <Avatar name={session.operator.name} photo={photo} />
        <input type="file" accept="image/png,image/jpeg,image/webp" aria-label={t.photo} onChange={choose} />
        <span class="muted">{session.operator.name}</span>
      </label>
      {error && <span class="error small" role="alert">{error}</span>}
    </>
  );
}

const time = (ms: number) => new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });

/** The largest attachment the server takes (MiB), from GET /api/v1/me; the server checks again. */
let attachLimitMb = 10;

const sizeText = (n: number) => n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} ${t.kb}` : `${(n / 1048576).toFixed(1)} ${t.mb}`;

/** A file in a message: an image as a thumbnail that opens in a new tab, a PDF as a download with its name and
 *  size. The name is text, never markup; the file is served by the server with its own safe headers. */
function AttachmentView({ a }: { a: Attachment }) {
  const url = `/api/v1/attachments/${encodeURIComponent(a.id)}`;
  if (a.type.startsWith('image/')) {
    return (
      <a class="att-image" href={url} target="_blank" rel="noopener" title={`${t.openImage}: ${a.name}`}>
        <img src={url} alt={a.name} loading="lazy" />
        <span class="att-name">{a.name}</span>
      </a>
    );
  }
  return (
    <a class="att-file" href={url} download={a.name}>
      <span class="att-icon" aria-hidden="true">PDF</span>
      <span><span class="att-name">{a.name}</span><span class="att-size">{sizeText(a.size)}</span></span>
    </a>
  );
}

const kAttachTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];

function Desk({ session, onOut }: { session: Session; onOut: () => void }) {
  const client = useMemo(() => new OperatorClient(), []);
  const [, setTick] = useState(0);
  const [openId, setOpenId] = useState(0);
  const [asNote, setAsNote] = useState(false);
  const [view, setView] = useState<'chats' | 'all' | 'leads' | 'calls' | 'canned' | 'settings' | 'reports'>('chats');
  // The role as the desk's last welcome says: an owner changing it reconnects this socket (4003), no reload needed.
  const role = client.me?.role ?? session.operator.role;
  const canEngage = role === 'owner' || role === 'admin';
  const canSupervise = role !== 'operator';
  const [canned, setCanned] = useState<Canned[]>([]);
  const [pick, setPick] = useState(0);
  useEffect(() => { void loadCanned().then(setCanned); }, []);
  const [notice, setNotice] = useState('');
  const [attachState, setAttachState] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  useEffect(() => setAttachState(''), [openId]);
  const [showCard, setShowCard] = useState(prefs.get('card'));
  const [sound, setSound] = useState(prefs.get('sound'));
  const [notify, setNotify] = useState(prefs.get('notify') && 'Notification' in window && Notification.permission === 'granted');
  const drafts = useRef(new Map<number, string>());
  const typingSent = useRef(0);
  const openRef = useRef(0);
  const listRef = useRef<HTMLDivElement>(null);
  openRef.current = openId;

  useEffect(() => {
    client.onChange = () => setTick((x) => x + 1);
    client.onLoggedOut = onOut;
    let hide = 0;
    client.onSuspended = (site) => {
      const name = client.sites.find((x) => x.id === site)?.name ?? '';
      setNotice(`${t.suspended} ${name}`);
    };
    client.onRating = (_c, good, comment) => {
      setNotice(`${good ? t.ratedGood : t.ratedBad}${comment ? ` «${comment}»` : ''}`);
      clearTimeout(hide);
      hide = window.setTimeout(() => setNotice(''), 10000);
    };
    client.connect();
    const timer = setInterval(() => setTick((x) => x + 1), 2000); // expire stale typing indicators
    return () => { clearInterval(timer); client.stop(); };
  }, []);

  useEffect(() => {
    client.onIncoming = (c, m) => {
      const visible = document.visibilityState === 'visible' && openRef.current === c.summary.id;
      if (visible) { client.markRead(c.summary.id); return; }
      if (sound) beep();
      if (notify && 'Notification' in window && Notification.permission === 'granted') {
        new Notification(`${m ? t.newMessage : t.newChat} · ${c.summary.site_name}`, { body: m?.text ?? c.summary.visitor.name, tag: `otk-${c.summary.id}` });
      }
    };
  }, [sound, notify]);

  const conv = openId ? client.convs.get(openId) : undefined;
  useEffect(() => {
    if (!conv) return;
    client.open(conv.summary.id);
    client.markRead(conv.summary.id);
    listRef.current?.scrollTo(0, listRef.current.scrollHeight);
  });

  const logout = async () => {
    await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': session.csrf } });
    client.stop();
    onOut();
  };
  const toggleNotify = async () => {
    if (!notify && 'Notification' in window && Notification.permission !== 'granted') {
      if ((await Notification.requestPermission()) !== 'granted') return;
    }
    prefs.set('notify', !notify);
    setNotify(!notify);
  };

  const draft = openId ? drafts.current.get(openId) ?? '' : '';
  const submit = () => {
    const text = draft.trim();
    if (!text || !openId) return;
    if (asNote) client.note(openId, text);
    else client.send(openId, text);
    client.typing(openId, false);
    typingSent.current = 0;
    drafts.current.set(openId, '');
    setTick((x) => x + 1);
  };
  const onInput = (value: string) => {
    drafts.current.set(openId, value);
    if (asNote) { setTick((x) => x + 1); return; }  // a note is not the visitor's business: no typing signal
    const now = Date.now();
    if (value.trim() && now - typingSent.current > 2000) { client.typing(openId, true); typingSent.current = now; }
    setTick((x) => x + 1);
  };

  /** One file, one message: the server reads its type from the bytes; the message comes back over the socket. */
  const attach = async (file: File) => {
    const id = openId;
    if (!id) return;
    if (!kAttachTypes.includes(file.type)) { setAttachState(t.attachType); return; }
    if (file.size > attachLimitMb * 1024 * 1024) { setAttachState(t.attachSize(attachLimitMb)); return; }
    setAttachState(t.uploading);
    try {
      const clientId = 'f' + Array.from(crypto.getRandomValues(new Uint8Array(12)), (x) => x.toString(16).padStart(2, '0')).join('');
      const res = await fetch(`/api/v1/conversations/${id}/attachments?name=${encodeURIComponent(file.name)}&client_id=${clientId}`,
        { method: 'POST', body: file, headers: { 'X-CSRF-Token': session.csrf } });
      if (res.ok) { setAttachState(''); return; }
      const code = (await res.json().catch(() => null))?.error?.code;
      setAttachState(code === 'unsupported_media' ? t.attachType : code === 'too_large' ? t.attachSize(attachLimitMb) : t.attachFailed);
    } catch {
      setAttachState(t.attachFailed);
    }
  };

  /** Messages and notes in time order; unsent messages last. */
  const transcript = (c: Conv) => {
    const rows: { at: number; item?: Item; note?: Note }[] =
      client.items(c).map((item) => ({ at: item.seq ? item.at : Infinity, item }));
    for (const note of c.notes.values()) rows.push({ at: note.at, note });
    return rows.sort((a, b) => a.at - b.at);
  };
  /** Colleagues who serve this conversation's site. */
  const colleagues = (c: Conv) => {
    const siteDepartments = new Set(client.team.departments.filter((d) => d.site === c.summary.site).map((d) => d.id));
    return client.team.operators.filter((o) => o.id !== session.operator.id && o.departments.some((d) => siteDepartments.has(d)));
  };

  const visitorTyping = conv && conv.visitorTyping && Date.now() - conv.visitorTyping < 6000;
  const suggestions = conv ? matchCanned(canned, draft, conv.summary.site) : [];
  const useCanned = (c: Canned) => {
    if (!conv) return;
    onInput(expandCanned(c.text, { visitor: conv.summary.visitor.name, operator: session.operator.name, site: conv.summary.site_name }));
    setPick(0);
  };
  return (
    <div class={`desk ${view === 'canned' || view === 'settings' || view === 'all' || view === 'reports' ? 'canned-view' : view !== 'chats' ? 'leads-view' : openId ? 'has-open' : ''}`}>
      <header class="top">
        <b>Otklik</b>
        <MyPhoto session={session} />
        <nav class="tabs">
          <button class={view === 'chats' ? 'on' : ''} aria-pressed={view === 'chats'} onClick={() => setView('chats')}>{t.chats}</button>
          {canSupervise && <button class={view === 'all' ? 'on' : ''} aria-pressed={view === 'all'} data-tab="all" onClick={() => setView('all')}>
            {t.allChats}{view !== 'all' && client.list().some((c) => client.late(c)) && <span class="badge">!</span>}</button>}
          <button class={view === 'leads' ? 'on' : ''} aria-pressed={view === 'leads'} data-tab="leads" onClick={() => setView('leads')}>
            {t.leads}{view !== 'leads' && client.freshLeads > 0 && <span class="badge">{client.freshLeads}</span>}</button>
          <button class={view === 'calls' ? 'on' : ''} aria-pressed={view === 'calls'} onClick={() => setView('calls')}>{t.calls}</button>
          <button class={view === 'canned' ? 'on' : ''} aria-pressed={view === 'canned'} onClick={() => setView('canned')}>{t.canned}</button>
          <button class={view === 'reports' ? 'on' : ''} aria-pressed={view === 'reports'} data-tab="reports" onClick={() => setView('reports')}>{t.reports}</button>
          {canEngage && <button class={view === 'settings' ? 'on' : ''} aria-pressed={view === 'settings'} data-tab="settings" onClick={() => setView('settings')}>{t.settings}</button>}
        </nav>
        <span class="grow" />
        <select class="presence" aria-label={t.presence} value={client.presence}
          onChange={(e) => client.setPresence((e.target as HTMLSelectElement).value as Presence)}>
          <option value="online">{t.online}</option>
          <option value="away">{t.away}</option>
          <option value="offline">{t.offlineChoice}</option>
        </select>
        <label class="toggle"><input type="checkbox" checked={sound} onChange={() => { prefs.set('sound', !sound); setSound(!sound); }} /> {t.sound}</label>
        <label class="toggle"><input type="checkbox" checked={notify} onChange={toggleNotify} /> {t.notify}</label>
        <button class="link" onClick={logout}>{t.logout}</button>
      </header>
      {!client.online && <div class="offline" role="status">{t.offline}</div>}
      {notice && <div class="offline rated" role="status">{notice}</div>}
      {client.online && client.presence !== 'online' && <div class="offline away">{t.awayHint}</div>}
      {view === 'leads' ? <Leads client={client} csrf={session.csrf} sites={client.sites} />
        : view === 'calls' ? <Calls client={client} sites={client.sites} csrf={session.csrf} canBlock={canSupervise} />
        : view === 'all' && canSupervise ? <AllChats client={client} me={session.operator.id} onOpen={(id) => { setView('chats'); setOpenId(id); }} />
        : view === 'settings' && canEngage ? <Settings sites={client.sites} csrf={session.csrf} me={client.me ?? session.operator} />
        : view === 'reports' ? <Reports sites={client.sites} canStatement={canSupervise} />
        : view === 'canned' ? <CannedTab list={canned} setList={setCanned} csrf={session.csrf} sites={client.sites}
            canEdit={canSupervise} /> : <>
      <aside class="list" aria-label={t.conversations}>
        {client.list().length === 0 && <p class="muted pad">{t.empty}</p>}
        {client.list().map((c: Conv) => (
          <button key={c.summary.id} class={`row ${c.summary.id === openId ? 'active' : ''} ${client.late(c) ? 'late' : ''}`}
            data-conversation={c.summary.id} title={client.late(c) ? t.late : undefined}
            onClick={() => setOpenId(c.summary.id)}>
            <span class="site">{c.summary.site_name}{c.summary.department && <span class="dept"> · {c.summary.department.name}</span>}</span>
            <span class="who">{c.summary.visitor.name}
              {c.summary.unread > 0 && <span class="badge" aria-label={`${c.summary.unread}`}>{c.summary.unread}</span>}</span>
            <span class="preview">{c.summary.last_message?.text ?? ''}</span>
            {((c.summary.labels ?? []).length > 0 || botAnswering(c.summary)) && <span class="chips">
              {botAnswering(c.summary) && <span class="chip bot-chip">{t.botAnswering}</span>}
              {(c.summary.labels ?? []).map((l) => <span key={l} class="chip">{l}</span>)}</span>}
            <span class={`owner ${!c.summary.operator ? 'waiting' : c.summary.operator.id === session.operator.id ? 'mine' : ''}`}>
              {!c.summary.operator ? t.queued : c.summary.operator.id === session.operator.id ? t.mine : `→ ${c.summary.operator.name}`}</span>
          </button>
        ))}
      </aside>
      <section class={`chat ${conv && showCard ? 'with-card' : ''}`}>
        {!conv ? <p class="muted pad">{t.pick}</p> : (
          <>
            <div class="chat-head">
              <button class="link back" onClick={() => setOpenId(0)}>← {t.back}</button>
              <div class="head-line"><b>{conv.summary.visitor.name}</b> <span class="muted">· {conv.summary.site_name}</span>
                {botAnswering(conv.summary) && <span class="chip bot-chip" data-bot-answering>{t.botAnswering}</span>}
                <span class="grow" />
                {/* A plain operator hands over only their own chats and queued ones (the server refuses the rest). */}
                {(canSupervise || !conv.summary.operator || conv.summary.operator.id === session.operator.id) &&
                <select class="presence" aria-label={t.transfer} value=""
                  onChange={(e) => {
                    const v = (e.target as HTMLSelectElement).value;
                    const id = Number(v.slice(2));
                    if (v.startsWith('o:')) client.transfer(conv.summary.id, { operator: id });
                    if (v.startsWith('d:')) client.transfer(conv.summary.id, { department: id });
                    (e.target as HTMLSelectElement).value = '';
                  }}>
                  <option value="">{t.transferTo}</option>
                  {colleagues(conv).map((o) => <option key={'o' + o.id} value={`o:${o.id}`}>{o.name}</option>)}
                  {client.team.departments.filter((d) => d.site === conv.summary.site).map((d) =>
                    <option key={'d' + d.id} value={`d:${d.id}`}>{t.department}: {d.name}</option>)}
                </select>}
                <button class="link" aria-pressed={showCard} onClick={() => { prefs.set('card', !showCard); setShowCard(!showCard); }}>{t.visitorCard}</button>
                <button class="link" onClick={() => { client.close(conv.summary.id); setOpenId(0); }}>{t.closeChat}</button></div>
              <div class="chips" aria-label={t.labels}>
                {(conv.summary.labels ?? []).map((l) => (
                  <span key={l} class="chip">{l}<button class="link" aria-label={`${t.removeLabel} ${l}`}
                    onClick={() => client.label(conv.summary.id, l, false)}>×</button></span>
                ))}
                <input class="chip-input" aria-label={t.addLabel} placeholder={t.addLabel} maxLength={32}
                  onKeyDown={(e) => {
                    const input = e.target as HTMLInputElement;
                    if (e.key === 'Enter' && input.value.trim()) { client.label(conv.summary.id, input.value.trim(), true); input.value = ''; }
                  }} />
              </div>
              {conv.summary.page && <div class="muted small">{t.onPage}: <a href={conv.summary.page.url} target="_blank" rel="noopener noreferrer">{conv.summary.page.title || conv.summary.page.url}</a></div>}
            </div>
            <div class="messages" ref={listRef} aria-live="polite">
              {transcript(conv).map((m) => m.note ? (
                <div key={'n' + m.note.client_id} class={`msg note ${m.note.whisper ? 'whisper' : ''}`}>
                  <div class="text">{m.note.text}</div>
                  <div class="meta">{m.note.whisper ? `${t.whisperBy} → ${m.note.to?.name ?? ''}` : t.noteBy} · {m.note.author.name} · {time(m.note.at)}</div>
                </div>
              ) : (
                <div key={m.item!.key} class={`msg ${m.item!.kind === 'visitor' ? 'them' : m.item!.kind === 'system' ? 'system' : 'us'} ${m.item!.kind === 'bot' ? 'bot' : ''} ${m.item!.state}`} data-seq={m.item!.seq}>
                  {m.item!.attachment ? <AttachmentView a={m.item!.attachment} /> : <div class="text">{m.item!.text}</div>}
                  <div class="meta">{m.item!.kind === 'bot' && <span class="bot-badge">{t.botBadge}</span>}
                    {m.item!.state === 'sending' ? t.sending : m.item!.state === 'failed' ? t.failedSend
                    : `${m.item!.kind === 'operator' ? (m.item!.author || t.you) + ' · ' : m.item!.kind === 'bot' && m.item!.author ? m.item!.author + ' · ' : ''}${time(m.item!.at)}`}</div>
                  {m.item!.bot?.answer && m.item!.bot.helpful != null && (
                    <div class={`helped ${m.item!.bot.helpful ? 'yes' : 'no'}`}>{m.item!.bot.helpful ? `✓ ${t.helped}` : `✗ ${t.notHelped}`}</div>)}
                </div>
              ))}
            </div>
            {showCard && <VisitorCard conversation={conv.summary.id} name={conv.summary.visitor.name} pageKey={conv.summary.page?.url ?? ''}
              onClose={() => { prefs.set('card', false); setShowCard(false); }} />}
            <div class="typing" aria-live="polite">{visitorTyping ? (conv.visitorDraft ? `${t.typingDraft} «${conv.visitorDraft}»` : t.typing) : ''}</div>
            <form class={`reply ${asNote ? 'noting' : ''}`} onSubmit={(e) => { e.preventDefault(); submit(); }}>
              <label class="toggle note-toggle"><input type="checkbox" checked={asNote}
                onChange={() => setAsNote(!asNote)} /> {t.asNote}</label>
              <textarea value={draft} maxLength={4000} placeholder={asNote ? t.notePlaceholder : t.placeholder}
                aria-label={asNote ? t.notePlaceholder : t.placeholder}
                onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
                onKeyDown={(e) => {
                  if (suggestions.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
                    e.preventDefault();
                    setPick((p) => (p + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
                  } else if (suggestions.length && (e.key === 'Enter' || e.key === 'Tab') && !e.isComposing) {
                    e.preventDefault();
                    useCanned(suggestions[Math.min(pick, suggestions.length - 1)]);
                  } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
                }} />
              {suggestions.length > 0 && (
                <ul class="suggest" role="listbox" aria-label={t.canned}>
                  {suggestions.map((c, i) => (
                    <li key={c.id} role="option" aria-selected={i === Math.min(pick, suggestions.length - 1)}
                      onMouseDown={(e) => { e.preventDefault(); useCanned(c); }}>
                      <b>/{c.shortcut}</b> <span class="muted">{c.text}</span>
                    </li>
                  ))}
                </ul>
              )}
              {!asNote && <>
                <input ref={fileRef} type="file" hidden accept={kAttachTypes.join(',')} data-attach-input
                  onChange={(e) => {
                    const input = e.target as HTMLInputElement;
                    const file = input.files?.[0];
                    input.value = '';
                    if (file) void attach(file);
                  }} />
                <button type="button" class="attach" aria-label={t.attach} title={t.attach}
                  onClick={() => fileRef.current?.click()}>
                  <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                    <path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9" /></svg>
                </button></>}
              <button type="submit">{t.send}</button>
              {attachState && <div class="attach-state" role="status">{attachState}</div>}
            </form>
          </>
        )}
      </section>
      </>}
    </div>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    fetch('/api/v1/me').then(async (r) => {
      if (!r.ok) return setSession(null);
      const body = await r.json();
      if (typeof body.attachment_mb === 'number') attachLimitMb = body.attachment_mb;
      setSession({ operator: body.operator, csrf: body.csrf_token });
    }).catch(() => setSession(null));
  }, []);
  const [invite, setInvite] = useState(() => /^#invite=([\w-]+)$/.exec(location.hash)?.[1] ?? '');
  const leaveInvite = () => { history.replaceState(null, '', location.pathname + location.search); setInvite(''); };
  if (invite) return <Invite token={invite} onLogin={leaveInvite} onIn={(s) => { leaveInvite(); setSession(s); }} />;
  if (session === undefined) return null;
  if (session === null) return <Login onIn={setSession} />;
  return <Desk session={session} onOut={() => setSession(null)} />;
}

render(<App />, document.getElementById('app')!);
