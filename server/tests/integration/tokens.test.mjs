// API tokens for integrations: made by owners and admins in a console session, shown once, stored hashed;
// a token reads (or also writes) within its maker's scope, or only some of its maker's sites, needs no CSRF
// token (no cookie), has its own rate limit, cannot make tokens or open the operator socket, and stops working
// the moment it is revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startServer, otklikBin, png } from '../../../web/e2e/fixture.mjs';
import { visitor, login } from './client.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let srv, dir, owner, call, sites;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-tokens-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other',
    '--password', 'secret', '--role', 'owner');
  srv = await startServer({ dataDir: dir });
  owner = await login(srv.url);
  call = (method, p, body, headers = { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf }) => fetch(`${srv.url}${p}`, {
    method, headers: { ...headers, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  sites = Object.fromEntries((await (await call('GET', '/api/v1/me')).json()).sites.map((s) => [s.key, s.id]));
  // A lead on each of two sites.
  for (const [site, email] of [['demo-shop', 'shop-buyer@example.com'], ['demo-bikes', 'bike-buyer@example.com']]) {
    const v = await visitor(srv.url, { site });
    v.send({ type: 'contact', client_id: `c-${site}`, name: 'Покупатель', email });
    await v.pick((f) => f.type === 'contact_saved', 5000, 'saved');
    v.close();
  }
});
after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

test('a read token sees what its maker sees, cannot write, and needs no CSRF token', async () => {
  const made = await call('POST', '/api/v1/tokens', { name: 'CRM: чтение' });
  assert.equal(made.status, 201);
  const { token, secret } = await made.json();
  assert.match(secret, /^otk_[A-Za-z0-9_-]{32}$/);
  assert.equal(token.write, false);
  assert.equal(token.sites, null, 'no list: all the maker\'s sites');
  assert.equal(token.prefix, secret.slice(0, 10));
  assert.equal(token.maker.name, 'Демо Оператор');

  const leads = await (await call('GET', '/api/v1/leads', undefined, bearer(secret))).json();
  assert.deepEqual(leads.leads.map((l) => l.email).sort(), ['bike-buyer@example.com', 'shop-buyer@example.com']);
  const me = await (await call('GET', '/api/v1/me', undefined, bearer(secret))).json();
  assert.deepEqual(me.sites.map((s) => s.id).sort(), Object.values(sites).sort());
  const csv = await call('GET', '/api/v1/export/leads.csv?from=2000-01-01&to=2100-01-01', undefined, bearer(secret));
  assert.equal(csv.status, 400, 'the export answers (its range is over a year), not 401');

  const lead = leads.leads[0].id;
  const patch = await call('PATCH', `/api/v1/leads/${lead}`, { status: 'won' }, bearer(secret));
  assert.equal(patch.status, 403);
  assert.match((await patch.json()).error.message, /may only read/);

  // The token is stored only as a hash: nowhere in the database file, nor in the list.
  const list = await (await call('GET', '/api/v1/tokens')).json();
  assert.ok(!JSON.stringify(list).includes(secret));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.db') || n.endsWith('-wal'))) {
    assert.ok(!readFileSync(path.join(dir, f)).includes(secret), `${f} does not hold the token`);
  }
});

test('a write token changes things without a CSRF token; revoking stops it at once', async () => {
  const { token, secret } = await (await call('POST', '/api/v1/tokens', { name: 'CRM', write: true })).json();
  assert.equal(token.write, true);
  const leads = (await (await call('GET', '/api/v1/leads', undefined, bearer(secret))).json()).leads;
  assert.equal(leads.length, 2);
  const bikes = leads.find((l) => l.email === 'bike-buyer@example.com');
  const patch = await call('PATCH', `/api/v1/leads/${bikes.id}`, { status: 'in_work' }, bearer(secret));
  assert.equal(patch.status, 200);
  assert.equal((await patch.json()).lead.status, 'in_work');

  assert.equal((await call('POST', '/api/v1/tokens', { name: 'minted' }, bearer(secret))).status, 403, 'tokens cannot make tokens');
  assert.equal((await call('DELETE', `/api/v1/tokens/${token.id}`)).status, 204);
  assert.equal((await call('DELETE', `/api/v1/tokens/${token.id}`)).status, 204, 'revoking twice is no error');
  const after = await call('GET', '/api/v1/leads', undefined, bearer(secret));
  assert.equal(after.status, 401);
  const listed = (await (await call('GET', '/api/v1/tokens')).json()).tokens.find((t) => t.id === token.id);
  assert.ok(listed.revoked_at > 0);
});

