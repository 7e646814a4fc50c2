// "Download CSV": a plain link to the streamed export of the list's site filter, for a range of days (the last 30
// by default). The browser downloads it with the session cookie; nothing is built in the page.
import { useState } from 'preact/hooks';
import { t } from './i18n';

const DAY = 24 * 3600 * 1000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function ExportLink({ file, site }: { file: 'leads' | 'conversations' | 'callbacks'; site: number }) {
  const [from, setFrom] = useState(iso(Date.now() - 29 * DAY));
  const [to, setTo] = useState(iso(Date.now()));
  const q = new URLSearchParams({ from, to });
  if (site) q.set('site', String(site));
  // The server takes at most 366 days at once.
  const ok = from !== '' && to !== '' && from <= to && (Date.parse(to) - Date.parse(from)) / DAY < 366;
  return (
    <div class="export small">
      <input type="date" aria-label={t.exportFrom} value={from} max={to} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
      <span class="muted">–</span>
      <input type="date" aria-label={t.exportTo} value={to} min={from} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
      {ok ? <a href={`/api/v1/export/${file}.csv?${q}`} download title={t.exportHint}>{t.exportCsv}</a>
        : <span class="muted" title={t.exportTooLong}>{t.exportCsv}</span>}
    </div>
  );
}
