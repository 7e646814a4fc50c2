// Engagement (owners and admins): the site's one settings document of docs/engagement.md — invitations with
// their conditions and action, the guards' numbers, campaign greetings, the launcher, analytics goals and the FAQ
// bot — edited as a form and saved whole; the server validates it and names the field it refuses. Beside it the
// server's tact report; in sub-tabs the bot's knowledge base and the figures.
import { useEffect, useState } from 'preact/hooks';
import type { SiteInfo } from '../../protocol/index';
import { Figures } from './figures';
import { fill, lang, t } from './i18n';
import { KnowledgeBase } from './kb';
import { SitePicker } from './site_picker';

export type CondType = 'time_on_page' | 'time_on_site' | 'pages_viewed' | 'visit_count' | 'inactivity' | 'scroll_depth'
  | 'exit_intent' | 'url' | 'referrer' | 'utm' | 'logged_in' | 'email_campaign' | 'device' | 'event';
export type ActionType = 'teaser' | 'banner' | 'poll' | 'callback_offer';
export interface Condition { type: CondType; [field: string]: unknown }
export interface Action { type: ActionType; [field: string]: unknown }
export interface Trigger { id: string; enabled: boolean; match: 'all' | 'any'; conditions: Condition[]; action: Action }
export interface EngageDoc {
  triggers: Trigger[];
  guards: { period_hours: number; excluded_pages: string[] };
  campaign: { medium: string; greeting?: string | null; greetings: Record<string, string> };
  launcher: { style: 'round' | 'flat'; label: string };
  goals: { yandex_metrica: number; google: boolean };
  bot: { enabled: boolean; name: string; threshold: number };
}
interface Preset { id: string; name: string; description: string; trigger: Trigger }
interface Check { id: string; ok: boolean; title: string; explain: string }

/** One field of a condition or an action, as the form shows it. */
type Field =
  | { key: string; kind: 'int'; min: number; max: number; def?: number; optional?: boolean }
  | { key: string; kind: 'text'; max: number; long?: boolean; optional?: boolean; placeholder?: string }
  | { key: string; kind: 'bool' }
  | { key: string; kind: 'choice'; options: string[] };

const seconds = (key: string, max: number, def: number): Field => ({ key, kind: 'int', min: 1, max, def });
export const CONDITIONS: Record<CondType, Field[]> = {
  time_on_page: [seconds('min_seconds', 86400, 30)],
  time_on_site: [seconds('min_seconds', 86400, 60)],
  pages_viewed: [{ key: 'min', kind: 'int', min: 1, max: 1000, def: 3 }],
  visit_count: [{ key: 'min', kind: 'int', min: 1, max: 10000, def: 2 }, { key: 'max', kind: 'int', min: 1, max: 10000, optional: true }],
  inactivity: [seconds('seconds', 3600, 30)],
  scroll_depth: [{ key: 'min_percent', kind: 'int', min: 1, max: 100, def: 50 }],
  exit_intent: [],
  url: [{ key: 'pattern', kind: 'text', max: 300, placeholder: '/catalog*' }],
  referrer: [{ key: 'contains', kind: 'text', max: 200, placeholder: 'yandex' }],
  utm: [{ key: 'param', kind: 'choice', options: ['source', 'medium', 'campaign', 'term', 'content'] }, { key: 'equals', kind: 'text', max: 200 }],
  logged_in: [{ key: 'value', kind: 'bool' }],
  email_campaign: [],
  device: [{ key: 'value', kind: 'choice', options: ['desktop', 'mobile', 'tablet'] }],
  event: [{ key: 'name', kind: 'text', max: 64, placeholder: 'added_to_cart' }],
};
const ACTIONS: Record<ActionType, Field[]> = {
  teaser: [{ key: 'text', kind: 'text', max: 200, long: true }],
  banner: [{ key: 'title', kind: 'text', max: 80 }, { key: 'text', kind: 'text', max: 300, long: true },
    { key: 'link', kind: 'text', max: 2000, optional: true, placeholder: 'https://' }, { key: 'link_text', kind: 'text', max: 40, optional: true }],
  poll: [{ key: 'question', kind: 'text', max: 200 }],
  callback_offer: [{ key: 'text', kind: 'text', max: 200, long: true }],
};

