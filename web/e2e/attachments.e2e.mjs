// Attachments end to end, in Chromium against the real server: a visitor on a shop of another origin (the widget
// then uploads and downloads across origins, with CORS and its token) attaches an image with a hostile name; the
// operator sees the thumbnail in the console and opens it; the operator sends a PDF from the console and the
// visitor sees it in the widget and saves it.
// Screenshots of both sides (desktop and a 390x844 phone) go to OTK_SHOTS (default /tmp), as attach-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, demo, png } from './fixture.mjs';

const shots = process.env.OTK_SHOTS || tmpdir();
const hostile = '<img src=x onerror="window.__xss=1">фото.png';
const pdfName = 'Счёт №5 для заказа.pdf';
const pdf = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n', 'latin1');

let srv, browser, pages, pageOrigin, confDir;

before(async () => {
  pages = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Магазин велосипедов</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui;margin:24px"><h1>Магазин велосипедов</h1><p>Чат на странице другого адреса.</p>
<script src="${srv.url}/widget.js?site=demo-shop"></script></body></html>`);
  });
  await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${pages.address().port}`;
  confDir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-attach-'));
  const conf = path.join(confDir, 'otklik.toml');
  writeFileSync(conf, `[demo]\norigins = ["${pageOrigin}"]\n`);
  srv = await startServer({ extraArgs: ['--config', conf] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  pages?.closeAllConnections();
  pages?.close();
  if (confDir) rmSync(confDir, { recursive: true, force: true });
});

test('an image from the widget opens in the console; a PDF from the console reaches the widget', async () => {
  // The visitor, on the shop's own origin.
  const vctx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const w = await vctx.newPage();
  const dialogs = [];
  w.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await w.goto(pageOrigin + '/');
  await w.getByRole('button', { name: 'Открыть чат' }).click();
  await w.getByLabel('Напишите сообщение…').fill('Здравствуйте! Вот фото поломки');
  await w.keyboard.press('Enter');
  await w.locator('.b.me', { hasText: 'Вот фото поломки' }).locator('small', { hasText: ':' }).waitFor();
  const photo = png(320, 200, [40, 140, 90]);
  await w.locator('input[type=file]').setInputFiles({ name: hostile, mimeType: 'image/png', buffer: photo });
  const sent = w.locator('.b.me img');
  await sent.waitFor();
  await w.waitForFunction(() => {
    const img = document.querySelector('[data-otklik]').shadowRoot.querySelector('.b.me img');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.match(await sent.getAttribute('alt'), /^<img src=x onerror="window\.__xss=1">фото\.png$/,
    'the hostile name is kept as text (alt), never parsed');
  assert.match(await sent.getAttribute('src'), /^blob:/, 'shown from a blob fetched with the visitor token');

  // The operator's console: the thumbnail loads, and clicking it opens the image.
  const octx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const c = await octx.newPage();
  c.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await c.goto(`${srv.url}/console/`);
  await c.getByLabel('Эл. почта').fill(demo.email);
  await c.getByLabel('Пароль').fill(demo.password);
  await c.getByRole('button', { name: 'Войти' }).click();
  await c.locator('.row', { hasText: '[файл:' }).click();
  const thumb = c.locator('.msg.them .att-image img');
  await thumb.waitFor();
  await c.waitForFunction(() => {
    const img = document.querySelector('.msg.them .att-image img');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.equal(await c.evaluate(() => document.querySelector('.msg.them .att-image img').naturalWidth), 320);
  assert.equal(await c.locator('.msg.them .att-name').innerText(), hostile);
  const [opened] = await Promise.all([octx.waitForEvent('page'), c.locator('.msg.them .att-image').click()]);
  await opened.waitForLoadState();
  assert.match(opened.url(), /\/api\/v1\/attachments\/[0-9a-f]{32}$/);
  assert.equal(await opened.evaluate(() => document.contentType), 'image/png');
  await opened.waitForFunction(() => document.images[0]?.complete && document.images[0].naturalWidth === 320);
  const response = await octx.request.get(opened.url());
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /sandbox/);
  assert.ok(Buffer.from(await response.body()).equals(photo), 'the operator opens the very bytes the visitor sent');
  await opened.close();

  // The operator answers with a PDF from the console.
  await c.locator('[data-attach-input]').setInputFiles({ name: pdfName, mimeType: 'application/pdf', buffer: pdf });
  await c.locator('.msg.us .att-file', { hasText: pdfName }).waitFor();
  const [consoleDownload] = await Promise.all([c.waitForEvent('download'), c.locator('.msg.us .att-file').click()]);
  assert.equal(consoleDownload.suggestedFilename(), pdfName);
  await c.screenshot({ path: path.join(shots, 'attach-console-desktop.png') });

  // The visitor sees it in the widget and saves it under its name.
  const file = w.locator('.b.op .af', { hasText: pdfName });
  await file.waitFor();
  assert.match(await file.innerText(), /PDF/);
  await w.waitForFunction(() => {
    const a = document.querySelector('[data-otklik]').shadowRoot.querySelector('.b.op a.at');
    return a && a.href.startsWith('blob:');
  });
  const [download] = await Promise.all([w.waitForEvent('download'), w.locator('.b.op a.at').click()]);
  assert.equal(download.suggestedFilename(), pdfName);
  assert.ok(readFileSync(await download.path()).equals(pdf), 'the visitor saves the very bytes the operator sent');

  await w.screenshot({ path: path.join(shots, 'attach-widget-desktop.png') });
  await w.setViewportSize({ width: 390, height: 844 });
  await w.waitForTimeout(200);
  await w.screenshot({ path: path.join(shots, 'attach-widget-mobile.png') });
  await c.getByRole('button', { name: 'Скрыть карточку' }).click();  // on a phone the card covers the chat
  await c.setViewportSize({ width: 390, height: 844 });
  await c.waitForTimeout(200);
  await c.locator('.messages').evaluate((e) => { e.scrollTop = e.scrollHeight; });
  await c.screenshot({ path: path.join(shots, 'attach-console-mobile.png') });

  // A refused type says so in words, and nothing of a hostile name ever ran.
  await w.setViewportSize({ width: 1280, height: 800 });
  await w.locator('input[type=file]').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=2"/>') });
  await w.getByText('Можно прислать картинку (PNG, JPEG, GIF, WebP) или PDF.').waitFor();
  assert.equal(await w.evaluate(() => window.__xss), undefined);
  assert.equal(await c.evaluate(() => window.__xss), undefined);
  assert.deepEqual(dialogs, []);
  await vctx.close();
  await octx.close();
});
