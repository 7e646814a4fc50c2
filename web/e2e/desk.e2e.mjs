// The whole product in two browsers: a visitor on the demo shop and an operator in the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, demo, png, consoleLogin } from './fixture.mjs';

let srv, browser, confDir;
before(async () => {
  // Every test logs in anew; more than the default ten logins a minute from one address (the limit itself is
  // tested in the integration tests).
  confDir = mkdtempSync(path.join(tmpdir(), 'otk-e2e-desk-'));
  writeFileSync(path.join(confDir, 'otklik.toml'), '[auth]\nlogin_per_minute = 100\n');
  srv = await startServer({ extraArgs: ['--config', path.join(confDir, 'otklik.toml')] });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await srv?.stop(); rmSync(confDir, { recursive: true, force: true }); });

const consolePage = (email = demo.email) =>
  consoleLogin(browser, srv.url, { email, context: { locale: 'ru-RU', viewport: { width: 1280, height: 800 } } });

async function visitorPage(path = '/demo/shop') {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.url}${path}`);
  await page.getByRole('button', { name: 'Открыть чат' }).click();
  await page.getByRole('dialog').waitFor();
  return { ctx, page };
}

async function say(page, text) {
  await page.getByRole('textbox').fill(text);
  await page.keyboard.press('Enter');
}

test('visitor writes, operator sees it with the site name and answers, visitor sees the answer', async () => {
  const v = await visitorPage();
  await say(v.page, 'Здравствуйте! Плед «Облако» есть в сером?');
  const op = await consolePage();
  const row = op.page.locator('.row', { hasText: 'Здравствуйте! Плед «Облако» есть в сером?' });
  await row.waitFor();
  assert.match(await row.innerText(), /Demo shop/i);
  assert.equal(await row.locator('.badge').innerText(), '1');
  await row.click();
  await op.page.locator('.msg.them', { hasText: 'Плед «Облако»' }).waitFor();
  await op.page.getByLabel('Ответ посетителю…').fill('Да, серый есть — отправим завтра.');
  await op.page.keyboard.press('Enter');
  const answer = v.page.locator('.b.op', { hasText: 'Да, серый есть — отправим завтра.' });
  await answer.waitFor();
  assert.equal(await answer.count(), 1);
  assert.equal(await op.page.locator('.msg', { hasText: 'Да, серый есть' }).count(), 1);
  assert.equal(await op.page.locator('.msg', { hasText: 'Плед «Облако»' }).count(), 1);
  await row.locator('.badge').waitFor({ state: 'detached' });
  await v.ctx.close(); await op.ctx.close();
});

test('a console that was offline catches up with nothing lost or doubled', async () => {
  const v = await visitorPage('/demo/bikes');
  await say(v.page, 'Подскажите раму под рост 180');
  const op = await consolePage();
  const row = op.page.locator('.row', { hasText: 'Подскажите раму' });
  await row.click();
  await op.page.locator('.msg.them', { hasText: 'Подскажите раму' }).waitFor();
  await op.ctx.setOffline(true);
  await op.page.getByRole('status').waitFor(); // "no connection" bar
  await say(v.page, 'И ещё: есть ли рассрочка?');
  await say(v.page, 'И доставка до Химок?');
  await v.page.locator('.b.me[data-seq="3"]').waitFor();
  await op.ctx.setOffline(false);
  await op.page.locator('.msg.them', { hasText: 'доставка до Химок' }).waitFor({ timeout: 40000 });
  const texts = await op.page.locator('.msg.them .text').allInnerTexts();
  assert.deepEqual(texts, ['Подскажите раму под рост 180', 'И ещё: есть ли рассрочка?', 'И доставка до Химок?']);
  await v.ctx.close(); await op.ctx.close();
});

test("the operator's photo, chosen in the console, is the face the visitor sees on the answer", async () => {
  const op = await consolePage();
  await op.page.getByLabel('Ваше фото для посетителей').setInputFiles(
    { name: 'me.png', mimeType: 'image/png', buffer: png(400, 300, [200, 60, 40]) });
  const mine = op.page.locator('.top .avatar img');
  await mine.waitFor();
  const src = await mine.getAttribute('src');
  assert.match(src, /^\/media\/operators\/\d+\/[0-9a-f]{16}$/);
  const served = await op.page.request.get(srv.url + src);
  assert.equal(served.headers()['content-type'], 'image/webp', 'cropped and re-encoded in the browser');

  const v = await visitorPage('/demo/shop');
  assert.equal(await v.page.locator('[data-otklik] .av img').count(), 0, 'no operator face before anyone answers');
  await say(v.page, 'Кто мне ответит?');
  await op.page.locator('.row', { hasText: 'Кто мне ответит?' }).click();
  await op.page.getByLabel('Ответ посетителю…').fill('Я, Демо Оператор!');
  await op.page.keyboard.press('Enter');
  await v.page.locator('.b.op', { hasText: 'Я, Демо Оператор!' }).waitFor();
  const face = v.page.locator('[data-otklik] .av img');
  await face.waitFor();
  assert.equal(new URL(await face.getAttribute('src')).pathname, src);
  assert.ok(await face.evaluate((img) => img.complete && img.naturalWidth === 256), 'the photo loads on the shop page');
  await v.ctx.close(); await op.ctx.close();
});

test('a delivery visitor waits in line honestly, reaches Anna when she comes in, and sees the end of the chat', async () => {
  const boss = await consolePage();
  const v = await visitorPage('/demo/shop?utm_campaign=delivery');
  await say(v.page, 'Где мой заказ 1042?');
  // Only Anna serves deliveries and her console is closed: the visitor hears the truth, with no made-up time.
  await v.page.getByRole('status').filter({ hasText: 'Вы 1-й в очереди.' }).waitFor();
  const row = boss.page.locator('.row', { hasText: 'Где мой заказ' });
  await row.locator('.dept', { hasText: 'Доставка и возврат' }).waitFor();
  await row.locator('.owner.waiting').waitFor();
  assert.equal(await row.locator('.badge').innerText(), '1', 'one message, one unread');

  const anna = await consolePage('anna@example.com');
  await row.locator('.owner', { hasText: '→ Анна Смирнова' }).waitFor();
  await v.page.getByRole('status').filter({ hasText: 'очереди' }).waitFor({ state: 'detached' });
  const annasRow = anna.page.locator('.row', { hasText: 'Где мой заказ' });
  await annasRow.locator('.owner.mine').waitFor();
  await annasRow.click();
  await anna.page.getByLabel('Ответ посетителю…').fill('Заказ 1042 уже в пути, будет завтра до обеда.');
  await anna.page.keyboard.press('Enter');
  await v.page.locator('.b.op', { hasText: 'уже в пути' }).waitFor();
  await anna.page.getByRole('button', { name: 'Завершить разговор' }).click();
  await v.page.locator('.sys', { hasText: 'Разговор завершён' }).waitFor();
  await row.waitFor({ state: 'detached' });
  // Writing again starts a new conversation; the old one stays on screen above it.
  await say(v.page, 'Спасибо!');
  await boss.page.locator('.row', { hasText: 'Спасибо!' }).waitFor();
  assert.equal(await v.page.locator('.b.old', { hasText: 'уже в пути' }).count(), 1);
  await v.ctx.close(); await anna.ctx.close(); await boss.ctx.close();
});

test('a note for a colleague and a hand-over: Anna gets the chat and the note, the visitor sees neither', async () => {
  const boss = await consolePage();
  const anna = await consolePage('anna@example.com');
  const v = await visitorPage('/demo/bikes');
  await say(v.page, 'Нужен ремонт втулки, сколько стоит?');
  const row = boss.page.locator('.row', { hasText: 'ремонт втулки' });
  await row.click();
  await boss.page.getByLabel('Заметка для коллег').check();
  await boss.page.getByLabel('Заметка видна только операторам…').fill('Анна, это по твоей части — ремонт');
  await boss.page.keyboard.press('Enter');
  await boss.page.locator('.msg.note', { hasText: 'по твоей части' }).waitFor();
  await boss.page.getByLabel('Передать разговор').selectOption({ label: 'Анна Смирнова' });
  const annasRow = anna.page.locator('.row', { hasText: 'ремонт втулки' });
  await annasRow.locator('.owner.mine').waitFor();
  await row.locator('.owner', { hasText: '→ Анна Смирнова' }).waitFor();
  await annasRow.click();
  await anna.page.locator('.msg.note', { hasText: 'по твоей части' }).waitFor();
  await anna.page.getByLabel('Ответ посетителю…').fill('Здравствуйте! Ремонт втулки — от 900 ₽.');
  await anna.page.keyboard.press('Enter');
  await v.page.locator('.b.op', { hasText: 'от 900 ₽' }).waitFor();
  assert.equal(await v.page.locator('[data-otklik]').evaluate((h) => h.shadowRoot.textContent.includes('по твоей части')), false);
  await v.ctx.close(); await anna.ctx.close(); await boss.ctx.close();
});

test('the console follows the visitor to another page, live', async () => {
  const op = await consolePage();
  const v = await visitorPage('/demo/shop');
  await say(v.page, 'Смотрю пледы');
  await op.page.locator('.row', { hasText: 'Смотрю пледы' }).click();
  await op.page.locator('.chat-head a[href$="/demo/shop"]').waitFor();
  // A single-page shop changes the address without a reload.
  await v.page.evaluate(() => { history.pushState({}, '', '/demo/shop?item=pled-oblako'); document.title = 'Плед «Облако»'; });
  const link = op.page.locator('.chat-head a', { hasText: 'Плед «Облако»' });
  await link.waitFor({ timeout: 10000 });
  assert.match(await link.getAttribute('href'), /item=pled-oblako$/);
  // Closing frees the operator's place (each takes 5 chats at once; these tests share one server).
  await op.page.getByRole('button', { name: 'Завершить разговор' }).click();
  await v.page.locator('.sys', { hasText: 'Разговор завершён' }).waitFor();
  await v.ctx.close(); await op.ctx.close();
});

test('an operator who is away gets the hint and no new chats', async () => {
  const op = await consolePage();
  await op.page.getByLabel('Статус').selectOption('away');
  await op.page.getByText('Новые разговоры вам не придут').waitFor();
  const v = await visitorPage('/demo/bikes');
  await say(v.page, 'Есть кто-нибудь?');
  await op.page.locator('.row', { hasText: 'Есть кто-нибудь?' }).locator('.owner.waiting').waitFor();
  await op.page.getByLabel('Статус').selectOption('online');
  await op.page.locator('.row', { hasText: 'Есть кто-нибудь?' }).locator('.owner.mine').waitFor();
  await v.ctx.close(); await op.ctx.close();
});

test('wrong password is refused; logout returns to the login screen for good', async () => {
  const ctx = await browser.newContext({ locale: 'ru-RU' });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/console/`);
  await page.getByLabel('Эл. почта').fill(demo.email);
  await page.getByLabel('Пароль').fill('not-the-password');
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('alert').filter({ hasText: 'Неверная почта или пароль' }).waitFor();
  await page.getByLabel('Пароль').fill(demo.password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('button', { name: 'Выйти' }).click();
  await page.getByRole('button', { name: 'Войти' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Войти' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Выйти' }).count(), 0);
  await ctx.close();
});

