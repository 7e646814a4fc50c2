// Proactive features end to end: the real server, its demo sites and the real widget in Chromium. Triggers are
// set up through the REST API as the demo owner (PUT /api/v1/sites/{key}/engage), invitations are counted by
// the server (engage/stats), the FAQ bot answers from the demo provider's knowledge base and hands the chat to
// the operator console, and a page of another origin (served here, allowed through [demo] origins) checks the
// page's JavaScript API, analytics goals and identify().
// OTK_SHOTS=DIR saves screenshots of the teaser and the bot conversation (desktop and phone) there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, otklikBin, demo, consoleLogin } from './fixture.mjs';
import { login } from '../../server/tests/integration/client.mjs';

const shots = process.env.OTK_SHOTS;
if (shots) mkdirSync(shots, { recursive: true });

let srv, browser, owner, confDir, pages, pageOrigin;

before(async () => {
  // A shop of another origin: the loader comes from the Otklik server, as on a customer's site. window.ym is a
  // stub that records the goals; it is defined before the loader, as Metrica's snippet would be.
  pages = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Внешний магазин</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.__ym = []; window.ym = (...a) => window.__ym.push(a); window.__heard = [];</script></head>
<body><h1>Внешний магазин</h1><p>Страница на другом адресе, чат подключён одной строкой.</p>
<script src="${srv.url}/widget.js?site=demo-shop"></script></body></html>`);
  });
  await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${pages.address().port}`;
  confDir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-engage-'));
  const conf = path.join(confDir, 'otklik.toml');
  writeFileSync(conf, `[auth]\nlogin_per_minute = 100\n\n[demo]\norigins = ["${pageOrigin}"]\n`);
  srv = await startServer({ extraArgs: ['--config', conf] });
  browser = await launchBrowser();
  owner = await login(srv.url, demo.email, demo.password);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  pages?.closeAllConnections();
  pages?.close();
  if (confDir) rmSync(confDir, { recursive: true, force: true });
});

// ---- REST as the demo owner ---------------------------------------------------------------------------------

/** Replaces a site's engagement document; resolves to the normalised one the server stored. */
async function putEngage(site, doc) {
  const res = await fetch(`${srv.url}/api/v1/sites/${site}/engage`, {
    method: 'PUT', body: JSON.stringify(doc),
    headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf, 'Content-Type': 'application/json' },
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.settings;
}

async function stats(site) {
  const res = await fetch(`${srv.url}/api/v1/sites/${site}/engage/stats`, { headers: { Cookie: owner.cookie } });
  assert.equal(res.status, 200);
  return res.json();
}

/** The counts of one trigger (zeros while the server has none). */
async function counts(site, trigger) {
  const row = (await stats(site)).triggers.find((t) => t.trigger === trigger);
  return row ?? { trigger, shown: 0, accepted: 0, dismissed: 0, answers: [] };
}

/** Waits until fn() resolves truthy; the last value goes into the failure message. */
async function until(fn, what, ms = 5000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last && (typeof last !== 'object' || last.ok !== false)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const untilCounts = (site, trigger, want) => until(async () => {
  const c = await counts(site, trigger);
  const ok = Object.entries(want).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v));
  return ok ? c : { ok: false, ...c };
}, `${trigger} counts ${JSON.stringify(want)}`);

const timeTrigger = (id, action, seconds = 1) =>
  ({ id, enabled: true, match: 'all', conditions: [{ type: 'time_on_page', min_seconds: seconds }], action });

// ---- the browser ----------------------------------------------------------------------------------------------

const desktop = { viewport: { width: 1280, height: 800 }, locale: 'ru-RU' };
const phone = {
  viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ru-RU',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Version/17.0 Mobile/15E148 Safari/604.1',
};

/** A fresh browser context (own storage), its page recording the widget's WebSocket frames and warnings. */
async function visitor(url, options = desktop) {
  const ctx = await browser.newContext(options);
  ctx.setDefaultTimeout(10000);  // a missing invitation fails in seconds, not in Playwright's 30
  const page = await ctx.newPage();
  const got = [];
  const warnings = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => got.push(JSON.parse(String(payload)))));
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(url.startsWith('http') ? url : srv.url + url);
  return { ctx, page, got, warnings };
}