/** A fresh object of the type with only its own fields (the server refuses unknown keys). */
function fresh<T extends string>(type: T, fields: Field[]): { type: T; [field: string]: unknown } {
  const o: { type: T; [field: string]: unknown } = { type };
  for (const f of fields) {
    if (f.kind === 'int' && !f.optional) o[f.key] = f.def ?? f.min;
    if (f.kind === 'text' && !f.optional) o[f.key] = '';
    if (f.kind === 'bool') o[f.key] = true;
    if (f.kind === 'choice') o[f.key] = f.options[0];
  }
  return o;
}
const freshAction = (type: ActionType): Action => (type === 'poll' ? { ...fresh(type, ACTIONS.poll), options: ['', ''] } : fresh(type, ACTIONS[type]));

const cut = (s: unknown, n = 50) => { const v = String(s ?? ''); return v.length > n ? v.slice(0, n - 1) + '…' : v; };
const duration = (s: unknown) => {
  const n = Number(s);
  if (!Number.isFinite(n)) return '?';
  if (n >= 3600 && n % 3600 === 0) return `${n / 3600} ${t.hourShort}`;
  if (n >= 60 && n % 60 === 0) return `${n / 60} ${t.min}`;
  return `${n} ${t.sec}`;
};

function conditionText(c: Condition): string {
  const v: Record<string, string | number> = {};
  for (const [k, x] of Object.entries(c)) v[k] = cut(x, 40);
  if (c.type === 'time_on_page' || c.type === 'time_on_site') v.min_seconds = duration(c.min_seconds);
  if (c.type === 'inactivity') v.seconds = duration(c.seconds);
  if (c.type === 'device') v.value = t.devices[String(c.value)] ?? String(c.value);
  const key = c.type === 'visit_count' && c.max != null ? 'visit_count_range' : c.type === 'logged_in' && c.value === false ? 'logged_out' : c.type;
  return fill(t.sum[key] ?? c.type, v);
}

/** "on the site for 1 min+ and 3+ pages viewed → teaser “…”": a trigger in one line. */
export function triggerSummary(tr: Trigger): string {
  const when = tr.conditions.map(conditionText).join(tr.match === 'any' ? t.sum.or : t.sum.and);
  const a = tr.action;
  const what = fill(t.sum[a.type] ?? a.type, { text: cut(a.text), title: cut(a.title), question: cut(a.question) });
  return `${when} → ${what}`;
}

const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);
const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
const val = (e: Event) => (e.target as HTMLInputElement).value;

export async function errorOf(res: Response): Promise<string> {
  const body = await res.json().catch(() => null);
  return body?.error?.message ?? t.saveFailed;
}

/** One labelled input of a condition or an action. */
function FieldInput({ f, scope, value, onChange }: { f: Field; scope: string; value: unknown; onChange: (v: unknown) => void }) {
  const label = t.fields[`${scope}.${f.key}`] ?? t.fields[f.key] ?? f.key;
  return (
    <label class={`eg-field ${f.kind === 'text' && f.long ? 'wide' : ''}`}>{label}
      {f.kind === 'int' && <input type="number" min={f.min} max={f.max} inputMode="numeric"
        value={typeof value === 'number' && !Number.isNaN(value) ? value : ''}
        onInput={(e) => { const n = num(val(e)); onChange(f.optional && Number.isNaN(n) ? undefined : n); }} />}
      {f.kind === 'text' && !f.long && <input value={String(value ?? '')} maxLength={f.max} placeholder={f.placeholder}
        onInput={(e) => onChange(f.optional && !val(e) ? undefined : val(e))} />}
      {f.kind === 'text' && f.long && <textarea rows={2} value={String(value ?? '')} maxLength={f.max}
        onInput={(e) => onChange(val(e))} />}
      {f.kind === 'bool' && <select value={value === false ? 'no' : 'yes'} onChange={(e) => onChange(val(e) === 'yes')}>
        <option value="yes">{t.loggedIn}</option><option value="no">{t.loggedOut}</option></select>}
      {f.kind === 'choice' && <select value={String(value)} onChange={(e) => onChange(val(e))}>
        {f.options.map((o) => <option key={o} value={o}>{f.key === 'param' ? `utm_${o}` : t.devices[o] ?? o}</option>)}</select>}
    </label>
  );
}

/** Sets a field, or drops it when the value is undefined (an emptied optional field). */
function withField<T extends Record<string, unknown>>(o: T, key: string, v: unknown): T {
  const next: Record<string, unknown> = { ...o };
  if (v === undefined) delete next[key]; else next[key] = v;
  return next as T;
}

