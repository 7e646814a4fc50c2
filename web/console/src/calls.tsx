// Callbacks: every request with its outcome, live; a call's card shows each leg's timeline (invited, ringing,
// answered, ended, the final SIP code and Reason) so an operator can see where a call went wrong.
import { useEffect, useState } from 'preact/hooks';
import type { CallbackRecord, SiteInfo } from '../../protocol/index';
import type { OperatorClient } from './client';
import { ExportLink } from './export';
import { locale, t } from './i18n';

const when = (ms: number) => new Date(ms).toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const seconds = (ms: number) => `${Math.round(ms / 1000)} ${t.sec}`;
const money = (kopecks: number) => (kopecks / 100).toLocaleString(locale, { style: 'currency', currency: 'RUB' });

interface StatementLine { site: number; site_name: string; calls: number; connected_calls: number; billed_minutes: number; amount: number }

/** The month's totals per site: what an agency bills its clients for callbacks. Printable. */
function Statement() {
  // The month on the viewer's calendar (not UTC): at 00:30 on the 1st in Moscow it is already the new month.
  const [month, setMonth] = useState(() => {
    const now = new Date();
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  });
  const [lines, setLines] = useState<StatementLine[] | null>(null);
  useEffect(() => {
    let live = true;
    fetch(`/api/v1/callbacks/statement?month=${month}`).then(async (r) => {
      if (r.ok && live) setLines((await r.json()).sites);
    }).catch(() => {});
    return () => { live = false; };
  }, [month]);
  return (
    <div class="lead statement">
      <div class="head-line"><h2>{t.statement}</h2><span class="grow" />
        <input type="month" aria-label={t.month} value={month} onChange={(e) => setMonth((e.target as HTMLInputElement).value)} />
        <button class="link" onClick={() => window.print()}>{t.print}</button></div>
      {lines && lines.length === 0 && <p class="muted">{t.noCallsMonth}</p>}
      {lines && lines.length > 0 && (
        <table class="legs">
          <thead><tr><th>{t.site}</th><th>{t.requestsCol}</th><th>{t.connectedCol}</th><th>{t.minutesCol}</th><th>{t.amountCol}</th></tr></thead>
          <tbody>{lines.map((l) => (
            <tr key={l.site}><td>{l.site_name}</td><td>{l.calls}</td><td>{l.connected_calls}</td><td>{l.billed_minutes}</td><td>{money(l.amount)}</td></tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}

export function Calls({ client, sites, csrf, canBlock }: { client: OperatorClient; sites: SiteInfo[]; csrf: string; canBlock: boolean }) {
  const [site, setSite] = useState(0);
  const [calls, setCalls] = useState<CallbackRecord[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [openId, setOpenId] = useState(0);
  const [error, setError] = useState('');

  const load = async (before: number | null) => {
    const q = new URLSearchParams();
    if (site) q.set('site', String(site));
    if (before) q.set('before', String(before));
    try {
      const res = await fetch('/api/v1/callbacks?' + q);
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json() as { callbacks: CallbackRecord[]; next_before: number | null };
      setCalls((old) => (before ? old.concat(body.callbacks) : body.callbacks));
      setNext(body.next_before);
      setError('');
    } catch {
      setError(t.leadsFailed);
    }
  };
  useEffect(() => { void load(null); }, [site]);
  useEffect(() => {
    client.onCallback = (c) => {
      if (site && c.site !== site) return;
      setCalls((old) => [c, ...old.filter((x) => x.id !== c.id)].sort((a, b) => b.id - a.id));
    };
    return () => { client.onCallback = () => {}; };
  }, [site]);

  const call = calls.find((c) => c.id === openId);
  const [actionNote, setActionNote] = useState('');
  const act = async (id: number, action: 'retry' | 'block') => {
    const res = await fetch(`/api/v1/callbacks/${id}/${action}`, { method: 'POST', headers: { 'X-CSRF-Token': csrf } });
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) { setActionNote(body?.error?.message ?? t.leadsFailed); return; }
    setActionNote(action === 'block' ? t.blocked : '');
    if (action === 'retry' && body?.callback) setOpenId(body.callback.id);
  };
  // The person asked never to be called (docs/callback.md, "Opt-outs"): none of the account's sites calls it again.
  const optOut = async (phone: string) => {
    const res = await fetch('/api/v1/callbacks/optout', { method: 'POST', body: JSON.stringify({ number: phone }),
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' } });
    const body = await res.json().catch(() => null);
    setActionNote(res.ok ? t.optedOut : body?.error?.message ?? t.leadsFailed);
  };
  const label = (status: string) => t.callStatus[status] ?? status;
  return (
    <>
      <aside class="list" aria-label={t.calls}>
        <div class="filters">
          <select aria-label={t.site} value={site} onChange={(e) => setSite(Number((e.target as HTMLSelectElement).value))}>
            <option value={0}>{t.allSites}</option>
            {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </div>
        <ExportLink file="callbacks" site={site} />
        {error && <p class="error pad small" role="alert">{error}</p>}
        {calls.length === 0 && !error && <p class="muted pad">{t.noCalls}</p>}
        {calls.map((c) => (
          <button key={c.id} class={`row ${c.id === openId ? 'active' : ''}`} data-callback={c.id} onClick={() => setOpenId(c.id)}>
            <span class="site">{c.site_name}</span>
            <span class="who">{c.phone || t.noNumber}<span class={`pill ${c.status === 'connected' ? 'won' : c.status === 'placing' ? 'new' : 'lost'}`}>{label(c.status)}</span></span>
            <span class="owner">{when(c.created_at)}{c.talk_ms > 0 && ` · ${seconds(c.talk_ms)}`}</span>
          </button>
        ))}
        {next && <button class="link pad" onClick={() => load(next)}>{t.more}</button>}
      </aside>
      <section class="chat">
        {!call ? <Statement /> : (
          <div class="lead">
            <button class="link back" onClick={() => setOpenId(0)}>← {t.back}</button>
            <h2>{call.phone || t.noNumber}</h2>
            <dl>
              <dt>{t.site}</dt><dd>{call.site_name}</dd>
              <dt>{t.callResult}</dt><dd>{label(call.status)}{call.rule && ` (${call.rule})`}</dd>
              <dt>{t.requested}</dt><dd>{when(call.created_at)}</dd>
              {call.scheduled_for && <><dt>{t.scheduledFor}</dt><dd>{when(call.scheduled_for)}</dd></>}
              {call.talk_ms > 0 && <><dt>{t.talk}</dt><dd>{seconds(call.talk_ms)}</dd></>}
              {call.billed_seconds > 0 && <><dt>{t.billed}</dt><dd>{call.billed_seconds} {t.sec} · {money(call.charge)}</dd></>}
            </dl>
            {call.phone && call.status !== 'placing' && call.status !== 'scheduled' && (
              <div class="actions">
                <button onClick={() => act(call.id, 'retry')}>{t.callAgain}</button>
                {canBlock && <button class="secondary" onClick={() => act(call.id, 'block')}>{t.block}</button>}
                {canBlock && <button class="secondary" onClick={() => optOut(call.phone)}>{t.optOut}</button>}
                {actionNote && <span class="muted small" role="status">{actionNote}</span>}
              </div>
            )}
            {call.legs.length > 0 && <>
              <h3>{t.legs}</h3>
              <table class="legs">
                <thead><tr><th>{t.leg}</th><th>{t.invited}</th><th>{t.ringing}</th><th>{t.answered}</th><th>{t.ended}</th><th>SIP</th></tr></thead>
                <tbody>{call.legs.map((l, i) => (
                  <tr key={i}>
                    <td>{l.party === 'visitor' ? t.visitor : `${t.operatorLeg} ${(l.operator ?? 0) + 1}`} · {t.outcome[l.outcome] ?? l.outcome}</td>
                    {[l.invited, l.first_provisional, l.answered, l.ended].map((ms, j) => <td key={j}>{ms ? new Date(ms).toLocaleTimeString(locale) : '—'}</td>)}
                    <td>{l.final_code || ''} {l.reason ?? ''}{l.ended_by ? ` · ${t.by[l.ended_by] ?? l.ended_by}` : ''}</td>
                  </tr>
                ))}</tbody>
              </table>
            </>}
          </div>
        )}
      </section>
    </>
  );
}
