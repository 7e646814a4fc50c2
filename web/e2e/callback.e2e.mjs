// Instant callback in a real browser: the visitor opens the widget on the demo shop, asks to be called, and
// watches the call go through (an operator phone and the visitor's phone are SIPp on loopback).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser, otklikBin, demo } from './fixture.mjs';
import { sipp, startServerWithSip, callbackSettings } from '../../server/tests/integration/sipp.mjs';

const shots = process.env.OTK_SHOTS;
let srv, browser, dir, op, phone;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-callback-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  // The demo's shop, with callback switched on (the demo seeding keeps the site and these settings).
  cli('site', 'add', '--account', 'Demo agency', '--key', 'demo-shop', '--name', 'Demo shop', '--origin', 'http://127.0.0.1');
  op = await sipp(dir, 'operator', 'op_answer_hangup.xml');
  phone = await sipp(dir, 'visitor', 'visitor_answer.xml');
  const file = path.join(dir, 'callback.json');
  writeFileSync(file, callbackSettings({ operatorPort: op.port, trunkPort: phone.port }));
  cli('callback', 'set', '--site', 'demo-shop', '--settings', file);
  srv = await startServerWithSip({ dataDir: dir });
  browser = await launchBrowser();
});
after(async () => {
  op?.proc.kill('SIGKILL'); phone?.proc.kill('SIGKILL');
  await browser?.close(); await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the visitor asks for a call in the widget, sees it progress, and the call connects', async () => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 760 } })).newPage();
  await page.goto(`${srv.url}/demo/shop`);
  await page.getByRole('button', { name: 'Открыть чат' }).click();
  await page.getByRole('button', { name: 'Перезвоните мне' }).click();
  const number = page.getByLabel('Ваш номер телефона');
  assert.equal(await number.inputValue(), '+7 ', 'the country code is preset');
  await number.fill('+7 (916) 123-45-67');
  if (shots) await page.screenshot({ path: `${shots}/widget-callback-form.png` });
  await page.getByRole('button', { name: 'Позвоните мне' }).click();
  await page.getByText('Звонок завершён. Появятся вопросы — пишите, мы рядом.').waitFor({ timeout: 20000 });
  if (shots) await page.screenshot({ path: `${shots}/widget-callback-done.png` });
  assert.equal(await op.done, 0, op.errors());
  assert.equal(await phone.done, 0, phone.errors());
});

test('a second request for the same number is refused politely, and the visitor can try another', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${srv.url}/demo/shop`);
  await page.getByRole('button', { name: 'Открыть чат' }).click();
  await page.getByRole('button', { name: 'Перезвоните мне' }).click();
  await page.getByLabel('Ваш номер телефона').fill('+7 916 123 45 67');
  await page.getByRole('button', { name: 'Позвоните мне' }).click();
  const refusal = page.locator('.of [role=status]');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /звон/i);
  await page.getByRole('button', { name: 'Заказать ещё раз' }).click();
  await page.getByLabel('Ваш номер телефона').waitFor();
});

test('the console lists the calls live, with each leg of a call on its card', async () => {
  // The demo shop's zone: the console's month is the viewer's, the statement puts a call in its site's month.
  const ctx = await browser.newContext({ locale: 'ru-RU', timezoneId: 'Europe/Moscow', viewport: { width: 1280, height: 800 } });
  const op = await ctx.newPage();
  await op.goto(`${srv.url}/console/`);
  await op.getByLabel('Эл. почта').fill(demo.email);
  await op.getByLabel('Пароль').fill(demo.password);
  await op.getByRole('button', { name: 'Войти' }).click();
  await op.getByRole('button', { name: 'Звонки' }).click();
  const statement = op.locator('.statement tbody tr', { hasText: 'Demo shop' });
  await statement.waitFor();
  assert.match(await statement.innerText(), /Demo shop\s+2\s+1\s+1\s+1,50/);
  const done = op.locator('.row[data-callback]', { hasText: 'состоялся' });
  await done.waitFor();
  assert.match(await done.innerText(), /\+79161234567/);
  await done.click();
  const legs = op.locator('.legs tbody tr');
  await legs.first().waitFor();
  assert.equal(await legs.count(), 2);
  assert.match(await legs.nth(0).innerText(), /оператор 1 · ответил/);
  assert.match(await legs.nth(1).innerText(), /посетитель · ответил/);
  assert.match(await op.locator('.lead').innerText(), /К оплате\s+30 с/);
  await op.getByRole('button', { name: 'Больше не звонить на этот номер' }).click();
  await op.getByText('Номер в чёрном списке сайта.').waitFor();
  // A new request while the list is open appears at once, refused or not.
  const v = await (await browser.newContext()).newPage();
  await v.goto(`${srv.url}/demo/shop`);
  await v.getByRole('button', { name: 'Открыть чат' }).click();
  await v.getByRole('button', { name: 'Перезвоните мне' }).click();
  await v.getByLabel('Ваш номер телефона').fill('+7 000 000 00 00');
  await v.getByRole('button', { name: 'Позвоните мне' }).click();
  await op.locator('.row[data-callback]', { hasText: 'неверный номер' }).waitFor();
  if (shots) await op.screenshot({ path: `${shots}/console-calls.png` });
  await ctx.close();
});
