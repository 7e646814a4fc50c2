// Team settings end to end in Chromium: the demo owner invites someone in «Команда» and copies the link; the person
// opens it in a fresh browser, chooses a password and lands in the desk; the owner adds them to a new department in
// «Отделы» with a routing rule for /developers*; a visitor writing from such a page reaches them; made an admin, they
// see «Настройки» at once; «Отключить» sends
// their console back to the login screen, which then says their access is off.
// OTK_SHOTS=DIR saves screenshots of both sections (desktop and phone) there as team-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, demo, consoleLogin } from './fixture.mjs';
import { visitor } from '../../server/tests/integration/client.mjs';

const shots = process.env.OTK_SHOTS;
if (shots) mkdirSync(shots, { recursive: true });
const desktop = { viewport: { width: 1280, height: 800 }, locale: 'ru-RU' };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ru-RU' };

let srv, browser, dir;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-team-'));
  const conf = path.join(dir, 'otklik.toml');
  writeFileSync(conf, '[auth]\nlogin_per_minute = 100\n');
  srv = await startServer({ extraArgs: ['--config', conf] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ownerConsole = (options = desktop) => consoleLogin(browser, srv.url, { context: options, timeout: 10000 });

async function openSection(page, id) {
  await page.locator('[data-tab="settings"]').click();
  await page.locator(`[data-section="${id}"]`).click();
}

test('invite in the console, accept in a new browser, join a department with a rule, get the matching chat', async () => {
  const { ctx, page } = await ownerConsole();
  await openSection(page, 'team');
  await page.locator('tr[data-operator]').first().waitFor();
  await page.getByRole('button', { name: '+ Пригласить' }).click();
  const form = page.locator('.tm-invite form');
  await form.getByLabel('Эл. почта').fill('nina@example.com');
  await form.getByLabel('Имя').fill('Нина Котова');
  await form.getByRole('button', { name: 'Получить ссылку' }).click();
  const link = await page.locator('.tm-made .tm-link input').inputValue();
  assert.match(link, /\/console\/#invite=[\w-]+$/);
  await page.locator('tr[data-operator]', { hasText: 'Нина Котова' }).getByText('приглашён').waitFor();
  if (shots) await page.screenshot({ path: path.join(shots, 'team-desktop.png'), fullPage: true });

  // Nina opens the link in her own browser, chooses a password and is in.
  const nctx = await browser.newContext(desktop);
  nctx.setDefaultTimeout(10000);
  const nina = await nctx.newPage();
  await nina.goto(link);
  await nina.getByText('Придумайте пароль').waitFor();
  await nina.getByLabel('Пароль', { exact: true }).fill('коротко');
  await nina.getByLabel('Пароль ещё раз').fill('коротко');
  await nina.getByRole('button', { name: 'Сохранить и войти' }).click();
  await nina.getByRole('alert').filter({ hasText: '8 символов' }).waitFor();
  await nina.getByLabel('Пароль', { exact: true }).fill('нина-пароль-1');
  await nina.getByLabel('Пароль ещё раз').fill('нина-пароль-1');
  await nina.getByRole('button', { name: 'Сохранить и войти' }).click();
  await nina.getByRole('button', { name: 'Выйти' }).waitFor();
  assert.ok(!nina.url().includes('invite='), 'the used token leaves the address bar');

  // The owner makes «Разработчикам» on the shop with Nina in it, and a rule for /developers*.
  await openSection(page, 'departments');
  await page.locator('.dp-settings').getByLabel('Сайт').selectOption('demo-shop');
  await page.locator('li[data-department]').first().waitFor();
  await page.getByLabel('Добавить отдел').fill('Разработчикам');
  await page.getByRole('button', { name: '+ Добавить отдел' }).click();
  const card = page.locator('li[data-name="Разработчикам"]');
  await card.getByRole('checkbox', { name: 'Нина Котова' }).check();
  await card.getByRole('button', { name: 'Сохранить' }).click();
  await card.getByText('Сохранено').waitFor();
  await page.getByRole('button', { name: '+ Правило' }).click();
  const rule = page.locator('li[data-rule]').last();  // after the demo's own rule
  await rule.getByLabel('Страница').fill('/developers*');
  await rule.getByLabel('Отправлять в отдел').selectOption({ label: 'Разработчикам' });
  await page.getByRole('button', { name: 'Сохранить правила' }).click();
  const said = page.locator('.rl-sec [role=status], .rl-sec [role=alert]').first();
  await said.waitFor();
  assert.equal(await said.textContent(), 'Сохранено');
  if (shots) await page.screenshot({ path: path.join(shots, 'team-departments-desktop.png'), fullPage: true });

  // A visitor writes from a developers' page: the chat goes to Nina.
  const v = await visitor(srv.url, { site: 'demo-shop', page: { url: `${srv.url}/developers/api`, title: 'API' } });
  v.send({ type: 'send', client_id: 'team-e2e-1', text: 'Как получить ключ API?' });
  await v.pick((f) => f.type === 'ack', 5000, 'ack');
  await v.pick((f) => f.type === 'status' && f.state === 'assigned', 10000, 'assigned');
  await nina.getByText('Как получить ключ API?').first().waitFor();
  const mine = await nina.evaluate(async () => (await (await fetch('/api/v1/conversations')).json()).conversations);
  const conv = mine.find((c) => c.last_message?.text === 'Как получить ключ API?');
  assert.ok(conv, 'Nina sees the conversation');
  assert.deepEqual([conv.department?.name, conv.operator?.name], ['Разработчикам', 'Нина Котова']);
  v.close();

  // Made an admin, Nina gets «Настройки» in the console she has open, without reloading it.
  await openSection(page, 'team');
  const row = page.locator('tr[data-operator]', { hasText: 'Нина Котова' });
  assert.equal(await nina.locator('[data-tab="settings"]').count(), 0, 'an operator has no settings');
  await row.getByRole('button', { name: 'Изменить' }).click();
  await page.locator('.team-settings select[name="role"]').last().selectOption('admin');
  await page.locator('.team-settings').getByRole('button', { name: 'Сохранить' }).click();
  await row.getByText('Администратор').waitFor();
  await nina.locator('[data-tab="settings"]').waitFor();

  // «Отключить»: Nina's console drops to the login screen at once, and her password no longer lets her in.
  page.once('dialog', (d) => d.accept());
  await row.getByRole('button', { name: 'Отключить' }).click();
  await row.getByText('отключён').waitFor();
  await nina.getByRole('button', { name: 'Войти' }).waitFor();
  await nina.getByLabel('Эл. почта').fill('nina@example.com');
  await nina.getByLabel('Пароль').fill('нина-пароль-1');
  await nina.getByRole('button', { name: 'Войти' }).click();
  await nina.getByRole('alert').filter({ hasText: 'доступ отключён' }).waitFor();
  await row.getByRole('button', { name: 'Включить' }).click();
  await row.getByRole('button', { name: 'Отключить' }).waitFor();
  await nctx.close();
  await ctx.close();
});

test('both sections fit a phone', { skip: !shots }, async () => {
  const { ctx, page } = await ownerConsole(phone);
  await openSection(page, 'team');
  await page.locator('tr[data-operator]').first().waitFor();
  await page.screenshot({ path: path.join(shots, 'team-phone.png'), fullPage: true });
  await openSection(page, 'departments');
  await page.locator('li[data-department]').first().waitFor();
  await page.screenshot({ path: path.join(shots, 'team-departments-phone.png'), fullPage: true });
  await ctx.close();
});