test('after the operator ends the chat the visitor rates it in one click, adds a word, and the operator sees it', async () => {
  const v = await visitorPage();
  await say(v.page, 'Подскажите размер пледа «Облако»');
  const op = await consolePage();
  const row = op.page.locator('.row', { hasText: 'размер пледа' });
  await row.click();
  await op.page.getByLabel('Ответ посетителю…').fill('150×200 и 200×220.');
  await op.page.keyboard.press('Enter');
  await v.page.locator('.b.op', { hasText: '150×200' }).waitFor();
  await op.page.getByRole('button', { name: 'Завершить разговор' }).click();
  await v.page.getByText('Как мы справились?').waitFor();
  await v.page.getByRole('button', { name: '👍 Помогли' }).click();
  await op.page.getByText('👍 Посетитель оценил разговор: помогли.').waitFor();
  await v.page.getByLabel('Что понравилось или что улучшить').fill('Ответили за минуту');
  await v.page.locator('.of').getByRole('button', { name: 'Отправить' }).click();
  await v.page.getByText('Спасибо за оценку').waitFor();
  await op.page.getByText('«Ответили за минуту»').waitFor();
  await v.ctx.close(); await op.ctx.close();
});

test('"/" in the reply box offers canned replies; one Enter puts the filled-in text there to check and send', async () => {
  const v = await visitorPage();
  await say(v.page, 'Сколько идёт доставка в Казань?');
  const op = await consolePage();
  await op.page.locator('.row', { hasText: 'доставка в Казань' }).click();
  const box = op.page.getByLabel('Ответ посетителю…');
  await box.fill('/дост');
  await op.page.getByRole('option', { name: /\/доставка/ }).waitFor();
  await box.press('Enter');
  assert.match(await box.inputValue(), /^Доставляем по Москве/);
  await box.press('Enter');
  await v.page.locator('.b.op', { hasText: 'Доставляем по Москве' }).waitFor();
  await box.fill('/привет');
  await box.press('Tab');
  assert.match(await box.inputValue(), /^Здравствуйте, Посетитель \d+! Меня зовут Демо Оператор/);
  await op.page.getByRole('button', { name: 'Шаблоны' }).click();
  await op.page.getByLabel('Сокращение, например доставка').fill('оплата');
  await op.page.getByLabel('Текст ответа').fill('Оплатить можно картой или при получении.');
  await op.page.getByRole('button', { name: 'Сохранить' }).click();
  await op.page.locator('li[data-canned="оплата"]').waitFor();
  await v.ctx.close(); await op.ctx.close();
});

