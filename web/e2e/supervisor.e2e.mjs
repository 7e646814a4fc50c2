// The supervisor's "All chats" in Chromium: the demo's owner watches while Anna (an operator) holds a chat she
// has not answered in time. The owner sees it highlighted, joins it (the visitor reads who came), whispers to
// Anna (her console highlights it; the visitor never sees it) and takes the chat over. Anna has no such view.
// Screenshots (desktop and a 390x844 phone) go to OTK_SHOTS when it is set, as supervisor-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, demo, consoleLogin } from './fixture.mjs';

const shots = process.env.OTK_SHOTS;
let srv, browser, confDir;
before(async () => {
  confDir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-supervisor-'));
  writeFileSync(path.join(confDir, 'otklik.toml'), '[auth]\nlogin_per_minute = 100\n[desk]\nfirst_response_seconds = 2\n');
  srv = await startServer({ extraArgs: ['--config', path.join(confDir, 'otklik.toml')] });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await srv?.stop(); rmSync(confDir, { recursive: true, force: true }); });

const consolePage = (email, viewport = { width: 1280, height: 800 }) =>
  consoleLogin(browser, srv.url, { email, context: { locale: 'ru-RU', viewport } });

test('the owner sees Anna\'s late chat highlighted, joins, whispers and takes it over', async () => {
  const boss = await consolePage(demo.email);
  // The owner steps away, so the chat goes to Anna.
  await boss.page.getByLabel('Статус').selectOption('away');
  await boss.page.getByText('Новые разговоры вам не придут').waitFor();
  const anna = await consolePage('anna@example.com');
  assert.equal(await anna.page.locator('[data-tab="all"]').count(), 0, 'a plain operator has no "All chats"');

  const v = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const vp = await v.newPage();
  await vp.goto(`${srv.url}/demo/shop`);
  await vp.getByRole('button', { name: 'Открыть чат' }).click();
  await vp.getByRole('dialog').waitFor();
  await vp.getByRole('textbox').fill('Здравствуйте, есть кто-нибудь? Жду уже долго.');
  await vp.keyboard.press('Enter');
  await anna.page.locator('.row', { hasText: 'Жду уже долго' }).locator('.owner.mine').waitFor();

  await boss.page.locator('[data-tab="all"]').click();
  await boss.page.locator('.sv-row', { hasText: 'Жду уже долго' }).waitFor();
  // The row by its conversation: its preview changes as the chat goes on.
  const conversation = await boss.page.locator('.sv-row', { hasText: 'Жду уже долго' }).getAttribute('data-sv-conversation');
  const row = boss.page.locator(`.sv-row[data-sv-conversation="${conversation}"]`);
  assert.match(await row.locator('.sv-op').innerText(), /Анна Смирнова/);
  // Past the first-response time (2 s here) it turns red, with how long nobody has answered.
  await row.and(boss.page.locator('.late')).waitFor({ timeout: 10000 });
  assert.match(await row.locator('.sv-badge').innerText(), /^без ответа \d+ с$/);
  assert.equal(await boss.page.locator('.sv-row').first().getAttribute('data-sv-conversation'),
    conversation, 'late chats come first');
  if (shots) {
    await boss.page.screenshot({ path: path.join(shots, 'supervisor-all-desktop.png') });
    await boss.page.setViewportSize({ width: 390, height: 844 });
    await boss.page.screenshot({ path: path.join(shots, 'supervisor-all-mobile.png') });
    await boss.page.setViewportSize({ width: 1280, height: 800 });
  }

  // A whisper to Anna: highlighted in her console, never in the widget.
  await row.getByRole('button', { name: 'Шепнуть' }).click();
  await row.getByRole('textbox').fill('Анна, ответь, пожалуйста: это постоянный покупатель');
  await row.getByRole('button', { name: 'Отправить' }).click();
  await boss.page.getByText('Шёпот отправлен: Анна Смирнова').waitFor();
  await anna.page.locator('.row', { hasText: 'Жду уже долго' }).click();
  const whisper = anna.page.locator('.msg.note.whisper', { hasText: 'постоянный покупатель' });
  await whisper.waitFor();
  assert.match(await whisper.locator('.meta').innerText(), /Шёпот руководителя → Анна Смирнова · Демо Оператор/);
  if (shots) await anna.page.screenshot({ path: path.join(shots, 'supervisor-whisper-desktop.png') });

  // Join: the visitor reads who came; the console opens the chat.
  await row.getByRole('button', { name: 'Подключиться' }).click();
  await vp.locator('[data-otklik] .sys', { hasText: 'К разговору присоединяется руководитель Демо Оператор' }).waitFor();
  await boss.page.locator('.msg.system', { hasText: 'присоединяется руководитель' }).waitFor();
  await boss.page.getByLabel('Ответ посетителю…').fill('Здравствуйте! Простите за ожидание, сейчас поможем.');
  await boss.page.keyboard.press('Enter');
  await vp.locator('.b.op', { hasText: 'Простите за ожидание' }).waitFor();
  assert.ok(!(await vp.locator('[data-otklik]').innerText()).includes('постоянный покупатель'), 'the visitor never sees a whisper');
  if (shots) {
    await vp.screenshot({ path: path.join(shots, 'supervisor-widget-desktop.png') });
    await vp.setViewportSize({ width: 390, height: 844 });
    await vp.screenshot({ path: path.join(shots, 'supervisor-widget-mobile.png') });
  }

  // Reassign from "All chats": the owner is back and takes the chat from Anna.
  await boss.page.getByLabel('Статус').selectOption('online');
  await boss.page.locator('[data-tab="all"]').click();
  await row.waitFor();
  assert.ok(!(await row.getAttribute('class')).includes('late'), 'answered (by the supervisor): no longer late');
  assert.match(await row.locator('.sv-op').innerText(), /Анна Смирнова/, 'the join and the answer left it with Anna');
  await row.locator('[data-sv-transfer]').selectOption({ label: 'Демо Оператор' });
  await row.locator('.sv-op', { hasText: 'у вас' }).waitFor();
  await anna.page.locator(`.row[data-conversation="${conversation}"] .owner`, { hasText: '→ Демо Оператор' }).waitFor();
  assert.equal(await anna.page.getByLabel('Передать разговор').count(), 0, 'no longer hers: Anna cannot hand it over');
  if (shots) {
    await boss.page.setViewportSize({ width: 390, height: 844 });
    await boss.page.screenshot({ path: path.join(shots, 'supervisor-reassigned-mobile.png') });
  }
  await v.close(); await anna.ctx.close(); await boss.ctx.close();
});
