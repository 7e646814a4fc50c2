// Team settings (owners and admins; docs/api.md, "Team and departments"). «Команда»: the account's people with
// their role, sites, chat limit and presence; an invitation makes a one-time link the admin copies (no e-mail is
// sent); a row opens its editor; «Отключить» ends the person's sessions at once. «Отделы»: per site, departments
// with their members and the ordered routing rules that send a chat to one of them. The server checks every rule
// and names the field it refuses; the message is shown beside it.
import { useEffect, useState } from 'preact/hooks';
import type { OperatorInfo, SiteInfo } from '../../protocol/index';
import { fill, t } from './i18n';
import { call } from './rest';

type Role = 'owner' | 'admin' | 'supervisor' | 'operator';
const ROLES: Role[] = ['owner', 'admin', 'supervisor', 'operator'];
export interface Member {
  id: number; name: string; email: string; role: Role; sites: string[]; departments: number[]; chat_limit: number;
  presence: 'online' | 'away' | 'offline'; disabled: boolean; invited: boolean; photo: string | null;
}
interface Department { id: number; name: string; default: boolean; members: number[] }
interface Rule {
  department: number; path?: string; referrer?: string; utm_source?: string; utm_medium?: string; utm_campaign?: string;
  logged_in?: boolean | null;
}
const CONDITIONS = ['path', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign'] as const;

const problem = (r: { body: any }) => r.body?.error?.message ?? t.tmFailed;

/** Who the caller may give a role to (an admin: supervisors and operators only). */
const grantable = (me: OperatorInfo, role: Role) => me.role === 'owner' || role === 'supervisor' || role === 'operator';

function CopyLink({ url }: { url: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(url); setDone(true); setTimeout(() => setDone(false), 2000); } catch {
      const box = document.querySelector<HTMLInputElement>('.tm-link input');
      box?.select();
    }
  };
  return (
    <div class="tm-link">
      <input type="text" readOnly value={url} onFocus={(e) => (e.target as HTMLInputElement).select()} aria-label={t.tmLink} />
      <button type="button" class="primary" onClick={copy}>{done ? t.whCopied : t.whCopy}</button>
    </div>
  );
}

function SiteBoxes({ sites, chosen, onChange }: { sites: SiteInfo[]; chosen: string[]; onChange: (keys: string[]) => void }) {
  return (
    <fieldset class="wh-events"><legend>{t.tmSites}</legend>
      {sites.map((s) => (
        <label key={s.key} class="toggle"><input type="checkbox" data-site={s.key} checked={chosen.includes(s.key)}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...chosen, s.key] : chosen.filter((k) => k !== s.key))} />{s.name}</label>
      ))}
    </fieldset>
  );
}

function RoleSelect({ me, value, disabled, onChange }: { me: OperatorInfo; value: Role; disabled?: boolean; onChange: (r: Role) => void }) {
  return (
    <label class="eg-field">{t.tmRole}
      <select name="role" value={value} disabled={disabled} onChange={(e) => onChange((e.target as HTMLSelectElement).value as Role)}>
        {ROLES.map((r) => <option key={r} value={r} disabled={!grantable(me, r) && r !== value}>{t.roles[r]}</option>)}
      </select>
    </label>
  );
}

function InviteForm({ csrf, sites, me, onDone }: { csrf: string; sites: SiteInfo[]; me: OperatorInfo; onDone: (m: Member) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [chosen, setChosen] = useState<string[]>(sites.map((s) => s.key));
  const [limit, setLimit] = useState(5);
  const [error, setError] = useState('');
  const [link, setLink] = useState<{ url: string; who: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const r = await call(csrf, 'POST', '/api/v1/operators', { email: email.trim(), name: name.trim(), role, sites: chosen, chat_limit: limit });
    setBusy(false);
    if (!r.ok) { setError(problem(r)); return; }
    setError('');
    setLink({ url: r.body.invite.url, who: r.body.operator.name });
    setEmail(''); setName('');
    onDone(r.body.operator);
  };
  return (
    <section class="eg-sec tm-invite">
      <h3>{t.tmInvite}</h3>
      <p class="muted small">{t.tmInviteHint}</p>
      <form class="wh-form" noValidate onSubmit={submit}>
        <div class="eg-grid">
          <label class="eg-field">{t.email}<input type="email" name="email" value={email} autocomplete="off"
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)} /></label>
          <label class="eg-field">{t.tmName}<input type="text" name="name" value={name} maxLength={100}
            onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <RoleSelect me={me} value={role} onChange={setRole} />
          <label class="eg-field">{t.tmLimit}<input type="number" name="chat_limit" min={0} max={100} value={limit}
            onInput={(e) => setLimit(Number((e.target as HTMLInputElement).value))} /></label>
        </div>
        <SiteBoxes sites={sites} chosen={chosen} onChange={setChosen} />
        <div class="eg-save inline">
          <button type="submit" class="primary" disabled={busy}>{t.tmInviteSend}</button>
          {error && <span class="error small" role="alert">{error}</span>}
        </div>
      </form>
      {link && (
        <div class="tm-made" role="status">
          <p class="small ok">{fill(t.tmLinkFor, { name: link.who })}</p>
          <CopyLink url={link.url} />
        </div>
      )}
    </section>
  );
}