test('the visitor card beside the chat shows this visit, where they came from, the device and earlier chats', async () => {
  const v = await visitorPage('/demo/shop?utm_source=yandex&utm_campaign=pledy');
  await say(v.page, 'А плед можно постирать в машинке?');
  const op = await consolePage();
  await op.page.locator('.row', { hasText: 'постирать в машинке' }).click();
  const card = op.page.getByRole('complementary', { name: 'Карточка посетителя' });
  await card.getByText('Страницы этого визита').waitFor();
  const text = await card.innerText();
  assert.match(text, /source=yandex, campaign=pledy/);
  assert.match(text, /Chrome \d+ · Linux · компьютер/);
  assert.match(text, /Визит №\s+1/);
  if (process.env.OTK_SHOTS) await op.page.screenshot({ path: `${process.env.OTK_SHOTS}/console-card.png` });
  await op.page.getByRole('button', { name: 'Скрыть карточку' }).click();
  await card.waitFor({ state: 'detached' });
  await op.page.getByRole('button', { name: 'Карточка посетителя' }).click();  // back, for the next console
  await v.ctx.close(); await op.ctx.close();
});

test('an operator labels a chat; the label shows on the chat and in the list', async () => {
  const v = await visitorPage();
  await say(v.page, 'Нужен счёт для юрлица');
  const op = await consolePage();
  const row = op.page.locator('.row', { hasText: 'счёт для юрлица' });
  await row.click();
  await op.page.getByLabel('+ метка').fill('юрлицо');
  await op.page.getByLabel('+ метка').press('Enter');
  await row.locator('.chip', { hasText: 'юрлицо' }).waitFor();
  await op.page.getByRole('button', { name: 'Снять метку юрлицо' }).click();
  await row.locator('.chip').waitFor({ state: 'detached' });
  await v.ctx.close(); await op.ctx.close();
});
