// The loader: the only script a site embeds. It draws the launcher button and nothing else. No request,
// cookie or storage until the visitor clicks; then it fetches widget-ui.js, which opens the chat.
import type { WidgetConfig } from '../protocol/index';

export interface Boot {
  cfg: WidgetConfig;
  origin: string;
  root: ShadowRoot;
  launcher: HTMLButtonElement;
}

interface Ns {
  config?: Partial<WidgetConfig>;
  boot?: Boot;
  mount?: (b: Boot) => void;
  open?: () => void;
}

(() => {
  const w = window as unknown as { Otklik?: Ns };
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
  const ru = cfg.lang !== 'en';
  const label = cfg.texts.launcher || (ru ? 'Открыть чат' : 'Open chat');
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
    `display:flex;align-items:center;justify-content:center;padding:0}` +
    `.l:focus-visible{outline:3px solid #111;outline-offset:3px}.l svg{width:28px;height:28px}` +
    `.l[aria-expanded=true] .o,.l[aria-expanded=false] .c{display:none}`;
  const launcher = document.createElement('button');
  launcher.className = 'l';
  launcher.type = 'button';
  launcher.setAttribute('aria-label', label);
  launcher.title = label;
  launcher.setAttribute('aria-expanded', 'false');
  launcher.innerHTML =
    '<svg class="o" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
    '<svg class="c" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';
  root.append(style, launcher);

  const boot: Boot = { cfg, origin: src.origin, root, launcher };
  ns.boot = boot;
  let loading = false;
  launcher.addEventListener('click', () => {
    if (ns.open) return ns.open();
    if (loading) return;
    loading = true;
    const s = document.createElement('script');
    s.src = src.origin + '/widget-ui.js';
    s.async = true;
    s.addEventListener('load', () => ns.mount && ns.mount(boot));
    s.addEventListener('error', () => { loading = false; });
    document.head.appendChild(s);
  });

  const attach = () => document.body.appendChild(host);
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();
