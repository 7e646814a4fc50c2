// The monthly statement an agency sends its clients: per site, the month's chats, leads, callbacks, billed minutes,
// the amount and the operators who served it (GET /api/v1/statements, docs/api.md). Printable: the print styles
// keep only the document, and a site's block never splits across pages. Owners, admins and supervisors only.
import { useEffect, useState } from 'preact/hooks';
import type { SiteInfo } from '../../protocol/index';
import { fill, locale, t } from './i18n';

interface StatementSite {
  site: number; site_name: string; timezone: string; chats: number; answered: number; leads: number; callbacks: number;
  connected_calls: number; talk_seconds: number; billed_seconds: number; billed_minutes: number; amount: number; currency: string;
  operators: { id: number; name: string; chats: number }[];
}
interface StatementBody { month: string; sites: StatementSite[] }

/** Kopecks (minor units) as money: 123450 RUB → «1 234,50 ₽»; without a currency just the number. */
export function money(minor: number, currency: string): string {
  const value = minor / 100;
  if (currency) {
    try { return value.toLocaleString(locale, { style: 'currency', currency }); } catch { /* not an ISO code: below */ }
  }
  const n = value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${n} ${currency}` : n;
}
const thisMonth = () => { const d = new Date(); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`; };
const monthName = (m: string) => new Date(`${m}-15T12:00:00Z`).toLocaleDateString(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });

export function Statement({ sites, onBack }: { sites: SiteInfo[]; onBack: () => void }) {
  const [month, setMonth] = useState(thisMonth);
  const [site, setSite] = useState(0);
  const [body, setBody] = useState<StatementBody | null>(null);
  const [error, setError] = useState('');
  const q = new URLSearchParams({ month });
  if (site) q.set('site', String(site));
  const query = q.toString();
  useEffect(() => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    let live = true;
    fetch('/api/v1/statements?' + query).then(async (res) => {
      const b = await res.json().catch(() => null);
      if (!live) return;
      if (!res.ok) { setError(b?.error?.message ?? t.stFailed); return; }
      setBody(b as StatementBody);
      setError('');
    }).catch(() => { if (live) setError(t.stFailed); });
    return () => { live = false; };
  }, [query]);

  const list = body?.sites ?? [];
  const currencies = new Set(list.map((s) => s.currency));
  const sum = (f: (s: StatementSite) => number) => list.reduce((a, s) => a + f(s), 0);
  const whose = site ? sites.find((s) => s.id === site)?.name ?? '' : t.allSites;
  // Each site's month runs in its own time zone: worth saying only when they differ.
  const zones = new Set(list.map((s) => s.timezone)).size > 1;
  return (
    <section class="chat canned-tab reports statement-doc">
      <div class="rp-bar no-print">
        <button type="button" class="link" onClick={onBack}>← {t.stBack}</button>
        <input type="month" aria-label={t.month} value={month} onChange={(e) => setMonth((e.target as HTMLInputElement).value)} />
        <select aria-label={t.site} value={site} onChange={(e) => setSite(Number((e.target as HTMLSelectElement).value))}>
          <option value={0}>{t.allSites}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
        <span class="grow" />
        <a class="rp-csv" href={`/api/v1/statements.csv?${query}`} download>{t.exportCsv}</a>
        <button type="button" class="rp-print" onClick={() => window.print()}>{t.print}</button>
      </div>
      <div class="lead rp-body">
        <header class="st-head">
          <h2>{fill(t.stFor, { month: body ? monthName(body.month) : monthName(month) })}</h2>
          <p class="muted">{whose} · {fill(t.stMade, { date: new Date().toLocaleDateString(locale, { day: 'numeric', month: 'long', year: 'numeric' }) })}</p>
          <p class="muted small no-print">{t.stHint}</p>
        </header>
        {error && <p class="error small" role="alert">{error}</p>}
        {body && list.length === 0 && <p class="muted">{t.stEmpty}</p>}
        {list.length > 0 && (
          <table class="legs st-table">
            <thead><tr><th>{t.site}</th><th>{t.stChats}</th><th>{t.stAnswered}</th><th>{t.stLeads}</th><th>{t.stCallbacks}</th>
              <th>{t.stConnected}</th><th>{t.stMinutes}</th><th>{t.stAmount}</th></tr></thead>
            {list.map((s) => (
              <tbody key={s.site} class="st-site" data-site={s.site}>
                <tr>
                  <th scope="row"><b>{s.site_name}</b>{zones && s.timezone && <span class="muted small"> · {fill(t.stTz, { tz: s.timezone })}</span>}</th>
                  <td data-figure="chats">{s.chats}</td><td>{s.answered}</td><td data-figure="leads">{s.leads}</td><td>{s.callbacks}</td>
                  <td>{s.connected_calls}</td><td>{s.billed_minutes}</td><td class="st-money">{money(s.amount, s.currency)}</td>
                </tr>
                <tr class="st-ops"><td colSpan={8}>
                  <span class="muted">{t.stServed}:</span>{' '}
                  {s.operators.length === 0 ? <span class="muted">{t.stNobody}</span>
                    : s.operators.map((o, i) => <span key={o.id} data-operator={o.id}>{i > 0 && ', '}{o.name} <span class="muted">({o.chats})</span></span>)}
                </td></tr>
              </tbody>
            ))}
            {list.length > 1 && (
              <tfoot><tr>
                <th scope="row">{t.stTotal}</th><td>{sum((s) => s.chats)}</td><td>{sum((s) => s.answered)}</td><td>{sum((s) => s.leads)}</td>
                <td>{sum((s) => s.callbacks)}</td><td>{sum((s) => s.connected_calls)}</td><td>{sum((s) => s.billed_minutes)}</td>
                <td class="st-money">{currencies.size === 1 ? money(sum((s) => s.amount), list[0].currency) : ''}</td>
              </tr></tfoot>
            )}
          </table>
        )}
      </div>
    </section>
  );
}
