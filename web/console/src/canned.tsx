// Canned replies: "/shortcut" in the reply box offers the matching ones; choosing one puts its text, with the
// visitor's, the operator's and the site's names filled in, into the box for the operator to check and send.
// The Replies tab lists them; owners, admins and supervisors add, change and remove them.
import { useState } from 'preact/hooks';
import type { SiteInfo } from '../../protocol/index';
import { t } from './i18n';

export interface Canned { id: number; site: number; shortcut: string; text: string }

/** The replies a draft like "/дост" asks for: shortcut prefix first, then shortcuts containing it; this site's or
 *  every site's. Nothing unless the draft is one "/word". */
export function matchCanned(all: Canned[], draft: string, site: number): Canned[] {
  const m = /^\/(\S*)$/.exec(draft);
  if (!m) return [];
  const q = m[1].toLowerCase();
  const mine = all.filter((c) => c.site === 0 || c.site === site);
  const starts = mine.filter((c) => c.shortcut.startsWith(q));
  const contains = mine.filter((c) => !c.shortcut.startsWith(q) && c.shortcut.includes(q));
  return starts.concat(contains).slice(0, 8);
}

export function expandCanned(text: string, vars: { visitor: string; operator: string; site: string }): string {
  const values: Record<string, string> = { 'visitor.name': vars.visitor, 'operator.name': vars.operator, 'site.name': vars.site };
  return text.replace(/\{(visitor\.name|operator\.name|site\.name)\}/g, (_m, name: string) => values[name]);
}

export async function loadCanned(): Promise<Canned[]> {
  const res = await fetch('/api/v1/canned');
  if (!res.ok) return [];
  return (await res.json()).canned as Canned[];
}

export function CannedTab({ list, setList, csrf, sites, canEdit }: {
  list: Canned[]; setList: (l: Canned[]) => void; csrf: string; sites: SiteInfo[]; canEdit: boolean;
}) {
  const [shortcut, setShortcut] = useState('');
  const [text, setText] = useState('');
  const [site, setSite] = useState(0);
  const [error, setError] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    const res = await fetch('/api/v1/canned', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ shortcut, text, ...(site ? { site } : {}) }),
    });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      setError(body?.error?.message ?? t.leadsFailed);
      return;
    }
    setError('');
    setShortcut('');
    setText('');
    setList(await loadCanned());
  };
  const remove = async (id: number) => {
    const res = await fetch(`/api/v1/canned/${id}`, { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
    if (res.ok) setList(await loadCanned());
  };
  const siteName = (id: number) => (id ? sites.find((s) => s.id === id)?.name ?? '' : t.allSites);
  return (
    <section class="chat canned-tab">
      <div class="lead">
        <h2>{t.canned}</h2>
        <p class="muted">{t.cannedHint}</p>
        {canEdit && (
          <form class="canned-form" onSubmit={save}>
            <input aria-label={t.shortcut} placeholder={t.shortcut} value={shortcut} maxLength={33}
              onInput={(e) => setShortcut((e.target as HTMLInputElement).value)} />
            <select aria-label={t.site} value={site} onChange={(e) => setSite(Number((e.target as HTMLSelectElement).value))}>
              <option value={0}>{t.allSites}</option>
              {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </select>
            <textarea aria-label={t.cannedText} placeholder={t.cannedText} value={text} maxLength={4000}
              onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
            {error && <p class="error small" role="alert">{error}</p>}
            <button type="submit">{t.save}</button>
          </form>
        )}
        <ul class="entries">
          {list.map((c) => (
            <li key={c.id} data-canned={c.shortcut}>
              <span class="meta">/{c.shortcut} · {siteName(c.site)}</span>
              <div>{c.text}</div>
              {canEdit && <button class="link small" onClick={() => remove(c.id)}>{t.remove}</button>}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
