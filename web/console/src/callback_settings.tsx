// Settings → «Обратный звонок» (owners and admins): a site's callback set-up (docs/callback.md, "Settings") — on or
// off, whom to ring and how, the SIP trunk, the fraud limits and the plan — saved as one document through
// GET/PUT /api/v1/sites/{key}/callback, and the account's opt-out list (/api/v1/callbacks/optout).
// The trunk password is never shown: the server only says whether one is stored, and the field sends a password
// only when something was typed into it. Money is typed in roubles and stored in kopecks.
import { useEffect, useState } from 'preact/hooks';
import type { OperatorInfo, SiteInfo } from '../../protocol/index';
import { fill, locale, t } from './i18n';
import { call } from './rest';
import { SitePicker } from './site_picker';

interface Plan {
  operators: string[]; strategy: 'all_at_once' | 'in_turn'; operator_ring_ms: number; rounds: number;
  round_pause_ms: number; visitor_ring_ms: number; reinvite_ms: number; max_talk_ms: number;
}
interface Trunk {
  domain: string; outbound_proxy: string; username: string; has_password: boolean; caller_id: string; display_name: string; transport: 'udp' | 'tcp';
}
interface Fraud {
  allow_voip: boolean; allowed_regions: string[]; denied_prefixes: string[]; blocked_numbers: string[];
  blocked_prefixes: string[]; blocked_ips: string[]; min_time_on_page_ms: number;
  number_per_5_minutes: number; number_per_hour: number; number_per_day: number;
  ip_numbers_per_hour: number; ip_numbers_per_day: number; browser_numbers_per_hour: number; browser_numbers_per_day: number;
  site_concurrent_calls: number; site_calls_per_minute: number; site_daily_minutes: number; site_monthly_minutes: number;
  site_daily_spend: number; site_monthly_spend: number;
}
interface Billing { per_minute?: number; connected_fee?: number; unanswered_fee?: number; first_seconds: number; step_seconds: number }
interface CallbackDoc { enabled: boolean; slots: boolean; region: string; plan: Plan; trunk: Trunk; fraud: Fraud; billing: Billing }
interface OptOut { number: string; created_at: number; added_by: { id: number; name: string } | null }

type FraudNumber = { [K in keyof Fraud]: Fraud[K] extends number ? K : never }[keyof Fraud];

const problem = (r: { body: any }) => r.body?.error?.message ?? t.cbSaveFailed;

const val = (e: Event) => (e.target as HTMLInputElement).value;
const checked = (e: Event) => (e.target as HTMLInputElement).checked;
const lines = (text: string) => text.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);
/** Kopecks as roubles for a field: 250 → "2.50" ("2,50" in Russian), none → "". */
const rub = (k: number | undefined) => (k === undefined ? '' : (k / 100).toFixed(2).replace('.', locale === 'ru-RU' ? ',' : '.'));
/** What was typed in roubles as kopecks: "" → undefined, "2,5" → 250, anything else → NaN. */
function kopecks(text: string): number | undefined {
  const s = text.trim().replace(/\s/g, '').replace(',', '.');
  if (!s) return undefined;
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return NaN;
  return Math.round(Number(s) * 100);
}
const kPresets: [number, number][] = [[60, 60], [30, 6], [1, 1]];

/** The text fields of the form (lists one per line, money in roubles, times in seconds) over the document. */
interface Form {
  doc: CallbackDoc;
  operators: string; regions: string; numbers: string; prefixes: string; ips: string; denied: string;
  perMinute: string; fee: string; unanswered: string; dailySpend: string; monthlySpend: string;
  password: string; clearPassword: boolean;
}
function formOf(doc: CallbackDoc): Form {
  return {
    doc, operators: doc.plan.operators.join('\n'), regions: doc.fraud.allowed_regions.join(', '),
    numbers: doc.fraud.blocked_numbers.join('\n'), prefixes: doc.fraud.blocked_prefixes.join('\n'),
    ips: doc.fraud.blocked_ips.join('\n'), denied: doc.fraud.denied_prefixes.join('\n'),
    perMinute: rub(doc.billing.per_minute), fee: rub(doc.billing.connected_fee), unanswered: rub(doc.billing.unanswered_fee),
    dailySpend: doc.fraud.site_daily_spend ? rub(doc.fraud.site_daily_spend) : '',
    monthlySpend: doc.fraud.site_monthly_spend ? rub(doc.fraud.site_monthly_spend) : '',
    password: '', clearPassword: false,
  };
}

