// Integrations (owners and admins): the webhook endpoints of the operator's sites (docs/webhooks.md) — add, edit,
// turn off and on, delete, send a test event — and each endpoint's delivery log with its attempts and a redelivery
// button; below them the account's API tokens (docs/api.md, "API tokens"): made for all the maker's sites or for
// chosen ones, shown once, revoked. Everything a user or a receiver wrote (addresses, errors, names) is rendered as
// text.
import { useEffect, useState } from 'preact/hooks';
import type { SiteInfo } from '../../protocol/index';
import { fill, locale, t } from './i18n';
import { call } from './rest';

interface Hook {
  id: number; site: number; site_name: string; url: string; secret: string; events: string[];
  enabled: boolean; disabled_reason: string; created_at: number; pending: number;
}
interface Attempt { at: number; status: number; error: string; duration_ms: number }
interface Delivery {
  id: number; event_id: string; type: string; state: 'pending' | 'delivered' | 'failed'; attempts: number;
  created_at: number; next_at: number | null; last_status: number; last_error: string; last_at: number | null; log: Attempt[];
}

interface ApiToken {
  id: number; name: string; prefix: string; maker: { id: number; name: string }; write: boolean;
  sites: number[] | null; created_at: number; revoked_at: number | null;
}

const REFRESH_MS = 3000;
const PAGE = 20;
const when = (ms: number) => new Date(ms).toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const clock = (ms: number) => new Date(ms).toLocaleTimeString(locale);
const eventName = (type: string) => t.hookEvents[type] ?? type;

const problem = (r: { body: any }) => r.body?.error?.message ?? t.whFailed;

function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(text); setDone(true); setTimeout(() => setDone(false), 2000); } catch { /* the text stays selectable */ }
  };
  return <button type="button" class="link" onClick={copy}>{done ? t.whCopied : t.whCopy}</button>;
}

function Secret({ secret }: { secret: string }) {
  return (
    <div class="wh-secret">
      <code data-secret>{secret}</code> <CopyButton text={secret} />
      <p class="muted small">{t.whVerify}</p>
    </div>
  );
}

function EventBoxes({ all, chosen, onChange }: { all: string[]; chosen: string[]; onChange: (e: string[]) => void }) {
  return (
    <fieldset class="wh-events"><legend>{t.whEvents}</legend>
      {all.map((e) => (
        <label key={e} class="toggle"><input type="checkbox" checked={chosen.includes(e)}
          onChange={(ev) => onChange((ev.target as HTMLInputElement).checked ? all.filter((x) => x === e || chosen.includes(x)) : chosen.filter((x) => x !== e))} />
          {eventName(e)} <code class="muted small">{e}</code></label>
      ))}
    </fieldset>
  );
}

/** The form that adds an endpoint (no `hook`) or edits one's address and events. */
function HookForm({ csrf, sites, events, hook, onDone, onCancel }: {
  csrf: string; sites: SiteInfo[]; events: string[]; hook?: Hook; onDone: (h: Hook) => void; onCancel?: () => void;
}) {
  const [site, setSite] = useState(hook?.site ?? sites[0]?.id ?? 0);
  const [url, setUrl] = useState(hook?.url ?? '');
  const [chosen, setChosen] = useState<string[]>(hook?.events ?? []);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const siteId = site || sites[0]?.id; // the sites may arrive after the form
    const r = hook ? await call(csrf, 'PATCH', `/api/v1/webhooks/${hook.id}`, { url: url.trim(), events: chosen })
      : await call(csrf, 'POST', '/api/v1/webhooks', { site: siteId, url: url.trim(), events: chosen });
    setBusy(false);
    if (r.ok) { setError(''); onDone(r.body.webhook); } else setError(problem(r));
  };
  return (
    <form class="wh-form" noValidate onSubmit={submit}>
      <div class="eg-grid">
        {!hook && <label class="eg-field">{t.site}<select value={site || sites[0]?.id} onChange={(e) => setSite(Number((e.target as HTMLSelectElement).value))}>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}</select></label>}
        <label class="eg-field wide">{t.whUrl}<input type="url" value={url} placeholder="https://crm.example.ru/hooks/otklik" spellcheck={false}
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)} /></label>
      </div>
      <EventBoxes all={events} chosen={chosen} onChange={setChosen} />
      <div class="eg-save inline">
        <button type="submit" class="primary" disabled={busy}>{hook ? t.save : t.whCreate}</button>
        {onCancel && <button type="button" class="link" onClick={onCancel}>{t.cancel}</button>}
        {error && <span class="error small" role="alert">{error}</span>}
      </div>
    </form>
  );
}

