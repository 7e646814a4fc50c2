// The FAQ bot's knowledge base of one site (docs/engagement.md, "The FAQ bot"): entries of a question, other
// phrasings and an answer, added, changed and removed one at a time; the server validates each and says what it
// refuses. "Try the bot" asks the server what the bot would do with a visitor's text, with the same retrieval.
import { useEffect, useState } from 'preact/hooks';
import type { EngageDoc } from './engage';
import { fill, t } from './i18n';

interface Entry { id: number; question: string; phrasings: string[]; answer: string; updated_at: number }
interface Draft { question: string; phrasings: string; answer: string }
interface TryResult { entry: number | null; confidence: number; handoff: string | null }

const val = (e: Event) => (e.target as HTMLInputElement).value;
const percent = (x: number) => `${Math.round(x * 100)} %`;
async function problem(res: Response): Promise<string> {
  const body = await res.json().catch(() => null);
  return body?.error?.message ?? t.saveFailed;
}

function EntryForm({ start, onSave, onCancel }: { start: Draft; onSave: (d: Draft) => Promise<string>; onCancel: () => void }) {
  const [d, setD] = useState(start);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(await onSave(d));
    setBusy(false);
  };
  return (
    <form class="kb-form" noValidate onSubmit={submit}>
      <label class="eg-field">{t.kbQuestion}<input value={d.question} maxLength={300} onInput={(e) => setD({ ...d, question: val(e) })} /></label>
      <label class="eg-field">{t.kbPhrasings}<textarea rows={3} value={d.phrasings} onInput={(e) => setD({ ...d, phrasings: val(e) })} /></label>
      <label class="eg-field">{t.kbAnswer}<textarea rows={4} value={d.answer} maxLength={2000} onInput={(e) => setD({ ...d, answer: val(e) })} /></label>
      <div class="eg-save inline">
        <button type="submit" class="primary" disabled={busy}>{t.save}</button>
        <button type="button" class="link" onClick={onCancel}>{t.cancel}</button>
        {error && <span class="error small" role="alert">{error}</span>}
      </div>
    </form>
  );
}

function TryBot({ siteKey, csrf, bot, entries }: { siteKey: string; csrf: string; bot: EngageDoc['bot']; entries: Entry[] }) {
  const [text, setText] = useState('');
  const [result, setResult] = useState<TryResult | null>(null);
  const [error, setError] = useState('');
  const ask = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    try {
      const res = await fetch(`/api/v1/sites/${encodeURIComponent(siteKey)}/kb/try`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ text }),
      });
      if (!res.ok) { setError(await problem(res)); setResult(null); return; }
      setResult(await res.json());
      setError('');
    } catch {
      setError(t.leadsFailed);
    }
  };
  const entry = result?.entry != null ? entries.find((x) => x.id === result.entry) : undefined;
  const p = result ? percent(result.confidence) : '';
  return (
    <aside class="eg-side try-side" aria-label={t.tryTitle}>
      <h3>{t.tryTitle}</h3>
      {!bot.enabled && <p class="muted small">{t.botOff}</p>}
      <form class="try" onSubmit={ask}>
        <input value={text} maxLength={4000} placeholder={t.tryPlaceholder} aria-label={t.tryPlaceholder} onInput={(e) => setText(val(e))} />
        <button type="submit" class="primary">{t.tryGo}</button>
      </form>
      {error && <p class="error small" role="alert">{error}</p>}
      {result && (
        <div class={`try-result ${result.handoff || !entry ? 'handoff' : 'answer'}`} role="status">
          {result.handoff === 'asked' ? <p>{t.tryAsked}</p>
            : result.handoff === 'low_confidence' ? <p>{fill(t.tryLow, { p, th: percent(bot.threshold) })}</p>
            : result.handoff ? <p>{fill(t.tryOther, { reason: t.reasons[result.handoff] ?? result.handoff })}</p>
            : !entry ? <p>{t.tryNone}</p>
            : <><p><b>{fill(t.tryAnswer, { q: entry.question })}</b> <span class="muted">· {fill(t.confidence, { p })}</span></p>
              <blockquote>{entry.answer}</blockquote></>}
          {result.handoff && entry && <p class="muted small">{fill(t.closest, { q: entry.question })} {fill(t.confidence, { p })}</p>}
        </div>
      )}
    </aside>
  );
}