test('bad tokens, other roles and other accounts get nothing', async () => {
  for (const h of ['Bearer ', 'Bearer otk_nope', 'Basic ZGVtbzpkZW1v', `Bearer ${'x'.repeat(500)}`]) {
    const r = await call('GET', '/api/v1/leads', undefined, { Authorization: h });
    assert.equal(r.status, 401, h.slice(0, 20));
  }
  const anna = await login(srv.url, 'anna@example.com', 'demo');
  const annaCall = (method, p, body) => call(method, p, body, { Cookie: anna.cookie, 'X-CSRF-Token': anna.csrf });
  assert.equal((await annaCall('POST', '/api/v1/tokens', { name: 'x' })).status, 403);
  assert.equal((await annaCall('GET', '/api/v1/tokens')).status, 403);
  for (const body of [{}, { name: '' }, { name: 'x', write: 'yes' }, { name: 7 }, { name: 'x'.repeat(101) },
    { name: 'x', sites: [] }, { name: 'x', sites: 'demo-shop' }, { name: 'x', sites: [0] }, { name: 'x', sites: ['1'] },
    { name: 'x', sites: [1.5] }, { name: 'x', sites: {} }]) {
    assert.equal((await call('POST', '/api/v1/tokens', body)).status, 400, JSON.stringify(body));
  }

  const olga = await login(srv.url, 'olga@other.example', 'secret');
  const olgaCall = (method, p, body) => call(method, p, body, { Cookie: olga.cookie, 'X-CSRF-Token': olga.csrf });
  const { secret } = await (await olgaCall('POST', '/api/v1/tokens', { name: 'other crm', write: true })).json();
  const theirs = await (await call('GET', '/api/v1/leads', undefined, bearer(secret))).json();
  assert.deepEqual(theirs.leads, [], 'another account\'s token sees none of these leads');
  const mine = (await (await call('GET', '/api/v1/tokens')).json()).tokens;
  assert.ok(!mine.some((t) => t.name === 'other crm'));
  assert.equal((await olgaCall('DELETE', `/api/v1/tokens/${mine[0].id}`)).status, 404);
});

test('each token has its own rate limit', async () => {
  const { secret } = await (await call('POST', '/api/v1/tokens', { name: 'busy' })).json();
  const { secret: calm } = await (await call('POST', '/api/v1/tokens', { name: 'calm' })).json();
  const statuses = [];
  for (let i = 0; i < 160; i++) statuses.push((await call('GET', '/api/v1/me', undefined, bearer(secret))).status);
  assert.ok(statuses.slice(0, 100).every((s) => s === 200), 'a burst of 100 passes');
  assert.ok(statuses.includes(429), 'then the token is slowed down');
  assert.equal((await call('GET', '/api/v1/me', undefined, bearer(calm))).status, 200, 'other tokens are not');
});

test('a token limited to some sites: a precise error for a bad list, duplicates folded, listed with its sites', async () => {
  const empty = await call('POST', '/api/v1/tokens', { name: 'x', sites: [] });
  assert.equal(empty.status, 400);
  assert.match((await empty.json()).error.message, /at least one site/);
  const olga = await login(srv.url, 'olga@other.example', 'secret');
  const foreign = (await (await call('GET', '/api/v1/me', undefined, { Cookie: olga.cookie })).json()).sites[0].id;
  for (const bad of [foreign, 987654]) {
    const r = await call('POST', '/api/v1/tokens', { name: 'x', sites: [sites['demo-bikes'], bad] });
    assert.equal(r.status, 404, `site ${bad}`);
    assert.equal((await r.json()).error.message, `no such site: ${bad}`);
  }
  const made = await call('POST', '/api/v1/tokens', { name: 'Bikes', sites: [sites['demo-bikes'], sites['demo-bikes']] });
  assert.equal(made.status, 201);
  const { token } = await made.json();
  assert.deepEqual(token.sites, [sites['demo-bikes']]);
  const listed = (await (await call('GET', '/api/v1/tokens')).json()).tokens.find((t) => t.id === token.id);
  assert.deepEqual(listed.sites, [sites['demo-bikes']]);
  const all = (await (await call('GET', '/api/v1/tokens')).json()).tokens.filter((t) => t.name === 'CRM: чтение');
  assert.deepEqual(all.map((t) => t.sites), [null]);
});