function DeliveryRow({ d, csrf, hook, onQueued }: { d: Delivery; csrf: string; hook: number; onQueued: (note: string) => void }) {
  const [open, setOpen] = useState(false);
  const redeliver = async () => {
    const r = await call(csrf, 'POST', `/api/v1/webhooks/${hook}/deliveries/${d.id}/redeliver`);
    onQueued(r.ok ? t.whRequeued : problem(r));
  };
  return (
    <li class={`wh-delivery ${d.state}`} data-delivery={d.id} data-state={d.state} data-attempts={d.attempts}>
      <div class="trig-head">
        <span class={`pill ${d.state}`}>{t.whState[d.state] ?? d.state}</span>
        <b>{eventName(d.type)}</b> <span class="muted small">{when(d.created_at)}</span>
        <span class="grow" />
        <button type="button" class="link" onClick={redeliver}>{t.whRedeliver}</button>
      </div>
      <div class="small">
        {fill(t.whAttempts, { n: d.attempts })}
        {d.attempts > 0 && <> · {d.last_status ? fill(t.whCode, { s: d.last_status }) : t.whNoAnswer}</>}
        {d.state === 'pending' && d.next_at != null && <> · {fill(t.whNext, { t: clock(d.next_at) })}</>}
        {d.log.length > 0 && <> · <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t.collapse : fill(t.whShowAttempts, { n: d.log.length })}</button></>}
      </div>
      {d.state !== 'delivered' && d.last_error && <div class="wh-error small">{d.last_error}</div>}
      {open && (
        <ol class="wh-attempts small" reversed start={d.attempts}>
          {d.log.map((a, i) => (
            <li key={i} data-status={a.status}><span class="muted">{when(a.at)}</span> · <b>{a.status || t.whNoAnswer}</b>
              {a.error && <> · <span class="wh-error">{a.error}</span></>} · <span class="muted">{a.duration_ms} {t.whMs}</span></li>
          ))}
        </ol>
      )}
    </li>
  );
}

