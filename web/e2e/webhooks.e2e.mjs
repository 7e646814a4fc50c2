// The console's Integrations tab end to end: the real server (first retry after 1 s), a real local receiver that
// fails the first request, and Chromium. The demo owner adds an endpoint through the form and reads its secret off
// the page; a visitor's message arrives twice (500, then 200) signed with that secret; the delivery log shows both
// attempts; «Отправить ещё раз» and «Проверить» reach the receiver; a 410 turns an endpoint off with a notice and
// «Включить снова» brings it back. An operator does not see the tab at all.
// The owner also makes an API token for one chosen site, sees it once, and revokes it.
// OTK_SHOTS=DIR saves screenshots of the tab with the log open (desktop and phone) there as hooks-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, demo, consoleLogin } from './fixture.mjs';
import { visitor, login } from '../../server/tests/integration/client.mjs';

const shots = process.env.OTK_SHOTS;
if (shots) mkdirSync(shots, { recursive: true });

/** A receiver on 127.0.0.1 recording every request; `answer(n)` picks the status of the n-th (1-based). */
async function receiver(answer) {
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      got.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(answer(got.length));
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    got, url: `http://127.0.0.1:${server.address().port}/hooks/otklik`,
    until: (n, what) => until(() => got.length >= n, `${what}; the receiver has ${JSON.stringify(got.map((g) => g.json.type))}`),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** docs/webhooks.md's Node.js check, verbatim in substance. */
function verify(secret, header, rawBody) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  if (Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) return false;
  const mac = crypto.createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest('hex');
  return parts.v1?.length === mac.length && crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts.v1));
}

async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const desktop = { viewport: { width: 1280, height: 800 }, locale: 'ru-RU' };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ru-RU' };