const invitation = (page) => page.getByRole('dialog', { name: 'Приглашение в чат' });
const chat = (page) => page.getByRole('dialog', { name: 'Чат с поддержкой' });
const launcher = (page) => page.getByRole('button', { name: 'Открыть чат' });
/** Long enough for a 1-second trigger to have fired (the loader checks once a second). */
const quiet = (page) => page.waitForTimeout(2500);

async function say(page, text) {
  await chat(page).getByRole('textbox', { name: 'Напишите сообщение…' }).fill(text);
  await page.keyboard.press('Enter');
}

const consolePage = () => consoleLogin(browser, srv.url, { context: desktop, timeout: 10000 });

// ---- 1. a time trigger --------------------------------------------------------------------------------------

test('a time trigger shows its teaser once: counted shown and dismissed; a reload is left alone, a new browser is asked again', async () => {
  const text = 'Подсказать с выбором пледа?';
  const saved = await putEngage('demo-shop', { triggers: [timeTrigger('plaid-help', { type: 'teaser', text })] });
  assert.deepEqual(saved.guards.excluded_pages, ['*cart*', '*checkout*', '*order*', '*korzina*', '*oformlenie*'],
    'a missing key takes its default');

  const a = await visitor('/demo/shop');
  const card = invitation(a.page);
  await card.getByRole('button', { name: text }).waitFor();
  assert.equal(await launcher(a.page).getAttribute('aria-expanded'), 'false', 'a teaser does not open the chat');
  if (shots) await a.page.screenshot({ path: `${shots}/teaser-desktop.png` });
  await untilCounts('demo-shop', 'plaid-help', { shown: 1, dismissed: 0 });
  await a.page.keyboard.press('Escape');
  await card.waitFor({ state: 'detached' });
  await untilCounts('demo-shop', 'plaid-help', { shown: 1, dismissed: 1 });
  await a.page.reload();
  await launcher(a.page).waitFor();
  await quiet(a.page);
  assert.equal(await invitation(a.page).count(), 0, 'said no once: nothing more in this browser');
  await a.ctx.close();

  // Another browser knows nothing of that: it is asked (once), and closes it with the ×.
  const b = await visitor('/demo/shop', phone);
  await invitation(b.page).getByRole('button', { name: text }).waitFor();
  if (shots) await b.page.screenshot({ path: `${shots}/teaser-mobile.png` });
  await untilCounts('demo-shop', 'plaid-help', { shown: 2, dismissed: 1 });
  await invitation(b.page).getByRole('button', { name: 'Закрыть' }).tap();
  await invitation(b.page).waitFor({ state: 'detached' });
  const c = await untilCounts('demo-shop', 'plaid-help', { shown: 2, dismissed: 2 });
  assert.equal(c.accepted, 0);
  await b.ctx.close();
});

// ---- 2. excluded pages ----------------------------------------------------------------------------------------

test('no invitation on an excluded page (the default *checkout*, an owner\'s own pattern), one on the next page', async () => {
  const text = 'Ищете подарок? Подскажем.';
  await putEngage('demo-shop', {
    triggers: [timeTrigger('gift-help', { type: 'teaser', text })],
    guards: { period_hours: 24, excluded_pages: ['*checkout*', '/demo/shop?promo=*'] },
  });
  const v = await visitor('/demo/shop?step=checkout');
  await launcher(v.page).waitFor();
  await quiet(v.page);
  assert.equal(await invitation(v.page).count(), 0, '*checkout* matches /demo/shop?step=checkout');
  await v.page.goto(`${srv.url}/demo/shop?promo=winter`);
  await launcher(v.page).waitFor();
  await quiet(v.page);
  assert.equal(await invitation(v.page).count(), 0, '/demo/shop?promo=* matches');
  assert.equal((await counts('demo-shop', 'gift-help')).shown, 0);
  // The same visitor on an ordinary page: the trigger itself works, only the pages above were excluded.
  await v.page.goto(`${srv.url}/demo/shop?item=pled-oblako`);
  await invitation(v.page).getByRole('button', { name: text }).waitFor();
  await untilCounts('demo-shop', 'gift-help', { shown: 1 });
  await v.ctx.close();
});