test('a token cannot open the operator socket', async () => {
  const { secret } = await (await call('POST', '/api/v1/tokens', { name: 'socket', write: true })).json();
  const status = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/operator`, { origin: srv.url, headers: bearer(secret) });
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.once('error', reject);
  });
  assert.equal(status, 403);
});

/** `METHOD /api/v1/...` of every table row in the operator sections of the API docs (as isolation.test.mjs). */
function documentedEndpoints() {
  const out = [];
  const api = readFileSync(path.join(root, 'docs/api.md'), 'utf8');
  const engage = readFileSync(path.join(root, 'docs/engagement.md'), 'utf8');
  for (const text of [api.slice(api.indexOf('## Endpoints'), api.indexOf('## Public, unauthenticated')),
    engage.slice(engage.indexOf('## Console REST'))]) {
    for (const m of text.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[^`?]+)`/gm)) out.push([m[1], m[2]]);
  }
  return out;
}

test('a token limited to one site reads and writes that site only: the maker\'s other sites are 404, lists leave them out', async () => {
  const bikes = sites['demo-bikes'], shop = sites['demo-shop'];
  const mark = `shop-only-${Date.now()}`;
  // The maker's things on demo-shop (and a knowledge-base entry on demo-service), each with a marker, and a
  // conversation on demo-bikes.
  const vs = await visitor(srv.url, { site: 'demo-shop' });
  vs.send({ type: 'send', client_id: 'sh-1', text: `Заказ ${mark}` });
  const shopConv = (await vs.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  vs.close();
  const vb = await visitor(srv.url, { site: 'demo-bikes' });
  vb.send({ type: 'send', client_id: 'bk-1', text: 'Есть ли шлемы?' });
  const bikeConv = (await vb.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  vb.close();
  const ownLeads = (await (await call('GET', '/api/v1/leads')).json()).leads;
  const shopLead = ownLeads.find((l) => l.email === 'shop-buyer@example.com').id;
  const bikeLead = ownLeads.find((l) => l.email === 'bike-buyer@example.com').id;
  const canned = (await (await call('POST', '/api/v1/canned', { site: shop, shortcut: 'shop', text: `Ответ ${mark}` })).json()).canned.id;
  const kb = (await (await call('POST', '/api/v1/sites/demo-service/kb', { question: `Вопрос ${mark}`, answer: mark })).json()).id;
  const upload = await fetch(`${srv.url}/api/v1/conversations/${shopConv}/attachments?name=${mark}.png`, {
    method: 'POST', headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf }, body: png(4, 4, [10, 20, 30]) });
  assert.equal(upload.status, 201);
  const attachment = (await upload.json()).message.attachment.id;
  const hook = async (site, tail) => (await (await call('POST', '/api/v1/webhooks',
    { site, url: `http://127.0.0.1:9/${tail}`, events: ['message.created'] })).json()).webhook.id;
  const shopHook = await hook(shop, mark);
  const bikeHook = await hook(bikes, 'bikes');
  assert.equal((await call('POST', `/api/v1/webhooks/${shopHook}/test`)).status, 202);
  const delivery = (await (await call('GET', `/api/v1/webhooks/${shopHook}/deliveries`)).json()).deliveries[0].id;

  const { secret } = await (await call('POST', '/api/v1/tokens', { name: 'Bikes CRM', write: true, sites: [bikes] })).json();
  const as = (method, p, body) => call(method, p, body, bearer(secret));
  const json = async (p) => { const r = await as('GET', p); assert.equal(r.status, 200, p); return r.json(); };

  // What it reads: demo-bikes only.
  assert.deepEqual((await json('/api/v1/me')).sites.map((s) => s.key), ['demo-bikes']);
  assert.deepEqual((await json('/api/v1/leads')).leads.map((l) => l.id), [bikeLead]);
  assert.deepEqual((await json(`/api/v1/leads?site=${shop}`)).leads, []);
  assert.equal((await json(`/api/v1/leads/${bikeLead}`)).lead.id, bikeLead);
  const convs = (await json('/api/v1/conversations')).conversations.map((c) => c.id);
  assert.ok(convs.includes(bikeConv) && !convs.includes(shopConv), JSON.stringify(convs));
  assert.equal((await as('GET', `/api/v1/conversations/${bikeConv}/messages`)).status, 200);
  assert.deepEqual((await json('/api/v1/webhooks')).webhooks.map((w) => w.id), [bikeHook]);
  assert.deepEqual((await json(`/api/v1/callbacks?site=${shop}`)).callbacks, []);
  assert.ok(!(await json('/api/v1/canned')).canned.some((c) => c.id === canned));
  const range = 'from=2000-01-01&to=2000-12-31';
  const today = new Date().toISOString().slice(0, 10);
  const leadsCsv = await as('GET', `/api/v1/export/leads.csv?from=${today}&to=${today}`);
  assert.equal(leadsCsv.status, 200);
  const csv = await leadsCsv.text();
  assert.ok(csv.includes('bike-buyer@example.com') && !csv.includes('shop-buyer@example.com'), csv);
  const convCsv = await (await as('GET', `/api/v1/export/conversations.csv?from=${today}&to=${today}`)).text();
  assert.ok(convCsv.includes(`${bikeConv},`) && !convCsv.includes('Demo shop'), convCsv);
  for (const kind of ['leads', 'conversations', 'callbacks']) {
    assert.equal((await as('GET', `/api/v1/export/${kind}.csv?${range}&site=${shop}`)).status, 404, `${kind}.csv of demo-shop`);
    assert.equal((await as('GET', `/api/v1/export/${kind}.csv?${range}&site=${bikes}`)).status, 200, `${kind}.csv of demo-bikes`);
  }
  // It writes there too.
  assert.equal((await as('PATCH', `/api/v1/leads/${bikeLead}`, { status: 'won' })).status, 200);

  // Every documented endpoint, given the maker's demo-shop things: 403 or 404, and nothing of demo-shop leaks.
  const bodyFor = (method, p) => {
    if (method === 'GET' || method === 'DELETE') return undefined;
    if (p.endsWith('/notes')) return { client_id: 'tok-note', text: 'note' };
    if (p.includes('/leads/')) return { status: 'lost' };
    if (p.endsWith('/kb/try')) return { text: 'вопрос' };
    if (p.includes('/kb')) return { question: 'Чужой вопрос', answer: 'Чужой ответ' };
    if (p.endsWith('/engage')) return { triggers: [] };
    if (p === '/api/v1/canned') return { site: shop, shortcut: 'tok', text: 'чужое' };
    if (p === '/api/v1/webhooks') return { site: shop, url: 'https://evil.example/', events: ['message.created'] };
    if (p.includes('/webhooks/')) return { enabled: false };
    return {};
  };
  let swept = 0;
  for (const [method, template] of documentedEndpoints()) {
    if (['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/me', '/api/v1/me/photo', '/api/v1/engage/presets'].includes(template)) continue;
    const concrete = template
      .replace('/conversations/{id}', `/conversations/${shopConv}`)
      .replace('/attachments/{id}', `/attachments/${attachment}`)
      .replace('/leads/{id}', `/leads/${shopLead}`)
      .replace('/canned/{id}', `/canned/${canned}`)
      .replace('/callbacks/{id}', '/callbacks/1')
      .replace('/kb/{id}', `/kb/${kb}`)
      .replace('/webhooks/{id}', `/webhooks/${shopHook}`)
      .replace('/tokens/{id}', '/tokens/1')
      .replace('/operators/{id}', '/operators/1')
      .replace('/departments/{id}', '/departments/1')
      .replace('{delivery}', `${delivery}`)
      .replace('{number}', '%2B79161234567')
      .replace('{key}', template.includes('/kb') ? 'demo-service' : 'demo-shop')
      .replace('{leads,conversations,callbacks}.csv', 'leads.csv');
    assert.ok(!concrete.includes('{'), `${template}: every placeholder is filled`);
    const named = /\{(id|key|delivery|number)\}/.test(template) || ['/api/v1/canned', '/api/v1/webhooks'].includes(template) && method === 'POST';
    const query = template.startsWith('/api/v1/export/') ? `?from=${today}&to=${today}` : '';
    const res = await as(method, concrete + query, bodyFor(method, concrete));
    const text = await res.text();
    if (named) assert.ok([403, 404].includes(res.status), `${method} ${concrete}: ${res.status} ${text.slice(0, 200)}`);
    else assert.ok(res.status < 500, `${method} ${concrete}: ${res.status}`);
    assert.ok(!text.includes(mark), `${method} ${concrete} leaked demo-shop's data`);
    assert.ok(!text.includes('Demo shop') && !text.includes('shop-buyer@example.com'), `${method} ${concrete} named demo-shop`);
    swept++;
  }
  assert.ok(swept >= 30, `swept ${swept}`);

  // The opt-out list is the account's, for every site: the site-limited token reads it but cannot change it.
  assert.equal((await as('GET', '/api/v1/callbacks/optout')).status, 200);
  const optout = await as('POST', '/api/v1/callbacks/optout', { number: '+79161234567' });
  assert.equal(optout.status, 403);
  assert.match((await optout.json()).error.message, /limited to some sites/);
  assert.equal((await as('DELETE', '/api/v1/callbacks/optout/%2B79161234567')).status, 403);

  // Nothing of demo-shop changed; the maker still sees it all.
  const lead = await (await call('GET', `/api/v1/leads/${shopLead}`)).json();
  assert.ok(!lead.entries.some((e) => e.text === 'note'));
  assert.ok((await (await call('GET', '/api/v1/canned')).json()).canned.some((c) => c.id === canned && c.text === `Ответ ${mark}`));
  const hooks = (await (await call('GET', '/api/v1/webhooks')).json()).webhooks;
  assert.ok(hooks.some((h) => h.id === shopHook && h.enabled), 'demo-shop\'s endpoint is still on');
  assert.ok(!hooks.some((h) => h.url === 'https://evil.example/'));
  const entries = (await (await call('GET', '/api/v1/sites/demo-service/kb')).json()).entries;
  assert.equal(entries.find((e) => e.id === kb).answer, mark);
  assert.equal((await call('GET', `/api/v1/conversations/${shopConv}/messages`)).status, 200);
});
