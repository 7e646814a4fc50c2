// The trigger evaluator (web/widget/engage.ts) against the conformance vectors it shares with the server's
// reference evaluator (server/src/core/engage/testdata/evaluate.json), plus its own small cases: placeholders
// stay text, device classes, globs, and the guards' order. engage.ts is bundled in memory with esbuild and
// imported from a data: URL, so the test needs no build step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const vectorsFile = path.resolve(here, '../../server/src/core/engage/testdata/evaluate.json');

const bundle = buildSync({
  entryPoints: [path.join(here, 'engage.ts')], bundle: true, format: 'esm', write: false, target: 'es2019',
});
const { evaluate, fillPlaceholders, deviceClass, glob, CAMPAIGN } =
  await import('data:text/javascript;base64,' + Buffer.from(bundle.outputFiles[0].text).toString('base64'));

// ---- shared conformance vectors ------------------------------------------------------------------------

// The server's test keeps the vectors in canonical form (settings as engage_settings_to_json writes them, complete
// facts and state), so they go to the evaluator as they are.
const vectors = existsSync(vectorsFile) ? JSON.parse(readFileSync(vectorsFile, 'utf8')) : null;
if (!vectors) {
  test('conformance vectors', { skip: `${path.relative(process.cwd(), vectorsFile)} is absent: nothing to compare with` }, () => {});
} else {
  test('the vectors file has cases', () => assert.ok(Array.isArray(vectors) && vectors.length > 0, 'no cases in ' + vectorsFile));
  for (const c of vectors) {
    test(`vector: ${c.name}`, () => {
      const v = evaluate(c.settings, c.facts, c.state, c.now_ms);
      assert.equal(v.trigger, c.expect.trigger, 'trigger');
      assert.equal(v.auto_open, c.expect.auto_open, 'auto_open');
      // As the server's test: the greeting is compared where the vector names one.
      if ('greeting' in c.expect) assert.equal(v.greeting ?? '', c.expect.greeting, 'greeting');
    });
  }
}

// ---- own cases -----------------------------------------------------------------------------------------

const settings = (over = {}) => ({
  triggers: [],
  guards: { period_hours: 24, excluded_pages: ['*cart*', '*checkout*', '*order*'] },
  campaign: { medium: 'email', greeting: '', greetings: {} },
  launcher: { style: 'round', label: '' },
  goals: { yandex_metrica: 0, google: false },
  bot: { enabled: false, name: 'Робот Отклик' },
  ...over,
});
const facts = (over = {}) => ({
  time_on_page_s: 0, time_on_site_s: 0, pages_viewed: 1, visit_count: 1, inactive_s: 0, scroll_percent: 0,
  exit_intent: false, path_and_query: '/', referrer: '', utm: {}, logged_in: false, email_campaign: false,
  device: 'desktop', events: [], chat_open: false, visitor_wrote: false, ...over,
});
const fresh = { last_invitation_ms: null, dismissed: false, campaigns_opened: [] };
const now = Date.UTC(2025, 4, 1, 12);
const teaser = (id, conditions, match = 'all') =>
  ({ id, enabled: true, match, conditions, action: { type: 'teaser', text: 'Подсказать?' } });

test('placeholders: values are text, never HTML, and never expanded twice', () => {
  const text = fillPlaceholders('Ищете {utm_term}? Акция {utm_campaign|весна}',
    { term: '<img src=x onerror=alert(1)> & "кот"', campaign: '{utm_term}' }, '');
  assert.equal(text, 'Ищете <img src=x onerror=alert(1)> & "кот"? Акция {utm_term}');
});

test('placeholders: fallbacks, the search phrase from the referrer, a cut at 60 characters', () => {
  assert.equal(fillPlaceholders('Ищете {utm_term|подарок}?', {}, ''), 'Ищете подарок?');
  assert.equal(fillPlaceholders('{utm_term}', {}, ''), '');
  assert.equal(fillPlaceholders('{utm_term}', {}, 'https://yandex.ru/search/?text=%D0%BF%D0%BB%D0%B5%D0%B4&lr=213'), 'плед');
  assert.equal(fillPlaceholders('{utm_term}', {}, 'https://www.google.com/search?q=warm+blanket'), 'warm blanket');
  assert.equal(fillPlaceholders('{utm_term}', { term: 'лампа' }, 'https://www.google.com/search?q=other'), 'лампа');
  assert.equal(fillPlaceholders('{utm_term|x}', {}, 'not a url'), 'x');
  const long = 'ё'.repeat(59) + '😀😀';
  assert.equal(fillPlaceholders('{utm_campaign}', { campaign: long }, ''), 'ё'.repeat(59) + '😀');
  assert.equal(fillPlaceholders('{utm_source} {nope}', { source: 'a' }, ''), '{utm_source} {nope}');
});