// ---- 3. the e-mail campaign ---------------------------------------------------------------------------------

test('an e-mail campaign link: on a phone a teaser, never an open chat; on a desktop the chat opens by itself once', async () => {
  const greeting = 'Зимняя распродажа из письма: спросите про шипованные покрышки!';
  const saved = await putEngage('demo-bikes', {
    campaign: { medium: 'email', greeting: 'Рады, что вы заглянули из письма!', greetings: { Winter: greeting } },
  });
  assert.deepEqual(Object.keys(saved.campaign.greetings), ['winter'], 'campaign names are kept lower-cased');
  const link = '/demo/bikes?utm_source=newsletter&utm_medium=email&utm_campaign=winter';

  const m = await visitor(link, phone);
  await invitation(m.page).getByRole('button', { name: greeting }).waitFor();
  await quiet(m.page);
  assert.equal(await launcher(m.page).getAttribute('aria-expanded'), 'false', 'never opens by itself on a phone');
  assert.equal(await chat(m.page).count(), 0, 'the chat was not even loaded');
  await untilCounts('demo-bikes', 'campaign', { shown: 1, accepted: 0 });
  await m.ctx.close();

  const d = await visitor(link, desktop);
  await chat(d.page).getByText(greeting).waitFor();
  assert.equal(await launcher(d.page).getAttribute('aria-expanded'), 'true');
  assert.equal(await invitation(d.page).count(), 0, 'opened, not teased');
  assert.equal(await d.page.evaluate(() => document.activeElement?.tagName), 'BODY',
    'opened by itself, it leaves the focus on the page');
  await untilCounts('demo-bikes', 'campaign', { shown: 2 });
  await d.page.reload();
  await launcher(d.page).waitFor();
  await quiet(d.page);
  assert.equal(await launcher(d.page).getAttribute('aria-expanded'), 'false', 'once per campaign: no second opening');
  assert.equal(await invitation(d.page).count(), 0);
  assert.equal((await counts('demo-bikes', 'campaign')).shown, 2);
  await d.ctx.close();
});

// ---- 4. a poll ------------------------------------------------------------------------------------------------

test('a poll: the chosen option is counted as answered, and the visitor is thanked', async () => {
  const options = ['Городской', 'Горный', 'Детский'];
  await putEngage('demo-bikes', {
    triggers: [timeTrigger('which-bike', { type: 'poll', question: 'Какой велосипед ищете?', options })],
  });
  const v = await visitor('/demo/bikes');
  const card = invitation(v.page);
  await card.getByText('Какой велосипед ищете?').waitFor();
  await card.getByRole('button', { name: 'Горный' }).click();
  await card.getByText('Спасибо за ответ').waitFor();
  // `answers` counts by option index; the server leaves out options after the last one anybody chose.
  const c = await until(async () => {
    const now = await counts('demo-bikes', 'which-bike');
    const answers = options.map((_, i) => now.answers[i] ?? 0);
    return now.shown === 1 && answers.some((n) => n > 0) ? { ...now, answers } : { ok: false, ...now };
  }, 'the answer');
  assert.deepEqual(c.answers, [0, 1, 0], 'one answer, for the second option');
  assert.ok(c.answers.length <= options.length);
  assert.equal(c.dismissed, 0, 'an answer is not a no');
  await v.ctx.close();
});

test('a banner with a search phrase in it: the value stays text; accepted, its card with a safe link tops the chat', async () => {
  await putEngage('demo-shop', {
    triggers: [timeTrigger('sale', { type: 'banner', title: 'Ищете {utm_term|подарок}?', text: 'До пятницы −20% на пледы',
      link: 'https://example.com/sale', link_text: 'К распродаже' })],
  });
  const v = await visitor(`/demo/shop?utm_term=${encodeURIComponent('<b>плед</b>')}`);
  const teaser = invitation(v.page).getByRole('button', { name: 'Ищете <b>плед</b>?' });
  await teaser.waitFor();
  assert.equal(await invitation(v.page).locator('b').count(), 0, 'a value never becomes markup');
  await teaser.click();
  const card = chat(v.page).locator('.bn');
  await card.getByText('До пятницы −20% на пледы').waitFor();
  assert.equal(await card.locator('b').innerText(), 'Ищете <b>плед</b>?');
  const link = card.getByRole('link', { name: 'К распродаже' });
  assert.equal(await link.getAttribute('href'), 'https://example.com/sale');
  assert.equal(await link.getAttribute('rel'), 'noopener');
  assert.equal(await invitation(v.page).count(), 0);
  await untilCounts('demo-shop', 'sale', { shown: 1, accepted: 1, dismissed: 0 });
  await v.ctx.close();
});