/** The document to PUT, or the name of the money field that is not a sum. */
function documentOf(f: Form): { doc?: unknown; bad?: string } {
  const money: [string, string][] = [[f.perMinute, t.cbPerMinute], [f.fee, t.cbFee], [f.unanswered, t.cbUnanswered],
    [f.dailySpend, t.cbDailySpend], [f.monthlySpend, t.cbMonthlySpend]];
  for (const [text, label] of money) if (Number.isNaN(kopecks(text))) return { bad: label };
  const { has_password: _, ...trunk } = f.doc.trunk;
  const billing: Billing = { first_seconds: f.doc.billing.first_seconds, step_seconds: f.doc.billing.step_seconds };
  const perMinute = kopecks(f.perMinute), fee = kopecks(f.fee), unanswered = kopecks(f.unanswered);
  if (perMinute !== undefined) billing.per_minute = perMinute;
  if (fee !== undefined) billing.connected_fee = fee;
  if (unanswered !== undefined) billing.unanswered_fee = unanswered;
  const doc = {
    ...f.doc,
    plan: { ...f.doc.plan, operators: lines(f.operators.replace(/,/g, '\n')) },
    trunk: f.clearPassword ? { ...trunk, password: '' } : f.password ? { ...trunk, password: f.password } : trunk,
    fraud: {
      ...f.doc.fraud, allowed_regions: lines(f.regions).map((r) => r.toUpperCase()), blocked_numbers: lines(f.numbers),
      blocked_prefixes: lines(f.prefixes), blocked_ips: lines(f.ips), denied_prefixes: lines(f.denied),
      site_daily_spend: kopecks(f.dailySpend) ?? 0, site_monthly_spend: kopecks(f.monthlySpend) ?? 0,
    },
    billing,
  };
  return { doc };
}

