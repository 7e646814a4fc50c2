// Reports: how the desk did over a chosen period (the last 30 days by default) for all of the viewer's sites or
// one, a department or an operator — key figures as cards, a daily chart and a campaign or callback chart, each
// with the same figures as a table beneath, tables per operator and department, and the CSV of it all
// (GET /api/v1/reports, docs/api.md). Owners, admins and supervisors also reach the monthly statement from here.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SiteInfo } from '../../protocol/index';
import type { ChartSpec } from './chart';
import { fill, locale, t } from './i18n';
import { Statement } from './statement';

interface Campaign { source: string; medium: string; campaign: string; chats: number; leads: number; callbacks: number }
interface Times { count: number; median_s: number | null; p90_s: number | null }
export interface Report {
  period: { from: string; to: string; tz: string };
  filter: { site: number | null; department: number | null; operator: number | null };
  chats: { started: number; answered: number; missed: number; bot_only: number; handed_off: number };
  first_response: Times;
  resolution: Times;
  ratings: { good: number; bad: number };
  bot: { answers: number; helpful: number; not_helpful: number };
  callbacks: { total: number; by_status: Record<string, number>; talk_seconds: number; billed_seconds: number; charge: number } | null;
  leads: { total: number; by_source: Record<string, number> } | null;
  campaigns: Campaign[] | null;
  invitations: { shown: number; accepted: number } | null;
  days: { day: string; started: number; answered: number; missed: number; leads: number; callbacks: number }[];
  operators: { id: number; name: string; answered: number; first_response_median_s: number | null; first_response_p90_s: number | null;
    resolution_median_s?: number | null; good: number; bad: number }[];
  departments: { id: number; site: number; name: string; started: number; answered: number; missed: number; first_response_median_s: number | null }[];
}

const DAY = 86400000;
const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const today = () => new Date();
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
/** The viewer's own time zone: "the last 7 days" are the days on their calendar. */
const zone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; } };

