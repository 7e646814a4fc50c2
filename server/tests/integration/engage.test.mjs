// Engagement and the FAQ bot against the real server: the settings document over REST (validated, owner-only,
// invisible to another account), the bot's turns (intro, answer, "did this help?", hand-offs for each reason,
// an operator stepping in), the widget's event counter, and Otklik.identify's hash check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator, transcript } from './client.mjs';

let srv, dir, cli;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-engage-'));
  cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other', '--password', 'secret');
  srv = await startServer({ dataDir: dir });
});
after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

const api = (s, method, p, body) => fetch(`${srv.url}/api/v1${p}`, {
  method,
  headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});
const servicePage = () => ({ url: `${srv.url}/demo/service`, title: 'Сигнал' });

test('the settings document: validated with the field named, owner-only, others see no such site', async () => {
  const owner = await login(srv.url);
  const anna = await login(srv.url, 'anna@example.com', 'demo');
  const olga = await login(srv.url, 'olga@other.example', 'secret');
  const got = await (await api(owner, 'GET', '/sites/demo-shop/engage')).json();
  assert.deepEqual(got.settings.triggers, []);
  assert.equal(got.settings.guards.period_hours, 24);

  const doc = { triggers: [{ id: 'hello', conditions: [{ type: 'time_on_page', min_seconds: 0 }],
    action: { type: 'teaser', text: 'Привет!' } }] };
  const bad = await api(owner, 'PUT', '/sites/demo-shop/engage', doc);
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /triggers\[0\]\.conditions\[0\]\.min_seconds/);
  const extortion = await api(owner, 'PUT', '/sites/demo-shop/engage', { triggers: [{ id: 'x',
    conditions: [{ type: 'time_on_page', min_seconds: 5 }], action: { type: 'teaser', text: 'Оставьте телефон!' } }] });
  assert.equal(extortion.status, 400, 'a teaser may not ask for contacts');

  doc.triggers[0].conditions[0].min_seconds = 5;
  const ok = await api(owner, 'PUT', '/sites/demo-shop/engage', doc);
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).settings.triggers[0].match, 'all', 'defaults are filled in');
  const loader = await (await fetch(`${srv.url}/widget.js?site=demo-shop`)).text();
  assert.match(loader, /"engage":\{[^]*"id":"hello"/, 'the loader carries the triggers');

  assert.equal((await api(anna, 'PUT', '/sites/demo-shop/engage', doc)).status, 403, 'an operator may read, not write');
  assert.equal((await api(anna, 'GET', '/sites/demo-shop/engage')).status, 200);
  for (const p of ['/sites/demo-shop/engage', '/sites/demo-shop/kb', '/sites/demo-shop/politeness', '/sites/demo-shop/engage/stats']) {
    assert.equal((await api(olga, 'GET', p)).status, 404, `${p} of another account`);
  }
  assert.equal((await api(olga, 'PUT', '/sites/demo-shop/engage', doc)).status, 404);
  const noCsrf = await fetch(`${srv.url}/api/v1/sites/demo-shop/engage`, { method: 'PUT',
    headers: { Cookie: owner.cookie, 'Content-Type': 'application/json' }, body: JSON.stringify(doc) });
  assert.equal(noCsrf.status, 403, 'a write without the CSRF token is refused');

  const report = await (await api(owner, 'GET', '/sites/demo-shop/politeness')).json();
  const ids = report.checks.map((c) => c.id);
  for (const id of ['silent_opening', 'no_auto_open', 'hours_stated', 'real_operator_photo', 'lively_texts']) assert.ok(ids.includes(id), id);
  assert.equal(report.checks.find((c) => c.id === 'real_operator_photo').ok, false, 'demo operators have no photos');
});

