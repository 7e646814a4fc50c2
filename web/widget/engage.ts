// The trigger evaluator of docs/engagement.md: from what the loader has observed, which invitation (if any) to
// show right now. Pure — no DOM, storage or clock — so that it and the server's reference evaluator can run the
// same conformance vectors (server/src/core/engage/testdata/evaluate.json). The guards come first and cannot be
// configured away: they are how the evaluator works, not options.
import type { Device, EngageAction, EngageCondition, EngageSettings, UtmParam } from '../protocol/index';

export type Utm = Partial<Record<UtmParam, string>>;

/** What the loader observed on this page and visit. Times in seconds. */
export interface Facts {
  time_on_page_s: number;
  time_on_site_s: number;
  pages_viewed: number;
  visit_count: number;
  inactive_s: number;
  /** deepest scroll on this page, 0..100; 100 when the page does not scroll */
  scroll_percent: number;
  exit_intent: boolean;
  path_and_query: string;
  referrer: string;
  utm: Utm;
  logged_in: boolean;
  email_campaign: boolean;
  device: Device;
  /** names given to Otklik.track() on this page */
  events: string[];
  chat_open: boolean;
  visitor_wrote: boolean;
}

/** The guards' memory, kept in this browser. */
export interface GuardState {
  last_invitation_ms: number | null;
  dismissed: boolean;
  campaigns_opened: string[];
}

/** `trigger`: the trigger's id, CAMPAIGN for the e-mail campaign greeting, '' for nothing. `greeting`: the
 *  invitation's headline with placeholders filled (a teaser's or callback offer's text, a banner's title, a poll's
 *  question, or the campaign greeting). */
export interface Verdict { trigger: string; auto_open: boolean; greeting?: string }

export const CAMPAIGN = 'campaign';

/** `*` matches any run, everything else itself; the whole string must match. Greedy with one backtrack point,
 *  so a pattern full of stars cannot blow up the way a naive regex would. */
export function glob(pattern: string, s: string): boolean {
  let p = 0, i = 0, star = -1, mark = 0;
  while (i < s.length) {
    if (pattern[p] === '*') { star = p++; mark = i; }
    else if (p < pattern.length && pattern[p] === s[i]) { p++; i++; }
    else if (star >= 0) { p = star + 1; i = ++mark; }
    else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

// Spaces only, as the server trims.
const trim = (s: string) => s.replace(/^ +| +$/g, '');

/** The search phrase a search engine put in the referrer: `text=` (Yandex), else `q=` (the others). */
function searchPhrase(referrer: string): string {
  try {
    const q = new URL(referrer).searchParams;
    const text = q.get('text') || '';
    return trim(text) ? text : q.get('q') || '';
  } catch {
    return '';
  }
}

/** Fills {utm_term} and {utm_campaign} (each with an optional `|fallback`). The result is plain text for
 *  textContent: values are neither escaped nor interpreted, never expanded twice, and cut to 60 characters. */
export function fillPlaceholders(text: string, utm: Utm, referrer: string): string {
  return text.replace(/\{(utm_term|utm_campaign)(?:\|([^{}]*))?\}/g, (_, name: string, fallback?: string) => {
    let v = trim((name === 'utm_term' ? utm.term : utm.campaign) || '');
    if (!v && name === 'utm_term') v = trim(searchPhrase(referrer));
    return v ? Array.from(v).slice(0, 60).join('') : fallback || '';
  });
}

/** Device class: mobile under 600 CSS px or with a "Mobi" UA; tablet for iPads (whose Safari says "Mobile" too),
 *  Android tablets (no "Mobi") and 600–1024 px touch screens (iPadOS passes for a Mac, but has touch). */
export function deviceClass(width: number, ua: string, touch: boolean): Device {
  if (width < 600) return 'mobile';
  if (/iPad|Android(?!.*Mobi)/.test(ua)) return 'tablet';
  if (/Mobi/.test(ua)) return 'mobile';
  return touch && (width <= 1024 || /Macintosh/.test(ua)) ? 'tablet' : 'desktop';
}

const same = (a: string | undefined, b: string) => (a || '').toLowerCase() === b.toLowerCase();

const headline = (a: EngageAction) => (a.type === 'banner' ? a.title : a.type === 'poll' ? a.question : a.text);

function holds(c: EngageCondition, f: Facts): boolean {
  switch (c.type) {
    case 'time_on_page': return f.time_on_page_s >= c.min_seconds;
    case 'time_on_site': return f.time_on_site_s >= c.min_seconds;
    case 'pages_viewed': return f.pages_viewed >= c.min;
    case 'visit_count': return f.visit_count >= c.min && (c.max == null || f.visit_count <= c.max);
    case 'inactivity': return f.inactive_s >= c.seconds;
    case 'scroll_depth': return f.scroll_percent >= c.min_percent;
    case 'exit_intent': return f.exit_intent && f.device === 'desktop';
    case 'url': return glob(c.pattern, f.path_and_query);
    case 'referrer': return f.referrer.toLowerCase().includes(c.contains.toLowerCase());
    case 'utm': return same(f.utm[c.param], c.equals);
    case 'logged_in': return f.logged_in === c.value;
    case 'email_campaign': return f.email_campaign;
    case 'device': return f.device === c.value;
    case 'event': return f.events.includes(c.name);
  }
  return false; // a condition this widget does not know never holds: better silent than wrong
}

export function evaluate(s: EngageSettings, f: Facts, st: GuardState, nowMs: number): Verdict {
  const none: Verdict = { trigger: '', auto_open: false };
  // Guard 7: the visitor is talking to us already. Guard 2: they said no. Guard 1: one invitation per period.
  // Guard 3: pages where an invitation would get in the way (cart, checkout, …). All of them also hold for
  // the campaign greeting, which is an invitation too.
  if (f.chat_open || f.visitor_wrote || st.dismissed) return none;
  if (st.last_invitation_ms != null && nowMs - st.last_invitation_ms < s.guards.period_hours * 3600000) return none;
  // A guard errs on the side of silence: "/Checkout" is as excluded as "/checkout".
  const page = f.path_and_query.toLowerCase();
  if (s.guards.excluded_pages.some((p) => glob(p.toLowerCase(), page))) return none;
  const fill = (text: string) => fillPlaceholders(text, f.utm, f.referrer);

  // Guard 4: the chat opens by itself only to greet a visitor from a campaign e-mail, once per campaign (names
  // ignore case; the server keeps greetings' keys lower-cased), and never on a phone: there it is a teaser.
  const name = (f.utm.campaign || '').toLowerCase();
  const own = (s.campaign.greetings || {})[name]; // typeof: "constructor" is no campaign of ours
  const greeting = f.email_campaign && !st.campaigns_opened.includes(name) &&
    ((typeof own == 'string' && own) || s.campaign.greeting);
  if (greeting) return { trigger: CAMPAIGN, auto_open: f.device !== 'mobile', greeting: fill(greeting) };

  for (const t of s.triggers) {
    if (t.enabled === false) continue;
    const ok = (c: EngageCondition) => holds(c, f);
    if (t.match === 'any' ? t.conditions.some(ok) : t.conditions.every(ok)) {
      return { trigger: t.id, auto_open: false, greeting: fill(headline(t.action)) };
    }
  }
  return none;
}