test('device classes', () => {
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';
  const ipad = 'Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
  const ipados = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15';
  const androidTab = 'Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Chrome/120.0 Safari/537.36';
  const androidPhone = 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36';
  const linux = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36';
  assert.equal(deviceClass(390, iphone, true), 'mobile');
  assert.equal(deviceClass(412, androidPhone, true), 'mobile');
  assert.equal(deviceClass(800, androidPhone, true), 'mobile', 'the UA says Mobi');
  assert.equal(deviceClass(500, linux, false), 'mobile', 'a narrow window counts as a phone');
  assert.equal(deviceClass(820, ipad, true), 'tablet');
  assert.equal(deviceClass(1366, ipados, true), 'tablet', 'iPadOS passes for a Mac, but has touch');
  assert.equal(deviceClass(1280, androidTab, true), 'tablet');
  assert.equal(deviceClass(900, linux, true), 'tablet', 'a 600–1024 px touch screen');
  assert.equal(deviceClass(900, linux, false), 'desktop');
  assert.equal(deviceClass(1920, linux, true), 'desktop', 'a big touch screen is a desktop');
  assert.equal(deviceClass(1440, ipados, false), 'desktop');
});

test('globs: * is any run, the rest literal, the whole string must match', () => {
  assert.ok(glob('*cart*', '/shop/cart?step=2'));
  assert.ok(glob('/catalog*', '/catalog/pledy?page=2'));
  assert.ok(!glob('/catalog*', '/shop/catalog'));
  assert.ok(glob('/about', '/about'));
  assert.ok(!glob('/about', '/about/team'));
  assert.ok(glob('/a.b?c=[1]', '/a.b?c=[1]'), 'no regex characters');
  assert.ok(!glob('/a.b', '/axb'));
  assert.ok(glob('*', ''));
  const started = Date.now();
  assert.ok(!glob('*a*a*a*a*a*a*a*a*b', 'a'.repeat(2000)));
  assert.ok(Date.now() - started < 500, 'a pattern full of stars stays fast');
});

test('triggers: all or any, disabled ones skipped, the first that holds wins', () => {
  const s = settings({ triggers: [
    { ...teaser('off', [{ type: 'pages_viewed', min: 1 }]), enabled: false },
    teaser('both', [{ type: 'pages_viewed', min: 3 }, { type: 'time_on_site', min_seconds: 60 }]),
    teaser('either', [{ type: 'scroll_depth', min_percent: 50 }, { type: 'event', name: 'cart_add' }], 'any'),
  ] });
  assert.deepEqual(evaluate(s, facts(), fresh, now), { trigger: '', auto_open: false });
  assert.equal(evaluate(s, facts({ pages_viewed: 3, time_on_site_s: 59 }), fresh, now).trigger, '');
  assert.deepEqual(evaluate(s, facts({ pages_viewed: 3, time_on_site_s: 60 }), fresh, now),
    { trigger: 'both', auto_open: false, greeting: 'Подсказать?' }, 'the greeting is the headline');
  assert.equal(evaluate(s, facts({ events: ['cart_add'] }), fresh, now).trigger, 'either');
  assert.equal(evaluate(s, facts({ scroll_percent: 100, pages_viewed: 5, time_on_site_s: 99 }), fresh, now).trigger, 'both');
});