test('the knowledge base: CRUD with validation, and the probe says what the bot would do', async () => {
  const owner = await login(srv.url);
  const olga = await login(srv.url, 'olga@other.example', 'secret');
  const created = await api(owner, 'POST', '/sites/demo-bikes/kb', { question: 'Есть ли у вас прокат велосипедов?',
    phrasings: ['Можно взять велосипед напрокат', ''], answer: 'Да, от 300 ₽ в час.' });
  assert.equal(created.status, 201);
  const entry = await created.json();
  assert.deepEqual(entry.phrasings, ['Можно взять велосипед напрокат']);
  const bad = await api(owner, 'POST', '/sites/demo-bikes/kb', { question: 'x'.repeat(301), answer: 'a' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /question/);
  assert.equal((await api(owner, 'POST', '/sites/demo-bikes/kb', { question: 'q', answer: 'a', extra: 1 })).status, 400);

  const probe = await (await api(owner, 'POST', '/sites/demo-bikes/kb/try', { text: 'прокат велосипеда' })).json();
  assert.equal(probe.entry, entry.id);
  assert.ok(probe.confidence >= 0.5);
  const human = await (await api(owner, 'POST', '/sites/demo-bikes/kb/try', { text: 'позовите оператора' })).json();
  assert.equal(human.handoff, 'asked');

  assert.equal((await api(olga, 'PUT', `/sites/demo-bikes/kb/${entry.id}`, { question: 'q', answer: 'a' })).status, 404);
  assert.equal((await api(olga, 'DELETE', `/sites/demo-bikes/kb/${entry.id}`)).status, 404);
  const upd = await api(owner, 'PUT', `/sites/demo-bikes/kb/${entry.id}`, { question: 'Есть ли прокат?', answer: 'Да.' });
  assert.equal((await upd.json()).answer, 'Да.');
  assert.equal((await api(owner, 'PUT', `/sites/demo-shop/kb/${entry.id}`, { question: 'q', answer: 'a' })).status, 404,
    'an entry belongs to its site');
  assert.equal((await api(owner, 'DELETE', `/sites/demo-bikes/kb/${entry.id}`)).status, 204);
  assert.deepEqual((await (await api(owner, 'GET', '/sites/demo-bikes/kb')).json()).entries, []);
});

test('the bot introduces itself, answers, asks "did this help?", and hands off after two "no"s', async () => {
  const owner = await login(srv.url);
  const demo = await operator(srv.url, owner);
  const v = await visitor(srv.url, { site: 'demo-service', page: servicePage() });
  v.send({ type: 'send', client_id: 'q1', text: 'Сколько стоит интернет у вас?' });
  const conv = (await v.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  assert.equal((await v.pick((f) => f.type === 'bot', 5000, 'bot on')).active, true);
  const intro = await v.pick((f) => f.type === 'message' && f.author.kind === 'bot' && !f.bot, 5000, 'intro');
  assert.match(intro.text, /бот/i, 'the bot says it is a bot');
  assert.equal(intro.author.name, 'Робот Сигнал');
  const answer = await v.pick((f) => f.type === 'message' && f.bot?.answer, 5000, 'answer');
  assert.match(answer.text, /450 ₽/);
  const summary = (await demo.pick((f) => f.type === 'conversation' && f.conversation.id === conv, 5000, 'summary')).conversation;
  assert.equal(summary.bot, true, 'operators see that the bot has it');
  assert.equal(summary.department, null, 'the desk does not route it while the bot answers');

  v.send({ type: 'bot_feedback', message: answer.id, helpful: false });
  assert.equal((await v.pick((f) => f.type === 'bot_feedback_saved', 5000, 'saved')).helpful, false);
  const marked = await demo.pick((f) => f.type === 'message' && f.id === answer.id && f.bot.helpful !== null, 5000, 'mark to operators');
  assert.equal(marked.bot.helpful, false);
  await v.pick((f) => f.type === 'message' && f.author.kind === 'bot' && /по-другому|другими/.test(f.text), 5000, 'try again');

  v.send({ type: 'send', client_id: 'q2', text: 'А как оплатить картой?' });
  const second = await v.pick((f) => f.type === 'message' && f.bot?.answer, 5000, 'second answer');
  v.send({ type: 'bot_feedback', message: second.id, helpful: false });
  assert.equal((await v.pick((f) => f.type === 'bot', 5000, 'bot off')).active, false);
  await v.pick((f) => f.type === 'status', 5000, 'routed to the desk');
  assert.equal((await demo.pick((f) => f.type === 'bot', 5000, 'operators hear it')).active, false);

  // The operator sees the whole transcript, bot lines included.
  const all = await transcript(srv.url, owner, conv);
  assert.deepEqual(all.map((m) => m.author.kind), ['visitor', 'bot', 'bot', 'bot', 'visitor', 'bot', 'bot']);
  // Another mark on an answer of someone else's conversation is refused.
  const other = await visitor(srv.url, { site: 'demo-service', page: servicePage() });
  other.send({ type: 'bot_feedback', message: answer.id, helpful: true });
  assert.equal((await other.pick((f) => f.type === 'error', 5000, 'error')).code, 'not_found');
  for (const c of [v, other, demo]) c.close();
});

test('hand-offs: asked in words, asked by button, low confidence; an operator stepping in silences the bot', async () => {
  const owner = await login(srv.url);
  const demo = await operator(srv.url, owner);

  const words = await visitor(srv.url, { site: 'demo-service', page: servicePage() });
  words.send({ type: 'send', client_id: 'w1', text: 'позовите оператора, пожалуйста' });
  const handoff = await words.pick((f) => f.type === 'message' && f.client_id === 'handoff', 5000, 'handoff line');
  assert.equal(handoff.author.kind, 'bot');
  assert.equal((await words.pick((f) => f.type === 'bot' && !f.active, 5000, 'bot off')).active, false);

  const unsure = await visitor(srv.url, { site: 'demo-service', page: servicePage() });
  unsure.send({ type: 'send', client_id: 'u1', text: 'Какая погода будет в Казани в субботу?' });
  await unsure.pick((f) => f.type === 'message' && f.client_id === 'handoff', 5000, 'low-confidence handoff');
  assert.equal(unsure.frames.filter((f) => f.type === 'message' && f.bot?.answer).length, 0, 'the bot does not guess');

  const button = await visitor(srv.url, { site: 'demo-service', page: servicePage() });
  button.send({ type: 'send', client_id: 'b1', text: 'Как настроить роутер?' });
  const conv = (await button.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  await button.pick((f) => f.type === 'message' && f.bot?.answer, 5000, 'answer');
  button.send({ type: 'handoff' });
  await button.pick((f) => f.type === 'bot' && !f.active, 5000, 'bot off');
  button.send({ type: 'handoff' });  // twice is harmless
  await button.pick((f) => f.type === 'bot' && !f.active, 5000, 'still off');
  button.send({ type: 'send', client_id: 'b2', text: 'Спасибо, жду' });
  await button.pick((f) => f.type === 'ack' && f.client_id === 'b2', 5000, 'ack');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(button.frames.filter((f) => f.type === 'message' && f.author.kind === 'bot' && f.seq > 4).length, 0,
    'after the hand-off the bot is silent');

  const stepped = await visitor(srv.url, { site: 'demo-service', page: servicePage() });
  stepped.send({ type: 'send', client_id: 's1', text: 'Я переезжаю, перенесёте договор?' });
  const sconv = (await stepped.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  await stepped.pick((f) => f.type === 'message' && f.bot?.answer, 5000, 'answer');
  demo.send({ type: 'send', conversation: sconv, client_id: 'op1', text: 'Здравствуйте! Я подключусь — какой новый адрес?' });
  await stepped.pick((f) => f.type === 'bot' && !f.active, 5000, 'bot silenced by the operator');
  const assigned = await demo.pick((f) => f.type === 'assignment' && f.conversation === sconv, 5000, 'desk takes it');
  assert.equal(assigned.operator.name, owner.operator.name);
  stepped.send({ type: 'send', client_id: 's2', text: 'Ленина, 5' });
  await stepped.pick((f) => f.type === 'ack' && f.client_id === 's2', 5000, 'ack');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(stepped.frames.filter((f) => f.type === 'message' && f.author.kind === 'bot' && f.seq > 3).length, 0);

  const stats = await (await api(owner, 'GET', '/sites/demo-service/engage/stats')).json();
  assert.ok(stats.bot.conversations >= 4);
  assert.ok(stats.bot.handoff_reasons.asked >= 2);
  assert.ok(stats.bot.handoff_reasons.low_confidence >= 1);
  assert.ok(stats.bot.handoff_reasons.operator >= 1);
  assert.ok(stats.bot.answers >= 2);
  void conv;
  for (const c of [words, unsure, button, stepped, demo]) c.close();
});

test('the widget event counter: origin-checked, strict, and only counts', async () => {
  const owner = await login(srv.url);
  await api(owner, 'PUT', '/sites/demo-bikes/engage', { triggers: [{ id: 'poll', conditions: [{ type: 'time_on_page', min_seconds: 5 }],
    action: { type: 'poll', question: 'Что ищете?', options: ['Горный', 'Городской'] } }] });
  const post = (body, origin = srv.url) => fetch(`${srv.url}/api/v1/widget/events?site=demo-bikes`, {
    method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: origin }, body: JSON.stringify(body) });
  const ok = await post({ events: [{ trigger: 'poll', kind: 'shown' }, { trigger: 'poll', kind: 'answered', option: 1 }] });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), srv.url);
  assert.equal((await post({ events: [{ trigger: 'poll', kind: 'shown' }] }, 'https://evil.example')).status, 403);
  assert.equal((await post({ events: [{ trigger: 'nope', kind: 'shown' }] })).status, 400);
  assert.equal((await post({ events: [{ trigger: 'poll', kind: 'answered', option: 2 }] })).status, 400);
  assert.equal((await post({ events: [{ trigger: 'poll', kind: 'clicked' }] })).status, 400);
  assert.equal((await post({ events: [] })).status, 400);
  assert.equal((await post('not json')).status, 400);
  const stats = await (await api(owner, 'GET', '/sites/demo-bikes/engage/stats')).json();
  assert.deepEqual(stats.triggers, [{ trigger: 'poll', shown: 1, accepted: 0, dismissed: 0, answers: [0, 1] }],
    'refused requests counted nothing');
});

test('identify: a matching HMAC marks the visitor as logged in and names them; a wrong one is refused', async () => {
  const secret = cli('site', 'secret', '--site', 'demo-shop').trim();
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.equal(cli('site', 'secret', '--site', 'demo-shop').trim(), secret, 'the secret stays until rotated');
  const hash = createHmac('sha256', secret).update('user-42').digest('hex');
  const good = new (await import('./client.mjs')).WsClient(`${srv.url.replace('http', 'ws')}/ws/visitor?site=demo-shop`, { origin: srv.url });
  await good.opened;
  good.send({ type: 'hello', page: { url: `${srv.url}/demo/shop` }, identity: { id: 'user-42', name: 'Мария', email: 'maria@example.com', hash } });
  assert.equal((await good.type('welcome')).logged_in, true);
  const bad = new (await import('./client.mjs')).WsClient(`${srv.url.replace('http', 'ws')}/ws/visitor?site=demo-shop`, { origin: srv.url });
  await bad.opened;
  bad.send({ type: 'hello', identity: { id: 'user-42', name: 'Мария', hash: hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) } });
  const err = await bad.pick((f) => f.type === 'error', 5000, 'error');
  assert.equal(err.ref, 'identity');
  assert.equal((await bad.type('welcome')).logged_in, false, 'the chat goes on, anonymously');

  const demo = await operator(srv.url, await login(srv.url));
  good.send({ type: 'send', client_id: 'i1', text: 'Где мой заказ?' });
  const conv = (await demo.pick((f) => f.type === 'conversation', 5000, 'conversation')).conversation;
  assert.equal(conv.visitor.name, 'Мария', 'operators see the verified name');
  for (const c of [good, bad, demo]) c.close();
});
