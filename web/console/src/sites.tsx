// Sites (owners and admins): create a site and change what `otklik site add` sets — name, allowed origins,
// language, time zone, the widget's look, the first-response timer, working hours with holidays and special days —
// and copy the embed snippet (docs/api.md, "Sites"). The server checks every field and names the one it refuses;
// the message is shown beside that field.
import { useEffect, useState } from 'preact/hooks';
import { fill, t } from './i18n';
import { call } from './rest';

type Span = [number, number]; // minutes after local midnight, [open, close)
interface Hours { always_open: boolean; weekly: Span[][]; exceptions: { day: number; intervals: Span[] }[] }
interface Appearance {
  color: string; position: 'right' | 'left'; title: string; greeting: string; launcher: string; operator_name: string;
  vendor_link: boolean; typing_preview: boolean;
}
interface SiteData {
  id: number; key: string; name: string; allowed_origins: string[]; language: 'ru' | 'en'; timezone: string;
  appearance: Appearance; hours: Hours; first_response_seconds: number | null; embed: string;
}

/** The form's copy of a site: texts as typed, hours split into holidays (closed days) and special days. */
interface Draft {
  key: string; name: string; origins: string; language: 'ru' | 'en'; timezone: string; appearance: Appearance;
  timer: string; always: boolean; weekly: Span[][]; holidays: string[]; special: { date: string; intervals: Span[] }[];
}

const kDefaultAppearance: Appearance = {
  color: '#2f6fed', position: 'right', title: '', greeting: '', launcher: '', operator_name: '', vendor_link: false, typing_preview: false,
};
const kWorkday: Span = [9 * 60, 18 * 60];
const kAllDay = (): Span[][] => [0, 1, 2, 3, 4, 5, 6].map(() => [[0, 1440]]);

const dateOf = (day: number) => new Date(day * 86400000).toISOString().slice(0, 10);
const dayOf = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86400000);
const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minutes = (v: string) => { const [h, m] = v.split(':').map(Number); return (h || 0) * 60 + (m || 0); };