/** An endpoint's deliveries, newest first; reloads itself while open. Older pages come by the `before` cursor. */
function DeliveryLog({ hook, csrf }: { hook: number; csrf: string }) {
  const [list, setList] = useState<Delivery[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [tick, setTick] = useState(0);
  // The newest rows again, as many as are shown (up to 100). Older rows shown stay below them when the two meet;
  // when more arrived meanwhile than the page holds, the page replaces them and "show more" fetches the rest.
  const refresh = async () => {
    const limit = Math.min(100, Math.max(PAGE, list.length));
    const r = await call(csrf, 'GET', `/api/v1/webhooks/${hook}/deliveries?limit=${limit}`);
    if (!r.ok) { setError(t.whFailed); return; }
    const fresh = r.body.deliveries as Delivery[];
    const oldest = fresh.length ? fresh[fresh.length - 1].id : Infinity;
    const meets = list.length > 0 && list[0].id >= oldest;
    setError('');
    setList((old) => fresh.concat(old.length && old[0].id >= oldest ? old.filter((d) => d.id < oldest) : []));
    setMore(fresh.length === limit && (meets ? more : true));
  };
  const older = async () => {
    const r = await call(csrf, 'GET', `/api/v1/webhooks/${hook}/deliveries?limit=${PAGE}&before=${list[list.length - 1].id}`);
    if (!r.ok) { setError(t.whFailed); return; }
    const page = r.body.deliveries as Delivery[];
    setList((old) => old.concat(page));
    setMore(page.length === PAGE);
  };
  useEffect(() => { void refresh(); }, [tick]);
  useEffect(() => {
    const timer = setInterval(() => { if (document.visibilityState === 'visible') setTick((x) => x + 1); }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const queued = (text: string) => { setNote(text); setTick((x) => x + 1); };
  return (
    <div class="wh-log" aria-label={t.whLog}>
      <div class="trig-head">
        <b>{t.whLog}</b> <span class="muted small">{t.whAuto}</span><span class="grow" />
        <button type="button" class="link" onClick={() => setTick((x) => x + 1)}>{t.whRefresh}</button>
      </div>
      {note && <p class="small" role="status">{note}</p>}
      {error && <p class="error small" role="alert">{error}</p>}
      {list.length === 0 && !error && <p class="muted small">{t.whLogEmpty}</p>}
      <ul class="trigs">{list.map((d) => <DeliveryRow key={d.id} d={d} csrf={csrf} hook={hook} onQueued={queued} />)}</ul>
      {more && <button type="button" class="link" onClick={older}>{t.more}</button>}
    </div>
  );
}

function HookCard({ h, csrf, sites, events, fresh, onChanged, onDeleted }: {
  h: Hook; csrf: string; sites: SiteInfo[]; events: string[]; fresh: boolean; onChanged: (h: Hook) => void; onDeleted: (id: number) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [showSecret, setShowSecret] = useState(fresh);
  const [log, setLog] = useState(false);
  const [note, setNote] = useState<{ text: string; error?: boolean }>({ text: '' });
  const patch = async (body: object) => {
    const r = await call(csrf, 'PATCH', `/api/v1/webhooks/${h.id}`, body);
    if (r.ok) { onChanged(r.body.webhook); setNote({ text: '' }); } else setNote({ text: problem(r), error: true });
  };
  const test = async () => {
    const r = await call(csrf, 'POST', `/api/v1/webhooks/${h.id}/test`);
    setNote(r.ok ? { text: t.whTestSent } : { text: problem(r), error: true });
    if (r.ok) setLog(true);
  };
  const remove = async () => {
    if (!window.confirm(fill(t.whDeleteAsk, { url: h.url }))) return;
    const r = await call(csrf, 'DELETE', `/api/v1/webhooks/${h.id}`);
    if (r.ok) onDeleted(h.id); else setNote({ text: problem(r), error: true });
  };
  const state = h.enabled ? 'on' : h.disabled_reason ? 'stopped' : 'off';
  return (
    <li class={`trig wh ${h.enabled ? '' : 'wh-off'}`} data-hook={h.id}>
      <div class="trig-head">
        <span class="site">{h.site_name}</span>
        <span class={`pill hook-${state}`}>{t.whStates[state]}</span>
        {h.pending > 0 && <span class="muted small">{fill(t.whPending, { n: h.pending })}</span>}
      </div>
      <div class="wh-url">{h.url}</div>
      <div class="chips">{h.events.map((e) => <span key={e} class="chip" title={e}>{eventName(e)}</span>)}</div>
      {h.disabled_reason && (
        <div class="wh-notice" role="alert">
          <p><b>⚠ {t.whStopped}</b></p>
          <p class="wh-reason">{h.disabled_reason}</p>
          <button type="button" class="primary" onClick={() => patch({ enabled: true })}>{t.whEnable}</button>
        </div>
      )}
      <div class="wh-actions">
        <button type="button" class="link" aria-expanded={log} onClick={() => setLog(!log)}>{log ? t.whHideLog : t.whLog}</button>
        <button type="button" class="link" disabled={!h.enabled} title={h.enabled ? undefined : t.whTestOff} onClick={test}>{t.whTest}</button>
        <button type="button" class="link" aria-expanded={editing} onClick={() => setEditing(!editing)}>{t.edit}</button>
        {!h.disabled_reason && <button type="button" class="link" onClick={() => patch({ enabled: !h.enabled })}>{h.enabled ? t.whTurnOff : t.whTurnOn}</button>}
        <button type="button" class="link" aria-expanded={showSecret} onClick={() => setShowSecret(!showSecret)}>{showSecret ? t.whHideSecret : t.whShowSecret}</button>
        <button type="button" class="link danger" onClick={remove}>{t.remove}</button>
      </div>
      {note.text && <p class={`small ${note.error ? 'error' : ''}`} role={note.error ? 'alert' : 'status'}>{note.text}</p>}
      {fresh && <p class="small ok">{t.whCreated}</p>}
      {showSecret && <Secret secret={h.secret} />}
      {editing && <HookForm csrf={csrf} sites={sites} events={events} hook={h} onCancel={() => setEditing(false)}
        onDone={(x) => { setEditing(false); onChanged(x); }} />}
      {log && <DeliveryLog hook={h.id} csrf={csrf} />}
    </li>
  );
}

/** The form that makes a token: a name, read or read-write, and all the maker's sites or chosen ones. */
function TokenForm({ csrf, sites, onDone, onCancel }: {
  csrf: string; sites: SiteInfo[]; onDone: (token: ApiToken, secret: string) => void; onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [write, setWrite] = useState(false);
  const [some, setSome] = useState(false);
  const [chosen, setChosen] = useState<number[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (some && chosen.length === 0) { setError(t.tkPickSite); return; }
    setBusy(true);
    const r = await call(csrf, 'POST', '/api/v1/tokens', { name: name.trim(), write, ...(some ? { sites: chosen } : {}) });
    setBusy(false);
    if (r.ok) { setError(''); onDone(r.body.token, r.body.secret); } else setError(problem(r));
  };
  const toggle = (id: number, on: boolean) => setChosen((old) => (on ? [...old.filter((x) => x !== id), id] : old.filter((x) => x !== id)));
  return (
    <form class="wh-form tk-form" noValidate onSubmit={submit}>
      <div class="eg-grid">
        <label class="eg-field wide">{t.tkName}<input type="text" value={name} maxLength={100} placeholder={t.tkNameHint}
          onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
      </div>
      <fieldset class="wh-events"><legend>{t.tkAccess}</legend>
        <label class="toggle"><input type="radio" name="tk-write" checked={!write} onChange={() => setWrite(false)} />{t.tkRead}</label>
        <label class="toggle"><input type="radio" name="tk-write" checked={write} onChange={() => setWrite(true)} />{t.tkWrite}</label>
      </fieldset>
      <fieldset class="wh-events tk-sites"><legend>{t.tkSites}</legend>
        <label class="toggle"><input type="radio" name="tk-sites" checked={!some} onChange={() => setSome(false)} />{t.tkAllSites}</label>
        <label class="toggle"><input type="radio" name="tk-sites" checked={some} onChange={() => setSome(true)} />{t.tkSomeSites}</label>
        {some && sites.map((x) => (
          <label key={x.id} class="toggle tk-site"><input type="checkbox" data-site={x.id} checked={chosen.includes(x.id)}
            onChange={(ev) => toggle(x.id, (ev.target as HTMLInputElement).checked)} />{x.name}</label>
        ))}
      </fieldset>
      <div class="eg-save inline">
        <button type="submit" class="primary" disabled={busy}>{t.tkCreate}</button>
        <button type="button" class="link" onClick={onCancel}>{t.cancel}</button>
        {error && <span class="error small" role="alert">{error}</span>}
      </div>
    </form>
  );
}

/** The sites a token works on, by name; a site the viewer does not see is shown by its number. */
function tokenSites(token: ApiToken, sites: SiteInfo[]): string {
  if (!token.sites) return t.tkAllMakerSites;
  return token.sites.map((id) => sites.find((x) => x.id === id)?.name ?? fill(t.tkSiteNo, { n: id })).join(', ');
}

/** The account's API tokens, newest first, with the form that makes one and the secret of the one just made. */
function Tokens({ sites, csrf }: { sites: SiteInfo[]; csrf: string }) {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [made, setMade] = useState<{ id: number; secret: string } | null>(null);
  const load = async () => {
    const r = await call(csrf, 'GET', '/api/v1/tokens');
    if (!r.ok) { setError(t.whLoadFailed); return; }
    setError('');
    setTokens(r.body.tokens);
  };
  useEffect(() => { void load(); }, []);
  const revoke = async (tk: ApiToken) => {
    if (!window.confirm(fill(t.tkRevokeAsk, { name: tk.name }))) return;
    const r = await call(csrf, 'DELETE', `/api/v1/tokens/${tk.id}`);
    if (r.ok) { if (made?.id === tk.id) setMade(null); void load(); } else setError(problem(r));
  };
  return (
    <section class="eg-sec tokens">
      <h3>{t.tkTitle}</h3>
      <p class="muted small">{t.tkHint}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {adding ? (
        <TokenForm csrf={csrf} sites={sites} onCancel={() => setAdding(false)}
          onDone={(tk, secret) => { setTokens((old) => [tk, ...(old ?? [])]); setMade({ id: tk.id, secret }); setAdding(false); }} />
      ) : <button type="button" class="primary" onClick={() => setAdding(true)}>+ {t.tkNew}</button>}
      {tokens && tokens.length === 0 && <p class="muted">{t.tkNone}</p>}
      <ul class="trigs tk-list">
        {(tokens ?? []).map((tk) => (
          <li key={tk.id} class={`trig tk ${tk.revoked_at ? 'wh-off' : ''}`} data-token={tk.id}>
            <div class="trig-head">
              <b>{tk.name}</b> <code class="muted small">{tk.prefix}…</code>
              <span class={`pill ${tk.revoked_at ? '' : 'hook-on'}`}>{tk.revoked_at ? t.tkRevoked : tk.write ? t.tkWrite : t.tkRead}</span>
              <span class="grow" />
              {!tk.revoked_at && <button type="button" class="link danger" onClick={() => revoke(tk)}>{t.tkRevoke}</button>}
            </div>
            <div class="small" data-sites>{t.tkSitesOf} {tokenSites(tk, sites)}</div>
            <div class="muted small">{fill(t.tkMade, { who: tk.maker.name, t: when(tk.created_at) })}
              {tk.revoked_at && <> · {fill(t.tkRevokedAt, { t: when(tk.revoked_at) })}</>}</div>
            {made?.id === tk.id && (
              <div class="wh-secret">
                <p class="small ok">{t.tkShownOnce}</p>
                <code data-secret>{made.secret}</code> <CopyButton text={made.secret} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Hooks({ sites, csrf }: { sites: SiteInfo[]; csrf: string }) {
  const [hooks, setHooks] = useState<Hook[] | null>(null);
  const [events, setEvents] = useState<string[]>([]);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [fresh, setFresh] = useState(0);
  const load = async () => {
    const r = await call(csrf, 'GET', '/api/v1/webhooks');
    if (!r.ok) { setError(t.whLoadFailed); return; }
    setError('');
    setHooks(r.body.webhooks);
    setEvents(r.body.events);
  };
  useEffect(() => {
    void load();
    // The server may turn an endpoint off or drain its queue meanwhile: the list follows.
    const timer = setInterval(() => { if (document.visibilityState === 'visible') void load(); }, REFRESH_MS * 2);
    return () => clearInterval(timer);
  }, []);
  const changed = (h: Hook) => setHooks((old) => (old ?? []).map((x) => (x.id === h.id ? h : x)));
  return (
    <section class="chat canned-tab engage hooks">
      <div class="lead">
        <h2>{t.hooks}</h2>
        <p class="muted small">{t.whHint}</p>
        {error && <p class="error" role="alert">{error}</p>}
        {hooks && (adding || hooks.length === 0 ? (
          <section class="eg-sec">
            <h3>{t.whNew}</h3>
            <HookForm csrf={csrf} sites={sites} events={events} onCancel={hooks.length ? () => setAdding(false) : undefined}
              onDone={(h) => { setHooks((old) => [...(old ?? []), h]); setFresh(h.id); setAdding(false); }} />
          </section>
        ) : <button type="button" class="primary" onClick={() => setAdding(true)}>+ {t.whNew}</button>)}
        {hooks && hooks.length === 0 && <p class="muted">{t.whNone}</p>}
        <ul class="trigs wh-list">
          {(hooks ?? []).map((h) => <HookCard key={h.id} h={h} csrf={csrf} sites={sites} events={events} fresh={h.id === fresh}
            onChanged={changed} onDeleted={(id) => setHooks((old) => (old ?? []).filter((x) => x.id !== id))} />)}
        </ul>
        <Tokens sites={sites} csrf={csrf} />
      </div>
    </section>
  );
}
