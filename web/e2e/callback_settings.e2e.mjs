// Settings → «Обратный звонок» in Chromium against the real server (demo data, no SIP: the page says the server
// does not dial). The owner's trunk password is set through the REST API first; the page never shows it (the field
// stays empty and says «пароль сохранён»), and saving the form without touching the field keeps it. The owner
// edits the operators' SIP URIs and the price per minute (typed in roubles), saves, reloads and sees them; a wrong
// value shows the server's reason; a number goes on the opt-out list and comes off it.
// OTK_SHOTS=DIR saves screenshots of the section (desktop and phone) there as callback-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer, launchBrowser, demo, consoleLogin } from './fixture.mjs';
import { login } from '../../server/tests/integration/client.mjs';

const shots = process.env.OTK_SHOTS;
if (shots) mkdirSync(shots, { recursive: true });
const desktop = { viewport: { width: 1280, height: 800 }, locale: 'ru-RU' };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ru-RU' };
const PASSWORD = 'Trunk-Pa55-e2e';

let srv, browser, owner;
const api = (method, p, body) => fetch(`${srv.url}${p}`, { method, body: body && JSON.stringify(body),
  headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf, 'Content-Type': 'application/json' } });

before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
  owner = await login(srv.url);
  const res = await api('PUT', '/api/v1/sites/demo-shop/callback', {
    enabled: true, region: 'RU',
    plan: { operators: ['sip:anna@pbx.example.ru'], strategy: 'in_turn' },
    trunk: { domain: 'sip.trunk.example', username: 'shop', password: PASSWORD, caller_id: '+74951234567' },
    billing: { per_minute: 300, first_seconds: 60, step_seconds: 60 },
  });
  assert.equal(res.status, 200, await res.text());
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const consolePage = (options = desktop) => consoleLogin(browser, srv.url, { context: options, timeout: 10000 });

/** Settings, its «Обратный звонок» section, the demo shop picked. */
async function openCallback(page) {
  await page.locator('[data-tab="settings"]').click();
  await page.locator('[data-section="callback"]').click();
  // The section shows the first site's form; the demo shop's is picked in the site list (rendered with the bar,
  // after the click: wait for the bar, then for the shop's own form, not whichever form is up first).
  await page.locator('.callback-settings .eg-bar').waitFor();
  const select = page.locator('.callback-settings .eg-bar select');
  if (await select.count()) {
    const shop = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()).then((b) => b.sites.find((s) => s.key === 'demo-shop').id));
    await select.selectOption(String(shop));
  }
  await page.locator('form[data-site="demo-shop"] [data-field="plan.operators"]').waitFor();
}

test('the owner edits the operators and the price, reloads and sees them; the password is never shown', async () => {
  const { ctx, page } = await consolePage();
  await openCallback(page);
  await page.locator('[data-no-sip]').waitFor();  // the demo server runs without --sip
  const pw = page.locator('[data-field="trunk.password"]');
  assert.equal(await pw.inputValue(), '', 'the password field is empty');
  assert.equal(await pw.getAttribute('type'), 'password');
  assert.match(await page.locator('[data-password-state]').innerText(), /пароль сохранён/);
  assert.ok(!(await page.content()).includes(PASSWORD), 'the password is nowhere in the page');
  assert.equal(await page.locator('[data-field="billing.per_minute"]').inputValue(), '3,00', 'kopecks shown as roubles');

  // A wrong value: the server's reason, naming the field.
  await page.locator('[data-field="plan.operators"]').fill('http://not-sip.example');
  await page.getByRole('button', { name: 'Сохранить' }).click();
  await page.locator('[data-save-status][role="alert"]').filter({ hasText: 'plan.operator_uris[0]' }).waitFor();

  await page.locator('[data-field="plan.operators"]').fill('sip:anna@pbx.example.ru\nsip:boris@pbx.example.ru');
  await page.locator('[data-field="billing.per_minute"]').fill('2,50');
  await page.getByRole('button', { name: 'Сохранить' }).click();
  await page.locator('[data-save-status]').filter({ hasText: 'Сохранено' }).waitFor();

  const stored = await (await api('GET', '/api/v1/sites/demo-shop/callback')).json();
  assert.deepEqual(stored.settings.plan.operators, ['sip:anna@pbx.example.ru', 'sip:boris@pbx.example.ru']);
  assert.equal(stored.settings.billing.per_minute, 250, 'stored in kopecks');
  assert.equal(stored.settings.trunk.has_password, true, 'saving without typing a password keeps it');

  if (shots) await page.screenshot({ path: `${shots}/callback-desktop.png`, fullPage: false });
  await page.reload();
  await page.getByRole('button', { name: 'Выйти' }).waitFor();
  await openCallback(page);
  assert.equal(await page.locator('[data-field="plan.operators"]').inputValue(), 'sip:anna@pbx.example.ru\nsip:boris@pbx.example.ru');
  assert.equal(await page.locator('[data-field="billing.per_minute"]').inputValue(), '2,50');
  assert.equal(await page.locator('[data-field="trunk.password"]').inputValue(), '');
  assert.ok(!(await page.content()).includes(PASSWORD));
  await ctx.close();
});

test('a number goes on the opt-out list and comes off it', async () => {
  const { ctx, page } = await consolePage();
  await openCallback(page);
  await page.locator('[data-optout-number]').fill('8 916 765-43-21');
  await page.getByRole('button', { name: 'Добавить' }).click();
  await page.locator('[data-optout="+79167654321"]').waitFor();
  const listed = await (await api('GET', '/api/v1/callbacks/optout')).json();
  assert.deepEqual(listed.optouts.map((o) => o.number), ['+79167654321']);
  page.once('dialog', (d) => d.accept());
  await page.locator('[data-optout="+79167654321"]').getByRole('button', { name: 'Удалить' }).click();
  await page.locator('[data-optout="+79167654321"]').waitFor({ state: 'detached' });
  assert.deepEqual((await (await api('GET', '/api/v1/callbacks/optout')).json()).optouts, []);
  await ctx.close();
});

test('on a phone the section fits the screen', async () => {
  const { ctx, page } = await consolePage(phone);
  await openCallback(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
  if (shots) await page.screenshot({ path: `${shots}/callback-phone.png`, fullPage: false });
  await ctx.close();
});