test('conditions', () => {
  const one = (c, f) => evaluate(settings({ triggers: [teaser('t', [c])] }), facts(f), fresh, now).trigger === 't';
  assert.ok(one({ type: 'visit_count', min: 2, max: 3 }, { visit_count: 3 }));
  assert.ok(!one({ type: 'visit_count', min: 2, max: 3 }, { visit_count: 4 }));
  assert.ok(one({ type: 'visit_count', min: 2 }, { visit_count: 40 }));
  assert.ok(one({ type: 'inactivity', seconds: 30 }, { inactive_s: 30 }));
  assert.ok(one({ type: 'exit_intent' }, { exit_intent: true }));
  assert.ok(!one({ type: 'exit_intent' }, { exit_intent: true, device: 'tablet' }), 'desktop only');
  assert.ok(one({ type: 'referrer', contains: 'YANDEX' }, { referrer: 'https://yandex.ru/search/?text=x' }));
  assert.ok(one({ type: 'utm', param: 'source', equals: 'VK' }, { utm: { source: 'vk' } }));
  assert.ok(!one({ type: 'utm', param: 'source', equals: 'vk' }, { utm: {} }));
  assert.ok(one({ type: 'url', pattern: '/catalog*' }, { path_and_query: '/catalog/lamps?sort=price' }));
  assert.ok(one({ type: 'logged_in', value: false }, {}));
  assert.ok(!one({ type: 'logged_in', value: true }, {}));
  assert.ok(one({ type: 'device', value: 'tablet' }, { device: 'tablet' }));
  assert.ok(one({ type: 'email_campaign' }, { email_campaign: true }));
  assert.ok(!one({ type: 'time_on_page', min_seconds: 10 }, { time_on_page_s: 9.9 }));
  assert.ok(!one({ type: 'what_is_this' }, {}), 'an unknown condition never holds');
});

test('guards: open chat, a message written, dismissed, the period, excluded pages', () => {
  const s = settings({ triggers: [teaser('t', [{ type: 'pages_viewed', min: 1 }])] });
  const hour = 3600000;
  assert.equal(evaluate(s, facts(), fresh, now).trigger, 't');
  assert.equal(evaluate(s, facts({ chat_open: true }), fresh, now).trigger, '');
  assert.equal(evaluate(s, facts({ visitor_wrote: true }), fresh, now).trigger, '');
  assert.equal(evaluate(s, facts(), { ...fresh, dismissed: true }, now).trigger, '');
  assert.equal(evaluate(s, facts(), { ...fresh, last_invitation_ms: now - 24 * hour + 1 }, now).trigger, '');
  assert.equal(evaluate(s, facts(), { ...fresh, last_invitation_ms: now - 24 * hour }, now).trigger, 't');
  assert.equal(evaluate(s, facts({ path_and_query: '/checkout?step=1' }), fresh, now).trigger, '');
  const open = settings({ ...s, guards: { period_hours: 1, excluded_pages: [] } });
  assert.equal(evaluate(open, facts({ path_and_query: '/checkout' }), { ...fresh, last_invitation_ms: now - hour }, now).trigger, 't');
});

test('campaign: opens once per campaign, with its own greeting, never on a phone', () => {
  const s = settings({
    triggers: [teaser('t', [{ type: 'pages_viewed', min: 1 }])],
    campaign: { medium: 'email', greeting: 'Рады вам, {utm_term|друг}!', greetings: { spring: 'Весна: {utm_campaign}' } },
  });
  const from = (campaign, over = {}) => facts({ email_campaign: true, utm: { medium: 'email', campaign }, ...over });
  assert.deepEqual(evaluate(s, from('spring'), fresh, now), { trigger: CAMPAIGN, auto_open: true, greeting: 'Весна: spring' });
  assert.deepEqual(evaluate(s, from('autumn'), fresh, now), { trigger: CAMPAIGN, auto_open: true, greeting: 'Рады вам, друг!' });
  assert.deepEqual(evaluate(s, from('constructor'), fresh, now).greeting, 'Рады вам, друг!');
  assert.deepEqual(evaluate(s, from('spring', { device: 'mobile' }), fresh, now),
    { trigger: CAMPAIGN, auto_open: false, greeting: 'Весна: spring' });
  assert.equal(evaluate(s, from('spring'), { ...fresh, campaigns_opened: ['spring'] }, now).trigger, 't');
  assert.equal(evaluate(s, from('spring'), { ...fresh, dismissed: true }, now).trigger, '');
  assert.equal(evaluate(s, from('SPRING'), fresh, now).greeting, 'Весна: SPRING', 'campaign names ignore case');
  assert.equal(evaluate(s, from('Spring'), { ...fresh, campaigns_opened: ['spring'] }, now).trigger, 't');
  const silent = settings({ ...s, campaign: { medium: 'email', greeting: null, greetings: {} } });
  assert.equal(evaluate(silent, from('spring'), fresh, now).trigger, 't', 'no greeting, no auto-open');
});
