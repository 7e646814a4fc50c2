// The visitor card beside a chat: who they are as far as the site knows — this visit (pages with times, where
// they came from, UTM tags, device), earlier visits and conversations, and contacts they left. No geolocation.
import { useEffect, useState } from 'preact/hooks';
import type { Lead } from '../../protocol/index';
import { locale, t } from './i18n';

interface Card {
  visitor: { id: number; name: string; first_seen: number };
  visits: number;
  visit: { number: number; started_at: number; referrer: string; landing_url: string; utm: Record<string, string> };
  device: { kind: string; browser: string; os: string };
  pages: { url: string; title: string; at: number; visit: number }[];
  earlier: { id: number; created_at: number; open: boolean; rating: 'good' | 'bad' | null; last_text: string }[];
  lead: Lead | null;
}

const clock = (ms: number) => new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
const day = (ms: number) => new Date(ms).toLocaleDateString(locale, { day: 'numeric', month: 'short' });
const minutes = (ms: number) => Math.max(1, Math.round(ms / 60000));

export function VisitorCard({ conversation, name, pageKey, onClose }: { conversation: number; name: string; pageKey: string; onClose: () => void }) {
  const [card, setCard] = useState<Card | null>(null);
  useEffect(() => {
    let live = true;
    fetch(`/api/v1/conversations/${conversation}/visitor`).then(async (r) => {
      if (r.ok && live) setCard(await r.json());
    }).catch(() => {});
    return () => { live = false; };
  }, [conversation, pageKey]);
  if (!card) return <aside class="vcard" aria-label={t.visitorCard} />;
  const thisVisit = card.pages.filter((p) => p.visit === card.visit.number);
  const device = [card.device.browser, card.device.os, t.kind[card.device.kind]].filter(Boolean).join(' · ');
  return (
    <aside class="vcard" aria-label={t.visitorCard}>
      <div class="head-line"><b>{card.visitor.name || name}</b><span class="grow" />
        <button class="link" onClick={onClose} aria-label={t.closeCard}>✕</button></div>
      <dl>
        <dt>{t.visitNo}</dt><dd>{card.visit.number}{card.visits > 1 && ` ${t.since} ${day(card.visitor.first_seen)}`}</dd>
        <dt>{t.onSite}</dt><dd>{minutes(Date.now() - card.visit.started_at)} {t.min}</dd>
        {card.visit.referrer && <><dt>{t.referrer}</dt><dd class="url">{card.visit.referrer}</dd></>}
        {Object.keys(card.visit.utm).length > 0 && <><dt>UTM</dt>
          <dd>{['source', 'medium', 'campaign'].filter((k) => card.visit.utm[k]).map((k) => `${k}=${card.visit.utm[k]}`).join(', ')}</dd></>}
        {device && <><dt>{t.device}</dt><dd>{device}</dd></>}
        {card.lead && <><dt>{t.contacts}</dt><dd>{[card.lead.name, card.lead.email, card.lead.phone].filter(Boolean).join(', ')}</dd></>}
      </dl>
      <h3>{t.thisVisit}</h3>
      <ul class="pages">{thisVisit.map((p, i) => (
        <li key={i}><span class="meta">{clock(p.at)}</span> <a href={p.url} target="_blank" rel="noopener noreferrer">{p.title || p.url}</a></li>
      ))}</ul>
      {card.earlier.length > 0 && <>
        <h3>{t.earlierChats}</h3>
        <ul class="pages">{card.earlier.map((e) => (
          <li key={e.id}><span class="meta">{day(e.created_at)}{e.rating ? (e.rating === 'good' ? ' 👍' : ' 👎') : ''}</span> {e.last_text}</li>
        ))}</ul>
      </>}
    </aside>
  );
}
