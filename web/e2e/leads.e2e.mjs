// Leads in two browsers: nobody is online, so the widget honestly offers to leave contacts; the visitor does,
// and the lead is in the console with where they came from, ready to be worked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, demo } from './fixture.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await srv?.stop(); });

const shots = process.env.OTK_SHOTS;  // a directory: save screenshots there to look at them

test('with nobody online the widget offers the form; the lead reaches the console and is worked there', async () => {
  const v = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await v.goto(`${srv.url}/demo/shop?utm_source=newsletter&utm_campaign=autumn`);
  await v.getByRole('button', { name: 'Открыть чат' }).click();
  await v.getByRole('textbox').fill('Есть ли плед «Облако» 200×220?');
  await v.keyboard.press('Enter');
  const offer = v.getByRole('button', { name: 'Оставить контакты' });
  await offer.waitFor();  // no console is connected: no estimate, so contacts are offered
  await offer.click();
  const send = v.locator('.of').getByRole('button', { name: 'Отправить' });
  await send.click();  // nothing filled: the widget asks for a way to reply, nothing is sent
  await v.getByText('Укажите почту или телефон').waitFor();
  await v.getByLabel('Как к вам обращаться').fill('Марина');
  await v.getByLabel('Почта или телефон').fill('marina@');
  await v.getByLabel('Ваш вопрос').fill('Перезвоните, пожалуйста, после 18:00');
  await send.click();
  await v.getByText('Кажется, в адресе почты опечатка').waitFor();  // the server's refusal, said kindly
  await v.getByLabel('Почта или телефон').fill('+7 916 555-12-34');
  if (shots) await v.screenshot({ path: `${shots}/widget-offline-form.png` });
  await send.click();
  await v.getByText('Спасибо! Всё получили и ответим на +7 916 555-12-34.').waitFor();
  if (shots) await v.screenshot({ path: `${shots}/widget-offline-saved.png` });

  const ctx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 800 } });
  const op = await ctx.newPage();
  await op.goto(`${srv.url}/console/`);
  await op.getByLabel('Эл. почта').fill(demo.email);
  await op.getByLabel('Пароль').fill(demo.password);
  await op.getByRole('button', { name: 'Войти' }).click();
  await op.getByRole('button', { name: 'Заявки' }).click();
  const row = op.locator('.row[data-lead]', { hasText: 'Марина' });
  await row.waitFor();
  assert.match(await row.innerText(), /\+79165551234/);
  assert.match(await row.innerText(), /форма/);
  await row.click();
  const card = op.locator('.lead');
  await card.getByText('Перезвоните, пожалуйста, после 18:00').waitFor();
  assert.match(await card.innerText(), /source=newsletter, campaign=autumn/);
  await card.getByRole('combobox').selectOption('in_work');
  await card.locator('.entries li.status').waitFor();
  await card.getByLabel('Заметка к заявке…').fill('Позвонить в 18:30');
  await card.getByRole('button', { name: 'Сохранить' }).click();
  await card.locator('.entries li.note', { hasText: 'Позвонить в 18:30' }).waitFor();
  assert.match(await row.innerText(), /в работе/);
  if (shots) await op.screenshot({ path: `${shots}/console-leads.png` });
  await op.setViewportSize({ width: 390, height: 800 });  // a phone: the card alone, with a way back
  await card.waitFor({ state: 'visible' });
  assert.equal(await row.isVisible(), false);
  if (shots) await op.screenshot({ path: `${shots}/console-leads-mobile.png` });
  await ctx.close();
});

test('a lead left while the console is open appears there at once', async () => {
  const ctx = await browser.newContext({ locale: 'ru-RU' });
  const op = await ctx.newPage();
  await op.goto(`${srv.url}/console/`);
  await op.getByLabel('Эл. почта').fill(demo.email);
  await op.getByLabel('Пароль').fill(demo.password);
  await op.getByRole('button', { name: 'Войти' }).click();
  await op.getByRole('button', { name: 'Заявки' }).click();
  const v = await (await browser.newContext({ viewport: { width: 390, height: 760 } })).newPage();
  await v.goto(`${srv.url}/demo/bikes`);
  await v.getByRole('button', { name: 'Открыть чат' }).click();
  await v.getByRole('textbox').fill('Пишите на oleg@example.ru, подберу велосипед позже');
  await v.keyboard.press('Enter');
  if (shots) await v.screenshot({ path: `${shots}/widget-offer-mobile.png` });
  const row = op.locator('.row[data-lead]', { hasText: 'oleg@example.ru' });
  await row.waitFor();
  assert.match(await row.innerText(), /из чата/);
  await ctx.close();
});