// ---- 5. the FAQ bot -------------------------------------------------------------------------------------------

test('the FAQ bot answers as a bot, takes "did it help?", hands off when asked, and the operator sees the whole chat', async () => {
  const before = (await stats('demo-service')).bot;
  const v = await visitor('/demo/service', desktop);
  await launcher(v.page).click();
  await chat(v.page).getByText('Сначала вам ответит бот Робот Сигнал').waitFor();
  await say(v.page, 'сколько стоит интернет?');
  const answer = chat(v.page).locator('.b.bot', { hasText: 'Тарифы от 450 ₽ в месяц' });
  await answer.waitFor();
  assert.match(await answer.locator('small').innerText(), /^бот\s*Робот Сигнал · \d\d:\d\d$/i);
  assert.equal(await answer.locator('.bd').textContent(), 'бот');
  // The bot said it is a bot before anything else.
  await chat(v.page).locator('.b.bot', { hasText: 'Я Робот Сигнал, бот этого сайта' }).waitFor();
  const person = chat(v.page).getByRole('button', { name: 'Позвать человека' });
  assert.ok(await person.isVisible(), 'a person is one click away while the bot answers');

  await answer.getByText('Помогло?').waitFor();
  await answer.getByRole('button', { name: 'Да' }).click();
  await answer.getByText('Отлично, рады помочь!').waitFor();
  const saved = await until(() => v.got.find((f) => f.type === 'bot_feedback_saved'), 'bot_feedback_saved');
  const answerId = v.got.find((f) => f.type === 'message' && f.author.kind === 'bot' && f.bot?.answer)?.id;
  assert.deepEqual(saved, { type: 'bot_feedback_saved', message: answerId, helpful: true });

  await say(v.page, 'позовите оператора');
  await chat(v.page).locator('.b.bot', { hasText: 'Конечно! Зову человека' }).waitFor();
  await person.waitFor({ state: 'hidden' });
  await until(() => v.got.find((f) => f.type === 'bot' && f.active === false), 'bot: active false');
  if (shots) await v.page.screenshot({ path: `${shots}/bot-desktop.png` });

  const after = (await stats('demo-service')).bot;
  assert.equal(after.conversations - before.conversations, 1);
  assert.equal(after.answers - before.answers, 1);
  assert.equal(after.helpful - before.helpful, 1);
  assert.equal(after.handoff_reasons.asked - before.handoff_reasons.asked, 1);

  // The operator gets the conversation with everything, the bot's lines marked.
  const op = await consolePage();
  const row = op.page.locator('.row', { hasText: 'Зову человека' }).filter({ hasText: 'Demo provider' });
  await row.click();
  await op.page.locator('.msg.them', { hasText: 'позовите оператора' }).waitFor();
  const transcript = await op.page.locator('.messages .msg').evaluateAll((els) => els.map((e) =>
    [e.classList.contains('bot') ? 'bot' : e.classList.contains('them') ? 'visitor' : 'other', e.querySelector('.text').textContent]));
  assert.deepEqual(transcript.map(([who]) => who), ['visitor', 'bot', 'bot', 'visitor', 'bot']);
  assert.equal(transcript[0][1], 'сколько стоит интернет?');
  assert.match(transcript[1][1], /^Здравствуйте! Я Робот Сигнал, бот этого сайта\./);
  assert.match(transcript[2][1], /^Тарифы от 450 ₽/);
  assert.match(transcript[4][1], /^Конечно! Зову человека/);
  assert.equal(await op.page.locator('.messages .msg.bot .bot-badge').count(), 3);
  await op.page.locator('.msg.bot .helped.yes').waitFor();
  assert.equal(await op.page.locator('.chat-head [data-bot-answering]').count(), 0, 'the bot is no longer answering');
  await v.ctx.close();
  await op.ctx.close();
});

