// Leads: visitors who left contacts. A list with filters on the left, the lead's card on the right: contacts,
// where they came from, the pages they saw, their message, and the team's notes and status.
import { useEffect, useState } from 'preact/hooks';
import type { Lead, LeadDetail, LeadStatus, SiteInfo } from '../../protocol/index';
import type { OperatorClient } from './client';
import { ExportLink } from './export';
import { locale, t } from './i18n';

const STATUSES: LeadStatus[] = ['new', 'in_work', 'won', 'lost'];
const UTM = ['source', 'medium', 'campaign'] as const;
const when = (ms: number) => new Date(ms).toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

function noteId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return 'l' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function Leads({ client, csrf, sites }: { client: OperatorClient; csrf: string; sites: SiteInfo[] }) {
  const [site, setSite] = useState(0);
  const [status, setStatus] = useState<LeadStatus | ''>('');
  const [source, setSource] = useState<Lead['source'] | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [leads, setLeads] = useState<Lead[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [openId, setOpenId] = useState(0);
  const [detail, setDetail] = useState<LeadDetail | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');

  const load = async (before: number | null) => {
    const q = new URLSearchParams();
    if (site) q.set('site', String(site));
    if (status) q.set('status', status);
    if (source) q.set('source', source);
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    if (before) q.set('before', String(before));
    try {
      const res = await fetch('/api/v1/leads?' + q);
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json() as { leads: Lead[]; next_before: number | null };
      setLeads((old) => (before ? old.concat(body.leads) : body.leads));
      setNext(body.next_before);
      setError('');
    } catch {
      setError(t.leadsFailed);
    }
  };
  const open = async (id: number) => {
    setOpenId(id);
    const res = await fetch(`/api/v1/leads/${id}`);
    if (res.ok) setDetail(await res.json());
  };

  useEffect(() => { void load(null); }, [site, status, source, from, to]);
  useEffect(() => {
    client.freshLeads = 0;
    client.onLead = (lead) => {
      client.freshLeads = 0;
      setLeads((old) => {
        const rest = old.filter((l) => l.id !== lead.id);
        const made = new Date(lead.created_at).toISOString().slice(0, 10);  // the API's days are UTC days
        const fits = (!site || lead.site === site) && (!status || lead.status === status) &&
          (!source || lead.source === source) && (!from || made >= from) && (!to || made <= to);
        return fits ? [lead, ...rest].sort((a, b) => b.id - a.id) : rest;
      });
      if (lead.id === openId) void open(lead.id);
    };
    return () => { client.onLead = () => {}; };
  }, [site, status, source, from, to, openId]);

  const change = async (s: LeadStatus) => {
    if (!detail) return;
    const res = await fetch(`/api/v1/leads/${detail.lead.id}`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ status: s }),
    });
    if (res.ok) void open(detail.lead.id);
    else setError(t.leadsFailed);
  };
  const addNote = async (e: Event) => {
    e.preventDefault();
    if (!detail || !note.trim()) return;
    const res = await fetch(`/api/v1/leads/${detail.lead.id}/notes`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ client_id: noteId(), text: note }),
    });
    if (res.ok) { setNote(''); void open(detail.lead.id); } else setError(t.leadsFailed);
  };

  const lead = detail?.lead;
  return (
    <>
      <aside class="list" aria-label={t.leads}>
        <div class="filters">
          <select aria-label={t.site} value={site} onChange={(e) => setSite(Number((e.target as HTMLSelectElement).value))}>
            <option value={0}>{t.allSites}</option>
            {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
          <select aria-label={t.leadStatus} value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value as LeadStatus | '')}>
            <option value="">{t.anyStatus}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{t.status[s]}</option>)}
          </select>
          <select aria-label={t.leadSource} value={source}
            onChange={(e) => setSource((e.target as HTMLSelectElement).value as Lead['source'] | '')}>
            <option value="">{t.anySource}</option>
            {(['chat', 'offline_form', 'callback'] as const).map((s) => <option key={s} value={s}>{t.source[s]}</option>)}
          </select>
          <input type="date" aria-label={t.leadsFrom} value={from} max={to || undefined}
            onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
          <input type="date" aria-label={t.leadsTo} value={to} min={from || undefined}
            onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
        </div>
        <ExportLink file="leads" site={site} />
        {error && <p class="error pad small" role="alert">{error}</p>}
        {leads.length === 0 && !error && <p class="muted pad">{t.noLeads}</p>}
        {leads.map((l) => (
          <button key={l.id} class={`row ${l.id === openId ? 'active' : ''}`} data-lead={l.id} onClick={() => open(l.id)}>
            <span class="site">{l.site_name}</span>
            <span class="who">{l.name || l.email || l.phone}<span class={`pill ${l.status}`}>{t.status[l.status]}</span></span>
            <span class="preview">{[l.email, l.phone].filter(Boolean).join(' · ')}</span>
            <span class="owner">{t.source[l.source]} · {when(l.created_at)}</span>
          </button>
        ))}
        {next && <button class="link pad" onClick={() => load(next)}>{t.more}</button>}
      </aside>
      <section class="chat">
        {!lead ? <p class="muted pad">{t.pickLead}</p> : (
          <div class="lead">
            <button class="link back" onClick={() => { setOpenId(0); setDetail(null); }}>← {t.back}</button>
            <h2>{lead.name || t.noName}</h2>
            <dl>
              {lead.email && <><dt>{t.email}</dt><dd><a href={`mailto:${lead.email}`}>{lead.email}</a></dd></>}
              {lead.phone && <><dt>{t.phone}</dt><dd><a href={`tel:${lead.phone}`}>{lead.phone}</a></dd></>}
              <dt>{t.site}</dt><dd>{lead.site_name}</dd>
              <dt>{t.came}</dt><dd>{t.source[lead.source]} · {when(lead.created_at)}</dd>
              {lead.referrer && <><dt>{t.referrer}</dt><dd class="url">{lead.referrer}</dd></>}
              {lead.landing_url && <><dt>{t.landing}</dt><dd class="url">{lead.landing_url}</dd></>}
              {Object.keys(lead.utm).length > 0 && <><dt>UTM</dt><dd>{UTM.filter((k) => lead.utm[k]).map((k) => `${k}=${lead.utm[k]}`).join(', ')}</dd></>}
              <dt>{t.visits}</dt><dd>{lead.visits}</dd>
            </dl>
            <label class="toggle">{t.leadStatus}
              <select class="presence" value={lead.status} onChange={(e) => change((e.target as HTMLSelectElement).value as LeadStatus)}>
                {STATUSES.map((s) => <option key={s} value={s}>{t.status[s]}</option>)}
              </select></label>
            <h3>{t.history}</h3>
            <ul class="entries">
              {detail!.entries.map((e) => (
                <li key={e.id} class={e.kind}>
                  <span class="meta">{when(e.at)} · {e.author ? e.author.name : t.visitor}</span>
                  {e.kind === 'contact' && e.contact && <div>{t.left}: {[e.contact.name, e.contact.email, e.contact.phone].filter(Boolean).join(', ')}
                    {e.contact.message && <blockquote>{e.contact.message}</blockquote>}</div>}
                  {e.kind === 'note' && <div>{e.text}</div>}
                  {e.kind === 'status' && <div>{t.statusSet}: {t.status[e.text as LeadStatus] ?? e.text}</div>}
                </li>
              ))}
            </ul>
            <form class="reply" onSubmit={addNote}>
              <textarea value={note} maxLength={4000} placeholder={t.leadNote} aria-label={t.leadNote}
                onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
              <button type="submit">{t.save}</button>
            </form>
            {detail!.pages.length > 0 && <>
              <h3>{t.pages}</h3>
              <ul class="pages">{detail!.pages.map((p, i) => <li key={i}><span class="meta">{when(p.at)} · #{p.visit}</span> {p.title || p.url}</li>)}</ul>
            </>}
          </div>
        )}
      </section>
    </>
  );
}
