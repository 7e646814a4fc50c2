// "All chats": the supervisor's view of every open chat of their sites (supervisors, admins and owners only).
// Chats nobody answered within the first-response time come first, highlighted; each row can be joined,
// whispered into (a note to its operator, never seen by the visitor) or reassigned. Everything here is what the
// console already holds (the welcome's summaries, assignment and message frames); docs/protocol.md "Supervisors".
import { useState } from 'preact/hooks';
import type { OperatorClient, Conv } from './client';
import { fill, t } from './i18n';

/** "40 с", "2 мин 5 с", "1 ч 3 мин" / "40 s", "2 min 5 s", "1 h 3 min". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} ${t.sec}`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} ${t.min} ${s % 60} ${t.sec}` : `${m} ${t.min}`;
  return m % 60 ? `${Math.floor(m / 60)} ${t.hour} ${m % 60} ${t.min}` : `${Math.floor(m / 60)} ${t.hour}`;
}

export function AllChats({ client, me, onOpen }: { client: OperatorClient; me: number; onOpen: (id: number) => void }) {
  const [whisperTo, setWhisperTo] = useState(0);
  const [text, setText] = useState('');
  const [sent, setSent] = useState('');
  const now = Date.now();
  const waiting = (c: Conv) => client.waitingSince(c);
  const rows = client.list().sort((a, b) => {
    const late = Number(client.late(b, now)) - Number(client.late(a, now));
    if (late) return late;
    return (waiting(a) ?? Infinity) - (waiting(b) ?? Infinity);
  });
  const lateCount = rows.filter((c) => client.late(c, now)).length;
  const error = client.lastError && now - client.lastError.at < 8000 ? client.lastError : null;

  const whisper = (c: Conv) => {
    const body = text.trim();
    if (!body) return;
    client.whisper(c.summary.id, body);
    setSent(fill(t.svWhispered, { name: c.summary.operator?.name ?? '' }));
    setText('');
    setWhisperTo(0);
  };
  const transfer = (c: Conv, value: string) => {
    const id = Number(value.slice(2));
    if (value.startsWith('o:')) client.transfer(c.summary.id, { operator: id });
    if (value.startsWith('d:')) client.transfer(c.summary.id, { department: id });
  };
  const operatorsOf = (c: Conv) => {
    const deps = new Set(client.team.departments.filter((d) => d.site === c.summary.site).map((d) => d.id));
    return client.team.operators.filter((o) => o.id !== c.summary.operator?.id && o.departments.some((d) => deps.has(d)));
  };

  return (
    <section class="chat supervise" aria-label={t.allChats}>
      <div class="sv-head">
        <h2>{t.allChats}</h2>
        <span class="muted">{fill(t.svCount, { n: rows.length })}</span>
        {lateCount > 0 && <span class="sv-late-count">{fill(t.svLateCount, { n: lateCount })}</span>}
      </div>
      {error && <p class="error sv-msg" role="alert">{t.svRefused} {error.message}</p>}
      {sent && !error && <p class="sv-msg ok" role="status">{sent}</p>}
      {rows.length === 0 && <p class="muted pad">{t.svNone}</p>}
      <ul class="sv-list">
        {rows.map((c) => {
          const s = c.summary;
          const late = client.late(c, now);
          const since = waiting(c);
          const held = s.operator && s.operator.id !== me;
          return (
            <li key={s.id} class={`sv-row ${late ? 'late' : ''}`} data-sv-conversation={s.id}>
              <div class="sv-who">
                <span class="site">{s.site_name}{s.department && <span class="dept"> · {s.department.name}</span>}</span>
                <b>{s.visitor.name}</b>
                <span class="preview">{s.last_message?.text ?? ''}</span>
              </div>
              <div class="sv-op">
                {s.operator ? <span class={`owner ${s.operator.id === me ? 'mine' : ''}`}>{s.operator.id === me ? t.mine : s.operator.name}</span>
                  : <span class="owner waiting">{t.queued}{since !== null ? ` · ${duration(now - since)}` : ''}</span>}
              </div>
              <div class="sv-wait">
                {late ? <span class="sv-badge" title={t.late}>{fill(t.svNoAnswer, { t: duration(now - s.created_at) })}</span>
                  : since !== null ? <span class="muted">{fill(t.svWaits, { t: duration(now - since) })}</span>
                  : <span class="muted">{t.svAnswered}</span>}
              </div>
              <div class="sv-actions">
                <button type="button" disabled={!held} title={held ? undefined : t.svJoinHint}
                  onClick={() => { client.join(s.id); onOpen(s.id); }}>{t.svJoin}</button>
                <button type="button" class="secondary" disabled={!held} aria-expanded={whisperTo === s.id}
                  title={held ? undefined : t.svJoinHint}
                  onClick={() => { setWhisperTo(whisperTo === s.id ? 0 : s.id); setSent(''); }}>{t.svWhisper}</button>
                <select class="presence" aria-label={t.svTransfer} value="" data-sv-transfer
                  onChange={(e) => { const el = e.target as HTMLSelectElement; transfer(c, el.value); el.value = ''; }}>
                  <option value="">{t.svTransfer}…</option>
                  {operatorsOf(c).map((o) => <option key={'o' + o.id} value={`o:${o.id}`}>{o.name}</option>)}
                  {client.team.departments.filter((d) => d.site === s.site).map((d) =>
                    <option key={'d' + d.id} value={`d:${d.id}`}>{t.department}: {d.name}</option>)}
                </select>
              </div>
              {whisperTo === s.id && (
                <form class="sv-whisper" onSubmit={(e) => { e.preventDefault(); whisper(c); }}>
                  <input value={text} maxLength={4000} autoFocus aria-label={t.svWhisperPlaceholder}
                    placeholder={fill(t.svWhisperPlaceholder, { name: s.operator?.name ?? '' })}
                    onInput={(e) => setText((e.target as HTMLInputElement).value)} />
                  <button type="submit">{t.send}</button>
                </form>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
