// The cross-account sweep: every operator endpoint documented in docs/api.md and docs/engagement.md is called
// by an operator of another account, with the ids and keys of account A's things filled in. Each must answer
// 403 or 404 and change nothing; each list must show none of A's data. A new endpoint is swept as soon as it is
// documented, so the sweep grows with the API rather than with someone remembering to extend it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, otklikBin, png } from '../../../web/e2e/fixture.mjs';
import { visitor, login } from './client.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `METHOD /api/v1/...` of every table row in the operator sections of the API docs. */
function documentedEndpoints() {
  const out = [];
  const api = readFileSync(path.join(root, 'docs/api.md'), 'utf8');
  const operatorPart = api.slice(api.indexOf('## Endpoints'), api.indexOf('## Public, unauthenticated'));
  const engage = readFileSync(path.join(root, 'docs/engagement.md'), 'utf8');
  const consoleRest = engage.slice(engage.indexOf('## Console REST'));
  for (const text of [operatorPart, consoleRest]) {
    for (const m of text.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[^`?]+)`/gm)) out.push([m[1], m[2]]);
  }
  return out;
}

// What an operator of one account may do to their own account only, or to themselves: nothing of A's is named.
const selfOnly = new Set(['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/me', '/api/v1/me/photo', '/api/v1/engage/presets']);