export function KnowledgeBase({ siteKey, csrf, bot }: { siteKey: string; csrf: string; bot: EngageDoc['bot'] }) {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(0); // an entry's id, -1 for a new one, 0 for none
  const [filter, setFilter] = useState('');
  const base = `/api/v1/sites/${encodeURIComponent(siteKey)}/kb`;

  useEffect(() => {
    let live = true;
    fetch(base).then(async (r) => {
      if (!r.ok) throw new Error(String(r.status));
      const body = await r.json() as { entries: Entry[] };
      if (live) setEntries(body.entries);
    }).catch(() => { if (live) setError(t.leadsFailed); });
    return () => { live = false; };
  }, [siteKey]);

  const save = async (id: number, d: Draft): Promise<string> => {
    const body = { question: d.question.trim(), phrasings: d.phrasings.split('\n').map((x) => x.trim()).filter(Boolean), answer: d.answer.trim() };
    try {
      const res = await fetch(id > 0 ? `${base}/${id}` : base, {
        method: id > 0 ? 'PUT' : 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body),
      });
      if (!res.ok) return problem(res);
      const got = await res.json() as Entry | { entry: Entry };
      const saved = 'entry' in got ? got.entry : got; // the doc says "the entry"; a wrapped one reads the same
      setEntries((old) => (id > 0 ? (old ?? []).map((x) => (x.id === id ? saved : x)) : [...(old ?? []), saved]));
      setEditing(0);
      return '';
    } catch {
      return t.saveFailed;
    }
  };
  const remove = async (x: Entry) => {
    if (!window.confirm(fill(t.kbDelete, { q: x.question }))) return;
    const res = await fetch(`${base}/${x.id}`, { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } }).catch(() => null);
    if (res && res.ok) setEntries((old) => (old ?? []).filter((y) => y.id !== x.id));
    else setError(res ? await problem(res) : t.saveFailed);
  };

  const q = filter.trim().toLowerCase();
  const shown = (entries ?? []).filter((x) => !q || [x.question, x.answer, ...x.phrasings].some((s) => s.toLowerCase().includes(q)));
  const empty: Draft = { question: '', phrasings: '', answer: '' };
  return (
    <div class="lead">
      <div class="eg-cols">
        <div class="eg-main">
          <p class="muted small">{t.kbHint}</p>
          <div class="kb-tools">
            <input type="search" value={filter} placeholder={t.kbFilter} aria-label={t.kbFilter} onInput={(e) => setFilter(val(e))} />
            <button class="primary" disabled={editing === -1} onClick={() => setEditing(-1)}>{t.kbAdd}</button>
            {entries && entries.length > 0 && <span class="muted small">{fill(t.kbCount, { n: entries.length })}</span>}
          </div>
          {error && <p class="error small" role="alert">{error}</p>}
          {editing === -1 && <EntryForm start={empty} onSave={(d) => save(0, d)} onCancel={() => setEditing(0)} />}
          {entries && entries.length === 0 && editing !== -1 && <p class="muted">{t.kbEmpty}</p>}
          {entries && entries.length > 0 && shown.length === 0 && <p class="muted">{t.kbNothing}</p>}
          <ul class="kb-list">
            {shown.map((x) => (
              <li key={x.id} data-entry={x.id}>
                {editing === x.id ? (
                  <EntryForm start={{ question: x.question, phrasings: x.phrasings.join('\n'), answer: x.answer }}
                    onSave={(d) => save(x.id, d)} onCancel={() => setEditing(0)} />
                ) : <>
                  <div class="trig-head"><b class="grow">{x.question}</b>
                    <button class="link" onClick={() => setEditing(x.id)}>{t.edit}</button>
                    <button class="link danger" onClick={() => remove(x)}>{t.remove}</button></div>
                  {x.phrasings.length > 0 && <div class="muted small">{t.alsoAsked} {x.phrasings.join(' · ')}</div>}
                  <div class="kb-answer">{x.answer}</div>
                </>}
              </li>
            ))}
          </ul>
        </div>
        <TryBot siteKey={siteKey} csrf={csrf} bot={bot} entries={entries ?? []} />
      </div>
    </div>
  );
}