function Editor({ siteKey, csrf, saved, dials, onSaved, onDirty }: {
  siteKey: string; csrf: string; saved: CallbackDoc; dials: boolean; onSaved: (d: CallbackDoc) => void;
  onDirty: (dirty: boolean) => void;
}) {
  const [f, setF] = useState<Form>(() => formOf(saved));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ kind: '' | 'saved' | 'error'; text: string }>({ kind: '', text: '' });
  const d = f.doc;
  const edit = (change: Partial<Form>) => { setF((x) => ({ ...x, ...change })); setStatus({ kind: '', text: t.unsaved }); onDirty(true); };
  const doc = (change: (d: CallbackDoc) => CallbackDoc) => edit({ doc: change(f.doc) });
  const plan = (p: Partial<Plan>) => doc((x) => ({ ...x, plan: { ...x.plan, ...p } }));
  const trunk = (p: Partial<Trunk>) => doc((x) => ({ ...x, trunk: { ...x.trunk, ...p } }));
  const fraud = (p: Partial<Fraud>) => doc((x) => ({ ...x, fraud: { ...x.fraud, ...p } }));
  const seconds = (ms: number) => (Number.isFinite(ms) ? String(ms / 1000) : '');
  const toMs = (e: Event) => Math.round(Number(val(e).replace(',', '.')) * 1000);
  const int = (e: Event) => Number(val(e));
  const preset = kPresets.findIndex(([a, b]) => a === d.billing.first_seconds && b === d.billing.step_seconds);

  const save = async (e: Event) => {
    e.preventDefault();
    const out = documentOf(f);
    if (out.bad) { setStatus({ kind: 'error', text: fill(t.cbNotMoney, { field: out.bad }) }); return; }
    setBusy(true);
    const r = await call(csrf, 'PUT', `/api/v1/sites/${encodeURIComponent(siteKey)}/callback`, out.doc);
    setBusy(false);
    if (!r.ok) { setStatus({ kind: 'error', text: problem(r) }); return; }
    setF(formOf(r.body.settings));
    setStatus({ kind: 'saved', text: t.saved });
    onDirty(false);
    onSaved(r.body.settings);
  };

  const numberField = (label: string, key: FraudNumber, hint?: string) => (
    <label class="eg-field">{label}<input type="number" min={0} inputMode="numeric" data-field={`fraud.${key}`}
      value={Number.isFinite(d.fraud[key]) ? d.fraud[key] : ''} onInput={(e) => fraud({ [key]: int(e) } as Partial<Fraud>)} />
      {hint && <span class="muted small">{hint}</span>}</label>
  );

  return (
    <form class="cb-form" noValidate onSubmit={save} data-site={siteKey}>
      {!dials && <p class="cb-note" role="note" data-no-sip>{t.cbNoSip}</p>}
      <section class="eg-sec">
        <label class="toggle eg-check"><input type="checkbox" checked={d.enabled} data-field="enabled"
          onChange={(e) => doc((x) => ({ ...x, enabled: checked(e) }))} /> <b>{t.cbEnabled}</b></label>
        <p class="muted small">{t.cbEnabledHint}</p>
        <label class="toggle eg-check"><input type="checkbox" checked={d.slots} data-field="slots"
          onChange={(e) => doc((x) => ({ ...x, slots: checked(e) }))} /> {t.cbSlots}</label>
        <p class="muted small">{t.cbSlotsHint}</p>
        <div class="eg-grid">
          <label class="eg-field">{t.cbRegion}<input value={d.region} maxLength={2} spellcheck={false} data-field="region"
            onInput={(e) => doc((x) => ({ ...x, region: val(e).toUpperCase() }))} /><span class="muted small">{t.cbRegionHint}</span></label>
        </div>
      </section>

      <section class="eg-sec">
        <h3>{t.cbOperators}</h3>
        <div class="eg-grid">
          <label class="eg-field wide">{t.cbOperatorUris}<textarea rows={3} value={f.operators} spellcheck={false} data-field="plan.operators"
            placeholder={'sip:anna@pbx.example.ru\nsip:boris@pbx.example.ru'} onInput={(e) => edit({ operators: val(e) })} />
            <span class="muted small">{t.cbOperatorUrisHint}</span></label>
          <label class="eg-field">{t.cbStrategy}<select value={d.plan.strategy} data-field="plan.strategy"
            onChange={(e) => plan({ strategy: val(e) as Plan['strategy'] })}>
            <option value="all_at_once">{t.cbAllAtOnce}</option><option value="in_turn">{t.cbInTurn}</option></select></label>
          <label class="eg-field">{d.plan.strategy === 'in_turn' ? t.cbRingEach : t.cbRingAll}
            <input type="number" min={1} max={300} inputMode="numeric" value={seconds(d.plan.operator_ring_ms)}
              onInput={(e) => plan({ operator_ring_ms: toMs(e) })} /></label>
          <label class="eg-field">{t.cbRounds}<input type="number" min={1} max={10} inputMode="numeric" value={d.plan.rounds}
            onInput={(e) => plan({ rounds: int(e) })} /></label>
          <label class="eg-field">{t.cbRoundPause}<input type="number" min={0} max={600} inputMode="numeric" value={seconds(d.plan.round_pause_ms)}
            onInput={(e) => plan({ round_pause_ms: toMs(e) })} /></label>
          <label class="eg-field">{t.cbVisitorRing}<input type="number" min={1} max={300} inputMode="numeric" value={seconds(d.plan.visitor_ring_ms)}
            onInput={(e) => plan({ visitor_ring_ms: toMs(e) })} /></label>
        </div>
      </section>

      <section class="eg-sec">
        <h3>{t.cbTrunk}</h3>
        <p class="muted small">{t.cbTrunkHint}</p>
        <div class="eg-grid">
          <label class="eg-field">{t.cbDomain}<input value={d.trunk.domain} spellcheck={false} placeholder="sip.provider.ru" data-field="trunk.domain"
            onInput={(e) => trunk({ domain: val(e).trim() })} /></label>
          <label class="eg-field">{t.cbTransport}<select value={d.trunk.transport} data-field="trunk.transport"
            onChange={(e) => trunk({ transport: (e.target as HTMLSelectElement).value as 'udp' | 'tcp' })}>
            <option value="udp">UDP</option><option value="tcp">TCP</option></select></label>
          <label class="eg-field">{t.cbProxy}<input value={d.trunk.outbound_proxy} spellcheck={false} placeholder="sip:proxy.provider.ru"
            onInput={(e) => trunk({ outbound_proxy: val(e).trim() })} /></label>
          <label class="eg-field">{t.cbUsername}<input value={d.trunk.username} spellcheck={false} autocomplete="off"
            onInput={(e) => trunk({ username: val(e).trim() })} /></label>
          <label class="eg-field">{t.cbPassword}
            <input type="password" value={f.password} autocomplete="new-password" data-field="trunk.password"
              placeholder={d.trunk.has_password && !f.clearPassword ? t.cbPasswordSaved : ''}
              onInput={(e) => edit({ password: val(e), clearPassword: false })} />
            <span class="muted small" data-password-state>
              {f.clearPassword ? t.cbPasswordWillClear : d.trunk.has_password ? t.cbPasswordSaved : t.cbNoPassword}
              {d.trunk.has_password && !f.clearPassword && !f.password && <> · <button type="button" class="link"
                onClick={() => edit({ clearPassword: true, password: '' })}>{t.cbPasswordClear}</button></>}
            </span></label>
          <label class="eg-field">{t.cbCallerId}<input value={d.trunk.caller_id} inputMode="tel" placeholder="+74951234567"
            onInput={(e) => trunk({ caller_id: val(e).trim() })} /></label>
          <label class="eg-field">{t.cbDisplayName}<input value={d.trunk.display_name} maxLength={64}
            onInput={(e) => trunk({ display_name: val(e) })} /></label>
        </div>
      </section>

      <section class="eg-sec">
        <h3>{t.cbFraud}</h3>
        <p class="muted small">{t.cbFraudHint}</p>
        <div class="eg-grid">
          <label class="eg-field">{t.cbAllowedRegions}<input value={f.regions} spellcheck={false} placeholder="RU, KZ" data-field="fraud.allowed_regions"
            onInput={(e) => edit({ regions: val(e) })} /><span class="muted small">{t.cbAllowedRegionsHint}</span></label>
          <label class="eg-field">{t.cbTimeOnPage}<input type="number" min={0} max={60} inputMode="numeric" value={seconds(d.fraud.min_time_on_page_ms)}
            onInput={(e) => fraud({ min_time_on_page_ms: toMs(e) })} /><span class="muted small">{t.cbTimeOnPageHint}</span></label>
          <label class="eg-field">{t.cbBlockedNumbers}<textarea rows={3} value={f.numbers} spellcheck={false} placeholder="+79161234567"
            onInput={(e) => edit({ numbers: val(e) })} /></label>
          <label class="eg-field">{t.cbBlockedPrefixes}<textarea rows={3} value={f.prefixes} spellcheck={false} placeholder="+7809"
            onInput={(e) => edit({ prefixes: val(e) })} /></label>
          <label class="eg-field">{t.cbBlockedIps}<textarea rows={3} value={f.ips} spellcheck={false} placeholder={'203.0.113.7\n198.51.100.0/24'}
            onInput={(e) => edit({ ips: val(e) })} /></label>
          {numberField(t.cbConcurrent, 'site_concurrent_calls')}
          {numberField(t.cbPerMinuteCalls, 'site_calls_per_minute', t.cbZeroOff)}
          {numberField(t.cbDailyMinutes, 'site_daily_minutes', t.cbZeroOff)}
          {numberField(t.cbMonthlyMinutes, 'site_monthly_minutes', t.cbZeroOff)}
        </div>
        <details class="cb-more">
          <summary>{t.cbMore}</summary>
          <label class="toggle eg-check"><input type="checkbox" checked={d.fraud.allow_voip}
            onChange={(e) => fraud({ allow_voip: checked(e) })} /> {t.cbAllowVoip}</label>
          <div class="eg-grid">
            <label class="eg-field">{t.cbDenied}<textarea rows={2} value={f.denied} spellcheck={false} placeholder="+7809"
              onInput={(e) => edit({ denied: val(e) })} /></label>
            <label class="eg-field">{t.cbDailySpend}<input value={f.dailySpend} inputMode="decimal" placeholder="0"
              onInput={(e) => edit({ dailySpend: val(e) })} /><span class="muted small">{t.cbRubZeroOff}</span></label>
            <label class="eg-field">{t.cbMonthlySpend}<input value={f.monthlySpend} inputMode="decimal" placeholder="0"
              onInput={(e) => edit({ monthlySpend: val(e) })} /><span class="muted small">{t.cbRubZeroOff}</span></label>
            {numberField(t.cbNumber5, 'number_per_5_minutes', t.cbZeroOff)}
            {numberField(t.cbNumberHour, 'number_per_hour', t.cbZeroOff)}
            {numberField(t.cbNumberDay, 'number_per_day')}
            {numberField(t.cbIpHour, 'ip_numbers_per_hour', t.cbZeroOff)}
            {numberField(t.cbIpDay, 'ip_numbers_per_day', t.cbZeroOff)}
            {numberField(t.cbBrowserHour, 'browser_numbers_per_hour', t.cbZeroOff)}
            {numberField(t.cbBrowserDay, 'browser_numbers_per_day', t.cbZeroOff)}
            <label class="eg-field">{t.cbMaxTalk}<input type="number" min={1} max={1440} inputMode="numeric"
              value={Number.isFinite(d.plan.max_talk_ms) ? String(d.plan.max_talk_ms / 60000) : ''}
              onInput={(e) => plan({ max_talk_ms: Math.round(Number(val(e)) * 60000) })} /></label>
          </div>
        </details>
      </section>

      <section class="eg-sec">
        <h3>{t.cbBilling}</h3>
        <p class="muted small">{t.cbBillingHint}</p>
        <div class="eg-grid">
          <label class="eg-field">{t.cbPerMinute}<input value={f.perMinute} inputMode="decimal" placeholder="2,50" data-field="billing.per_minute"
            onInput={(e) => edit({ perMinute: val(e) })} /></label>
          <label class="eg-field">{t.cbRounding}<select value={preset < 0 ? 'other' : String(preset)}
            onChange={(e) => { const i = Number(val(e)); if (kPresets[i]) doc((x) => ({ ...x, billing: { ...x.billing, first_seconds: kPresets[i][0], step_seconds: kPresets[i][1] } })); }}>
            {kPresets.map(([a, b], i) => <option key={i} value={String(i)}>{t.cbPresets[i] ?? `${a}/${b}`}</option>)}
            {preset < 0 && <option value="other">{fill(t.cbPresetOther, { first: d.billing.first_seconds, step: d.billing.step_seconds })}</option>}
          </select></label>
          <label class="eg-field">{t.cbFee}<input value={f.fee} inputMode="decimal" placeholder="0"
            onInput={(e) => edit({ fee: val(e) })} /></label>
          <label class="eg-field">{t.cbUnanswered}<input value={f.unanswered} inputMode="decimal" placeholder="0"
            onInput={(e) => edit({ unanswered: val(e) })} /><span class="muted small">{t.cbUnansweredHint}</span></label>
        </div>
      </section>

      <div class="eg-save">
        <button type="submit" class="primary" disabled={busy}>{t.save}</button>
        <span class={`small ${status.kind === 'error' ? 'error' : status.kind === 'saved' ? 'ok' : 'muted'}`}
          role={status.kind === 'error' ? 'alert' : 'status'} data-save-status>{status.text}</span>
      </div>
    </form>
  );
}