let srv, dir, a, b, mark;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-isolation-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other',
    '--password', 'secret', '--role', 'owner');
  srv = await startServer({ dataDir: dir });
  a = await login(srv.url);
  b = await login(srv.url, 'olga@other.example', 'secret');

  // Account A's things, each with a marker no other account could produce.
  mark = `secret-${Date.now()}`;
  const v = await visitor(srv.url);
  v.send({ type: 'send', client_id: 'iso-1', text: `Заказ ${mark}` });
  const conversation = (await v.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  v.send({ type: 'contact', client_id: 'iso-c', name: 'Ирина', email: `${mark}@example.com`, message: mark });
  await v.pick((f) => f.type === 'contact_saved', 5000, 'contact saved');
  v.close();
  const call = (s, method, p, body) => fetch(`${srv.url}${p}`, { method,
    headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const lead = (await (await call(a, 'GET', '/api/v1/leads')).json()).leads[0].id;
  const canned = (await (await call(a, 'POST', '/api/v1/canned', { shortcut: 'iso', text: `Ответ ${mark}` })).json()).canned.id;
  const kb = (await (await call(a, 'POST', '/api/v1/sites/demo-service/kb', { question: `Вопрос ${mark}`, answer: mark })).json()).id;
  const upload = await fetch(`${srv.url}/api/v1/conversations/${conversation}/attachments?name=${mark}.png`, {
    method: 'POST', headers: { Cookie: a.cookie, 'X-CSRF-Token': a.csrf }, body: png(4, 4, [10, 20, 30]) });
  assert.equal(upload.status, 201);
  const attachment = (await upload.json()).message.attachment.id;
  const shop = (await (await call(a, 'GET', '/api/v1/me')).json()).sites.find((x) => x.key === 'demo-shop').id;
  const webhook = (await (await call(a, 'POST', '/api/v1/webhooks',
    { site: shop, url: 'http://127.0.0.1:9/never', events: ['message.created'] })).json()).webhook.id;
  await call(a, 'POST', `/api/v1/webhooks/${webhook}/test`);
  const delivery = (await (await call(a, 'GET', `/api/v1/webhooks/${webhook}/deliveries`)).json()).deliveries[0].id;
  const token = (await (await call(a, 'POST', '/api/v1/tokens', { name: `Токен ${mark}` })).json()).token.id;
  const optout = (await (await call(a, 'POST', '/api/v1/callbacks/optout', { number: '+79161234567' })).json()).optout.number;
  const operator = (await (await call(a, 'GET', '/api/v1/operators')).json()).operators.find((o) => o.id !== a.operator.id).id;
  const department = (await (await call(a, 'POST', '/api/v1/sites/demo-shop/departments', { name: `Отдел ${mark}` })).json()).department.id;
  a.ids = { conversation, lead, canned, kb, callback: 1, webhook, delivery, shop, attachment, token, optout, operator, department };
  a.call = call;
});
after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

/** A plausible body, so that a missing tenant check would show up as success rather than as a 400. */
function bodyFor(method, p) {
  if (method === 'GET' || method === 'DELETE') return undefined;
  if (p.endsWith('/notes')) return { client_id: 'iso-note', text: 'note' };
  if (p.includes('/leads/')) return { status: 'won' };
  if (p.endsWith('/kb/try')) return { text: 'вопрос' };
  if (p.includes('/kb')) return { question: 'Чужой вопрос', answer: 'Чужой ответ' };
  if (p.endsWith('/engage')) return { triggers: [] };
  if (p === '/api/v1/webhooks') return { site: a.ids.shop, url: 'https://evil.example/', events: ['message.created'] };
  if (p.includes('/webhooks/')) return { enabled: false };
  if (p === '/api/v1/tokens') return { name: 'чужой', write: true };
  if (p === '/api/v1/callbacks') return { site: a.ids.shop, phone: '+79161234567', client_id: 'iso-callback' };
  if (p.includes('/operators/')) return { chat_limit: 9, disabled: true };
  if (p.includes('/departments/')) return { name: 'Чужой', members: [] };
  if (p.endsWith('/routing')) return { rules: [] };
  return {};
}

test('every documented operator endpoint refuses another account, and no list shows its data', async () => {
  const endpoints = documentedEndpoints();
  assert.ok(endpoints.length >= 25, `the docs list the API (${endpoints.length} endpoints found)`);
  let swept = 0;
  for (const [method, template] of endpoints) {
    if (selfOnly.has(template)) continue;
    const concrete = template
      .replace('/conversations/{id}', `/conversations/${a.ids.conversation}`)
      .replace('/attachments/{id}', `/attachments/${a.ids.attachment}`)
      .replace('/leads/{id}', `/leads/${a.ids.lead}`)
      .replace('/canned/{id}', `/canned/${a.ids.canned}`)
      .replace('/callbacks/{id}', `/callbacks/${a.ids.callback}`)
      .replace('/kb/{id}', `/kb/${a.ids.kb}`)
      .replace('/webhooks/{id}', `/webhooks/${a.ids.webhook}`)
      .replace('/tokens/{id}', `/tokens/${a.ids.token}`)
      .replace('/operators/{id}', `/operators/${a.ids.operator}`)
      .replace('/departments/{id}', `/departments/${a.ids.department}`)
      .replace('{delivery}', `${a.ids.delivery}`)
      .replace('{number}', encodeURIComponent(a.ids.optout))
      .replace('{key}', template.includes('/kb') ? 'demo-service' : 'demo-shop')
      .replace('{leads,conversations,callbacks}.csv', 'leads.csv');
    assert.ok(!concrete.includes('{'), `${template}: the sweep knows how to fill every placeholder`);
    const named = /\{(id|key|delivery|number)\}/.test(template);  // names one of A's things
    const query = template.startsWith('/api/v1/export/') ? '?from=2000-01-01&to=2000-12-31' : '';
    const res = await a.call(b, method, concrete + query, bodyFor(method, concrete));
    const text = await res.text();
    if (named) {
      assert.ok([403, 404].includes(res.status), `${method} ${concrete} as another account: ${res.status} ${text.slice(0, 200)}`);
    } else {
      assert.ok(res.status < 500, `${method} ${concrete}: ${res.status}`);
    }
    assert.ok(!text.includes(mark), `${method} ${concrete} leaked account A's data`);
    assert.ok(!text.includes('Demo shop'), `${method} ${concrete} named account A's site`);
    swept++;
  }
  assert.ok(swept >= 20);

  // Nothing of A's changed.
  const lead = await (await a.call(a, 'GET', `/api/v1/leads/${a.ids.lead}`)).json();
  assert.equal(lead.lead.status, 'new');
  assert.ok(!lead.entries.some((e) => e.text === 'note'));
  const canned = (await (await a.call(a, 'GET', '/api/v1/canned')).json()).canned;
  assert.ok(canned.some((c) => c.id === a.ids.canned));
  const kb = (await (await a.call(a, 'GET', '/api/v1/sites/demo-service/kb')).json()).entries;
  assert.equal(kb.find((e) => e.id === a.ids.kb).answer, mark);
  assert.equal(kb.filter((e) => e.question === 'Чужой вопрос').length, 0);
  const hooks = (await (await a.call(a, 'GET', '/api/v1/webhooks')).json()).webhooks;
  assert.deepEqual(hooks.map((h) => [h.id, h.enabled, h.url]), [[a.ids.webhook, true, 'http://127.0.0.1:9/never']],
    'no endpoint was added to, changed on or removed from A\'s site');
  const tokens = (await (await a.call(a, 'GET', '/api/v1/tokens')).json()).tokens;
  assert.deepEqual(tokens.map((t) => [t.id, t.revoked_at]), [[a.ids.token, null]], 'A\'s token is not revoked, none added');
  const optouts = (await (await a.call(a, 'GET', '/api/v1/callbacks/optout')).json()).optouts;
  assert.deepEqual(optouts.map((o) => o.number), [a.ids.optout], 'A\'s opt-out is not removed, none added');
  const theirs = (await (await a.call(b, 'GET', '/api/v1/callbacks/optout')).json()).optouts;
  assert.ok(!theirs.some((o) => o.number === a.ids.optout), 'B does not list A\'s opt-out');
  const team = (await (await a.call(a, 'GET', '/api/v1/operators')).json()).operators;
  const mate = team.find((o) => o.id === a.ids.operator);
  assert.deepEqual([mate.disabled, mate.chat_limit === 9], [false, false], 'A\'s operator is neither disabled nor changed');
  const deps = (await (await a.call(a, 'GET', '/api/v1/sites/demo-shop/departments')).json()).departments;
  assert.equal(deps.find((d) => d.id === a.ids.department)?.name, `Отдел ${mark}`, 'A\'s department is still there');
});

test('the sockets too: another account\'s console hears nothing of A and cannot act on its conversations', async () => {
  const { operator } = await import('./client.mjs');
  const olga = await operator(srv.url, b);
  assert.ok(!JSON.stringify(olga.welcome).includes(mark));
  assert.ok(!JSON.stringify(olga.welcome).includes('Demo shop'));
  const conv = a.ids.conversation;
  const frames = [
    { type: 'send', conversation: conv, client_id: 'o-x', text: 'чужое' },
    { type: 'history', conversation: conv, after: 0 },
    { type: 'read', conversation: conv, seq: 1 },
    { type: 'note', conversation: conv, client_id: 'n-x', text: 'чужое' },
    { type: 'notes', conversation: conv },
    { type: 'label', conversation: conv, label: 'x', on: true },
    { type: 'close', conversation: conv },
    { type: 'typing', conversation: conv, active: true },
    { type: 'join', conversation: conv },
    { type: 'note', conversation: conv, client_id: 'w-x', text: 'чужое', whisper: true },
    { type: 'transfer', conversation: conv, operator: b.operator.id },
  ];
  for (const f of frames) {
    olga.send(f);
    const err = await olga.pick((x) => x.type === 'error', 5000, `${f.type} refused`);
    assert.equal(err.code, 'not_found', `${f.type}: ${err.message}`);
  }
  // A visitor of A's site writes: B's console hears nothing of it.
  const v = await visitor(srv.url);
  v.send({ type: 'send', client_id: 'iso-2', text: `Ещё ${mark}` });
  await v.pick((f) => f.type === 'ack', 5000, 'ack');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!olga.frames.some((f) => JSON.stringify(f).includes(mark)));
  v.close(); olga.close();
});