let srv, browser, dir, rx, gone;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-hooks-'));
  const conf = path.join(dir, 'otklik.toml');
  writeFileSync(conf, '[auth]\nlogin_per_minute = 100\n\n[webhooks]\nfirst_retry_seconds = 1\ntimeout_seconds = 3\n');
  rx = await receiver((n) => (n === 1 ? 500 : 200));
  gone = await receiver(() => 410);
  srv = await startServer({ extraArgs: ['--config', conf] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await rx?.close();
  await gone?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const consolePage = (email, options = desktop) => consoleLogin(browser, srv.url, { email, context: options, timeout: 10000 });

/** Settings, then its Integrations section. */
async function openIntegrations(page) {
  await page.locator('[data-tab="settings"]').click();
  await page.locator('[data-section="hooks"]').click();
}

test('an operator does not see the Integrations tab', async () => {
  const { ctx, page } = await consolePage('anna@example.com');
  await page.getByRole('button', { name: 'Заявки' }).waitFor();
  assert.equal(await page.locator('[data-tab="settings"]').count(), 0, 'no settings at all');
  assert.equal(await page.getByRole('button', { name: 'Интеграции' }).count(), 0);
  await ctx.close();
});

test('the owner adds an endpoint, watches a retried delivery in the log, sends it again and sends a test', async () => {
  const { ctx, page } = await consolePage(demo.email);
  await openIntegrations(page);
  await page.getByText('Пока события никуда не уходят').waitFor();

  // A bad address: the server's reason shows beside the form, nothing is created.
  const form = page.locator('form.wh-form');
  await form.getByLabel('Куда отправлять').fill('ftp://crm.example/');
  await form.getByRole('checkbox', { name: /Новое сообщение/ }).check();
  await form.getByRole('button', { name: 'Добавить' }).click();
  await form.getByRole('alert').filter({ hasText: 'http' }).waitFor();

  const sites = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()).then((b) => b.sites));
  const shop = sites.find((s) => s.key === 'demo-shop');
  await form.getByLabel('Сайт').selectOption(String(shop.id));
  await form.getByLabel('Куда отправлять').fill(rx.url);
  await form.getByRole('button', { name: 'Добавить' }).click();
  const card = page.locator('li[data-hook]');
  await card.getByText('Готово!').waitFor();
  const secret = (await card.locator('[data-secret]').textContent()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);
  assert.equal(await card.locator('.chip').allTextContents().then((x) => x.join()), 'Новое сообщение');
  await card.getByText(shop.name).waitFor();

  // A visitor writes: the first attempt gets 500, the retry a second later 200; both are signed with that secret.
  const v = await visitor(srv.url, { site: 'demo-shop' });
  v.send({ type: 'send', client_id: 'hook-1', text: 'Здравствуйте! Есть велосипеды на 26"?' });
  await v.pick((f) => f.type === 'ack', 5000, 'ack');
  await rx.until(2, 'the event and its retry');
  const [first, second] = rx.got;
  for (const g of [first, second]) {
    assert.equal(g.json.type, 'message.created');
    assert.ok(verify(secret, g.headers['otklik-signature'], g.body), 'the signature verifies with the secret on the page');
  }
  assert.equal(second.json.id, first.json.id, 'the retry is the same event');
  assert.equal(second.body, first.body, 'with the same bytes');
  assert.deepEqual([first.headers['otklik-attempt'], second.headers['otklik-attempt']], ['1', '2']);
  assert.equal(first.json.data.message.text, 'Здравствуйте! Есть велосипеды на 26"?');

  // The log: delivered on the second attempt, the attempts 500 and 200 listed.
  await card.getByRole('button', { name: 'Журнал доставок' }).click();
  const row = card.locator('li[data-delivery][data-state="delivered"]');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-attempts'), '2');
  await row.getByText('попыток: 2 · ответ 200').waitFor();
  await row.getByText('доставлено').waitFor();
  await row.getByRole('button', { name: 'все попытки (2)' }).click();
  assert.deepEqual(await row.locator('.wh-attempts li').evaluateAll((li) => li.map((x) => x.dataset.status)), ['200', '500'],
    'newest first');
  await row.locator('.wh-attempts li[data-status="500"]').getByText('the receiver answered 500').waitFor();

  if (shots) {
    await page.screenshot({ path: path.join(shots, 'hooks-desktop.png') });
    const m = await consolePage(demo.email, phone);
    await openIntegrations(m.page);
    await m.page.getByRole('button', { name: 'Журнал доставок' }).click();
    const r = m.page.locator('li[data-delivery][data-state="delivered"]');
    await r.getByRole('button', { name: 'все попытки (2)' }).click();
    await m.page.screenshot({ path: path.join(shots, 'hooks-mobile.png') });
    await m.page.screenshot({ path: path.join(shots, 'hooks-mobile-full.png'), fullPage: true });
    await m.ctx.close();
  }

  // Sent again: the same event a third time.
  await row.getByRole('button', { name: 'Отправить ещё раз' }).click();
  await card.getByText('Событие снова в очереди').waitFor();
  await rx.until(3, 'the redelivery');
  assert.equal(rx.got[2].json.id, first.json.id);
  assert.ok(verify(secret, rx.got[2].headers['otklik-signature'], rx.got[2].body));
  await until(async () => (await card.locator('li[data-delivery][data-state="delivered"]').count()) === 2, 'the redelivery in the log');

  // «Проверить»: a webhook.test to this endpoint.
  await card.getByRole('button', { name: 'Проверить' }).click();
  await card.getByText('Тестовое событие ушло').waitFor();
  await rx.until(4, 'the test event');
  assert.equal(rx.got[3].json.type, 'webhook.test');
  assert.ok(verify(secret, rx.got[3].headers['otklik-signature'], rx.got[3].body));
  await card.locator('li[data-delivery]').filter({ hasText: 'Проверка связи' }).filter({ hasText: 'доставлено' }).waitFor();

  // Twenty more deliveries (redelivered over REST): the log shows the newest twenty and «Показать ещё» the rest.
  const owner = await login(srv.url, demo.email, demo.password);
  const hook = await card.getAttribute('data-hook');
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${srv.url}/api/v1/webhooks/${hook}/deliveries/${await row.first().getAttribute('data-delivery')}/redeliver`,
      { method: 'POST', headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf } });
    assert.equal(r.status, 202);
  }
  await rx.until(24, 'the twenty redeliveries');
  const rows = card.locator('li[data-delivery]');
  await until(async () => (await rows.count()) === 20 && (await card.locator('li[data-delivery][data-state="pending"]').count()) === 0,
    'the newest twenty in the log');
  await card.getByRole('button', { name: 'Показать ещё' }).click();
  await until(async () => (await rows.count()) === 23, 'all 23 deliveries after «Показать ещё»');
  assert.equal(await card.getByRole('button', { name: 'Показать ещё' }).count(), 0);
  const ids = await rows.evaluateAll((li) => li.map((x) => Number(x.dataset.delivery)));
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  assert.equal(new Set(ids).size, 23);
  v.close();
  await ctx.close();
});

test('a receiver that answers 410 turns its endpoint off with a notice; «Включить снова» turns it back on', async () => {
  const { ctx, page } = await consolePage(demo.email);
  await openIntegrations(page);
  await page.getByRole('button', { name: '+ Новый адрес' }).click();
  const form = page.locator('form.wh-form');
  await form.getByLabel('Куда отправлять').fill(gone.url + '?<b>x</b>');
  await form.getByRole('checkbox', { name: /Новая заявка/ }).check();
  await form.getByRole('button', { name: 'Добавить' }).click();
  const card = page.locator('li[data-hook]').filter({ hasText: gone.url });
  await card.getByText('Готово!').waitFor();
  assert.equal(await card.locator('.wh-url').textContent(), gone.url + '?<b>x</b>', 'an address is shown as text');
  assert.equal(await card.locator('.wh-url b').count(), 0);

  await card.getByRole('button', { name: 'Проверить' }).click();
  await gone.until(1, 'the test event at the 410 receiver');
  const notice = card.locator('.wh-notice');
  await notice.getByText('410 Gone').waitFor({ timeout: 15000 });  // the list refreshes itself every few seconds
  if (shots) await page.screenshot({ path: path.join(shots, 'hooks-stopped.png') });
  await card.getByText('остановлен сервером').waitFor();
  assert.equal(await card.getByRole('button', { name: 'Проверить' }).isDisabled(), true);
  await notice.getByRole('button', { name: 'Включить снова' }).click();
  await notice.waitFor({ state: 'detached' });
  await card.getByText('работает').waitFor();

  // Edited: one more event, kept in the documented order.
  await card.getByRole('button', { name: 'Изменить' }).click();
  const edit = card.locator('form.wh-form');
  await edit.getByRole('checkbox', { name: /Начался разговор/ }).check();
  await edit.getByRole('button', { name: 'Сохранить' }).click();
  await edit.waitFor({ state: 'detached' });
  assert.deepEqual(await card.locator('.chip').allTextContents(), ['Начался разговор', 'Новая заявка']);

  // Deleting asks first.
  page.once('dialog', (d) => d.accept());
  await card.getByRole('button', { name: 'Удалить' }).click();
  await card.waitFor({ state: 'detached' });
  assert.equal(await page.locator('li[data-hook]').count(), 1);
  await ctx.close();
});

test('the owner makes an API token for one chosen site: shown once, listed with its site, working for that site only', async () => {
  const { ctx, page } = await consolePage(demo.email);
  await openIntegrations(page);
  await page.getByRole('button', { name: '+ Новый токен' }).click();
  const form = page.locator('form.tk-form');
  await form.getByLabel('Название').fill('CRM велосипедов');
  await form.getByLabel('читать и менять').check();
  await form.getByLabel('Только выбранные').check();
  await form.getByRole('button', { name: 'Создать токен' }).click();
  await form.getByRole('alert').filter({ hasText: 'хотя бы один сайт' }).waitFor();
  await form.getByLabel('Demo bikes').check();
  await form.getByRole('button', { name: 'Создать токен' }).click();
  await form.waitFor({ state: 'detached' });
  const row = page.locator('li[data-token]').filter({ hasText: 'CRM велосипедов' });
  const secret = (await row.locator('[data-secret]').textContent()).trim();
  assert.match(secret, /^otk_/);
  assert.equal(await row.locator('[data-sites]').textContent(), 'Сайты: Demo bikes');
  await row.getByText('читать и менять').waitFor();
  if (shots) await page.screenshot({ path: path.join(shots, 'hooks-tokens.png'), fullPage: true });

  const me = await (await fetch(`${srv.url}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } })).json();
  assert.deepEqual(me.sites.map((s) => s.key), ['demo-bikes']);

  // Shown once: after a reload the list has the token's sites but not the token.
  await page.reload();
  await openIntegrations(page);
  const again = page.locator('li[data-token]').filter({ hasText: 'CRM велосипедов' });
  await again.locator('[data-sites]').getByText('Demo bikes').waitFor();
  assert.equal(await again.locator('[data-secret]').count(), 0);
  page.once('dialog', (d) => d.accept());
  await again.getByRole('button', { name: 'Отозвать' }).click();
  await again.getByText('отозван', { exact: true }).waitFor();
  assert.equal((await fetch(`${srv.url}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } })).status, 401);
  await ctx.close();
});