/** The editor of one person: name, role, sites, departments of those sites, limit. */
function MemberEditor({ m, csrf, sites, me, onDone, onCancel }: {
  m: Member; csrf: string; sites: SiteInfo[]; me: OperatorInfo; onDone: (m: Member) => void; onCancel: () => void;
}) {
  const [name, setName] = useState(m.name);
  const [role, setRole] = useState<Role>(m.role);
  const [chosen, setChosen] = useState<string[]>(m.sites);
  const [deps, setDeps] = useState<number[]>(m.departments);
  const [limit, setLimit] = useState(m.chat_limit);
  const [bySite, setBySite] = useState<Record<string, Department[]>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    for (const s of sites) {
      void call(csrf, 'GET', `/api/v1/sites/${s.key}/departments`).then((r) => {
        if (r.ok) setBySite((old) => ({ ...old, [s.key]: r.body.departments }));
      });
    }
  }, []);
  const self = m.id === me.id;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    // Departments of sites they no longer work on go with the site.
    const kept = deps.filter((d) => chosen.some((k) => (bySite[k] ?? []).some((x) => x.id === d)));
    const body: Record<string, unknown> = { name: name.trim(), sites: chosen, departments: kept, chat_limit: limit };
    if (role !== m.role) body.role = role;
    const r = await call(csrf, 'PATCH', `/api/v1/operators/${m.id}`, body);
    setBusy(false);
    if (r.ok) { setError(''); onDone(r.body.operator); } else setError(problem(r));
  };
  return (
    <form class="wh-form tm-edit" noValidate onSubmit={save} data-editing={m.id}>
      <div class="eg-grid">
        <label class="eg-field">{t.tmName}<input type="text" name="name" value={name} maxLength={100}
          onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <RoleSelect me={me} value={role} disabled={self} onChange={setRole} />
        <label class="eg-field">{t.tmLimit}<input type="number" name="chat_limit" min={0} max={100} value={limit}
          onInput={(e) => setLimit(Number((e.target as HTMLInputElement).value))} /></label>
      </div>
      <SiteBoxes sites={sites} chosen={chosen} onChange={setChosen} />
      {sites.filter((s) => chosen.includes(s.key)).map((s) => (
        <fieldset key={s.key} class="wh-events"><legend>{fill(t.tmDepsOf, { site: s.name })}</legend>
          {(bySite[s.key] ?? []).map((d) => (
            <label key={d.id} class="toggle"><input type="checkbox" data-department={d.id} checked={deps.includes(d.id)}
              onChange={(e) => setDeps((e.target as HTMLInputElement).checked ? [...deps, d.id] : deps.filter((x) => x !== d.id))} />{d.name}</label>
          ))}
        </fieldset>
      ))}
      <div class="eg-save inline">
        <button type="submit" class="primary" disabled={busy}>{t.save}</button>
        <button type="button" class="link" onClick={onCancel}>{t.cancel}</button>
        {error && <span class="error small" role="alert">{error}</span>}
      </div>
    </form>
  );
}