test('on a phone the bot answers too, and the "Позвать человека" button itself hands the chat to people', async () => {
  const before = (await stats('demo-service')).bot;
  const v = await visitor('/demo/service', phone);
  await launcher(v.page).tap();
  await say(v.page, 'Как оплатить интернет?');
  await chat(v.page).locator('.b.bot', { hasText: 'Картой в личном кабинете' }).waitFor();
  if (shots) await v.page.screenshot({ path: `${shots}/bot-mobile.png` });
  const person = chat(v.page).getByRole('button', { name: 'Позвать человека' });
  await person.tap();
  await chat(v.page).locator('.b.bot', { hasText: 'Конечно! Зову человека' }).waitFor();
  await person.waitFor({ state: 'hidden' });
  assert.equal(await chat(v.page).getByRole('button', { name: 'Зовём человека…' }).count(), 0);
  assert.ok(v.got.some((f) => f.type === 'bot' && f.active === false));
  const after = (await stats('demo-service')).bot;
  assert.equal(after.handoff_reasons.asked - before.handoff_reasons.asked, 1);
  assert.equal(after.answers - before.answers, 1);
  await v.ctx.close();
});

// ---- 6. another origin: the JavaScript API and the goals --------------------------------------------------------

test('on a page of another origin: track() fires an event trigger, on() hears, open() opens, and goals reach ym()', async () => {
  const text = 'Помочь с оформлением?';
  await putEngage('demo-shop', {
    triggers: [{ id: 'cart-help', match: 'all', conditions: [{ type: 'event', name: 'added_to_cart' }],
      action: { type: 'teaser', text } }],
    goals: { yandex_metrica: 12345, google: false },
  });
  const v = await visitor(`${pageOrigin}/catalog`);
  await launcher(v.page).waitFor();
  await v.page.evaluate(() => {
    Otklik.on('open', () => window.__heard.push('open'));
    Otklik.on('invitation', (e) => window.__heard.push(`${e.trigger}:${e.kind}`));
  });
  await quiet(v.page);
  assert.equal(await invitation(v.page).count(), 0, 'nothing before the event');
  await v.page.evaluate(() => Otklik.track('added_to_cart'));
  await invitation(v.page).getByRole('button', { name: text }).waitFor();
  await untilCounts('demo-shop', 'cart-help', { shown: 1 });  // the events endpoint took this page's origin

  await v.page.evaluate(() => Otklik.open());
  await chat(v.page).waitFor();
  await invitation(v.page).waitFor({ state: 'detached' });
  assert.deepEqual(await v.page.evaluate(() => window.__heard), ['cart-help:shown', 'open']);
  assert.deepEqual(await v.page.evaluate(() => window.__ym), [], 'no goal before the visitor writes');
  await say(v.page, 'Можно оплатить при получении?');
  await chat(v.page).locator('.b.me[data-seq="1"]').waitFor();
  const goals = await until(async () => {
    const calls = await v.page.evaluate(() => window.__ym);
    return calls.length >= 2 && calls;
  }, 'two goals');
  assert.deepEqual(goals, [[12345, 'reachGoal', 'otklik_chat_started'], [12345, 'reachGoal', 'otklik_message_sent']]);
  await say(v.page, 'И доставка в Тверь есть?');
  await chat(v.page).locator('.b.me[data-seq="2"]').waitFor();
  assert.deepEqual((await v.page.evaluate(() => window.__ym)).slice(2), [[12345, 'reachGoal', 'otklik_message_sent']],
    'the chat started once; each message is a goal');
  await v.ctx.close();
});

// ---- 7. identify ----------------------------------------------------------------------------------------------