function TriggerForm({ tr, onChange }: { tr: Trigger; onChange: (tr: Trigger) => void }) {
  const setCond = (i: number, c: Condition) => onChange({ ...tr, conditions: tr.conditions.map((x, j) => (j === i ? c : x)) });
  const a = tr.action;
  const options = Array.isArray(a.options) ? (a.options as string[]) : [];
  const setOptions = (o: string[]) => onChange({ ...tr, action: { ...a, options: o } });
  return (
    <div class="trig-form">
      <div class="eg-grid">
        <label class="eg-field">{t.trigId}<input value={tr.id} maxLength={40} pattern="[a-z0-9-]+" spellcheck={false}
          onInput={(e) => onChange({ ...tr, id: val(e) })} /><span class="muted small">{t.trigIdHint}</span></label>
        <label class="eg-field">{t.whenLabel}<select value={tr.match} onChange={(e) => onChange({ ...tr, match: val(e) as 'all' | 'any' })}>
          <option value="all">{t.matchAll}</option><option value="any">{t.matchAny}</option></select></label>
      </div>
      <ul class="conds">
        {tr.conditions.map((c, i) => (
          <li key={i} class="cond-row">
            <label class="eg-field">{t.condType}
              <select value={c.type} onChange={(e) => { const type = val(e) as CondType; setCond(i, fresh(type, CONDITIONS[type])); }}>
                {(Object.keys(CONDITIONS) as CondType[]).map((k) => <option key={k} value={k}>{t.conds[k]}</option>)}
              </select></label>
            {(CONDITIONS[c.type] ?? []).map((f) => (
              <FieldInput key={f.key} f={f} scope={c.type} value={c[f.key]} onChange={(v) => setCond(i, withField(c, f.key, v))} />
            ))}
            {t.condHints[c.type] && <span class="muted small hint">{t.condHints[c.type]}</span>}
            {tr.conditions.length > 1 && <button type="button" class="link danger x" aria-label={t.removeCond} title={t.removeCond}
              onClick={() => onChange({ ...tr, conditions: tr.conditions.filter((_, j) => j !== i) })}>✕</button>}
          </li>
        ))}
      </ul>
      {tr.conditions.length < 10 && <button type="button" class="link" onClick={() => onChange({ ...tr, conditions: [...tr.conditions, fresh('time_on_page', CONDITIONS.time_on_page)] })}>{t.addCond}</button>}
      <div class="eg-grid action">
        <label class="eg-field">{t.actionType}
          <select value={a.type} onChange={(e) => {
            const next = freshAction(val(e) as ActionType);
            if (typeof a.text === 'string' && 'text' in next) next.text = a.text; // keep what was written
            onChange({ ...tr, action: next });
          }}>
            {(Object.keys(ACTIONS) as ActionType[]).map((k) => <option key={k} value={k}>{t.actions[k]}</option>)}
          </select></label>
        {(ACTIONS[a.type] ?? []).map((f) => (
          <FieldInput key={f.key} f={f} scope={a.type} value={a[f.key]} onChange={(v) => onChange({ ...tr, action: withField(a, f.key, v) })} />
        ))}
        {a.type === 'poll' && (
          <fieldset class="poll-options"><legend>{t.pollOptions}</legend>
            {options.map((o, i) => (
              <span key={i} class="opt"><input value={o} maxLength={60} aria-label={fill(t.option, { n: i + 1 })}
                onInput={(e) => setOptions(options.map((x, j) => (j === i ? val(e) : x)))} />
                {options.length > 2 && <button type="button" class="link danger" aria-label={t.removeOption} title={t.removeOption}
                  onClick={() => setOptions(options.filter((_, j) => j !== i))}>✕</button>}</span>
            ))}
            {options.length < 5 && <button type="button" class="link" onClick={() => setOptions([...options, ''])}>{t.addOption}</button>}
          </fieldset>
        )}
      </div>
      {a.type !== 'callback_offer' && <p class="muted small">{t.placeholderHint}</p>}
    </div>
  );
}

