// Settings → Sites in Chromium, issue #4's "offline form outside hours": the owner creates a site in the console,
// makes today a holiday in the site's zone, copies the embed snippet; a page with that snippet (served here on
// loopback, its origin allowed) shows the offline form; the visitor leaves name, contact and message; the lead is
// in the console's «Заявки».
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, launchBrowser, demo } from './fixture.mjs';

let srv, browser, page;
let snippet = '';
before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
  // The client's site: whatever snippet the owner copied, on a page of its own origin.
  page = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Чайная лавка</title></head>
<body><h1>Чайная лавка</h1><p>Пуэр, улуны и посуда.</p>${snippet}</body></html>`);
  });
  await new Promise((resolve) => page.listen(0, '127.0.0.1', resolve));
});
after(async () => { await browser?.close(); await srv?.stop(); page?.close(); });

const shots = process.env.OTK_SHOTS;

test('the owner makes a site closed today; its page offers the form; the lead reaches «Заявки»', async () => {
  const shopOrigin = `http://127.0.0.1:${page.address().port}`;
  const zone = 'Asia/Vladivostok';
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

  const ctx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 800 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  const op = await ctx.newPage();
  await op.goto(`${srv.url}/console/`);
  await op.getByLabel('Эл. почта').fill(demo.email);
  await op.getByLabel('Пароль').fill(demo.password);
  await op.getByRole('button', { name: 'Войти' }).click();
  await op.getByRole('button', { name: 'Настройки' }).click();
  assert.equal(await op.locator('.settings-nav button').first().getAttribute('data-section'), 'sites', 'Sites come first');
  await op.locator('[data-site-form]').first().waitFor();  // the first site is open
  await op.getByRole('button', { name: '+ Новый сайт' }).click();
  const form = op.locator('[data-site-form="new"]');
  await form.waitFor();

  // Bad origins first: the console's own check, then the server's message, each beside the field.
  await form.getByLabel('Ключ сайта').fill('tea-shop');
  await form.getByLabel('Название').fill('Чайная лавка');
  await form.getByLabel('Адреса сайта').fill(`${shopOrigin}/catalog`);
  await form.getByRole('button', { name: 'Создать сайт' }).click();
  const originError = form.locator('[data-error-for="allowed_origins"]');
  await originError.waitFor();
  assert.match(await originError.innerText(), /без пути/);
  await form.getByLabel('Адреса сайта').fill('http://127.0.0.1:99999');
  await form.getByRole('button', { name: 'Создать сайт' }).click();
  await form.locator('[data-error-for="allowed_origins"]', { hasText: '65535' }).waitFor();

  await form.getByLabel('Адреса сайта').fill(shopOrigin);
  await form.getByLabel('Часовой пояс').selectOption(zone);
  await form.getByLabel('Время на первый ответ, с').fill('40');
  assert.ok(await form.getByLabel('Круглосуточно').isChecked());
  await form.getByRole('button', { name: '+ праздник' }).click();
  await form.getByLabel('Праздничный день').fill(today);
  if (shots) await op.screenshot({ path: `${shots}/console-sites-new.png`, fullPage: true });
  await form.getByRole('button', { name: 'Создать сайт' }).click();

  const made = op.locator('[data-site-form="tea-shop"]');
  await made.waitFor();
  await made.getByText('Сайт создан').waitFor();
  const box = made.locator('[data-embed]');
  const shown = await box.inputValue();
  assert.equal(shown, `<script src="${srv.url}/widget.js?site=tea-shop" async></script>`);
  await made.getByRole('button', { name: 'Скопировать код' }).click();
  await made.getByRole('button', { name: 'Скопировано ✓' }).waitFor();
  snippet = await op.evaluate(() => navigator.clipboard.readText());
  assert.equal(snippet, shown, 'the clipboard holds the snippet');
  if (shots) await op.screenshot({ path: `${shots}/console-sites-made.png` });

  // The visitor on the client's page: closed today, so the form, not a pretend live chat.
  const v = await (await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 800 } })).newPage();
  await v.goto(`${shopOrigin}/`);
  await v.getByRole('button', { name: 'Открыть чат' }).click();
  const offer = v.getByRole('button', { name: 'Оставить контакты' });
  const nameField = v.getByLabel('Как к вам обращаться');
  await offer.or(nameField).first().waitFor();
  if (await offer.isVisible()) await offer.click();
  await nameField.fill('Вера');
  await v.getByLabel('Почта или телефон').fill('vera@tea.example');
  await v.getByLabel('Ваш вопрос').fill('Есть ли шэн пуэр 2015 года?');
  if (shots) await v.screenshot({ path: `${shots}/widget-holiday-form.png` });
  await v.locator('.of').getByRole('button', { name: 'Отправить' }).click();
  await v.getByText('Спасибо! Всё получили и ответим на vera@tea.example.').waitFor();

  // The owner now works the new site too: the lead is in «Заявки».
  await op.getByRole('button', { name: 'Заявки' }).click();
  const row = op.locator('.row[data-lead]', { hasText: 'Вера' });
  await row.waitFor();
  assert.match(await row.innerText(), /форма/);
  assert.match(await row.innerText(), /Чайная лавка/i);  // the site, upper-cased by the style
  await ctx.close();
});