function zones(): string[] {
  try { return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone'); } catch { return []; }
}
const browserZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Moscow'; } catch { return 'Europe/Moscow'; } };

function draftOf(s: SiteData | null): Draft {
  if (!s) {
    return { key: '', name: '', origins: '', language: 'ru', timezone: browserZone(), appearance: { ...kDefaultAppearance },
      timer: '', always: true, weekly: [0, 1, 2, 3, 4].map(() => [kWorkday]).concat([[], []]), holidays: [], special: [] };
  }
  const h = s.hours;
  const allDay = h.weekly.length === 7 && h.weekly.every((d) => d.length === 1 && d[0][0] === 0 && d[0][1] === 1440);
  const open = h.weekly.some((d) => d.length > 0) && !allDay;
  return {
    key: s.key, name: s.name, origins: s.allowed_origins.join('\n'), language: s.language, timezone: s.timezone,
    appearance: { ...kDefaultAppearance, ...s.appearance }, timer: s.first_response_seconds == null ? '' : String(s.first_response_seconds),
    always: h.always_open || allDay,
    weekly: open ? h.weekly.map((d) => d.map((i) => [...i] as Span)) : [0, 1, 2, 3, 4].map(() => [kWorkday]).concat([[], []]),
    holidays: h.exceptions.filter((e) => e.intervals.length === 0).map((e) => dateOf(e.day)),
    special: h.exceptions.filter((e) => e.intervals.length > 0).map((e) => ({ date: dateOf(e.day), intervals: e.intervals.map((i) => [...i] as Span) })),
  };
}

/** What the server gets: every field (a PATCH with the same values changes nothing). A close of 00:00 is midnight. */
function bodyOf(d: Draft, create: boolean): Record<string, unknown> {
  const span = ([o, c]: Span): Span => [o, c === 0 && o > 0 ? 1440 : c];
  const exceptions = [...d.holidays.filter(Boolean).map((date) => ({ day: dayOf(date), intervals: [] as Span[] })),
    ...d.special.filter((x) => x.date).map((x) => ({ day: dayOf(x.date), intervals: x.intervals.map(span) }))];
  const timer = d.timer.trim();
  return {
    ...(create ? { key: d.key.trim() } : {}),
    name: d.name,
    allowed_origins: d.origins.split('\n').map((x) => x.trim()).filter(Boolean),
    language: d.language,
    timezone: d.timezone.trim(),
    appearance: d.appearance,
    // Around the clock with holidays: every day 00:00–24:00 (the server's "always open" knows no exceptions).
    hours: d.always && exceptions.length ? { always_open: false, weekly: kAllDay(), exceptions }
      : { always_open: d.always, weekly: d.weekly.map((day) => day.map(span)), exceptions },
    first_response_seconds: timer === '' ? null : Number(timer),
  };
}

/** "allowed_origins: origin 'x': …" → the field and the message. */
function splitError(message: string): { field: string; text: string } {
  const m = /^([a-z_]+(?:\.[a-z_]+)?): (.*)$/s.exec(message);
  return m ? { field: m[1], text: m[2] } : { field: '', text: message };
}

/** The common slips, said in the console's language before the server is asked (it checks everything again). */
function check(d: Draft, create: boolean): { field: string; text: string } | null {
  if (create && !/^[a-z0-9-]{2,40}$/.test(d.key.trim())) return { field: 'key', text: t.siBadKey };
  if (!d.name.trim()) return { field: 'name', text: t.siBadName };
  const origins = d.origins.split('\n').map((x) => x.trim()).filter(Boolean);
  if (!origins.length) return { field: 'allowed_origins', text: t.siNoOrigins };
  const bad = origins.find((o) => !/^https?:\/\/[^/?#@\s]+\/?$/i.test(o));
  if (bad) return { field: 'allowed_origins', text: fill(t.siBadOrigin, { o: bad }) };
  const timer = d.timer.trim();
  if (timer && !(/^\d+$/.test(timer) && Number(timer) >= 5 && Number(timer) <= 600)) return { field: 'first_response_seconds', text: t.siBadTimer };
  return null;
}

/** The form's label of a field the server named. */
function fieldName(field: string): string {
  const names: Record<string, string> = {
    key: t.siKey, name: t.siName, allowed_origins: t.siOrigins, language: t.siLanguage, timezone: t.siZone,
    first_response_seconds: t.siTimer, hours: t.siHours, 'appearance.color': t.siColor, 'appearance.position': t.siPosition,
    'appearance.title': t.siTitle, 'appearance.launcher': t.siLauncher, 'appearance.operator_name': t.siTeam,
    'appearance.greeting': t.siGreeting,
  };
  return names[field] ?? field;
}


function FieldError({ error, field }: { error: { field: string; text: string } | null; field: string }) {
  if (!error || error.field !== field) return null;
  return <span class="error small" role="alert" data-error-for={field}>{error.text}</span>;
}

function Snippet({ code }: { code: string }) {
  const [done, setDone] = useState(false);
  let box: HTMLTextAreaElement | null = null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
    } catch {
      box?.focus();
      box?.select();  // no clipboard (plain http): the text is selected for Ctrl+C
      if (!document.execCommand?.('copy')) return;
    }
    setDone(true);
    setTimeout(() => setDone(false), 2000);
  };
  return (
    <section class="eg-sec si-embed">
      <h3>{t.siEmbed}</h3>
      <p class="muted small">{t.siEmbedHint}</p>
      <textarea ref={(el) => { box = el; }} class="si-code" readOnly rows={2} spellcheck={false} value={code} data-embed
        onFocus={(e) => (e.target as HTMLTextAreaElement).select()} />
      <button type="button" class="primary" onClick={copy}>{done ? t.whCopied : t.siCopy}</button>
    </section>
  );
}

/** One day's intervals (or closed), editable. */
function DayHours({ label, spans, onChange, closedLabel }: { label: string; spans: Span[]; onChange: (s: Span[]) => void; closedLabel: string }) {
  const set = (i: number, j: 0 | 1, v: string) => onChange(spans.map((s, k) => (k === i ? (j ? [s[0], minutes(v)] : [minutes(v), s[1]]) as Span : s)));
  return (
    <div class="si-day">
      <span class="si-day-name">{label}</span>
      <label class="toggle"><input type="checkbox" checked={spans.length === 0}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [] : [kWorkday])} />{closedLabel}</label>
      {spans.map((s, i) => (
        <span key={i} class="si-span">
          <input type="time" aria-label={t.siFrom} value={hhmm(s[0])} onInput={(e) => set(i, 0, (e.target as HTMLInputElement).value)} />
          –
          <input type="time" aria-label={t.siTo} value={hhmm(s[1])} onInput={(e) => set(i, 1, (e.target as HTMLInputElement).value)} />
          <button type="button" class="link" aria-label={t.remove} title={t.remove} onClick={() => onChange(spans.filter((_, k) => k !== i))}>×</button>
        </span>
      ))}
      {spans.length > 0 && <button type="button" class="link" onClick={() => onChange([...spans, [spans[spans.length - 1][1], Math.min(1439, spans[spans.length - 1][1] + 60)]])}>{t.siAddSpan}</button>}
    </div>
  );
}

