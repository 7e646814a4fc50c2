// The loader: the only script a site embeds. It draws the launcher, offers the page's JavaScript API
// (Otklik.open/close/identify/track/on) and, where the owner set up triggers or a campaign greeting, shows at
// most one polite invitation (docs/engagement.md). Without those it makes no request and stores nothing until
// the visitor clicks; then it fetches widget-ui.js, which opens the chat.
import type { BannerAction, EngageAction, Identity, WidgetConfig } from '../protocol/index';
import { CAMPAIGN, deviceClass, evaluate, fillPlaceholders, type Utm } from './engage';

export interface Boot {
  cfg: WidgetConfig;
  origin: string;
  root: ShadowRoot;
  launcher: HTMLButtonElement;
  /** What the chat shows when it opens, set by an invitation: the campaign greeting, the accepted banner's card,
   *  the callback form (one-shot), and `auto` when it opened by itself (then it takes no focus). */
  offer: { greeting?: string; banner?: BannerAction; callback?: boolean; auto?: boolean };
  /** set by Otklik.identify(); the UI sends it in hello */
  identity?: Identity;
  /** the UI's: opens (true) or folds (false) the panel */
  show?: (open: boolean) => void;
  /** the UI's: says hello again, so an identity given after the chat connected reaches the server */
  rehello?: () => void;
  /** tells the page (Otklik.on) and the analytics goals: open, close, message, chat_started, message_sent,
   *  callback_requested, lead_left, invitation */
  emit: (name: string, data?: unknown) => void;
}

