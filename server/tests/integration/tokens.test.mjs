// API tokens for integrations: made by owners and admins in a console session, shown once, stored hashed;
// a token reads (or also writes) within its maker's scope, needs no CSRF token (no cookie),
// has its own rate limit, cannot make tokens, and stops working the moment it is revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login } from './client.mjs';

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
  for (const body of [{}, { name: '' }, { name: 'x', write: 'yes' }, { name: 7 }, { name: 'x'.repeat(101) }]) {
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