test('identify() with the right hash logs the visitor in (the console shows the name); a wrong hash only warns, once', async () => {
  await putEngage('demo-shop', {});
  const secret = execFileSync(otklikBin, ['site', 'secret', '--data', srv.dataDir, '--site', 'demo-shop'],
    { encoding: 'utf8' }).trim();
  assert.match(secret, /^[0-9a-f]{64}$/);
  const id = 'customer-1042';
  const hash = createHmac('sha256', secret).update(id).digest('hex');

  const good = await visitor(`${pageOrigin}/account`);
  await launcher(good.page).waitFor();
  await good.page.evaluate((who) => Otklik.identify(who), { id, name: 'Марина Кузнецова', hash });
  await good.page.evaluate(() => Otklik.open());
  const welcome = await until(() => good.got.find((f) => f.type === 'welcome'), 'welcome');
  assert.equal(welcome.logged_in, true);
  await say(good.page, 'Где мой заказ 1042?');
  await chat(good.page).locator('.b.me[data-seq="1"]').waitFor();
  assert.deepEqual(good.got.filter((f) => f.type === 'error'), []);
  assert.deepEqual(good.warnings, []);

  const bad = await visitor(`${pageOrigin}/account`);
  await launcher(bad.page).waitFor();
  await bad.page.evaluate((who) => Otklik.identify(who), { id, name: 'Самозванец', hash: hash.replace(/^./, (c) => c === '0' ? '1' : '0') });
  await bad.page.evaluate(() => Otklik.open());
  const refused = await until(() => bad.got.find((f) => f.type === 'error'), 'the refusal');
  assert.equal(refused.code, 'unauthorized');
  assert.equal(refused.ref, 'identity');
  assert.equal((await until(() => bad.got.find((f) => f.type === 'welcome'), 'welcome')).logged_in, false);
  // Given again after the chat connected: a new hello, refused again, still a single warning.
  await bad.page.evaluate(() => Otklik.identify({ id: 'customer-1042', name: 'Самозванец', hash: 'beef' }));
  await until(() => bad.got.filter((f) => f.type === 'welcome').length === 2, 'the second welcome');
  await say(bad.page, 'А мой заказ где?');
  await chat(bad.page).locator('.b.me[data-seq="1"]').waitFor();
  assert.equal(bad.got.filter((f) => f.type === 'error' && f.ref === 'identity').length, 2);
  assert.equal(bad.warnings.filter((w) => w.startsWith('Otklik:')).length, 1, bad.warnings.join('\n'));
  assert.equal(await chat(bad.page).getByText('Связь пропала').count(), 0);

  const op = await consolePage();
  const mine = op.page.locator('.row', { hasText: 'Где мой заказ 1042?' });
  await mine.locator('.who', { hasText: 'Марина Кузнецова' }).waitFor();
  const theirs = op.page.locator('.row', { hasText: 'А мой заказ где?' });
  await theirs.waitFor();
  assert.doesNotMatch(await theirs.locator('.who').innerText(), /Самозванец/);
  assert.match(await theirs.locator('.who').innerText(), /^Посетитель \d+/);
  await good.ctx.close();
  await bad.ctx.close();
  await op.ctx.close();
});

// ---- 8. the public events endpoint ----------------------------------------------------------------------------

test('the widget events endpoint counts only for the site\'s origins and triggers', async () => {
  await putEngage('demo-bikes', { triggers: [timeTrigger('ride-help', { type: 'teaser', text: 'Подобрать раму?' })] });
  const post = (origin, events) => fetch(`${srv.url}/api/v1/widget/events?site=demo-bikes`, {
    method: 'POST', headers: { Origin: origin, 'Content-Type': 'text/plain' }, body: JSON.stringify({ events }),
  });
  const foreign = await post('http://evil.example', [{ trigger: 'ride-help', kind: 'shown' }]);
  assert.equal(foreign.status, 403);
  assert.equal((await foreign.json()).error.code, 'origin_not_allowed');
  const unknown = await post(srv.url, [{ trigger: 'no-such-trigger', kind: 'shown' }]);
  assert.equal(unknown.status, 400);
  const refusal = (await unknown.json()).error;
  assert.equal(refusal.code, 'bad_request');
  assert.match(refusal.message, /^events\[0\]\.trigger: /);
  assert.equal((await counts('demo-bikes', 'ride-help')).shown, 0, 'neither was counted');
  const fine = await post(pageOrigin, [{ trigger: 'ride-help', kind: 'shown' }]);
  assert.equal(fine.status, 204);
  assert.equal(fine.headers.get('access-control-allow-origin'), pageOrigin);
  await untilCounts('demo-bikes', 'ride-help', { shown: 1 });
});