function OptOuts({ csrf, region, canRemove }: { csrf: string; region: string; canRemove: boolean }) {
  const [list, setList] = useState<OptOut[] | null>(null);
  const [number, setNumber] = useState('');
  const [note, setNote] = useState<{ error: boolean; text: string }>({ error: false, text: '' });
  useEffect(() => {
    let live = true;
    call(csrf, 'GET', '/api/v1/callbacks/optout').then((r) => {
      if (!live) return;
      if (r.ok) setList(r.body.optouts); else setNote({ error: true, text: problem(r) });
    });
    return () => { live = false; };
  }, []);
  const add = async (e: Event) => {
    e.preventDefault();
    if (!number.trim()) return;
    const r = await call(csrf, 'POST', '/api/v1/callbacks/optout', { number: number.trim(), region });
    if (!r.ok) { setNote({ error: true, text: problem(r) }); return; }
    const o: OptOut = r.body.optout;
    setList((l) => [o, ...(l ?? []).filter((x) => x.number !== o.number)]);
    setNumber('');
    setNote({ error: false, text: r.status === 201 ? fill(t.cbOptAdded, { n: o.number }) : fill(t.cbOptAlready, { n: o.number }) });
  };
  const remove = async (o: OptOut) => {
    if (!window.confirm(fill(t.cbOptRemoveAsk, { n: o.number }))) return;
    const r = await call(csrf, 'DELETE', `/api/v1/callbacks/optout/${encodeURIComponent(o.number)}`);
    if (!r.ok && r.status !== 404) { setNote({ error: true, text: problem(r) }); return; }
    setList((l) => (l ?? []).filter((x) => x.number !== o.number));
    setNote({ error: false, text: '' });
  };
  const when = (ms: number) => new Date(ms).toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  return (
    <section class="eg-sec cb-optout">
      <h3>{t.cbOptTitle}</h3>
      <p class="muted small">{t.cbOptHint}</p>
      <form class="cb-opt-add" noValidate onSubmit={add}>
        <input value={number} inputMode="tel" placeholder="+7 916 123-45-67" aria-label={t.cbOptNumber} data-optout-number
          onInput={(e) => setNumber(val(e))} />
        <button type="submit">{t.cbOptAdd}</button>
      </form>
      {note.text && <p class={`small ${note.error ? 'error' : 'ok'}`} role={note.error ? 'alert' : 'status'}>{note.text}</p>}
      {list && list.length === 0 && <p class="muted small">{t.cbOptNone}</p>}
      {list && list.length > 0 && (
        <ul class="cb-opt-list">
          {list.map((o) => (
            <li key={o.number} data-optout={o.number}>
              <b>{o.number}</b>
              <span class="muted small">{o.added_by ? fill(t.cbOptBy, { who: o.added_by.name, t: when(o.created_at) }) : when(o.created_at)}</span>
              <span class="grow" />
              {canRemove && <button type="button" class="link danger" onClick={() => remove(o)}>{t.remove}</button>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function CallbackSettings({ sites, csrf, me }: { sites: SiteInfo[]; csrf: string; me: OperatorInfo }) {
  const [siteId, setSiteId] = useState(0);
  const [saved, setSaved] = useState<CallbackDoc | null>(null);
  const [dials, setDials] = useState(true);
  const [error, setError] = useState('');
  const [dirty, setDirty] = useState(false);
  const site = sites.find((s) => s.id === siteId) ?? sites[0];

  useEffect(() => {
    if (!site) return;
    let live = true;
    setSaved(null);
    setDirty(false);
    setError('');
    call(csrf, 'GET', `/api/v1/sites/${encodeURIComponent(site.key)}/callback`).then((r) => {
      if (!live) return;
      if (!r.ok) { setError(r.body?.error?.message ?? t.cbLoadFailed); return; }
      setSaved(r.body.settings);
      setDials(r.body.dials);
    });
    return () => { live = false; };
  }, [site?.key]);

  return (
    <section class="chat canned-tab engage callback-settings">
      <div class="eg-bar">
        <SitePicker sites={sites} site={site} dirty={dirty} onPick={setSiteId} />
        <span class="muted small">{t.cbBarHint}</span>
      </div>
      <div class="cb-body">
        {!site ? <p class="muted pad">{t.egNoSites}</p>
          : error ? <p class="error pad" role="alert">{error}</p>
          : !saved ? <p class="muted pad">{t.cbLoading}</p>
          : <Editor key={site.key} siteKey={site.key} csrf={csrf} saved={saved} dials={dials} onSaved={setSaved} onDirty={setDirty} />}
        <OptOuts csrf={csrf} region={saved?.region ?? ''} canRemove={me.role === 'owner' || me.role === 'admin'} />
      </div>
    </section>
  );
}
