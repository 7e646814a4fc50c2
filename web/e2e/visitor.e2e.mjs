// The widget in headless Chromium against the real server: politeness before interaction, layout on desktop
// and phone, keyboard, style isolation, and resume after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './fixture.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await srv?.stop(); });

const launcher = (page) => page.getByRole('button', { name: 'Открыть чат' });

test('before any interaction the loader fetches nothing more and stores nothing', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${srv.url}/demo/shop`);
  await launcher(page).waitFor();
  await page.waitForTimeout(1000);
  assert.deepEqual(requests.map((u) => new URL(u).pathname + new URL(u).search),
    ['/demo/shop', '/widget.js?site=demo-shop']);
  assert.deepEqual(sockets, []);
  const stored = await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length]);
  assert.deepEqual(stored, ['', 0, 0]);
  assert.deepEqual(await ctx.cookies(), []);
  assert.equal(await launcher(page).getAttribute('aria-expanded'), 'false');
  await ctx.close();
});

test('desktop: a side panel of at most 380×600 that never covers the centre; Esc closes it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/demo/shop`);
  const bodyFont = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  const buttonBg = await page.evaluate(() => getComputedStyle(document.querySelector('.card button')).backgroundColor);
  await launcher(page).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const box = await dialog.boundingBox();
  assert.ok(box.width <= 380 && box.height <= 600, JSON.stringify(box));
  const centre = { x: 640, y: 400 };
  assert.ok(!(box.x <= centre.x && centre.x <= box.x + box.width && box.y <= centre.y && centre.y <= box.y + box.height),
    'the panel covers the centre of the page');
  // Focus is in the text box, and the page's own styles are untouched.
  assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.tagName), 'TEXTAREA');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontFamily), bodyFont);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.card button')).backgroundColor), buttonBg);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('aria-label')), 'Открыть чат');
  await ctx.close();
});

test('phone 390×844: the panel may fill the screen but its close control is reachable', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/demo/bikes`);
  await launcher(page).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const close = page.getByRole('button', { name: 'Свернуть чат' });
  const b = await close.boundingBox();
  assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= 390 && b.y + b.height <= 844, JSON.stringify(b));
  await close.tap();
  await dialog.waitFor({ state: 'hidden' });
  await ctx.close();
});

test('a message is acknowledged, and after a reload it is shown exactly once', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/demo/shop`);
  await launcher(page).click();
  await page.getByRole('textbox').fill('Сколько идёт доставка в Тверь?');
  await page.keyboard.press('Enter');
  const bubble = page.locator('.b.me', { hasText: 'Сколько идёт доставка в Тверь?' });
  await bubble.waitFor();
  await page.waitForFunction(() => {
    const root = document.querySelector('[data-otklik]').shadowRoot;
    return [...root.querySelectorAll('.b.me')].some((b) => b.getAttribute('data-seq') !== '0');
  });
  assert.equal(await bubble.count(), 1);
  assert.ok(await page.evaluate(() => localStorage.getItem('otklik:v:demo-shop')), 'visitor token kept after interaction');
  await page.reload();
  await launcher(page).click();
  await bubble.first().waitFor();
  await page.waitForTimeout(300);
  assert.equal(await bubble.count(), 1);
  await ctx.close();
});