function Politeness({ siteKey, version }: { siteKey: string; version: number }) {
  const [checks, setChecks] = useState<Check[] | null>(null);
  const [error, setError] = useState(false);
  useEffect(() => {
    let live = true;
    fetch(`/api/v1/sites/${encodeURIComponent(siteKey)}/politeness`).then(async (r) => {
      if (!r.ok) throw new Error(String(r.status));
      const body = await r.json() as { checks: Check[] };
      if (live) { setChecks(body.checks); setError(false); }
    }).catch(() => { if (live) setError(true); });
    return () => { live = false; };
  }, [siteKey, version]);
  return (
    <aside class="eg-side" aria-label={t.politeness}>
      <h3>{t.politeness}</h3>
      <p class="muted small">{t.politenessHint}</p>
      {error && <p class="error small" role="alert">{t.politenessFailed}</p>}
      <ul class="checks">
        {(checks ?? []).map((c) => (
          <li key={c.id} class={c.ok ? 'ok' : 'bad'} data-check={c.id}>
            <span class="mark" aria-hidden="true">{c.ok ? '✓' : '✗'}</span>
            <div><b>{c.title}</b><div class="muted small">{c.explain}</div></div>
          </li>
        ))}
      </ul>
    </aside>
  );
}

const greetingsText = (g: Record<string, string> | undefined) => Object.entries(g ?? {}).map(([k, v]) => `${k} = ${v}`).join('\n');