function SiteForm({ site, csrf, defaultTimer, onSaved, firstNote = '' }: {
  site: SiteData | null; csrf: string; defaultTimer: number | null; onSaved: (s: SiteData, created: boolean) => void; firstNote?: string;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(site));
  const [error, setError] = useState<{ field: string; text: string } | null>(null);
  const [note, setNote] = useState(firstNote);
  const [busy, setBusy] = useState(false);
  const create = !site;
  const put = (patch: Partial<Draft>) => { setD((old) => ({ ...old, ...patch })); setNote(''); };
  const look = (patch: Partial<Appearance>) => put({ appearance: { ...d.appearance, ...patch } });
  const text = (e: Event) => (e.target as HTMLInputElement).value;
  const save = async (e: Event) => {
    e.preventDefault();
    const mistake = check(d, create);
    if (mistake) { setError(mistake); return; }
    setBusy(true);
    const r = create ? await call(csrf, 'POST', '/api/v1/sites', bodyOf(d, true))
      : await call(csrf, 'PATCH', `/api/v1/sites/${encodeURIComponent(site!.key)}`, bodyOf(d, false));
    setBusy(false);
    if (r.ok) {
      setError(null);
      setNote(create ? t.siCreated : t.siSaved);
      onSaved(r.body.site as SiteData, create);
    } else {
      setError(splitError(r.body?.error?.message ?? t.siFailed));
    }
  };
  const days = t.siDays;
  const zoneList = zones();
  return (
    <form class="lead si-form" noValidate onSubmit={save} data-site-form={site?.key ?? 'new'}>
      <section class="eg-sec">
        <h3>{create ? t.siNew : site!.name}</h3>
        <div class="eg-grid">
          {create && <label class="eg-field">{t.siKey}<input name="key" value={d.key} maxLength={40} spellcheck={false} placeholder="my-shop"
            onInput={(e) => put({ key: text(e) })} /><span class="muted small">{t.siKeyHint}</span><FieldError error={error} field="key" /></label>}
          <label class="eg-field">{t.siName}<input name="name" value={d.name} maxLength={100} onInput={(e) => put({ name: text(e) })} />
            <FieldError error={error} field="name" /></label>
          <label class="eg-field wide">{t.siOrigins}<textarea name="origins" rows={3} spellcheck={false} value={d.origins}
            placeholder={'https://shop.example\nhttps://www.shop.example'} onInput={(e) => put({ origins: text(e) })} />
            <span class="muted small">{t.siOriginsHint}</span><FieldError error={error} field="allowed_origins" /></label>
          <label class="eg-field">{t.siLanguage}<select name="language" value={d.language} onChange={(e) => put({ language: text(e) as 'ru' | 'en' })}>
            <option value="ru">Русский</option><option value="en">English</option></select><FieldError error={error} field="language" /></label>
          <label class="eg-field">{t.siZone}
            {zoneList.length ? (
              <select name="timezone" value={d.timezone} onChange={(e) => put({ timezone: text(e) })}>
                {!zoneList.includes(d.timezone) && <option value={d.timezone}>{d.timezone}</option>}
                {zoneList.map((z) => <option key={z} value={z}>{z}</option>)}
              </select>
            ) : <input name="timezone" value={d.timezone} onInput={(e) => put({ timezone: text(e) })} />}
            <FieldError error={error} field="timezone" /></label>
          <label class="eg-field">{t.siTimer}<input name="first_response_seconds" type="number" min={5} max={600} value={d.timer}
            placeholder={defaultTimer == null ? '' : String(defaultTimer)} onInput={(e) => put({ timer: text(e) })} />
            <span class="muted small">{defaultTimer == null ? t.siTimerHint : fill(t.siTimerDefault, { n: defaultTimer })}</span>
            <FieldError error={error} field="first_response_seconds" /></label>
        </div>
      </section>

      <section class="eg-sec">
        <h3>{t.siLook}</h3>
        <div class="eg-grid">
          <label class="eg-field">{t.siColor}<span class="si-color"><input type="color" aria-label={t.siColor} value={/^#[0-9a-f]{6}$/i.test(d.appearance.color) ? d.appearance.color : '#2f6fed'}
            onInput={(e) => look({ color: text(e) })} /><input name="color" value={d.appearance.color} maxLength={7} onInput={(e) => look({ color: text(e) })} /></span>
            <FieldError error={error} field="appearance.color" /></label>
          <label class="eg-field">{t.siPosition}<select value={d.appearance.position} onChange={(e) => look({ position: text(e) as 'right' | 'left' })}>
            <option value="right">{t.siRight}</option><option value="left">{t.siLeft}</option></select>
            <FieldError error={error} field="appearance.position" /></label>
          <label class="eg-field">{t.siTitle}<input value={d.appearance.title} maxLength={40} placeholder={t.siAuto} onInput={(e) => look({ title: text(e) })} />
            <FieldError error={error} field="appearance.title" /></label>
          <label class="eg-field">{t.siLauncher}<input value={d.appearance.launcher} maxLength={40} placeholder={t.siAuto} onInput={(e) => look({ launcher: text(e) })} />
            <FieldError error={error} field="appearance.launcher" /></label>
          <label class="eg-field">{t.siTeam}<input value={d.appearance.operator_name} maxLength={40} placeholder={d.name || t.siAuto}
            onInput={(e) => look({ operator_name: text(e) })} /><FieldError error={error} field="appearance.operator_name" /></label>
          <label class="eg-field wide">{t.siGreeting}<textarea rows={2} value={d.appearance.greeting} maxLength={280} placeholder={t.siAuto}
            onInput={(e) => look({ greeting: text(e) })} /><FieldError error={error} field="appearance.greeting" /></label>
          <label class="toggle"><input type="checkbox" checked={d.appearance.typing_preview} onChange={(e) => look({ typing_preview: (e.target as HTMLInputElement).checked })} />{t.siPreview}</label>
          <label class="toggle"><input type="checkbox" checked={d.appearance.vendor_link} onChange={(e) => look({ vendor_link: (e.target as HTMLInputElement).checked })} />{t.siVendor}</label>
        </div>
      </section>

      <section class="eg-sec si-hours">
        <h3>{t.siHours}</h3>
        <p class="muted small">{fill(t.siHoursHint, { tz: d.timezone })}</p>
        <label class="toggle"><input type="checkbox" name="always" checked={d.always} onChange={(e) => put({ always: (e.target as HTMLInputElement).checked })} />{t.siAlways}</label>
        {!d.always && d.weekly.map((spans, i) => (
          <DayHours key={i} label={days[i]} spans={spans} closedLabel={t.siDayOff}
            onChange={(s) => put({ weekly: d.weekly.map((x, k) => (k === i ? s : x)) })} />
        ))}
        <h4>{t.siHolidays}</h4>
        <p class="muted small">{t.siHolidaysHint}</p>
        {d.holidays.map((date, i) => (
          <div key={i} class="si-day">
            <input type="date" name="holiday" aria-label={t.siHoliday} value={date} onInput={(e) => put({ holidays: d.holidays.map((x, k) => (k === i ? text(e) : x)) })} />
            <button type="button" class="link" onClick={() => put({ holidays: d.holidays.filter((_, k) => k !== i) })}>{t.remove}</button>
          </div>
        ))}
        <button type="button" class="link" data-add-holiday onClick={() => put({ holidays: [...d.holidays, new Date().toISOString().slice(0, 10)] })}>{t.siAddHoliday}</button>
        <h4>{t.siSpecial}</h4>
        <p class="muted small">{t.siSpecialHint}</p>
        {d.special.map((x, i) => (
          <div key={i} class="si-special">
            <input type="date" aria-label={t.siSpecialDate} value={x.date}
              onInput={(e) => put({ special: d.special.map((y, k) => (k === i ? { ...y, date: text(e) } : y)) })} />
            <DayHours label="" spans={x.intervals} closedLabel={t.siClosed}
              onChange={(s) => put({ special: d.special.map((y, k) => (k === i ? { ...y, intervals: s } : y)) })} />
            <button type="button" class="link" onClick={() => put({ special: d.special.filter((_, k) => k !== i) })}>{t.remove}</button>
          </div>
        ))}
        <button type="button" class="link" onClick={() => put({ special: [...d.special, { date: '', intervals: [[10 * 60, 16 * 60]] }] })}>{t.siAddSpecial}</button>
        <FieldError error={error} field="hours" />
      </section>

      {site && <Snippet code={site.embed} />}

      <div class="eg-save">
        <button type="submit" class="primary" disabled={busy}>{create ? t.siCreate : t.save}</button>
        {note && <span class="ok small" role="status">{note}</span>}
        {error && <span class="error small" role="alert">{error.field ? fill(t.siFieldError, { f: fieldName(error.field) }) + ' ' : ''}{error.text}</span>}
      </div>
    </form>
  );
}

export function Sites({ csrf }: { csrf: string }) {
  const [list, setList] = useState<SiteData[] | null>(null);
  const [defaultTimer, setDefaultTimer] = useState<number | null>(null);
  const [chosen, setChosen] = useState<string>('');  // a key, or 'new'
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  const [created, setCreated] = useState('');
  useEffect(() => {
    let live = true;
    call(csrf, 'GET', '/api/v1/sites').then((r) => {
      if (!live) return;
      if (!r.ok) { setError(t.siLoadFailed); return; }
      setList(r.body.sites);
      setDefaultTimer(r.body.default_first_response_seconds);
      setChosen((c) => c || (r.body.sites[0]?.key ?? 'new'));
    });
    return () => { live = false; };
  }, []);
  const site = chosen === 'new' ? null : list?.find((s) => s.key === chosen) ?? null;
  const saved = (s: SiteData, created: boolean) => {
    setList((old) => (created ? [...(old ?? []), s] : (old ?? []).map((x) => (x.id === s.id ? s : x))));
    setChosen(s.key);
    if (created) { setCreated(s.key); setVersion((v) => v + 1); }
  };
  return (
    <section class="chat canned-tab engage sites-set">
      <div class="eg-bar">
        {list && list.length > 0 && (
          <select class="presence" aria-label={t.site} value={chosen} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {list.map((s) => <option key={s.key} value={s.key}>{s.name}</option>)}
            {chosen === 'new' && <option value="new">{t.siNew}</option>}
          </select>
        )}
        <button type="button" class="primary" data-new-site onClick={() => setChosen('new')} disabled={chosen === 'new'}>+ {t.siNew}</button>
        <span class="muted small">{t.siBarHint}</span>
      </div>
      {error ? <p class="error pad" role="alert">{error}</p>
        : !list ? null
        : <SiteForm key={`${chosen}-${version}`} site={site} csrf={csrf} defaultTimer={defaultTimer} onSaved={saved}
            firstNote={version > 0 && site?.key === created ? t.siCreated : ''} />}
    </section>
  );
}
