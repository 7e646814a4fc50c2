// The visitor picks a time in the widget's callback form (docs/protocol.md, `callback_slots`): the shop is
// closed today (a holiday), so the form offers the next open slots grouped by day, the first one chosen; the
// visitor picks another, and the widget says when we will call («Позвоним … в 10:30»). The SIP engine runs (the
// form only shows where the server dials) but no call is placed: the request is scheduled.
// OTK_SHOTS=DIR saves the form with its slots (phone size) there as widget-slots.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser, otklikBin } from './fixture.mjs';
import { login } from '../../server/tests/integration/client.mjs';
import { startServerWithSip } from '../../server/tests/integration/sipp.mjs';

const shots = process.env.OTK_SHOTS;
let srv, browser, dir, host;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-slots-'));
  // The shop's own page on another loopback port, embedding the widget as a site does.
  host = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Shop</title><h1>Shop</h1><script src="${srv.url}/widget.js?site=shop" async></script>`);
  });
  await new Promise((r) => host.listen(0, '127.0.0.1', r));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  // A shop closed today and tomorrow, its page served from another loopback port.
  cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', `http://127.0.0.1:${host.address().port}`,
    '--timezone', 'UTC', '--hours', 'mon-sun 10:00-19:00', '--holiday', day(0), '--holiday', day(1));
  cli('user', 'add', '--account', 'Shop', '--email', 'olga@shop.test', '--name', 'Olga', '--site', 'shop',
    '--password', 'secret', '--role', 'owner');
  const file = path.join(dir, 'callback.json');
  writeFileSync(file, JSON.stringify({ enabled: true, region: 'RU', plan: { operators: ['sip:anna@127.0.0.1:9'] },
    trunk: { domain: '127.0.0.1:9' }, fraud: { min_time_on_page_ms: 0 } }));
  cli('callback', 'set', '--site', 'shop', '--settings', file);
  srv = await startServerWithSip({ dataDir: dir, demo: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close(); await srv?.stop();
  host?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('outside hours the visitor picks a slot and is told when we will call', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 760 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${host.address().port}/`);
  await page.getByRole('button', { name: 'Открыть чат' }).click();
  await page.getByRole('button', { name: 'Перезвоните мне' }).click();
  const group = page.getByRole('radiogroup', { name: 'Когда позвонить' });
  await group.waitFor();
  const options = group.getByRole('radio');
  assert.equal(await options.count(), 12, 'three open days, four slots each');
  assert.equal(await options.first().getAttribute('aria-checked'), 'true', 'the first slot is chosen');
  assert.equal(await group.getByRole('radio', { name: 'Сейчас' }).count(), 0, 'closed: no "now"');
  // The team opens at 10:00 UTC; the visitor (in Moscow) reads it in their own time, as the hours line does.
  assert.equal(await options.first().innerText(), '13:00');
  const second = options.nth(1);
  const at = Number(await second.getAttribute('data-at'));
  const hm = await second.innerText();
  await second.click();
  assert.equal(await second.getAttribute('aria-checked'), 'true');
  await page.getByLabel('Ваш номер телефона').fill('+7 916 123-45-67');
  if (shots) await page.screenshot({ path: `${shots}/widget-slots.png` });
  await page.getByRole('button', { name: 'Позвоните мне' }).click();
  const line = page.locator('.of [role=status]');
  await line.filter({ hasText: hm }).waitFor();
  assert.match(await line.innerText(), new RegExp(`^Сейчас мы не работаем\\. Позвоним .+ в ${hm}\\.$`));
  if (shots) await page.screenshot({ path: `${shots}/widget-slots-done.png` });
  const owner = await login(srv.url, 'olga@shop.test', 'secret');
  const calls = (await (await fetch(`${srv.url}/api/v1/callbacks`, { headers: { Cookie: owner.cookie } })).json()).callbacks;
  assert.equal(calls[0].status, 'scheduled');
  assert.equal(calls[0].scheduled_for, at, 'scheduled for the slot picked');
  await ctx.close();
});