type Call = [string, ...unknown[]];
interface Ns {
  config?: Partial<WidgetConfig>;
  boot?: Boot;
  mount?: (b: Boot) => void;
  q?: Call[] | { push: (c: Call) => void };
  [api: string]: unknown;
}
type Fn = (...a: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

(() => {
  const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const ns: Ns = (w.Otklik = w.Otklik || {});
  if (ns.boot) return; // embedded twice: keep the first

  const script =
    (document.currentScript as HTMLScriptElement | null) ||
    document.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
  const src = new URL(script ? script.src : location.href, location.href);
  const cfg: WidgetConfig = {
    site: src.searchParams.get('site') || (script && script.dataset.site) || '',
    lang: 'ru', color: '#2f6fed', position: 'right', site_name: '', texts: {},
    operator_name: null, vendor_link: false,
    ...(ns.config || {}),
  };
  const e = cfg.engage;
  const ru = cfg.lang !== 'en';
  const pill = e && e.launcher.style === 'flat' ? e.launcher.label : null; // null: the round button
  const label = pill || cfg.texts.launcher || (ru ? 'Открыть чат' : 'Open chat');
  const color = /^#[0-9a-f]{3,8}$/i.test(cfg.color) ? cfg.color : '#2f6fed';
  const side = cfg.position === 'left' ? 'left' : 'right';

  const host = document.createElement('div');
  host.setAttribute('data-otklik', '');
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent =
    `:host{all:initial}` +
    `.l{position:fixed;${side}:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;` +
    `border:0;background:${color};color:#fff;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.2);` +
    `display:flex;align-items:center;justify-content:center;padding:0;gap:8px;font:600 15px system-ui,sans-serif}` +
    `.l.f{width:auto;min-width:56px;height:48px;border-radius:24px;padding:0 16px}` +
    `button:focus-visible{outline:3px solid #111;outline-offset:3px}.l svg{width:28px;height:28px;flex:none}` +
    `.l[aria-expanded=true] .o,.l[aria-expanded=false] .c,.l[aria-expanded=true] span{display:none}` +
    // The invitation: a small card beside the launcher. A short fade is its only movement.
    `.t{position:fixed;${side}:20px;bottom:88px;z-index:2147483000;max-width:min(280px,calc(100vw - 40px));` +
    `box-sizing:border-box;padding:12px 34px 12px 14px;background:#fff;color:#1d1d1f;border-radius:12px;` +
    `box-shadow:0 4px 18px rgba(0,0,0,.18);font:14px/1.4 system-ui,sans-serif;animation:f .2s}` +
    `@keyframes f{from{opacity:0}}` +
    `.t button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer;text-align:start}` +
    `.t .x{position:absolute;top:4px;right:4px;width:28px;height:28px;` +
    `font-size:20px;text-align:center;color:#5f6368}` +
    `.t .o{display:block;width:100%;margin-top:6px;padding:6px 10px;border:1px solid ${color};border-radius:8px}` +
    `.t .a{background:${color};color:#fff;border-color:${color}}`;
  const launcher = document.createElement('button');
  launcher.className = pill == null ? 'l' : 'l f';
  launcher.type = 'button';
  launcher.setAttribute('aria-label', label);
  launcher.title = label;
  launcher.setAttribute('aria-expanded', 'false');
  // The icons need no aria-hidden: the button's aria-label is its name.
  launcher.innerHTML =
    '<svg class="o" viewBox="0 0 24 24" fill="currentColor"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
    '<svg class="c" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5"><path d="M6 6l12 12M18 6L6 18"/></svg>';
  if (pill) launcher.append(mk('span', pill));
  root.append(style, launcher);

  // ---- the page's API ---------------------------------------------------------------------------------
  const listeners: Record<string, Fn[]> = {};
  const goals = e ? e.goals : { yandex_metrica: 0, google: false };
  const emit = (name: string, data?: unknown) => {
    if (/^(chat_started|message_sent|callback_requested|lead_left)$/.test(name)) {
      const goal = 'otklik_' + name;
      try {
        if (goals.yandex_metrica > 0 && w.ym) w.ym(goals.yandex_metrica, 'reachGoal', goal);
        if (goals.google) w.gtag ? w.gtag('event', goal) : (w.dataLayer = w.dataLayer || []).push({ event: goal });
      } catch { /* the page's analytics is not ours to break on */ }
    }
    // A page's handler that throws must not break the chat, nor the other handlers.
    for (const fn of listeners[name] || []) try { fn(data); } catch (err) { console.error(err); }
  };
  const boot: Boot = { cfg, origin: src.origin, root, launcher, offer: {}, emit };
  ns.boot = boot;

  let loading = false;
  const open = () => {
    if (boot.show) return boot.show(true);
    if (loading) return;
    loading = true;
    const s = document.createElement('script');
    s.src = src.origin + '/widget-ui.js';
    s.async = true;
    s.addEventListener('load', () => ns.mount && ns.mount(boot));
    s.addEventListener('error', () => { loading = false; });
    document.head.appendChild(s);
  };
  launcher.addEventListener('click', () => {
    boot.offer.auto = false;
    if (boot.show) boot.show(launcher.getAttribute('aria-expanded') !== 'true');
    else open();
  });

  const events: string[] = [];
  let tick = () => {};
  const api: Record<string, Fn> = {
    open() { boot.offer.auto = false; open(); },
    close() { if (boot.show) boot.show(false); },
    identify(who: Identity) { boot.identity = who; if (boot.rehello) boot.rehello(); },
    track(name: string) { events.push(String(name)); tick(); },
    on(name: string, fn: Fn) { if (typeof fn === 'function') (listeners[name] = listeners[name] || []).push(fn); },
  };

  // ---- invitations (only where the owner set some up) ------------------------------------------------------
  const proactive = e && (e.triggers.some((t) => t.enabled !== false) || e.campaign.greeting ||
    Object.keys(e.campaign.greetings || {}).length);
  if (e && proactive) {
    // The guards' memory (docs/engagement.md): visits (count), start (of this visit), pages (this visit), seen
    // (last activity), invited (last invitation), dismissed, campaigns (opened, lower-cased), email (the campaign
    // of this visit's e-mail link, lower-cased), wrote (the visitor wrote in this visit). Re-read on every tick:
    // other tabs share it.
    type Memory = { visits: number; start: number; pages: number; seen: number; invited: number | null;
      dismissed?: boolean; campaigns: string[]; email?: string; wrote?: boolean };
    const key = 'otklik:' + cfg.site;
    let m = {} as Memory;
    // Whatever is there (the page may have cleared or mangled it), campaigns stays a list.
    const read = () => {
      try { m = { campaigns: [], ...JSON.parse(localStorage.getItem(key)!) }; } catch { m = { campaigns: [] } as never; }
    };
    const save = () => { try { localStorage.setItem(key, JSON.stringify(m)); return true; } catch { return false; } };

    const loaded = Date.now();
    const q = new URLSearchParams(location.search);
    const utm: Utm = {};
    for (const k of ['source', 'medium', 'campaign', 'term', 'content'] as const) utm[k] = q.get('utm_' + k) || '';
    read();
    if (!(loaded - m.seen <= 30 * 60000)) { // a visit starts after 30 minutes without activity
      m = { visits: (m.visits || 0) + 1, start: loaded, pages: 0, seen: loaded, invited: m.invited || null,
        dismissed: m.dismissed, campaigns: m.campaigns || [] };
    }
    m.pages++;
    m.seen = loaded;
    const campaign = utm.campaign!.toLowerCase();
    if (utm.medium && utm.medium.toLowerCase() === e.campaign.medium.toLowerCase()) m.email = campaign;
    // Without working storage no guard could be kept, so nothing proactive at all.
    if (save()) {
      const device = deviceClass(innerWidth, navigator.userAgent, navigator.maxTouchPoints > 0);
      let path = location.pathname + location.search;
      try { path = decodeURI(path); } catch { /* keep it encoded */ }
      // A callback offer makes sense only where the callback is on.
      const settings = { ...e, triggers: e.triggers.filter((t) => cfg.callback || t.action.type !== 'callback_offer') };
      const fill = (s: string) => fillPlaceholders(s, utm, document.referrer);
      const doc = document.documentElement;
      const depth = () => {
        const room = doc.scrollHeight - innerHeight;
        return room > 0 ? Math.min(100, (scrollY / room) * 100) : 100;
      };
      let last = loaded, deepest = 0, exit = false, done = false;
      const activity = (ev: Event) => {
        last = Date.now();
        if (ev.type === 'scroll') deepest = Math.max(deepest, depth());
        if (last - m.seen > 10000) { read(); m.seen = last; save(); } // keeps the visit alive, a write per 10 s at most
      };
      for (const t of ['pointerdown', 'mousemove', 'keydown', 'scroll']) {
        addEventListener(t, activity, { passive: true, capture: true });
      }
      if (device === 'desktop') {
        document.addEventListener('mouseout', (ev) => {
          if (!ev.relatedTarget && ev.clientY <= 0) { exit = true; tick(); } // now: the visitor is about to leave
        });
      }

      const report = (trigger: string, kind: string, option?: number) => {
        emit('invitation', { trigger, kind, option });
        fetch(`${src.origin}/api/v1/widget/events?site=${encodeURIComponent(cfg.site)}`, {
          method: 'POST', body: JSON.stringify({ events: [{ trigger, kind, option }] }),
          headers: { 'Content-Type': 'text/plain' }, keepalive: true, mode: 'cors', credentials: 'omit',
        }).catch(() => {});
      };

      const layer = mk('div'); // a live region, so screen readers read the invitation when it appears
      layer.setAttribute('aria-live', 'polite');
      root.append(layer);
      let card: HTMLElement | null = null;
      const hide = () => {
        if (card) card.remove();
        card = null;
        document.removeEventListener('keydown', esc);
      };
      const esc = (ev: KeyboardEvent) => { if (ev.key === 'Escape') dismiss(); };
      let dismiss = () => {};

      // `raw`: the campaign greeting, whose placeholders are filled already (a value is never expanded twice).
      const invite = (id: string, a: EngageAction, raw: boolean) => {
        const f = (s: string) => (raw ? s : fill(s));
        let answered = false;
        card = mk('div');
        card.className = 't';
        card.setAttribute('role', 'dialog');
        card.setAttribute('aria-label', ru ? 'Приглашение в чат' : 'Chat invitation');
        const accept = () => {
          report(id, 'accepted');
          if (a.type === 'banner') boot.offer.banner = { ...a, title: f(a.title), text: f(a.text) };
          boot.offer.callback = a.type === 'callback_offer';
          api.open();
        };
        const button = (text: string, cls: string, fn: () => void) => {
          const b = mk('button', text);
          b.type = 'button';
          b.className = cls;
          b.addEventListener('click', fn);
          return b;
        };
        const close = button('×', 'x', () => dismiss());
        close.setAttribute('aria-label', ru ? 'Закрыть' : 'Close');
        dismiss = () => {
          if (!answered) {
            report(id, 'dismissed');
            read();
            m.dismissed = true; // Guard 2: no means no, on this site, for good
            save();
          }
          hide();
        };
        const body: Node[] =
          a.type === 'poll' ? [mk('div', f(a.question)), ...a.options.map((o, i) => button(o, 'o', () => {
            answered = true;
            report(id, 'answered', i);
            card!.replaceChildren(button(ru ? 'Спасибо за ответ! Если появится вопрос — мы тут, в чате.'
              : "Thanks for answering! If a question comes up, we're right here in the chat.", '', accept), close);
            setTimeout(hide, 8000);
          }))]
          : a.type === 'callback_offer' ? [mk('div', f(a.text)), button(ru ? 'Перезвоните мне' : 'Call me back', 'o a', accept)]
          : [button(f(a.type === 'banner' ? a.title : a.text), '', accept)];
        card.append(...body, close); // the text first: that is what a screen reader should read
        layer.append(card);
        document.addEventListener('keydown', esc);
      };

      tick = () => {
        if (done || document.hidden) return; // an invitation nobody sees would only use up the period
        const now = Date.now();
        read();
        // A later page has no utm_campaign, and the evaluator would take it for a campaign named '': tell it that
        // this visit's campaign has had its greeting already.
        const opened = !campaign && m.campaigns.includes(m.email!) ? m.campaigns.concat('') : m.campaigns;
        const v = evaluate(settings, {
          time_on_page_s: (now - loaded) / 1000, time_on_site_s: (now - m.start) / 1000, pages_viewed: m.pages,
          visit_count: m.visits, inactive_s: (now - last) / 1000, scroll_percent: Math.max(deepest, depth()),
          exit_intent: exit, path_and_query: path, referrer: document.referrer, utm,
          // The page vouches for its own visitor; the server checks the hash before it means anything there.
          logged_in: !!(boot.identity && boot.identity.hash), email_campaign: m.email != null, device, events,
          chat_open: loading || launcher.getAttribute('aria-expanded') === 'true', visitor_wrote: !!m.wrote,
        }, { last_invitation_ms: m.invited, dismissed: !!m.dismissed, campaigns_opened: opened }, now);
        if (!v.trigger) return;
        stop();
        m.invited = now;
        const greeting = v.trigger === CAMPAIGN && v.greeting;
        if (greeting) {
          m.campaigns.push(campaign);
          boot.offer.greeting = greeting;
        }
        save();
        report(v.trigger, 'shown');
        if (v.auto_open) {
          boot.offer.auto = true;
          open();
        } else {
          invite(v.trigger, greeting ? { type: 'teaser', text: greeting }
            : settings.triggers.find((x) => x.id === v.trigger)!.action, !!greeting);
        }
      };
      const timer = setInterval(() => tick(), 1000);
      const stop = () => { done = true; clearInterval(timer); };
      // Guard 7: once the visitor opened the chat or wrote, nothing more on this page.
      api.on('open', () => { stop(); hide(); });
      api.on('message_sent', () => { read(); m.wrote = true; save(); });
    }
  }

  // Calls the page made before this script ran (window.Otklik.q), then any later Otklik.q.push, in order.
  const queued = Array.isArray(ns.q) ? ns.q : [];
  Object.assign(ns, api);
  ns.q = { push: (c: Call) => { if (api[c[0]]) api[c[0]](...c.slice(1)); } };
  queued.forEach(ns.q.push);

  const attach = () => document.body.appendChild(host);
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();

function mk<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  return el;
}
