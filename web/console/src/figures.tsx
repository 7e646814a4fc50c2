// Engagement figures of one site for a date range (last 30 days by default): each invitation's shows, accepts
// and closes, a poll's answers by option, and what the FAQ bot did. Counts only; no visitor is behind them.
import { useEffect, useState } from 'preact/hooks';
import type { Trigger } from './engage';
import { fill, t } from './i18n';

interface TriggerStat { trigger: string; shown: number; accepted: number; dismissed: number; answers?: number[] }
interface Stats {
  triggers: TriggerStat[];
  bot: { conversations: number; answers: number; helpful: number; not_helpful: number; handed_off: number; handoff_reasons?: Record<string, number> };
}

const pad = (n: number) => String(n).padStart(2, '0');
const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const share = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : '—');

export function Figures({ siteKey, triggers }: { siteKey: string; triggers: Trigger[] }) {
  const [to, setTo] = useState(() => day(new Date()));
  const [from, setFrom] = useState(() => day(new Date(Date.now() - 29 * 86400000)));
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!from || !to) return;
    let live = true;
    fetch(`/api/v1/sites/${encodeURIComponent(siteKey)}/engage/stats?from=${from}&to=${to}`).then(async (r) => {
      if (!r.ok) {
        const body = await r.json().catch(() => null);
        throw new Error(body?.error?.message ?? t.leadsFailed);
      }
      const body = await r.json() as Stats;
      if (live) { setStats(body); setError(''); }
    }).catch((e: Error) => { if (live) setError(e.message || t.leadsFailed); });
    return () => { live = false; };
  }, [siteKey, from, to]);

  const bot = stats?.bot;
  const reasons = bot?.handoff_reasons ?? {};
  return (
    <div class="lead figures">
      <div class="kb-tools">
        <label class="toggle">{t.from} <input type="date" value={from} max={to} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} /></label>
        <label class="toggle">{t.to} <input type="date" value={to} min={from} onChange={(e) => setTo((e.target as HTMLInputElement).value)} /></label>
      </div>
      {error && <p class="error small" role="alert">{error}</p>}
      {stats && <>
        <h3>{t.triggers}</h3>
        {stats.triggers.length === 0 ? <p class="muted">{t.noShows}</p> : (
          <table class="legs">
            <thead><tr><th>{t.invitation}</th><th>{t.shown}</th><th>{t.accepted}</th><th>{t.dismissed}</th><th>{t.response}</th></tr></thead>
            <tbody>{stats.triggers.map((s) => {
              const tr = triggers.find((x) => x.id === s.trigger);
              const options = tr?.action.type === 'poll' && Array.isArray(tr.action.options) ? tr.action.options as string[] : [];
              const answers = s.answers ?? [];
              const answered = answers.reduce((a, b) => a + b, 0);
              return [
                <tr key={s.trigger} data-trigger={s.trigger}>
                  <td><code>{s.trigger}</code>{!tr && <span class="muted small"> ({t.deleted})</span>}</td>
                  <td>{s.shown}</td><td>{s.accepted}</td><td>{s.dismissed}</td><td>{share(s.accepted, s.shown)}</td>
                </tr>,
                answers.length > 0 && (
                  <tr key={s.trigger + ':poll'} class="poll-row"><td colSpan={5}>
                    {typeof tr?.action.question === 'string' && <div class="muted small">{tr.action.question}</div>}
                    <ul class="answers">{answers.map((n, i) => (
                      <li key={i}><span>{options[i] || fill(t.option, { n: i + 1 })}</span><b>{n}</b><span class="muted">{share(n, answered)}</span></li>
                    ))}</ul>
                  </td></tr>
                ),
              ];
            })}</tbody>
          </table>
        )}
        {bot && <>
          <h3>{t.bot}</h3>
          <table class="legs narrow">
            <tbody>
              <tr><th>{t.botConvs}</th><td>{bot.conversations}</td></tr>
              <tr><th>{t.botAnswers}</th><td>{bot.answers}</td></tr>
              <tr><th>{t.helpful}</th><td>{bot.helpful}</td></tr>
              <tr><th>{t.notHelpful}</th><td>{bot.not_helpful}</td></tr>
              <tr><th>{t.handedOff}</th><td>{bot.handed_off}</td></tr>
              {Object.entries(reasons).map(([k, n]) => (
                <tr key={k} class="sub"><th>— {t.reasons[k] ?? k}</th><td>{n}</td></tr>
              ))}
            </tbody>
          </table>
        </>}
      </>}
    </div>
  );
}