/** 14 → «14 с», 125 → «2 мин 5 с», 3900 → «1 ч 5 мин»; null → «—». */
export function duration(s: number | null | undefined): string {
  if (s == null) return '—';
  const v = Math.round(s);
  if (v < 60) return `${v} ${t.sec}`;
  if (v < 3600) {
    const m = Math.floor(v / 60), r = v % 60;
    return r ? `${m} ${t.min} ${r} ${t.sec}` : `${m} ${t.min}`;
  }
  const total = Math.round(v / 60), h = Math.floor(total / 60), m = total % 60;
  return m ? `${h} ${t.hourShort} ${m} ${t.min}` : `${h} ${t.hourShort}`;
}
const num = (n: number) => n.toLocaleString(locale);
const share = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : '');
const dayLabel = (d: string) => new Date(d + 'T12:00:00Z').toLocaleDateString(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
export const campaignName = (c: Campaign) => (c.source ? [c.source, c.medium, c.campaign].filter(Boolean).join(' / ') : t.rpNoUtm);

/** A chart drawn by the lazily loaded uPlot module, with the same figures as a table for readers and print. */
function Chart({ title, spec, children }: { title: string; spec: ChartSpec; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  const key = JSON.stringify(spec);
  useEffect(() => {
    let live = true;
    let remove = () => {};
    void import('./chart').then((m) => { if (live && ref.current) remove = m.draw(ref.current, spec); });
    return () => { live = false; remove(); };
  }, [key]);
  return (
    <figure class="rp-chart">
      <figcaption>{title}</figcaption>
      <div ref={ref} class="rp-canvas" role="img" aria-label={fill(t.rpChartOf, { title })} data-chart={title} />
      <div class="rp-table" aria-label={t.rpTable}>{children}</div>
    </figure>
  );
}

function Card({ name, value, sub, data }: { name: string; value: string; sub?: ComponentChildren; data?: string }) {
  return (
    <div class="rp-card" data-card={data}>
      <span class="rp-name">{name}</span>
      <b class="rp-value">{value}</b>
      {sub && <span class="rp-sub">{sub}</span>}
    </div>
  );
}

function Cards({ r }: { r: Report }) {
  const c = r.chats;
  const cb = r.callbacks;
  const connected = cb?.by_status.connected ?? 0;
  return (
    <div class="rp-cards">
      <Card data="started" name={t.rpStarted} value={num(c.started)}
        sub={<>{t.rpAnswered} <b data-figure="answered">{num(c.answered)}</b> · {t.rpMissed} <b data-figure="missed" class={c.missed ? 'bad' : ''}>{num(c.missed)}</b></>} />
      <Card data="first" name={t.rpFirst} value={r.first_response.count ? duration(r.first_response.median_s) : '—'}
        sub={r.first_response.count ? fill(t.rpP90, { d: duration(r.first_response.p90_s) }) : t.rpNoTimes} />
      <Card data="resolution" name={t.rpResolution} value={r.resolution.count ? duration(r.resolution.median_s) : '—'}
        sub={r.resolution.count ? fill(t.rpP90, { d: duration(r.resolution.p90_s) }) : t.rpNoTimes} />
      <Card data="ratings" name={t.rpRatings} value={r.ratings.good + r.ratings.bad ? share(r.ratings.good, r.ratings.good + r.ratings.bad) : '—'}
        sub={r.ratings.good + r.ratings.bad ? `${num(r.ratings.good)} ${t.rpGood} · ${num(r.ratings.bad)} ${t.rpBad}` : t.rpNoRatings} />
      {r.leads && <Card data="leads" name={t.rpLeads} value={num(r.leads.total)}
        sub={Object.entries(r.leads.by_source).filter(([, n]) => n > 0).map(([k, n]) => `${t.source[k] ?? k} ${num(n)}`).join(' · ') || t.rpLeadsSub} />}
      {cb && <Card data="callbacks" name={t.rpCalls} value={num(cb.total)}
        sub={fill(t.rpCallsSub, { n: num(connected), m: cb.talk_seconds < 60 ? duration(cb.talk_seconds) : `${num(Math.round(cb.talk_seconds / 60))} ${t.min}` })} />}
      {r.invitations && <Card data="invitations" name={t.rpInvites} value={share(r.invitations.accepted, r.invitations.shown) || '—'}
        sub={fill(t.rpInvitesSub, { shown: num(r.invitations.shown), accepted: num(r.invitations.accepted) })} />}
      <Card data="bot" name={t.rpBot} value={num(r.bot.answers)}
        sub={fill(t.rpBotSub, { answers: num(r.bot.answers), handed: num(c.handed_off) })} />
    </div>
  );
}

function DailyChart({ r }: { r: Report }) {
  const withLeads = r.leads !== null;
  const spec: ChartSpec = {
    categories: r.days.map((d) => dayLabel(d.day)), height: 220,
    series: [
      { label: t.rpColStarted, color: '#93b4f6', kind: 'bar', values: r.days.map((d) => d.started) },
      { label: t.rpColAnswered, color: '#0f8a5f', kind: 'line', values: r.days.map((d) => d.answered) },
      { label: t.rpColMissed, color: '#d93025', kind: 'line', values: r.days.map((d) => d.missed) },
      ...(withLeads ? [{ label: t.rpLeads, color: '#7c3aed', kind: 'line' as const, values: r.days.map((d) => d.leads) }] : []),
    ],
  };
  return (
    <Chart title={t.rpDaily} spec={spec}>
      <table class="legs" data-table="days">
        <thead><tr><th>{t.rpDay}</th><th>{t.rpColStarted}</th><th>{t.rpColAnswered}</th><th>{t.rpColMissed}</th>
          {withLeads && <><th>{t.rpLeads}</th><th>{t.rpCallbacks}</th></>}</tr></thead>
        <tbody>{r.days.map((d) => (
          <tr key={d.day}><td>{dayLabel(d.day)}</td><td>{d.started}</td><td>{d.answered}</td><td>{d.missed}</td>
            {withLeads && <><td>{d.leads}</td><td>{d.callbacks}</td></>}</tr>
        ))}</tbody>
      </table>
    </Chart>
  );
}

function CampaignChart({ list }: { list: Campaign[] }) {
  const top = [...list].sort((a, b) => b.chats + b.leads - (a.chats + a.leads)).slice(0, 12);
  const spec: ChartSpec = {
    categories: top.map((c) => (c.source ? c.campaign || c.source : t.rpNoUtm)), height: 220,
    series: [
      { label: t.rpChats, color: '#93b4f6', kind: 'bar', values: top.map((c) => c.chats) },
      { label: t.rpLeads, color: '#7c3aed', kind: 'bar', values: top.map((c) => c.leads) },
    ],
  };
  return (
    <Chart title={t.rpCampaigns} spec={spec}>
      <table class="legs" data-table="campaigns">
        <thead><tr><th>{t.rpSource}</th><th>{t.rpMedium}</th><th>{t.rpCampaign}</th><th>{t.rpChats}</th><th>{t.rpLeads}</th><th>{t.rpCallbacks}</th></tr></thead>
        <tbody>{list.map((c, i) => (
          <tr key={i} data-campaign={c.campaign}>
            {c.source ? <><td>{c.source}</td><td>{c.medium}</td><td>{c.campaign}</td></> : <td colSpan={3} class="muted">{t.rpNoUtm}</td>}
            <td>{c.chats}</td><td data-leads>{c.leads}</td><td>{c.callbacks}</td></tr>
        ))}</tbody>
      </table>
    </Chart>
  );
}

function CallChart({ cb }: { cb: NonNullable<Report['callbacks']> }) {
  const rows = Object.entries(cb.by_status).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const spec: ChartSpec = {
    categories: rows.map(([k]) => t.callStatus[k] ?? k), height: 200,
    series: [{ label: t.rpHowMany, color: '#2f6fed', kind: 'bar', values: rows.map(([, n]) => n) }],
  };
  return (
    <Chart title={t.rpCallStatus} spec={spec}>
      <table class="legs" data-table="callbacks">
        <thead><tr><th>{t.rpStatus}</th><th>{t.rpHowMany}</th></tr></thead>
        <tbody>
          {rows.map(([k, n]) => <tr key={k}><td>{t.callStatus[k] ?? k}</td><td>{n}</td></tr>)}
          <tr><td>{t.rpTalk}</td><td>{Math.round(cb.talk_seconds / 60)}</td></tr>
          <tr><td>{t.rpBilled}</td><td>{Math.ceil(cb.billed_seconds / 60)} {t.min}</td></tr>
        </tbody>
      </table>
    </Chart>
  );
}

function People({ r }: { r: Report }) {
  return <>
    {r.operators.length > 0 && <>
      <h3>{t.rpOperators}</h3>
      <div class="rp-wide"><table class="legs" data-table="operators">
        <thead><tr><th>{t.rpOperator}</th><th>{t.rpOpAnswered}</th><th>{t.rpFirstMedian}</th><th>{t.rpFirstP90}</th><th>{t.rpResolvedIn}</th><th>{t.rpColGood}</th><th>{t.rpColBad}</th></tr></thead>
        <tbody>{r.operators.map((o) => (
          <tr key={o.id} data-operator={o.id}><td>{o.name}</td><td>{o.answered}</td><td>{duration(o.first_response_median_s)}</td>
            <td>{duration(o.first_response_p90_s)}</td><td>{duration(o.resolution_median_s)}</td><td>{o.good}</td><td>{o.bad}</td></tr>
        ))}</tbody>
      </table></div>
    </>}
    {r.departments.length > 0 && <>
      <h3>{t.rpDepartments}</h3>
      <div class="rp-wide"><table class="legs" data-table="departments">
        <thead><tr><th>{t.department}</th><th>{t.rpColStarted}</th><th>{t.rpColAnswered}</th><th>{t.rpColMissed}</th><th>{t.rpFirstMedian}</th></tr></thead>
        <tbody>{r.departments.map((d) => (
          <tr key={d.id}><td>{d.name}</td><td>{d.started}</td><td>{d.answered}</td><td>{d.missed}</td><td>{duration(d.first_response_median_s)}</td></tr>
        ))}</tbody>
      </table></div>
    </>}
  </>;
}

export function Reports({ sites, canStatement }: { sites: SiteInfo[]; canStatement: boolean }) {
  const [statement, setStatement] = useState(false);
  const [from, setFrom] = useState(() => ymd(daysAgo(29)));
  const [to, setTo] = useState(() => ymd(today()));
  const [site, setSite] = useState(0);
  const [department, setDepartment] = useState(0);
  const [operator, setOperator] = useState(0);
  const [report, setReport] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // Departments and operators to offer as filters: what the last unfiltered report listed.
  const [choices, setChoices] = useState<{ departments: Report['departments']; operators: Report['operators'] }>({ departments: [], operators: [] });

  const ok = from !== '' && to !== '' && from <= to && (Date.parse(to) - Date.parse(from)) / DAY < 366;
  const q = new URLSearchParams({ from, to });
  if (site) q.set('site', String(site));
  if (department) q.set('department', String(department));
  if (operator) q.set('operator', String(operator));
  const tz = zone();
  if (tz) q.set('tz', tz);
  const query = q.toString();

  useEffect(() => {
    if (statement || !ok) return;
    let live = true;
    setBusy(true);
    fetch('/api/v1/reports?' + query).then(async (res) => {
      const body = await res.json().catch(() => null);
      if (!live) return;
      if (!res.ok) { setError(body?.error?.message ?? t.rpFailed); return; }
      const r = body as Report;
      setReport(r);
      setError('');
      if (!r.filter.department && !r.filter.operator) setChoices({ departments: r.departments, operators: r.operators });
    }).catch(() => { if (live) setError(t.rpFailed); }).finally(() => { if (live) setBusy(false); });
    return () => { live = false; };
  }, [query, statement]);

  if (statement) return <Statement sites={sites} onBack={() => setStatement(false)} />;

  const preset = (f: Date, tt: Date) => { setFrom(ymd(f)); setTo(ymd(tt)); };
  const now = today();
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  const departments = choices.departments.filter((d) => !site || d.site === site);
  const r = report;
  return (
    <section class="chat canned-tab reports">
      <div class="rp-bar">
        <div class="rp-presets" role="group">
          <button type="button" class={from === ymd(daysAgo(6)) && to === ymd(now) ? 'on' : ''} onClick={() => preset(daysAgo(6), now)}>{t.rp7}</button>
          <button type="button" class={from === ymd(daysAgo(29)) && to === ymd(now) ? 'on' : ''} onClick={() => preset(daysAgo(29), now)}>{t.rp30}</button>
          <button type="button" class={from === ymd(monthStart) && to === ymd(now) ? 'on' : ''} onClick={() => preset(monthStart, now)}>{t.rpMonth}</button>
        </div>
        <label class="toggle">{t.rpFrom} <input type="date" value={from} max={to} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} /></label>
        <label class="toggle">{t.rpTo} <input type="date" value={to} min={from} onChange={(e) => setTo((e.target as HTMLInputElement).value)} /></label>
        <select aria-label={t.site} value={site} onChange={(e) => {
          const id = Number((e.target as HTMLSelectElement).value);
          setSite(id);
          if (id && choices.departments.find((d) => d.id === department)?.site !== id) setDepartment(0);
        }}>
          <option value={0}>{t.allSites}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
        <select aria-label={t.department} value={department} onChange={(e) => setDepartment(Number((e.target as HTMLSelectElement).value))}>
          <option value={0}>{t.rpAllDepts}</option>
          {departments.map((d) => <option key={d.id} value={d.id}>{sites.length > 1 && !site ? `${sites.find((s) => s.id === d.site)?.name ?? ''} · ${d.name}` : d.name}</option>)}
        </select>
        <select aria-label={t.rpOperator} value={operator} onChange={(e) => setOperator(Number((e.target as HTMLSelectElement).value))}>
          <option value={0}>{t.rpAllOps}</option>
          {choices.operators.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>
        <span class="grow" />
        {ok ? <a class="rp-csv" href={`/api/v1/reports.csv?${query}`} download>{t.exportCsv}</a>
          : <span class="muted small">{t.rpTooLong}</span>}
        {canStatement && <button type="button" class="link" data-open-statement onClick={() => setStatement(true)}>{t.stOpen} →</button>}
      </div>
      <div class="lead rp-body" aria-busy={busy}>
        {error && <p class="error small" role="alert">{error}</p>}
        {!r && !error && <p class="muted">{t.rpLoading}</p>}
        {r && <>
          <h2 class="rp-title">{t.reports}: {dayLabel(r.period.from)} — {dayLabel(r.period.to)}
            {r.filter.site ? ` · ${sites.find((s) => s.id === r.filter.site)?.name ?? ''}` : ''}</h2>
          <Cards r={r} />
          {!r.leads && (r.filter.department || r.filter.operator) && <p class="muted small">{t.rpSiteOnly}</p>}
          <div class="rp-charts">
            {r.days.length > 0 && <DailyChart r={r} />}
            {r.campaigns && r.campaigns.length > 0 && <CampaignChart list={r.campaigns} />}
            {r.callbacks && r.callbacks.total > 0 && <CallChart cb={r.callbacks} />}
          </div>
          {r.campaigns && r.campaigns.length === 0 && <p class="muted small">{t.rpNoCampaigns}</p>}
          <People r={r} />
        </>}
      </div>
    </section>
  );
}