export function TeamSettings({ sites, csrf, me }: { sites: SiteInfo[]; csrf: string; me: OperatorInfo }) {
  const [people, setPeople] = useState<Member[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(0);
  const [inviting, setInviting] = useState(false);
  const [note, setNote] = useState<{ id: number; text: string } | null>(null);
  const load = async () => {
    const r = await call(csrf, 'GET', '/api/v1/operators');
    if (!r.ok) { setError(t.tmLoadFailed); return; }
    setError('');
    setPeople(r.body.operators);
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => { if (document.visibilityState === 'visible') void load(); }, 10000);  // presence
    return () => clearInterval(timer);
  }, []);
  const put = (m: Member) => setPeople((old) => {
    const list = old ?? [];
    return list.some((x) => x.id === m.id) ? list.map((x) => (x.id === m.id ? m : x)) : [...list, m];
  });
  const toggle = async (m: Member) => {
    if (!m.disabled && !window.confirm(fill(t.tmDisableAsk, { name: m.name }))) return;
    const r = await call(csrf, 'PATCH', `/api/v1/operators/${m.id}`, { disabled: !m.disabled });
    if (r.ok) { put(r.body.operator); setNote(null); } else setNote({ id: m.id, text: problem(r) });
  };
  const reinvite = async (m: Member) => {
    const r = await call(csrf, 'POST', '/api/v1/operators', { email: m.email, name: m.name, role: m.role, sites: m.sites, chat_limit: m.chat_limit });
    if (r.ok) setNote({ id: m.id, text: r.body.invite.url }); else setNote({ id: m.id, text: problem(r) });
  };
  const siteName = (key: string) => sites.find((s) => s.key === key)?.name ?? key;
  const manages = (m: Member) => m.id === me.id || me.role === 'owner' || (m.role !== 'owner' && m.role !== 'admin');
  return (
    <section class="chat canned-tab engage team-settings">
      <div class="lead">
        <h2>{t.team}</h2>
        <p class="muted small">{t.tmHint}</p>
        {error && <p class="error" role="alert">{error}</p>}
        {inviting ? <InviteForm csrf={csrf} sites={sites} me={me} onDone={put} />
          : <button type="button" class="primary" onClick={() => setInviting(true)}>+ {t.tmInvite}</button>}
        <div class="tm-table-wrap">
          <table class="tm-table">
            <thead><tr><th>{t.tmName}</th><th>{t.email}</th><th>{t.tmRole}</th><th>{t.tmSites}</th><th>{t.tmLimitShort}</th><th>{t.presence}</th><th /></tr></thead>
            <tbody>
              {(people ?? []).map((m) => [
                <tr key={m.id} data-operator={m.id} class={m.disabled ? 'off' : ''}>
                  <td data-label={t.tmName}><b>{m.name}</b>{m.id === me.id && <span class="muted small"> ({t.you})</span>}
                    {m.invited && <span class="pill">{t.tmInvited}</span>}
                    {m.disabled && <span class="pill">{t.tmDisabled}</span>}</td>
                  <td data-label={t.email} class="tm-email">{m.email}</td>
                  <td data-label={t.tmRole}>{t.roles[m.role]}</td>
                  <td data-label={t.tmSites}>{m.sites.map(siteName).join(', ') || '—'}</td>
                  <td data-label={t.tmLimitShort}>{m.chat_limit}</td>
                  <td data-label={t.presence} class="tm-presence"><span class={`tm-dot ${m.presence}`} /> {m.presence === 'online' ? t.online : m.presence === 'away' ? t.away : t.offlineChoice}</td>
                  <td class="tm-actions">
                    {manages(m) && <button type="button" class="link" aria-expanded={editing === m.id}
                      onClick={() => setEditing(editing === m.id ? 0 : m.id)}>{t.edit}</button>}
                    {m.invited && manages(m) && <button type="button" class="link" onClick={() => reinvite(m)}>{t.tmNewLink}</button>}
                    {m.id !== me.id && manages(m) && <button type="button" class={`link ${m.disabled ? '' : 'danger'}`} onClick={() => toggle(m)}>
                      {m.disabled ? t.tmEnable : t.tmDisable}</button>}
                  </td>
                </tr>,
                note?.id === m.id && <tr key={`n${m.id}`}><td colSpan={7}>
                  {note.text.startsWith('http') ? <CopyLink url={note.text} /> : <p class="error small" role="alert">{note.text}</p>}</td></tr>,
                editing === m.id && <tr key={`e${m.id}`}><td colSpan={7}>
                  <MemberEditor m={m} csrf={csrf} sites={sites} me={me} onCancel={() => setEditing(0)}
                    onDone={(x) => { put(x); setEditing(0); }} /></td></tr>,
              ])}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

// ---- departments and routing -------------------------------------------------------------------------

function DepartmentCard({ d, csrf, people, onChanged, onDeleted }: {
  d: Department; csrf: string; people: Member[]; onChanged: (d: Department) => void; onDeleted: () => void;
}) {
  const [name, setName] = useState(d.name);
  const [members, setMembers] = useState<number[]>(d.members);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const dirty = name.trim() !== d.name || members.length !== d.members.length || members.some((x) => !d.members.includes(x));
  const save = async () => {
    const r = await call(csrf, 'PATCH', `/api/v1/departments/${d.id}`, { name: name.trim(), members });
    if (r.ok) { setError(''); setSaved(true); setTimeout(() => setSaved(false), 2000); onChanged(r.body.department); } else setError(problem(r));
  };
  const remove = async () => {
    if (!window.confirm(fill(t.dpDeleteAsk, { name: d.name }))) return;
    const r = await call(csrf, 'DELETE', `/api/v1/departments/${d.id}`);
    if (r.ok) onDeleted(); else setError(problem(r));
  };
  return (
    <li class="trig dp" data-department={d.id} data-name={d.name}>
      <div class="trig-head">
        <input type="text" class="dp-name" value={name} maxLength={100} aria-label={t.dpName}
          onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        {d.default && <span class="pill hook-on" title={t.dpDefaultHint}>{t.dpDefault}</span>}
        <span class="grow" />
        {!d.default && <button type="button" class="link danger" onClick={remove}>{t.remove}</button>}
      </div>
      <div class="chips dp-members">
        {people.length === 0 && <span class="muted small">{t.dpNobody}</span>}
        {people.map((p) => (
          <label key={p.id} class="toggle"><input type="checkbox" data-member={p.id} checked={members.includes(p.id)}
            onChange={(e) => setMembers((e.target as HTMLInputElement).checked ? [...members, p.id] : members.filter((x) => x !== p.id))} />{p.name}</label>
        ))}
      </div>
      <div class="eg-save inline">
        <button type="button" class="primary" disabled={!dirty} onClick={save}>{t.save}</button>
        {saved && <span class="small ok" role="status">{t.saved}</span>}
        {error && <span class="error small" role="alert">{error}</span>}
      </div>
    </li>
  );
}

function RuleRow({ rule, i, count, departments, error, onChange, onMove, onRemove }: {
  rule: Rule; i: number; count: number; departments: Department[]; error: string;
  onChange: (r: Rule) => void; onMove: (to: number) => void; onRemove: () => void;
}) {
  const text = (k: typeof CONDITIONS[number]) => (
    <label key={k} class="eg-field">{t.rlFields[k]}
      <input type="text" name={k} value={rule[k] ?? ''} maxLength={200} placeholder={k === 'path' ? t.rlPathHint : ''} spellcheck={false}
        onInput={(e) => { const v = (e.target as HTMLInputElement).value; const r = { ...rule, [k]: v }; if (!v) delete r[k]; onChange(r); }} /></label>
  );
  return (
    <li class={`trig rl ${error ? 'bad' : ''}`} data-rule={i}>
      <div class="trig-head">
        <b>{fill(t.rlNumber, { n: i + 1 })}</b><span class="grow" />
        <button type="button" class="link" aria-label={t.rlUp} title={t.rlUp} disabled={i === 0} onClick={() => onMove(i - 1)}>↑</button>
        <button type="button" class="link" aria-label={t.rlDown} title={t.rlDown} disabled={i === count - 1} onClick={() => onMove(i + 1)}>↓</button>
        <button type="button" class="link danger" onClick={onRemove}>{t.remove}</button>
      </div>
      <div class="eg-grid">
        {CONDITIONS.map(text)}
        <label class="eg-field">{t.rlLoggedIn}
          <select name="logged_in" value={rule.logged_in == null ? '' : String(rule.logged_in)}
            onChange={(e) => { const v = (e.target as HTMLSelectElement).value; const r = { ...rule }; if (v) r.logged_in = v === 'true'; else delete r.logged_in; onChange(r); }}>
            <option value="">{t.rlAny}</option><option value="true">{t.rlYes}</option><option value="false">{t.rlNo}</option>
          </select></label>
        <label class="eg-field">{t.rlThen}
          <select name="department" value={rule.department} onChange={(e) => onChange({ ...rule, department: Number((e.target as HTMLSelectElement).value) })}>
            {departments.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select></label>
      </div>
      {error && <p class="error small" role="alert">{error}</p>}
    </li>
  );
}

export function DepartmentSettings({ sites, csrf }: { sites: SiteInfo[]; csrf: string }) {
  const [key, setKey] = useState(sites[0]?.key ?? '');
  const [departments, setDepartments] = useState<Department[] | null>(null);
  const [rules, setRules] = useState<Rule[]>([]);
  const [people, setPeople] = useState<Member[]>([]);
  const [error, setError] = useState('');
  const [ruleError, setRuleError] = useState<{ at: number; text: string } | null>(null);
  const [rulesNote, setRulesNote] = useState('');
  const [newName, setNewName] = useState('');
  const site = key || sites[0]?.key || '';
  const load = async () => {
    if (!site) return;
    const [d, p] = await Promise.all([call(csrf, 'GET', `/api/v1/sites/${site}/departments`), call(csrf, 'GET', '/api/v1/operators')]);
    if (!d.ok || !p.ok) { setError(t.tmLoadFailed); return; }
    setError('');
    setDepartments(d.body.departments);
    setRules(d.body.rules);
    setPeople((p.body.operators as Member[]).filter((m) => m.sites.includes(site) && !m.disabled));
  };
  useEffect(() => { setDepartments(null); void load(); }, [site]);
  const add = async (e: Event) => {
    e.preventDefault();
    const r = await call(csrf, 'POST', `/api/v1/sites/${site}/departments`, { name: newName.trim(), members: [] });
    if (r.ok) { setNewName(''); setError(''); setDepartments((old) => [...(old ?? []), r.body.department]); } else setError(problem(r));
  };
  const saveRules = async () => {
    const r = await call(csrf, 'PUT', `/api/v1/sites/${site}/routing`, { rules });
    if (r.ok) { setRules(r.body.rules); setRuleError(null); setRulesNote(t.saved); setTimeout(() => setRulesNote(''), 2000); return; }
    const message = problem(r);
    const at = /^'rules\[(\d+)\]/.exec(message);
    setRuleError({ at: at ? Number(at[1]) : -1, text: message });
  };
  const move = (from: number, to: number) => setRules((old) => {
    const list = [...old];
    const [r] = list.splice(from, 1);
    list.splice(to, 0, r);
    return list;
  });
  const fallback = departments?.find((d) => d.default);
  return (
    <section class="chat canned-tab engage dp-settings">
      <div class="lead">
        <div class="eg-bar">
          <h2>{t.departments}</h2>
          {sites.length > 1 && <label class="eg-field">{t.site}<select value={site} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>
            {sites.map((s) => <option key={s.key} value={s.key}>{s.name}</option>)}</select></label>}
        </div>
        <p class="muted small">{t.dpHint}</p>
        {error && <p class="error" role="alert">{error}</p>}
        {departments && (
          <>
            <ul class="trigs dp-list">
              {departments.map((d) => <DepartmentCard key={`${site}-${d.id}`} d={d} csrf={csrf} people={people}
                onChanged={(x) => setDepartments((old) => (old ?? []).map((y) => (y.id === x.id ? x : y)))}
                onDeleted={() => void load()} />)}
            </ul>
            <form class="eg-save inline dp-new" onSubmit={add}>
              <input type="text" value={newName} maxLength={100} placeholder={t.dpNewHint} aria-label={t.dpNew}
                onInput={(e) => setNewName((e.target as HTMLInputElement).value)} />
              <button type="submit" class="primary">+ {t.dpNew}</button>
            </form>
            <section class="eg-sec rl-sec">
              <h3>{t.rlTitle}</h3>
              <p class="muted small">{fill(t.rlHint, { name: fallback?.name ?? '' })}</p>
              {rules.length === 0 && <p class="muted">{t.rlNone}</p>}
              <ol class="trigs rl-list">
                {rules.map((r, i) => <RuleRow key={i} rule={r} i={i} count={rules.length} departments={departments}
                  error={ruleError?.at === i ? ruleError.text : ''}
                  onChange={(x) => setRules((old) => old.map((y, j) => (j === i ? x : y)))}
                  onMove={(to) => move(i, to)} onRemove={() => setRules((old) => old.filter((_, j) => j !== i))} />)}
              </ol>
              <div class="eg-save inline">
                <button type="button" class="link" onClick={() => setRules((old) => [...old, { department: departments[0]?.id ?? 0, path: '' }])}>+ {t.rlAdd}</button>
                <button type="button" class="primary" onClick={saveRules}>{t.rlSave}</button>
                {rulesNote && <span class="small ok" role="status">{rulesNote}</span>}
                {ruleError && ruleError.at < 0 && <span class="error small" role="alert">{ruleError.text}</span>}
              </div>
            </section>
          </>
        )}
      </div>
    </section>
  );
}
