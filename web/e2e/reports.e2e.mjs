// Reports in a real browser against the real server: a visitor from an ad campaign chats, is answered and leaves
// an email; the console's Reports tab then counts the chat, draws it, credits the lead to the campaign and hands out
// the CSV; the monthly statement lists the site with its chats and the operator who served it, and prints without
// the console around it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, demo } from './fixture.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await srv?.stop(); });

const shots = process.env.OTK_SHOTS;  // a directory: save screenshots there to look at them
// The demo sites count their days in Moscow; the console's period and month are the viewer's, so the viewer is there too.
const timezoneId = 'Europe/Moscow';
const campaign = 'pledy-osen';

/** Whether a canvas has any pixel drawn on it. */
const painted = (canvas) => {
  const ctx = canvas.getContext('2d');
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
};

test('a campaign visitor chats and leaves an email; the report, its chart, the CSV and the statement show it', async () => {
  const opCtx = await browser.newContext({ locale: 'ru-RU', timezoneId, viewport: { width: 1280, height: 800 } });
  const op = await opCtx.newPage();
  await op.goto(`${srv.url}/console/`);
  await op.getByLabel('Эл. почта').fill(demo.email);
  await op.getByLabel('Пароль').fill(demo.password);
  await op.getByRole('button', { name: 'Войти' }).click();
  await op.getByRole('button', { name: 'Выйти' }).waitFor();

  const vCtx = await browser.newContext({ timezoneId, viewport: { width: 1280, height: 800 } });
  const v = await vCtx.newPage();
  await v.goto(`${srv.url}/demo/shop?utm_source=yandex&utm_medium=cpc&utm_campaign=${campaign}`);
  await v.getByRole('button', { name: 'Открыть чат' }).click();
  await v.getByRole('textbox').fill('Здравствуйте! Плед «Облако» бывает в сером?');
  await v.keyboard.press('Enter');

  const row = op.locator('.row', { hasText: 'Плед «Облако» бывает в сером?' });
  await row.click();
  await op.getByLabel('Ответ посетителю…').fill('Да, серый есть, отправим завтра.');
  await op.keyboard.press('Enter');
  await v.locator('.b.op', { hasText: 'Да, серый есть' }).waitFor();
  await v.getByRole('textbox').fill('Отлично, пришлите счёт на marina@example.ru');
  await v.keyboard.press('Enter');

  // The lead is in the list, from the chat.
  await op.getByRole('button', { name: 'Заявки' }).click();
  const lead = op.locator('.row[data-lead]', { hasText: 'marina@example.ru' });
  await lead.waitFor();
  assert.match(await lead.innerText(), /из чата/);

  // The report: cards, the daily chart drawn on a canvas, the campaign credited with the lead.
  await op.locator('[data-tab="reports"]').click();
  const started = op.locator('.rp-card[data-card="started"] .rp-value');
  await started.waitFor();
  assert.ok(Number(await started.innerText()) >= 1, 'started');
  assert.ok(Number(await op.locator('.rp-card [data-figure="answered"]').innerText()) >= 1, 'answered');
  assert.ok(Number(await op.locator('.rp-card[data-card="leads"] .rp-value').innerText()) >= 1, 'leads');
  const daily = op.locator('.rp-chart', { hasText: 'Чаты по дням' });
  const canvas = daily.locator('.rp-canvas canvas');
  await canvas.waitFor();
  assert.ok(await canvas.evaluate(painted), 'the daily chart is drawn');
  assert.ok((await daily.locator('table[data-table="days"] tbody tr').count()) >= 28, 'a row a day, the last 30 days');
  const credited = op.locator(`table[data-table="campaigns"] tr[data-campaign="${campaign}"]`);
  await credited.waitFor();
  assert.equal(await credited.locator('td[data-leads]').innerText(), '1');
  assert.match(await credited.innerText(), /yandex/);
  await op.locator('.rp-chart', { hasText: 'рекламные кампании' }).locator('canvas').waitFor();
  assert.match(await op.locator('table[data-table="operators"]').innerText(), /Демо Оператор/);
  if (shots) await op.screenshot({ path: `${shots}/console-reports.png`, fullPage: true });

  // The CSV link carries the same filter and downloads a UTF-8 file with a BOM (Excel reads the Cyrillic right).
  const csv = op.locator('a.rp-csv');
  assert.match(await csv.getAttribute('href'), /^\/api\/v1\/reports\.csv\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d/);
  const [download] = await Promise.all([op.waitForEvent('download'), csv.click()]);
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.ok(bytes.length > 3);

  // A narrower filter: one site.
  await op.locator('.rp-bar').getByLabel('Сайт').selectOption({ label: 'Demo shop' });
  await op.locator('.rp-title', { hasText: 'Demo shop' }).waitFor();
  assert.ok(Number(await started.innerText()) >= 1);

  // The statement: the site with its chats and the operator who served it.
  await op.getByRole('button', { name: /Выписка по сайтам/ }).click();
  const shop = op.locator('tbody.st-site', { hasText: 'Demo shop' });
  await shop.waitFor();
  assert.ok(Number(await shop.locator('[data-figure="chats"]').innerText()) >= 1, 'statement chats');
  assert.ok(Number(await shop.locator('[data-figure="leads"]').innerText()) >= 1, 'statement leads');
  assert.match(await shop.locator('.st-ops').innerText(), /Демо Оператор/);
  assert.match(await op.locator('.st-head h2').innerText(), /Выписка за/);
  assert.match(await op.locator('a.rp-csv').getAttribute('href'), /^\/api\/v1\/statements\.csv\?month=\d{4}-\d\d/);
  if (shots) await op.screenshot({ path: `${shots}/console-statement.png`, fullPage: true });

  // Printed, it is a clean document: no tabs, no buttons, the heading and the table stay.
  await op.emulateMedia({ media: 'print' });
  assert.equal(await op.locator('nav.tabs').isVisible(), false);
  assert.equal(await op.getByRole('button', { name: 'Печать' }).isVisible(), false);
  assert.equal(await op.locator('.st-head h2').isVisible(), true);
  assert.equal(await shop.isVisible(), true);
  if (shots) await op.screenshot({ path: `${shots}/console-statement-print.png`, fullPage: true });
  await op.emulateMedia({ media: 'screen' });
  assert.equal(await op.locator('nav.tabs').isVisible(), true);

  // A phone: the report's cards, chart and tables fit the width.
  await op.getByRole('button', { name: /К отчётам/ }).click();
  await op.setViewportSize({ width: 390, height: 844 });
  await started.waitFor();
  await canvas.waitFor();
  const overflow = await op.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  if (shots) await op.screenshot({ path: `${shots}/console-reports-mobile.png`, fullPage: true });
  await vCtx.close();
  await opCtx.close();
});

test('a plain operator sees the reports but not the statement, and the server refuses it to them too', async () => {
  const ctx = await browser.newContext({ locale: 'ru-RU', timezoneId });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/console/`);
  await page.getByLabel('Эл. почта').fill('anna@example.com');
  await page.getByLabel('Пароль').fill(demo.password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.locator('[data-tab="reports"]').click();
  await page.locator('.rp-card[data-card="started"]').waitFor();
  assert.equal(await page.locator('[data-open-statement]').count(), 0);
  const status = await page.evaluate(async () => (await fetch('/api/v1/statements?month=2026-11')).status);
  assert.equal(status, 403);
  await ctx.close();
});