/** The settings form of one site; `saved` is the document as the server last returned it. */
function Settings({ siteKey, csrf, saved, onSaved, onDirty }: {
  siteKey: string; csrf: string; saved: EngageDoc; onSaved: (d: EngageDoc) => void; onDirty: (dirty: boolean) => void;
}) {
  const [doc, setDoc] = useState<EngageDoc>(saved);
  const [pagesText, setPagesText] = useState(saved.guards.excluded_pages.join('\n'));
  const [greetText, setGreetText] = useState(greetingsText(saved.campaign.greetings));
  const [openIdx, setOpenIdx] = useState(-1);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [status, setStatus] = useState<{ kind: 'saved' | 'error' | 'dirty' | ''; text: string }>({ kind: '', text: '' });
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    fetch(`/api/v1/engage/presets?lang=${lang}`).then(async (r) => {
      if (r.ok && live) setPresets((await r.json()).presets ?? []);
    }).catch(() => {});
    return () => { live = false; };
  }, []);

  const touched = () => { setStatus({ kind: 'dirty', text: t.unsaved }); onDirty(true); };
  const patch = (fn: (d: EngageDoc) => EngageDoc) => { setDoc(fn); touched(); };
  const setTrigger = (i: number, tr: Trigger) => patch((d) => ({ ...d, triggers: d.triggers.map((x, j) => (j === i ? tr : x)) }));
  const removeTrigger = (i: number) => {
    patch((d) => ({ ...d, triggers: d.triggers.filter((_, j) => j !== i) }));
    setOpenIdx((o) => (o === i ? -1 : o > i ? o - 1 : o));
  };
  const addTrigger = (tr: Trigger) => {
    const ids = new Set(doc.triggers.map((x) => x.id));
    const base = (tr.id || 'trigger').slice(0, 36);
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    patch((d) => ({ ...d, triggers: [...d.triggers, { ...tr, id }] }));
    setOpenIdx(doc.triggers.length);
  };
  const blank = (): Trigger => ({ id: 'invite', enabled: true, match: 'all', conditions: [fresh('time_on_page', CONDITIONS.time_on_page)], action: freshAction('teaser') });

  const save = async (e: Event) => {
    e.preventDefault();
    const greetings: Record<string, string> = {};
    const rows = greetText.split('\n');
    for (let i = 0; i < rows.length; i++) {
      if (!rows[i].trim()) continue;
      const eq = rows[i].indexOf('=');
      if (eq <= 0 || !rows[i].slice(0, eq).trim()) { setStatus({ kind: 'error', text: fill(t.greetingsBad, { n: i + 1 }) }); return; }
      greetings[rows[i].slice(0, eq).trim()] = rows[i].slice(eq + 1).trim();
    }
    const { greeting, ...campaign } = doc.campaign;
    const body: EngageDoc = {
      ...doc,
      guards: { ...doc.guards, excluded_pages: lines(pagesText) },
      campaign: { ...campaign, ...(greeting && greeting.trim() ? { greeting } : {}), greetings },
    };
    setBusy(true);
    try {
      const res = await fetch(`/api/v1/sites/${encodeURIComponent(siteKey)}/engage`, {
        method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body),
      });
      if (!res.ok) { setStatus({ kind: 'error', text: await errorOf(res) }); return; }
      const next = (await res.json()).settings as EngageDoc;
      setDoc(next);
      setPagesText(next.guards.excluded_pages.join('\n'));
      setGreetText(greetingsText(next.campaign.greetings));
      setStatus({ kind: 'saved', text: t.saved });
      setVersion((v) => v + 1);
      onDirty(false);
      onSaved(next);
    } catch {
      setStatus({ kind: 'error', text: t.saveFailed });
    } finally {
      setBusy(false);
    }
  };

  const check = (e: Event) => (e.target as HTMLInputElement).checked;
  return (
    <div class="eg-cols">
      <form class="eg-main" noValidate onSubmit={save}>
        <section class="eg-sec">
          <h3>{t.triggers}</h3>
          <p class="muted small">{t.triggersHint}</p>
          {doc.triggers.length === 0 && <p class="muted">{t.noTriggers}</p>}
          <ul class="trigs">
            {doc.triggers.map((tr, i) => (
              <li key={i} class={`trig ${tr.enabled ? '' : 'off'}`} data-trigger={tr.id}>
                <div class="trig-head">
                  <label class="toggle" title={t.enabled}><input type="checkbox" checked={tr.enabled}
                    onChange={(e) => setTrigger(i, { ...tr, enabled: check(e) })} aria-label={`${t.enabled}: ${tr.id}`} /> <code>{tr.id || '—'}</code></label>
                  <span class="grow" />
                  <button type="button" class="link" aria-expanded={openIdx === i} onClick={() => setOpenIdx(openIdx === i ? -1 : i)}>
                    {openIdx === i ? t.collapse : t.edit}</button>
                  <button type="button" class="link danger" onClick={() => removeTrigger(i)}>{t.remove}</button>
                </div>
                <div class="summary small">{triggerSummary(tr)}</div>
                {openIdx === i && <TriggerForm tr={tr} onChange={(x) => setTrigger(i, x)} />}
              </li>
            ))}
          </ul>
          {doc.triggers.length >= 20 ? <p class="muted small">{t.tooManyTriggers}</p> : (
            <div class="presets" role="group" aria-label={t.addFrom}>
              <span class="small muted">{t.addFrom}:</span>
              {presets.map((p) => (
                <button type="button" key={p.id} data-preset={p.id} onClick={() => addTrigger(p.trigger)}>
                  <b>+ {p.name}</b><span class="muted small">{p.description}</span></button>
              ))}
              <button type="button" onClick={() => addTrigger(blank())}><b>+ {t.blank}</b><span class="muted small">{t.blankHint}</span></button>
            </div>
          )}
        </section>

        <section class="eg-sec">
          <h3>{t.guards}</h3>
          <div class="eg-grid">
            <label class="eg-field">{t.periodHours}<input type="number" min={1} max={720} inputMode="numeric"
              value={Number.isNaN(doc.guards.period_hours) ? '' : doc.guards.period_hours}
              onInput={(e) => patch((d) => ({ ...d, guards: { ...d.guards, period_hours: num(val(e)) } }))} /></label>
            <label class="eg-field wide">{t.excluded}<textarea rows={4} value={pagesText} spellcheck={false}
              onInput={(e) => { setPagesText(val(e)); touched(); }} /><span class="muted small">{t.excludedHint}</span></label>
          </div>
        </section>

        <section class="eg-sec">
          <h3>{t.campaign}</h3>
          <p class="muted small">{t.campaignHint}</p>
          <div class="eg-grid">
            <label class="eg-field">{t.medium}<input value={doc.campaign.medium} placeholder="email"
              onInput={(e) => patch((d) => ({ ...d, campaign: { ...d.campaign, medium: val(e) } }))} /></label>
            <label class="eg-field wide">{t.greeting}<textarea rows={2} maxLength={300} value={doc.campaign.greeting ?? ''}
              onInput={(e) => patch((d) => ({ ...d, campaign: { ...d.campaign, greeting: val(e) } }))} /></label>
            <label class="eg-field wide">{t.greetings}<textarea rows={3} value={greetText} placeholder="spring = …"
              onInput={(e) => { setGreetText(val(e)); touched(); }} /></label>
          </div>
        </section>

        <section class="eg-sec">
          <h3>{t.launcher}</h3>
          <div class="eg-grid">
            <label class="eg-field">{t.launcherStyle}<select value={doc.launcher.style}
              onChange={(e) => patch((d) => ({ ...d, launcher: { ...d.launcher, style: val(e) as 'round' | 'flat' } }))}>
              <option value="round">{t.round}</option><option value="flat">{t.flat}</option></select></label>
            <label class="eg-field">{t.launcherLabel}<input value={doc.launcher.label} maxLength={30}
              onInput={(e) => patch((d) => ({ ...d, launcher: { ...d.launcher, label: val(e) } }))} /></label>
          </div>
        </section>

        <section class="eg-sec">
          <h3>{t.goals}</h3>
          <div class="eg-grid">
            <label class="eg-field">{t.metrica}<input type="number" min={0} inputMode="numeric" value={doc.goals.yandex_metrica || ''} placeholder="0"
              onInput={(e) => { const n = num(val(e)); patch((d) => ({ ...d, goals: { ...d.goals, yandex_metrica: Number.isNaN(n) ? 0 : n } })); }} /></label>
            <label class="toggle eg-check"><input type="checkbox" checked={doc.goals.google}
              onChange={(e) => patch((d) => ({ ...d, goals: { ...d.goals, google: check(e) } }))} /> {t.google}</label>
          </div>
          <p class="muted small">{t.goalsHint}</p>
        </section>

        <section class="eg-sec">
          <h3>{t.bot}</h3>
          <label class="toggle eg-check"><input type="checkbox" checked={doc.bot.enabled}
            onChange={(e) => patch((d) => ({ ...d, bot: { ...d.bot, enabled: check(e) } }))} /> {t.botEnabled}</label>
          <div class="eg-grid">
            <label class="eg-field">{t.botName}<input value={doc.bot.name}
              onInput={(e) => patch((d) => ({ ...d, bot: { ...d.bot, name: val(e) } }))} /></label>
            <label class="eg-field">{t.threshold}: {Math.round(doc.bot.threshold * 100)} %
              <input type="range" min={0.1} max={0.95} step={0.05} value={doc.bot.threshold}
                onInput={(e) => patch((d) => ({ ...d, bot: { ...d.bot, threshold: Number(val(e)) } }))} /></label>
          </div>
          <p class="muted small">{t.thresholdHint}</p>
        </section>

        <div class="eg-save">
          <button type="submit" class="primary" disabled={busy}>{t.save}</button>
          <span class={`small ${status.kind === 'error' ? 'error' : status.kind === 'saved' ? 'ok' : 'muted'}`}
            role={status.kind === 'error' ? 'alert' : 'status'}>{status.text}</span>
        </div>
      </form>
      <Politeness siteKey={siteKey} version={version} />
    </div>
  );
}

