// Hostile text shown inertly: an XSS corpus sent as visitor messages, names, page titles, UTM values, canned
// replies and notes; the console (chats, card, leads) and the widget display it as text and no script runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, demo } from './fixture.mjs';
import { visitor, login, operator } from '../../server/tests/integration/client.mjs';

// Each payload, if it ever ran, would set window.__xss; the test reads it in every page afterwards.
const corpus = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  '<svg onload="window.__xss=3"></svg>',
  '"><iframe srcdoc="<script>parent.__xss=4</script>">',
  'javascript:window.__xss=5',
  '<a href="javascript:window.__xss=6">click</a>',
  '{{constructor.constructor("window.__xss=7")()}}',
  '<details open ontoggle="window.__xss=8">',
  "'-alert(1)-'<style>@import 'x'</style>",
];

let srv, browser;
before(async () => { srv = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await srv?.stop(); });

test('an XSS corpus in messages, names, titles, UTM tags and contacts stays text in the console and the widget', async () => {
  // The hostile visitor arrives with the corpus in the page title and UTM tags, writes it, and leaves it as contacts.
  const title = corpus[1];
  const url = `${srv.url}/demo/shop?utm_source=${encodeURIComponent(corpus[0])}&utm_campaign=${encodeURIComponent(corpus[2])}`;
  const v = await visitor(srv.url, { page: { url, title, referrer: corpus[3] } });
  for (const [i, text] of corpus.entries()) {
    v.send({ type: 'send', client_id: `x${i}`, text });
    await v.pick((f) => f.type === 'ack' && f.client_id === `x${i}`, 5000, 'ack');
  }
  v.send({ type: 'contact', client_id: 'xc', name: corpus[2].slice(0, 90), email: 'x@example.ru', message: corpus[0] });
  await v.type('contact_saved');
  // An operator answers with the corpus too (operators are not trusted with HTML either), and notes it.
  const session = await login(srv.url);
  const op = await operator(srv.url, session);
  const conv = v.frames.find((f) => f.type === 'ack').conversation;
  op.send({ type: 'send', conversation: conv, client_id: 'ox', text: corpus[4] + ' ' + corpus[5] });
  op.send({ type: 'note', conversation: conv, client_id: 'on', text: corpus[7] });
  await op.pick((f) => f.type === 'note', 5000, 'note');

  const ctx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.goto(`${srv.url}/console/`);
  await page.getByLabel('Эл. почта').fill(demo.email);
  await page.getByLabel('Пароль').fill(demo.password);
  await page.getByRole('button', { name: 'Войти' }).click();
  const row = page.locator('.row', { hasText: '<svg onload' });  // the visitor's name, from the contact form
  await row.click();
  await page.locator('.msg.them', { hasText: '<script>window.__xss=1</script>' }).waitFor();
  await page.getByLabel('Заметка для коллег').check();  // notes render too
  await page.locator('.msg.note', { hasText: 'ontoggle' }).waitFor();
  const card = page.getByRole('complementary', { name: 'Карточка посетителя' });
  await card.getByText('Страницы этого визита').waitFor();
  assert.match(await card.innerText(), /onerror/, 'the hostile title is shown as text');
  await page.getByRole('button', { name: 'Заявки' }).click();
  await page.locator('.row[data-lead]').first().click();
  await page.locator('.lead blockquote', { hasText: '<script>' }).waitFor();
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no payload ran in the console');
  assert.equal(await page.locator('.desk img[src="x"], .desk iframe, .desk svg[onload], .desk details').count(), 0,
    'no element was created from a payload');

  // The widget shows the operator's hostile answer as text.
  const w = await (await browser.newContext()).newPage();
  w.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await w.goto(`${srv.url}/demo/shop`);
  await w.evaluate((token) => localStorage.setItem('otklik:v:demo-shop', token), v.welcome.visitor);
  await w.reload();
  await w.getByRole('button', { name: 'Открыть чат' }).click();
  await w.locator('.b.op', { hasText: 'javascript:window.__xss=5' }).waitFor();
  assert.equal(await w.evaluate(() => window.__xss), undefined, 'no payload ran in the widget');
  assert.deepEqual(dialogs, []);
  v.close(); op.close();
  await ctx.close();
});