type Sub = 'settings' | 'kb' | 'stats';

export function Engage({ sites, csrf }: { sites: SiteInfo[]; csrf: string }) {
  const [siteId, setSiteId] = useState(0);
  const [sub, setSub] = useState<Sub>('settings');
  const [saved, setSaved] = useState<EngageDoc | null>(null);
  const [error, setError] = useState('');
  const [dirty, setDirty] = useState(false);
  const site = sites.find((s) => s.id === siteId) ?? sites[0];

  useEffect(() => {
    if (!site) return;
    let live = true;
    setSaved(null);
    setError('');
    setDirty(false);
    fetch(`/api/v1/sites/${encodeURIComponent(site.key)}/engage`).then(async (r) => {
      if (!r.ok) throw new Error(String(r.status));
      const body = await r.json() as { settings: EngageDoc };
      if (live) setSaved(body.settings);
    }).catch(() => { if (live) setError(t.egLoadFailed); });
    return () => { live = false; };
  }, [site?.key]);

  const subs: [Sub, string][] = [['settings', t.egSettings], ['kb', t.egKb], ['stats', t.egStats]];
  return (
    <section class="chat canned-tab engage">
      <div class="eg-bar">
        <SitePicker sites={sites} site={site} dirty={dirty} onPick={setSiteId} />
        <nav class="tabs eg-subs">
          {subs.map(([k, label]) => (
            <button key={k} class={sub === k ? 'on' : ''} aria-pressed={sub === k} onClick={() => setSub(k)}>{label}</button>
          ))}
        </nav>
        {dirty && sub !== 'settings' && <span class="muted small">{t.unsaved}</span>}
      </div>
      {!site ? <p class="muted pad">{t.egNoSites}</p>
        : error ? <p class="error pad" role="alert">{error}</p>
        : !saved ? null : <>
          <div class="lead" hidden={sub !== 'settings'}>
            <Settings key={site.key} siteKey={site.key} csrf={csrf} saved={saved} onSaved={setSaved} onDirty={setDirty} />
          </div>
          {sub === 'kb' && <KnowledgeBase key={site.key} siteKey={site.key} csrf={csrf} bot={saved.bot} />}
          {sub === 'stats' && <Figures key={site.key} siteKey={site.key} triggers={saved.triggers} />}
        </>}
    </section>
  );
}
